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

* ``OutcomeUnknownError`` (or a receipt whose status is unknown, or one recipient of unknown
  outcome in it, or the task being cancelled or crashing while the request is out): the batch is
  recorded ``unknown`` and the send STOPS, and the send is ``unknown`` however it ends. It is
  never retried: the operator reconciles (delivery reports, CDR) or resends knowingly.
* a dry run that the provider answered like a real send (a test URL that reaches the live
  service) is ``unknown`` too, never ``dry-run``: the message may have gone.
* an eCampaign group goes with the first batch only (the provider expands it); a resend leaves
  it out once that batch was accepted.
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
import dataclasses
from collections.abc import Callable, Sequence

from providers.base import Capability, Provider, provider_info
from providers.models import Channel, SmsMessage, VoiceMessage
from tui.outbox.store import (
    RESENDABLE_STATES,
    UNSETTLED_RECIPIENTS,
    RecipientState,
    SendState,
    Store,
    StoreError,
    new_reference,
)
from tui.sending.run import Run, SendOutcome, SendProgress, Stop

Message = SmsMessage | VoiceMessage
DEFAULT_BATCH_SIZE = 500
#: Providers with a duplicate guard on ``request_id``, until ``Capability`` has a flag for it.

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "SendOutcome",
    "SendProgress",
    "group_in_resend",
    "resend",
    "send",
]


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
    on_begin: Callable[[str], None] | None = None,
) -> SendOutcome:
    """Send ``message`` through ``provider`` for ``account``, recording everything in ``store``.

    Duplicate recipients are dropped (first occurrence kept). When the provider has
    ``Capability.CAMPAIGN_ID`` and no campaign id is set, our reference is used, so that
    callbacks carrying only a campaign id and a number can be matched. For a provider with a
    duplicate guard (Octopush), an SMS without a ``request_id`` gets ``<reference>B<batch>``
    (``<request_id>B<batch>`` when the operator set one and there are several batches), so
    that the provider refuses a repeat of the same batch.
    """
    # Pure CPU, but 10 000 numbers take a moment: keep the event loop (the console) free.
    channel = await asyncio.to_thread(_validate, provider, message)
    numbers = tuple(dict.fromkeys(message.recipients))
    message = dataclasses.replace(message, recipients=numbers)
    size = _batch_size(provider, batch_size)
    chunks = [numbers[i : i + size] for i in range(0, len(numbers), size)] or [()]
    reference = _fresh_reference(store)
    campaign = message.campaign_id
    if campaign is None and Capability.CAMPAIGN_ID in provider.capabilities:
        campaign = reference
    # What will actually be sent must pass validation too, before anything is written.
    guard = _has_duplicate_guard(provider)
    first = _batch_message(message, chunks[0], reference, 0, len(chunks), campaign, guard)
    await asyncio.to_thread(_validate, provider, first)
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
    if on_begin is not None:
        on_begin(reference)  # from here on the send is in the outbox, whatever happens next

    run = Run(store, provider, reference, len(numbers), len(chunks), dry_run, progress)
    state: SendState | None = None
    try:
        for index, chunk in enumerate(chunks):
            if cancel is not None and cancel.is_set():
                store.cancel_remaining(reference)
                state = SendState.CANCELLED
                run.report()
                break
            batch_message = _batch_message(
                message, chunk, reference, index, len(chunks), campaign, guard
            )
            try:
                await run.batch(index, chunk, batch_message, cancel, rate_limit_wait)
            except Stop as stop:
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
    state = store.finish_send(reference, state)
    return run.outcome(state)


async def resend(
    store: Store,
    provider: Provider,
    reference: str,
    *,
    all_recipients: bool = False,
    skip_unknown: bool = False,
    dry_run: bool = False,
    progress: Callable[[SendProgress], None] | None = None,
    cancel: asyncio.Event | None = None,
    batch_size: int | None = None,
) -> SendOutcome:
    """Send a stored message again, knowingly, as a new send with ``resend_of=reference``.

    Only ``unknown``, ``rejected`` and ``cancelled`` sends may be resent. By default only the
    recipients not known to be accepted (pending, rejected, unknown, cancelled) are targeted;
    ``skip_unknown=True`` leaves out those whose outcome is unknown too (no duplicate possible:
    only numbers never sent or refused); ``all_recipients=True`` targets every one. Resending
    unknown recipients may deliver a message twice: THE CALLER MUST HAVE THE OPERATOR CONFIRM A
    SECOND TIME, naming the send and the number of recipients, before calling this.
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
    states: frozenset[RecipientState] | None = None
    if not all_recipients:
        states = (
            UNSETTLED_RECIPIENTS - {RecipientState.UNKNOWN}
            if skip_unknown
            else UNSETTLED_RECIPIENTS
        )
    message = store.message_of(reference, states=states)
    if row.recipients_total and not message.recipients:
        raise StoreError(f"send {reference} has no recipient left to resend to")
    if isinstance(message, SmsMessage) and message.request_id is not None:
        # A duplicate guard would refuse the knowing resend: the new send gets its own ids.
        message = dataclasses.replace(message, request_id=None)
    if message.group is not None and not group_in_resend(
        store, reference, all_recipients=all_recipients, skip_unknown=skip_unknown
    ):
        message = dataclasses.replace(message, group=None)
        if not message.recipients:
            raise StoreError(f"send {reference}: its group was already sent the message")
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


def group_in_resend(
    store: Store, reference: str, *, all_recipients: bool = False, skip_unknown: bool = False
) -> bool:
    """Whether a resend of ``reference`` names its eCampaign group again.

    The group went with the first request: once the provider accepted it, the group has its
    message; when its outcome is unknown, it goes again only if unknown outcomes are resent.
    """
    if all_recipients:
        return True
    first = store.batch_state(reference, 0)
    if first is RecipientState.UNKNOWN:
        return not skip_unknown
    return first is not RecipientState.ACCEPTED  # refused, or never requested


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
    guard: bool,
) -> Message:
    changes: dict[str, object] = {"recipients": tuple(numbers), "campaign_id": campaign_id}
    if index > 0 and message.group is not None:
        # The provider expands a group itself: naming it in every batch would send the whole
        # group once per batch. It rides with the first request only.
        changes["group"] = None
    if isinstance(message, SmsMessage) and guard:
        # Letters and digits only (Octopush's rule). "B" cannot occur in the batch number, so
        # "<id>B<n>" is unambiguous even for an operator's id that already ends in "B<digits>".
        if message.request_id is None:
            changes["request_id"] = f"{reference}B{index}"
        elif batches > 1:
            changes["request_id"] = f"{message.request_id}B{index}"
    return dataclasses.replace(message, **changes)  # type: ignore[arg-type]


def _has_duplicate_guard(provider: Provider) -> bool:
    """Whether the provider refuses a repeated ``SmsMessage.request_id`` (Octopush).

    Other providers ignore or refuse the field (eCampaign refuses it).
    """
    return Capability.DUPLICATE_GUARD in provider.capabilities
