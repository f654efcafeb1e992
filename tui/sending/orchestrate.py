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
* ``AlreadySentError`` (Octopush's code 120: this batch's ``request_id`` was received before,
  so the provider did not send it again): the batch is recorded ``accepted``, each of its
  numbers saying "already sent" (``run.ALREADY_SENT``), and the send goes on. It is not a
  failure: those people have the message, once.
* any other ``ProviderError`` (bad credentials, no credit, a text or sender the provider refuses,
  a recipient list it refuses) or an ``InputError`` raised at request time: the batch is recorded
  ``rejected`` and the send STOPS; the numbers not yet requested become ``cancelled``. We stop
  rather than continue because every batch carries the same message from the same account, so
  a refusal almost always repeats; continuing would burn rate limits and, worse, send the rest
  of a campaign the operator should first reconsider. The cancelled numbers can be resent
  knowingly (``resend``).
* per-recipient refusals inside an accepted batch (``RecipientResult`` rejected) do not stop the
  send: they are recorded and the final state is ``partial``.

Every write goes through the send's ``SendJournal`` (``tui.outbox.journal``): begin, batch
leaving, batch result, stop, finish. Its steps are synchronous SQLite calls of a few
milliseconds; they run on the event loop. Run ``send`` in a worker. While the batches go, a
batch's result is committed together with the next batch's leaving (``Run.batch``: one
transaction and one sync to disk a batch, always before the next request leaves), and the next
batch's numbers are read and checked by the provider while the current request is out (the
provider keeps the request it built for that message: ``providers.prepared``); nothing is
journalled for a batch before its turn.

Around this module: ``personalised.deliver`` sends several messages in a row (one per distinct
personalised text) and journals those it never began; ``resend`` sends a stored message again,
knowingly. The console and the CLI both go through them.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from providers.base import Capability, Provider, provider_info
from providers.models import Message, SmsMessage
from tui.compliance.optout import screen
from tui.outbox.content import batch_request_id, content_hash
from tui.outbox.journal import SendJournal
from tui.outbox.store import SendState, Store, StoreError, new_reference
from tui.sending.dispatch import validate
from tui.sending.events import ProgressSink, SendProgress
from tui.sending.recipients import distinct, parsed
from tui.sending.run import Run, SendOutcome, Stop

DEFAULT_BATCH_SIZE = 500

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "SendOutcome",
    "SendProgress",
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
    progress: ProgressSink | None = None,
    cancel: asyncio.Event | None = None,
    batch_size: int | None = None,
    rate_limit_wait: float = 120.0,
    on_begin: Callable[[str], None] | None = None,
    include_opted_out: bool = False,
) -> SendOutcome:
    """Send ``message`` through ``provider`` for ``account``, recording everything in ``store``.

    Duplicate recipients are dropped (first occurrence kept). When the provider has
    ``Capability.CAMPAIGN_ID`` and no campaign id is set, our reference is used, so that
    callbacks carrying only a campaign id and a number can be matched. For a provider with a
    duplicate guard (Octopush), an SMS without a ``request_id`` gets one derived from its
    content and the batch's numbers (``tui.outbox.content.batch_request_id``), so that the
    provider refuses the same batch sent twice by any path: a re-run command, a resend of every
    number. That refusal is recorded as "already sent", not as a failure. When the operator
    set a ``request_id``, the batches carry ``<request_id>B<batch>`` (it alone, for one batch).
    """
    # Every number parsed once (a list read from a file comes staged, out of memory, and is
    # never copied whole); then the provider's local checks, off the event loop.
    size = _batch_size(provider, batch_size)
    message = await asyncio.to_thread(_checked, provider, message)
    # Numbers on the opt-out list are left out before anything is journalled, and named in the
    # outcome; only a notification may keep them, knowingly (tui.compliance.optout).
    screened = await asyncio.to_thread(screen, store, message, include_opted_out=include_opted_out)
    message = screened.message
    numbers = distinct(message.recipients)
    message = dataclasses.replace(message, recipients=numbers)
    batches = max(1, -(-len(numbers) // size))
    reference = _fresh_reference(store)
    campaign = message.campaign_id
    if campaign is None and Capability.CAMPAIGN_ID in provider.capabilities:
        campaign = reference
    # What will actually be sent must pass validation too, before anything is written.
    guard = _has_duplicate_guard(provider)
    content = content_hash(account, message) if guard else None
    ids = _RequestIds(message, batches, content, dry_run)
    first = _batch_message(message, numbers[:size], 0, campaign, ids)
    await asyncio.to_thread(validate, provider, first)
    journal = SendJournal.begin(
        store,
        account,
        provider.kind,
        message,
        dry_run=dry_run,
        resend_of=resend_of,
        reference=reference,
        campaign_id=campaign,
    )
    if on_begin is not None:
        on_begin(journal.reference)  # from here on the send is in the outbox, whatever happens

    run = Run(journal, provider, len(numbers), batches, dry_run, progress)
    state: SendState | None = None
    # Once a batch's request is out (``Run.batch``), the next batch is read and checked
    # (``_ahead``): the provider keeps the request it checked, and sends that very message
    # without building it again (``providers.prepared``). Between two requests there is only
    # the previous result and the next intent, committed together before the request leaves;
    # nothing of a batch is journalled before its turn.
    upcoming: tuple[Sequence[str], Message] = (first.recipients, first)
    ahead: asyncio.Task[tuple[Sequence[str], Message]] | None = None
    try:
        for index in range(batches):
            if ahead is not None:
                upcoming, ahead = await ahead, None
            chunk, batch_message = upcoming
            if cancel is not None and cancel.is_set():
                run.settle()
                journal.stop()
                state = SendState.CANCELLED
                run.report()
                break
            more = index + 1 < batches

            def read_ahead(following: int = index + 1) -> None:
                # Once this batch's request is out: never ahead of it on the event loop.
                nonlocal ahead
                if ahead is None:
                    ahead = asyncio.create_task(
                        _ahead(provider, message, numbers, size, following, campaign, ids)
                    )

            try:
                await run.batch(
                    index,
                    chunk,
                    batch_message,
                    cancel,
                    rate_limit_wait,
                    more=more,
                    while_out=read_ahead if more else None,
                )
            except Stop as stop:
                state = stop.state
                run.report()
                break
        run.settle()
    except BaseException as exc:
        # Task cancelled (the console quits) or a bug while a request may be out: whatever
        # was in flight is unknown; say so before letting the exception go.
        run.abandon(exc)
        raise
    finally:
        if ahead is not None:
            # A batch not reached: its task (which never waits) has not started, or is
            # done. Not awaited here, so that a cancellation of this send is never absorbed.
            ahead.cancel()
            ahead.add_done_callback(_forget)
    if state is None or state is SendState.REJECTED:
        state = run.final_state()
    outcome = run.outcome(journal.finish(state))
    return dataclasses.replace(outcome, opted_out=screened.opted_out)


def _forget(task: asyncio.Task[tuple[Sequence[str], Message]]) -> None:
    """Retrieve what the task of a batch never reached raised, if anything: nobody needs it."""
    if not task.cancelled():
        task.exception()


async def _ahead(
    provider: Provider,
    message: Message,
    numbers: Sequence[str],
    size: int,
    index: int,
    campaign: str | None,
    ids: _RequestIds,
) -> tuple[Sequence[str], Message]:
    """Batch ``index``'s numbers and message, checked by the provider (which keeps the request
    it built for them). A refusal is left for the send itself to meet and record."""
    chunk = numbers[index * size : (index + 1) * size]
    batch_message = _batch_message(message, chunk, index, campaign, ids)
    with contextlib.suppress(Exception):
        validate(provider, batch_message)
    return chunk, batch_message


def _checked(provider: Provider, message: Message) -> Message:
    """``message`` with its numbers parsed, once it passed the provider's local checks
    (``InputError`` names what is wrong; a staged list is checked a page at a time)."""
    message = dataclasses.replace(message, recipients=parsed(message.recipients))
    validate(provider, message)
    return message


def _fresh_reference(store: Store) -> str:
    for _ in range(5):
        reference = new_reference()
        if store.get_send(reference) is None:
            return reference
    raise StoreError("could not draw an unused reference")  # 40 random bits: not in practice


def _batch_size(provider: Provider, requested: int | None) -> int:
    if requested is not None:
        if requested < 1:
            raise ValueError("batch_size must be at least 1")
        return requested
    try:
        return max(1, provider_info(provider.kind).batch_size)
    except (KeyError, ImportError, AttributeError):
        return DEFAULT_BATCH_SIZE


@dataclass(frozen=True)
class _RequestIds:
    """How the batches of one send get their duplicate guard ids (None: no guard)."""

    message: Message
    batches: int
    content: str | None  # the send's content hash, for a provider with a duplicate guard
    dry_run: bool

    def of(self, index: int, numbers: Sequence[str]) -> str | None:
        if self.content is None or not isinstance(self.message, SmsMessage):
            return None
        chosen = self.message.request_id
        if chosen is None:
            return batch_request_id(self.content, numbers, dry_run=self.dry_run)
        # Letters and digits only (Octopush's rule). "B" cannot occur in the batch number, so
        # "<id>B<n>" is unambiguous even for an operator's id that already ends in "B<digits>".
        return f"{chosen}B{index}" if self.batches > 1 else chosen


def _batch_message(
    message: Message,
    numbers: Sequence[str],
    index: int,
    campaign_id: str | None,
    ids: _RequestIds,
) -> Message:
    changes: dict[str, object] = {"recipients": tuple(numbers), "campaign_id": campaign_id}
    if index > 0 and message.group is not None:
        # The provider expands a group itself: naming it in every batch would send the whole
        # group once per batch. It rides with the first request only.
        changes["group"] = None
    request_id = ids.of(index, numbers)
    if request_id is not None:
        changes["request_id"] = request_id
    return dataclasses.replace(message, **changes)  # type: ignore[arg-type]


def _has_duplicate_guard(provider: Provider) -> bool:
    """Whether the provider refuses a repeated ``SmsMessage.request_id`` (Octopush).

    Other providers ignore or refuse the field (eCampaign refuses it).
    """
    return Capability.DUPLICATE_GUARD in provider.capabilities
