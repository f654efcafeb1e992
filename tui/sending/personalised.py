"""Several messages sent in a row: a personalised text is one message per distinct text.

They go one after the other through ``orchestrate.send``, with the same account, the same
cancellation and the same progress sink. The first message that does not end ``accepted`` (or
``dry-run``) stops the rest: they carry the same campaign from the same account, so a refusal or
an unknown outcome must be looked at before anything else goes. The messages never begun are
journalled as ``cancelled`` (``SendJournal.never_sent``), so that none is lost and each can be
resent knowingly; a message whose send began keeps its own entry, whatever happened to it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from providers.base import Provider
from providers.errors import InputError, ProviderError
from providers.models import Message, SendReceipt
from tui.compliance.optout import AllOptedOut, drop_opted_out
from tui.outbox.journal import SendJournal
from tui.outbox.store import SendState, Store, StoreError
from tui.sending.events import ProgressSink
from tui.sending.orchestrate import send
from tui.sending.overlap import DuplicateSendError, find_overlap
from tui.sending.run import SendOutcome

#: A send that ended in one of these lets the next message go.
CARRY_ON = frozenset({SendState.ACCEPTED, SendState.DRY_RUN})


@dataclass(frozen=True)
class Delivery:
    """What became of a list of messages."""

    #: One per message whose send ran (in order); the last one is where it stopped.
    outcomes: tuple[SendOutcome, ...] = ()
    #: What stopped the messages early, when a send raised instead of ending.
    error: InputError | ProviderError | StoreError | None = None
    #: References of the messages never begun, journalled as cancelled.
    not_sent: tuple[str, ...] = ()
    #: How many recipients those messages had.
    not_sent_recipients: int = 0
    #: Numbers left out with their whole message: a personalised text for opted-out people
    #: only (tui.compliance.optout.drop_opted_out); each send's own are in its outcome.
    opted_out: tuple[str, ...] = ()

    @property
    def last(self) -> SendOutcome | None:
        return self.outcomes[-1] if self.outcomes else None

    @property
    def receipts(self) -> tuple[SendReceipt, ...]:
        return tuple(receipt for outcome in self.outcomes for receipt in outcome.receipts)

    @property
    def errors(self) -> tuple[ProviderError | InputError, ...]:
        """The batch errors of every send (not ``error``, which stopped them)."""
        return tuple(error for outcome in self.outcomes for error in outcome.errors)

    @property
    def warnings(self) -> list[str]:
        """The provider's remarks on what it accepted (sender shortened, date moved...), once."""
        return list(dict.fromkeys(w for receipt in self.receipts for w in receipt.warnings))


async def deliver(
    store: Store,
    provider: Provider,
    account: str,
    messages: Sequence[Message],
    *,
    dry_run: bool = False,
    progress: ProgressSink | None = None,
    cancel: asyncio.Event | None = None,
    batch_size: int | None = None,
    allow_duplicates: bool = False,
    on_begin: Callable[[str], None] | None = None,
    include_opted_out: bool = False,
) -> Delivery:
    """Send ``messages`` in order, each through ``send``; stop at the first that does not end
    accepted. ``InputError``, ``ProviderError`` and ``StoreError`` raised by a send end the
    list and are returned in ``Delivery.error``; anything else propagates.

    Before anything is sent, unless ``allow_duplicates`` (or for a dry run): when a message
    would repeat an unfinished send (``overlap.find_overlap``), ``DuplicateSendError`` is
    raised and nothing is written. ``on_begin`` hears each reference once its intent is in the
    outbox."""
    if not dry_run and not allow_duplicates:
        overlap = await asyncio.to_thread(find_overlap, store, account, messages)
        if overlap is not None:
            raise DuplicateSendError(overlap)
    try:  # a text whose every number opted out must not stop the others
        messages, opted_out = await asyncio.to_thread(
            drop_opted_out, store, messages, include_opted_out=include_opted_out
        )
    except AllOptedOut as exc:
        return Delivery(error=exc, opted_out=exc.numbers)
    outcomes: list[SendOutcome] = []
    begun: list[str] = []  # references in the outbox, even of a send that then failed

    def began(reference: str) -> None:
        begun.append(reference)
        if on_begin is not None:
            on_begin(reference)

    error: InputError | ProviderError | StoreError | None = None
    try:
        for message in messages:
            if cancel is not None and cancel.is_set():
                break
            outcome = await send(
                store,
                provider,
                account,
                message,
                dry_run=dry_run,
                progress=progress,
                cancel=cancel,
                batch_size=batch_size,
                on_begin=began,
                include_opted_out=include_opted_out,
            )
            outcomes.append(outcome)
            if outcome.state not in CARRY_ON:
                break  # never carry on blindly after a refusal or an unknown outcome
    except (InputError, ProviderError, StoreError) as exc:
        error = exc
    # A message whose send began has its own outbox entry (some batches may have gone): only
    # those never begun are journalled as not sent. A single message that never began was
    # refused before anything was written: there is nothing to journal.
    skipped = messages[len(begun) :]
    if not skipped or len(messages) == 1:
        return Delivery(tuple(outcomes), error, opted_out=opted_out)
    why = "not sent: an earlier personalised message failed"
    references = tuple(
        SendJournal.never_sent(store, account, provider.kind, m, dry_run=dry_run, why=why)
        for m in skipped
    )
    people = sum(len(m.recipients) for m in skipped)
    return Delivery(tuple(outcomes), error, references, people, opted_out)
