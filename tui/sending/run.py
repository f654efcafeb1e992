"""Bookkeeping of one send in progress: batches, failures, progress reports, final state.

Used by ``tui.sending.orchestrate``; the rules it applies are described there.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from providers.base import Provider
from providers.errors import InputError, OutcomeUnknownError, ProviderError, RateLimitedError
from providers.models import SendReceipt, SendStatus, SmsMessage, VoiceMessage
from tui.outbox.store import SendState, Store

log = logging.getLogger("tui.sending.orchestrate")

Message = SmsMessage | VoiceMessage
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


class Stop(Exception):
    """Internal: end the batch loop with this final state."""

    def __init__(self, state: SendState) -> None:
        self.state = state


class Run:
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
                receipt = await call(self.provider, message, self.dry_run)
            except OutcomeUnknownError as exc:
                self._failed(index, exc, SendStatus.UNKNOWN)
                raise Stop(SendState.UNKNOWN) from None
            except RateLimitedError as exc:
                if attempt == RATE_LIMIT_RETRIES or exc.retry_after > rate_limit_wait:
                    self._failed(index, exc, SendStatus.REJECTED)
                    raise Stop(SendState.REJECTED) from None
                # Refused before anything was done: the same batch may go again.
                self.store.release_batch(self.reference, index)
                self.in_flight = None
                self.report(waiting=exc.retry_after)
                if await _wait(exc.retry_after, cancel):
                    self.store.cancel_remaining(self.reference)
                    raise Stop(SendState.CANCELLED) from None
                continue
            except (ProviderError, InputError) as exc:
                self._failed(index, exc, SendStatus.REJECTED)
                raise Stop(SendState.REJECTED) from None
            if self.dry_run and receipt.status is not SendStatus.DRY_RUN:
                receipt = _not_a_dry_run(receipt)
            self.store.record_batch_result(self.reference, receipt, batch=index)
            self.in_flight = None
            self.batches_done += 1
            self.receipts.append(receipt)
            self.batch_states.append(receipt.status)
            if receipt.balance is not None:
                self.balance = receipt.balance
            unsure = any(r.status is SendStatus.UNKNOWN for r in receipt.recipients)
            if receipt.status is SendStatus.UNKNOWN or unsure:
                # Some number may or may not have been sent: stop spending until the operator
                # has looked, whatever the receipt's overall status says.
                self.store.cancel_remaining(
                    self.reference, f"not sent: batch {index + 1} left an outcome unknown"
                )
                raise Stop(SendState.UNKNOWN)
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


def _not_a_dry_run(receipt: SendReceipt) -> SendReceipt:
    """A dry run answered like a real send (a test URL pointing at the live service): what it
    did is unknown, and must never pass for "checked, nothing sent"."""
    why = "a dry run was asked, but the provider answered like a real send: it may have been sent"
    statuses = {receipt.status, *(r.status for r in receipt.recipients)}
    if SendStatus.ACCEPTED not in statuses:
        return receipt  # refused, or already unknown: nothing to disguise
    return dataclasses.replace(
        receipt,
        status=SendStatus.UNKNOWN,
        recipients=tuple(
            dataclasses.replace(r, status=SendStatus.UNKNOWN, error=r.error or why)
            if r.status is SendStatus.ACCEPTED
            else r
            for r in receipt.recipients
        ),
        warnings=receipt.warnings or (why,),
    )


async def call(provider: Provider, message: Message, dry_run: bool) -> SendReceipt:
    if isinstance(message, SmsMessage):
        return await provider.send_sms(message, dry_run=dry_run)
    return await provider.send_voice(message, dry_run=dry_run)


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
