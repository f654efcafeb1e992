"""One send's journal while it runs: the only way a running send writes to the outbox.

A send tells its journal what happens, in this order, and each step is one transaction of
the ``Store``, committed before the next request leaves (a batch's ``result`` may be handed to
the next batch's ``leaving``, and both are then committed together: one sync to disk a batch):

1. ``begin``: the intent (state ``sending``, every recipient ``pending``), before any request;
2. ``leaving(batch)``: this batch's request is about to leave; refused when a number is not
   ``pending`` any more, which is what makes a number impossible to request twice;
3. ``result(batch, answer)``: the provider's receipt, or the error that stands for it
   (``OutcomeUnknownError``: the batch is ``unknown``; any other: ``rejected``);
   ``turned_away(batch)`` instead when the provider refused before doing anything (a rate
   limit), so that the same batch may leave again;
4. ``stop(reason)``: the numbers not requested yet will not be (``cancelled``, with the reason);
5. ``finish(state)``: the final state, ``unknown`` rather than ``cancelled`` as soon as one
   outcome is unknown; or ``interrupted(exc)`` when the send dies abnormally.

The journal decides nothing about what to send next: ``tui.sending`` does, and its docstring
states the rules. The journal remembers the batch in flight, so that an interruption records
exactly that batch as ``unknown``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import Message, SendReceipt
from tui.outbox.schema import RecipientState, SendState, channel_of
from tui.outbox.store import Store


@dataclass(frozen=True)
class Tally:
    """Where a send's recipients stand."""

    accepted: int  # accepted, or validated by a dry run
    rejected: int
    unknown: int
    cancelled: int  # never requested
    remaining: int  # not requested yet, or in flight

    @classmethod
    def of_counters(cls, counters: tuple[int, int, int, int, int]) -> Tally:
        """From ``Store.counters`` (total, accepted, rejected, unknown, cancelled)."""
        total, accepted, rejected, unknown, cancelled = counters
        return cls(
            accepted=accepted,
            rejected=rejected,
            unknown=unknown,
            cancelled=cancelled,
            remaining=total - accepted - rejected - unknown - cancelled,
        )

    @classmethod
    def of(cls, counts: Mapping[str, int]) -> Tally:
        """From ``Store.recipient_counts`` (recipient state -> how many)."""
        return cls(
            accepted=counts.get(RecipientState.ACCEPTED, 0) + counts.get(RecipientState.DRY_RUN, 0),
            rejected=counts.get(RecipientState.REJECTED, 0),
            unknown=counts.get(RecipientState.UNKNOWN, 0),
            cancelled=counts.get(RecipientState.CANCELLED, 0),
            remaining=counts.get(RecipientState.PENDING, 0) + counts.get(RecipientState.SENDING, 0),
        )


class SendJournal:
    """The outbox's record of one running send. Open it with ``SendJournal.begin``."""

    def __init__(self, store: Store, reference: str, provider: str, *, group: bool = False) -> None:
        self.store = store
        self.reference = reference
        self.provider = provider
        #: The batch whose request is out (committed by ``leaving``, not answered yet).
        self.in_flight: int | None = None
        #: An eCampaign group send: its reply also lists the group's members.
        self.group = group
        self._listed: frozenset[str] = frozenset()  # the numbers of the batch in flight

    @classmethod
    def begin(
        cls,
        store: Store,
        account: str,
        provider: str,
        message: Message,
        *,
        dry_run: bool = False,
        resend_of: str | None = None,
        reference: str | None = None,
        campaign_id: str | None = None,
    ) -> SendJournal:
        """Commit the intent of sending ``message`` (its recipients de-duplicated). Nothing may
        be requested before this returns. See ``Store.begin_send`` for the arguments."""
        reference = store.begin_send(
            account,
            provider,
            channel_of(message),
            message,
            dry_run=dry_run,
            resend_of=resend_of,
            reference=reference,
            campaign_id=campaign_id,
        )
        return cls(store, reference, provider, group=getattr(message, "group", None) is not None)

    @classmethod
    def never_sent(
        cls, store: Store, account: str, provider: str, message: Message, *, dry_run: bool, why: str
    ) -> str:
        """Journal a message that will not be requested at all, as ``cancelled`` with ``why``,
        so that it is not lost and can be resent knowingly; return its reference."""
        journal = cls.begin(store, account, provider, message, dry_run=dry_run)
        journal.stop(why)
        journal.finish(SendState.CANCELLED)
        return journal.reference

    def leaving(
        self,
        batch: int,
        numbers: Sequence[str],
        *,
        request_id: str | None,
        answered: tuple[int, SendReceipt] | None = None,
    ) -> None:
        """Commit that the request for ``batch`` (``numbers``) leaves now. Call it, then request.

        ``answered``: the previous batch's receipt, not journalled yet; its ``result`` is
        committed with this step, in one transaction, first. A result is thus always committed
        before any later request leaves (a process killed after it finds only the batch then in
        flight unknown), and a refusal of this step still leaves it committed."""
        if answered is None:
            self.store.mark_batch_sending(self.reference, batch, numbers, request_id=request_id)
        else:
            with self.store.steps_together():
                self.result(*answered)
                self.store.mark_batch_sending(self.reference, batch, numbers, request_id=request_id)
        self.in_flight = batch
        if self.group:
            self._listed = frozenset(numbers)

    def turned_away(self, batch: int) -> None:
        """The provider refused ``batch`` before doing anything: its numbers are pending again."""
        self.store.release_batch(self.reference, batch)
        self.in_flight = None

    def result(self, batch: int, answer: SendReceipt | ProviderError | InputError) -> None:
        """Record what ``batch``'s request came back with."""
        if isinstance(answer, SendReceipt):
            if self.group:
                # First, so that a report arriving meanwhile finds its member. Destinations
                # that are not the numbers listed are the group's members.
                members = [r for r in answer.recipients if r.number not in self._listed]
                self.store.record_group_members(self.reference, batch, members)
            self.store.record_batch_result(self.reference, answer, batch=batch)
        else:
            self.store.record_batch_error(self.reference, None, answer, batch=batch)
        self.in_flight = None

    def stop(self, reason: str = "cancelled by the operator") -> None:
        """The numbers not requested yet will not be: ``cancelled``, saying ``reason``."""
        self.store.cancel_remaining(self.reference, reason)

    def finish(self, state: SendState) -> SendState:
        """Close the send; return its final state (``unknown`` when an outcome is)."""
        return self.store.finish_send(self.reference, state)

    def interrupted(self, exc: BaseException) -> SendState:
        """Settle the send when it dies abnormally (task cancelled, a bug): the batch in flight,
        if any, may have been processed, so it is ``unknown``; nothing else will go."""
        state = SendState.CANCELLED
        if self.in_flight is not None:
            error = OutcomeUnknownError(
                self.provider,
                f"the send was interrupted ({type(exc).__name__}) while the request was out",
            )
            self.result(self.in_flight, error)
            state = SendState.UNKNOWN
        self.stop("not sent: the send was interrupted")
        return self.finish(state)

    def tally(self) -> Tally:
        """Where the send's recipients stand: the send's counters, kept by each step (the same
        cost after the last batch of a million numbers as after the first)."""
        return Tally.of_counters(self.store.counters(self.reference))
