"""The send orchestrator: one message, many batches, never lost and never sent twice.

Order of events for a send (see ``send``):

1. the provider validates the message locally (``InputError`` propagates: nothing is written,
   nothing is sent);
2. the outbox commits the intent (state ``sending``) before any request;
3. recipients go in batches (``ProviderInfo.batch_size`` by default); each batch is committed as
   ``sending``, requested, then recorded;
4. progress is reported after each batch, and cancellation is honoured between batches (never
   in the middle of a request, whose outcome would then be unknown).

How a failed batch is treated:

* ``OutcomeUnknownError`` (or a receipt whose status is unknown, or the task being cancelled or
  crashing while the request is out): the batch is recorded ``unknown`` and the send STOPS. It is
  never retried: the operator reconciles (delivery reports, CDR) or resends knowingly.
* ``RateLimitedError``: the provider refused before doing anything, so the same batch is tried
  again after the announced wait (at most ``rate_limit_wait`` seconds, a few times), unless the
  operator cancels meanwhile. Past that, it is treated as a refusal.
* any other ``ProviderError`` (bad credentials, no credit, a text or sender the provider refuses,
  a recipient list it refuses) or an ``InputError`` raised at request time: the batch is recorded
  ``rejected`` and the send STOPS; the numbers not yet requested become ``cancelled``. We stop
  rather than continue because every batch carries the same message from the same account, so
  a refusal almost always repeats; continuing would burn rate limits and, worse, send the rest
  of a campaign the operator should first reconsider. The cancelled numbers can be resent
  knowingly (``resend``).
* per-recipient refusals inside an accepted batch (``RecipientResult`` rejected) do not stop the
  send: they are recorded and the final state is ``partial``.

The outbox methods are synchronous SQLite calls of a few milliseconds; they run on the event
loop. Run ``send`` in a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from providers.base import Capability, Provider, provider_info
from providers.errors import InputError, OutcomeUnknownError, ProviderError, RateLimitedError
from providers.models import Channel, SendReceipt, SendStatus, SmsMessage, VoiceMessage

from .store import (
    RESENDABLE_STATES,
    UNSETTLED_RECIPIENTS,
    SendState,
    Store,
    StoreError,
    new_reference,
)

log = logging.getLogger(__name__)

Message = SmsMessage | VoiceMessage
DEFAULT_BATCH_SIZE = 500
RATE_LIMIT_RETRIES = 3


@dataclass(frozen=True)
class SendProgress:
    reference: str
    total: int  # recipients in the send (0 for an eCampaign group send)
    done: int  # accepted (or validated, in a dry run)
    failed: int  # rejected or unknown
    cancelled: int  # never requested
    remaining: int  # not requested yet
    batches_done: int
    batches: int
    waiting: float | None = None  # seconds before a rate-limited batch is tried again


@dataclass(frozen=True)
class SendOutcome:
    reference: str
    state: SendState
    total: int
    accepted: int  # accepted, or validated in a dry run
    rejected: int
    unknown: int
    cancelled: int
    receipts: tuple[SendReceipt, ...] = ()
    errors: tuple[ProviderError | InputError, ...] = ()
    balance: Decimal | None = None
    cost: Decimal | None = None
    dry_run: bool = False


class _Stop(Exception):
    """Internal: end the batch loop with this final state."""

    def __init__(self, state: SendState) -> None:
        self.state = state


async def send(
    store: Store,
    provider: Provider,
    account: str,
    message: Message,
    *,
    dry_run: bool = False,
    resend_of: str | None = None,
    progress: Callable[[SendProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
    batch_size: int | None = None,
    rate_limit_wait: float = 120.0,
) -> SendOutcome:
    """Send ``message`` through ``provider`` for ``account``, recording everything in ``store``.

    Duplicate recipients are dropped (first occurrence kept). When the provider has
    ``Capability.CAMPAIGN_ID`` and no campaign id is set, our reference is used, so that
    callbacks carrying only a campaign id and a number can be matched. An SMS without a
    ``request_id`` gets ``<reference>-<batch>`` (``<request_id>-<batch>`` when the operator set
    one and there are several batches), so a provider with a duplicate guard refuses a repeat.
    """
    channel = _validate(provider, message)
    numbers = tuple(dict.fromkeys(message.recipients))
    message = dataclasses.replace(message, recipients=numbers)
    size = _batch_size(provider, batch_size)
    chunks = [numbers[i : i + size] for i in range(0, len(numbers), size)] or [()]
    reference = _fresh_reference(store)
    campaign = message.campaign_id
    if campaign is None and Capability.CAMPAIGN_ID in provider.capabilities:
        campaign = reference
    # What will actually be sent must pass validation too, before anything is written.
    _validate(provider, _batch_message(message, chunks[0], reference, 0, len(chunks), campaign))
    reference = store.begin_send(
        account,
        provider.kind,
        channel,
        message,
        numbers,
        dry_run=dry_run,
        resend_of=resend_of,
        reference=reference,
        campaign_id=campaign,
    )

    run = _Run(store, provider, reference, len(numbers), len(chunks), dry_run, progress)
    state: SendState | None = None
    try:
        for index, chunk in enumerate(chunks):
            if cancel is not None and cancel.is_set():
                store.cancel_remaining(reference)
                state = SendState.CANCELLED
                run.report()
                break
            batch_message = _batch_message(message, chunk, reference, index, len(chunks), campaign)
            try:
                await run.batch(index, chunk, batch_message, cancel, rate_limit_wait)
            except _Stop as stop:
                state = stop.state
                run.report()
                break
            run.report()
    except BaseException as exc:
        # Task cancelled (the console quits) or a bug while a request may be out: whatever
        # was in flight is unknown; say so before letting the exception go.
        run.abandon(exc)
        raise
    if state is None or state is SendState.REJECTED:
        state = run.final_state()
    store.finish_send(reference, state)
    return run.outcome(state)


async def resend(
    store: Store,
    provider: Provider,
    reference: str,
    *,
    all_recipients: bool = False,
    dry_run: bool = False,
    progress: Callable[[SendProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
    batch_size: int | None = None,
) -> SendOutcome:
    """Send a stored message again, knowingly, as a new send with ``resend_of=reference``.

    Only ``unknown``, ``rejected`` and ``cancelled`` sends may be resent. By default only the
    recipients not known to be accepted (pending, rejected, unknown, cancelled) are targeted;
    ``all_recipients=True`` targets every one. For an ``unknown`` send this may deliver a message
    twice: THE CALLER MUST HAVE THE OPERATOR CONFIRM A SECOND TIME, naming the send and the
    number of recipients, before calling this.
    """
    row = store.get_send(reference)
    if row is None:
        raise StoreError(f"no send {reference!r}")
    if row.state not in RESENDABLE_STATES:
        allowed = ", ".join(sorted(RESENDABLE_STATES))
        raise StoreError(f"send {reference} is {row.state}; only {allowed} sends can be resent")
    if row.dry_run:
        raise StoreError(f"send {reference} was a dry run: send the message itself instead")
    if row.provider != provider.kind:
        raise StoreError(f"send {reference} went through {row.provider}, not {provider.kind}")
    states = None if all_recipients else UNSETTLED_RECIPIENTS
    message = store.message_of(reference, states=states)
    if row.recipients_total and not message.recipients:
        raise StoreError(f"send {reference} has no recipient left to resend to")
    if isinstance(message, SmsMessage) and message.request_id is not None:
        # A duplicate guard would refuse the knowing resend: the new send gets its own ids.
        message = dataclasses.replace(message, request_id=None)
    return await send(
        store,
        provider,
        row.account,
        message,
        dry_run=dry_run,
        resend_of=reference,
        progress=progress,
        cancel=cancel,
        batch_size=batch_size,
    )


class _Run:
    """Bookkeeping of one send in progress."""

    def __init__(
        self,
        store: Store,
        provider: Provider,
        reference: str,
        total: int,
        batches: int,
        dry_run: bool,
        progress: Callable[[SendProgress], None] | None,
    ) -> None:
        self.store = store
        self.provider = provider
        self.reference = reference
        self.total = total
        self.batches = batches
        self.dry_run = dry_run
        self.progress = progress
        self.batches_done = 0
        self.in_flight: int | None = None
        self.receipts: list[SendReceipt] = []
        self.errors: list[ProviderError | InputError] = []
        self.balance: Decimal | None = None
        # Outcomes of batches without numbers (eCampaign group sends).
        self.batch_states: list[SendStatus] = []

    async def batch(
        self,
        index: int,
        numbers: Sequence[str],
        message: Message,
        cancel: asyncio.Event | None,
        rate_limit_wait: float,
    ) -> None:
        request_id = getattr(message, "request_id", None)
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            self.store.mark_batch_sending(self.reference, index, numbers, request_id=request_id)
            self.in_flight = index
            try:
                receipt = await _call(self.provider, message, self.dry_run)
            except OutcomeUnknownError as exc:
                self._failed(index, exc, SendStatus.UNKNOWN)
                raise _Stop(SendState.UNKNOWN) from None
            except RateLimitedError as exc:
                if attempt == RATE_LIMIT_RETRIES or exc.retry_after > rate_limit_wait:
                    self._failed(index, exc, SendStatus.REJECTED)
                    raise _Stop(SendState.REJECTED) from None
                # Refused before anything was done: the same batch may go again.
                self.store.release_batch(self.reference, index)
                self.in_flight = None
                self.report(waiting=exc.retry_after)
                if await _wait(exc.retry_after, cancel):
                    self.store.cancel_remaining(self.reference)
                    raise _Stop(SendState.CANCELLED) from None
                continue
            except (ProviderError, InputError) as exc:
                self._failed(index, exc, SendStatus.REJECTED)
                raise _Stop(SendState.REJECTED) from None
            self.store.record_batch_result(self.reference, receipt, batch=index)
            self.in_flight = None
            self.batches_done += 1
            self.receipts.append(receipt)
            self.batch_states.append(receipt.status)
            if receipt.balance is not None:
                self.balance = receipt.balance
            if receipt.status is SendStatus.UNKNOWN:
                raise _Stop(SendState.UNKNOWN)
            return

    def _failed(self, index: int, error: ProviderError | InputError, status: SendStatus) -> None:
        self.store.record_batch_error(self.reference, None, error, batch=index)
        self.in_flight = None
        self.batches_done += 1
        self.errors.append(error)
        self.batch_states.append(status)
        balance = getattr(error, "balance", None)
        if balance is not None:
            with contextlib.suppress(ArithmeticError):
                self.balance = Decimal(balance)
        self.store.cancel_remaining(
            self.reference, f"not sent: batch {index + 1} failed ({_code(error)})"
        )

    def abandon(self, exc: BaseException) -> None:
        """Settle the outbox when the send dies abnormally (task cancelled, bug)."""
        try:
            state = SendState.CANCELLED
            if self.in_flight is not None:
                error = OutcomeUnknownError(
                    self.provider.kind,
                    f"the send was interrupted ({type(exc).__name__}) while the request was out",
                )
                self.store.record_batch_error(self.reference, None, error, batch=self.in_flight)
                state = SendState.UNKNOWN
            self.store.cancel_remaining(self.reference, "not sent: the send was interrupted")
            self.store.finish_send(self.reference, state)
        except Exception:  # the original exception matters more; recovery at start-up remains
            log.exception("could not settle send %s after an interruption", self.reference)

    def counts(self) -> dict[str, int]:
        return self.store.recipient_counts(self.reference)

    def report(self, waiting: float | None = None) -> None:
        if self.progress is None:
            return
        counts = self.counts()
        snapshot = SendProgress(
            reference=self.reference,
            total=self.total,
            done=counts.get("accepted", 0) + counts.get("dry-run", 0),
            failed=counts.get("rejected", 0) + counts.get("unknown", 0),
            cancelled=counts.get("cancelled", 0),
            remaining=counts.get("pending", 0) + counts.get("sending", 0),
            batches_done=self.batches_done,
            batches=self.batches,
            waiting=waiting,
        )
        try:
            self.progress(snapshot)
        except Exception:  # a display problem must not break the bookkeeping of a send
            log.exception("progress callback failed")

    def final_state(self) -> SendState:
        """For a send that ran to the end or stopped on a refusal."""
        counts = self.counts()
        if self.total:
            ok = counts.get("accepted", 0) + counts.get("dry-run", 0)
            bad = self.total - ok
            if counts.get("unknown", 0):
                return SendState.UNKNOWN
        else:
            ok = sum(s in (SendStatus.ACCEPTED, SendStatus.DRY_RUN) for s in self.batch_states)
            bad = len(self.batch_states) - ok
        if ok and not bad:
            return SendState.DRY_RUN if self.dry_run else SendState.ACCEPTED
        return SendState.PARTIAL if ok else SendState.REJECTED

    def outcome(self, state: SendState) -> SendOutcome:
        counts = self.counts()
        costs = [r.cost for r in self.receipts if r.cost is not None]
        return SendOutcome(
            reference=self.reference,
            state=state,
            total=self.total,
            accepted=counts.get("accepted", 0) + counts.get("dry-run", 0),
            rejected=counts.get("rejected", 0),
            unknown=counts.get("unknown", 0),
            cancelled=counts.get("cancelled", 0),
            receipts=tuple(self.receipts),
            errors=tuple(self.errors),
            balance=self.balance,
            cost=sum(costs, Decimal(0)) if costs else None,
            dry_run=self.dry_run,
        )


def _fresh_reference(store: Store) -> str:
    for _ in range(5):
        reference = new_reference()
        if store.get_send(reference) is None:
            return reference
    raise StoreError("could not draw an unused reference")  # 40 random bits: not in practice


def _validate(provider: Provider, message: Message) -> Channel:
    if isinstance(message, SmsMessage):
        provider.validate_sms(message)
        return Channel.SMS
    if isinstance(message, VoiceMessage):
        provider.validate_voice(message)
        return Channel.VOICE
    raise TypeError(f"cannot send a {type(message).__name__}")


async def _call(provider: Provider, message: Message, dry_run: bool) -> SendReceipt:
    if isinstance(message, SmsMessage):
        return await provider.send_sms(message, dry_run=dry_run)
    return await provider.send_voice(message, dry_run=dry_run)


def _batch_size(provider: Provider, requested: int | None) -> int:
    if requested is not None:
        if requested < 1:
            raise ValueError("batch_size must be at least 1")
        return requested
    try:
        return max(1, provider_info(provider.kind).batch_size)
    except (KeyError, ImportError, AttributeError):
        return DEFAULT_BATCH_SIZE


def _batch_message(
    message: Message,
    numbers: Sequence[str],
    reference: str,
    index: int,
    batches: int,
    campaign_id: str | None,
) -> Message:
    changes: dict[str, object] = {"recipients": tuple(numbers), "campaign_id": campaign_id}
    if isinstance(message, SmsMessage):
        if message.request_id is None:
            changes["request_id"] = f"{reference}-{index}"
        elif batches > 1:
            changes["request_id"] = f"{message.request_id}-{index}"
    return dataclasses.replace(message, **changes)  # type: ignore[arg-type]


async def _wait(seconds: float, cancel: asyncio.Event | None) -> bool:
    """Sleep ``seconds``; True when ``cancel`` was set meanwhile."""
    if cancel is None:
        await asyncio.sleep(seconds)
        return False
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(cancel.wait(), timeout=seconds)
    return cancel.is_set()


def _code(error: ProviderError | InputError) -> str:
    return error.code if isinstance(error, ProviderError) else f"invalid {error.field}"
