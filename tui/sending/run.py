"""Bookkeeping of one send in progress: batches, failures, progress reports, final state.

Used by ``tui.sending.orchestrate``; the rules it applies are described there. Every write goes
through the send's ``SendJournal``, one call per step.
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
from providers.errors import (
    AlreadySentError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitedError,
)
from providers.http import request_sent
from providers.models import Message, RecipientResult, SendReceipt, SendStatus
from tui.outbox.journal import SendJournal
from tui.outbox.store import SendState
from tui.sending.dispatch import request
from tui.sending.events import ProgressSink, SendProgress

log = logging.getLogger("tui.sending.orchestrate")

RATE_LIMIT_RETRIES = 3

#: What a number of a batch the provider had already received says (Octopush code 120).
ALREADY_SENT = (
    "already sent: the provider had received this very batch before (same request id) "
    "and did not send it again"
)
ALREADY_SIMULATED = "already checked: the provider had simulated this very batch before"
ALREADY_SENT_WARNING = (
    "the provider had already received some batches (same request id): it did not send them "
    "again, and their numbers are counted as accepted"
)


@dataclass(frozen=True)
class SendOutcome:
    reference: str
    state: SendState
    total: int
    accepted: int  # accepted, or validated in a dry run
    rejected: int
    unknown: int
    cancelled: int
    #: Each batch's receipt, without its per-number results (those are in the outbox).
    receipts: tuple[SendReceipt, ...] = ()
    errors: tuple[ProviderError | InputError, ...] = ()
    balance: Decimal | None = None
    cost: Decimal | None = None
    dry_run: bool = False
    #: Of ``accepted``, the numbers whose batch the provider had already received (code 120).
    already_sent: int = 0
    #: Numbers on the opt-out list, left out of the send (never journalled, never requested).
    opted_out: tuple[str, ...] = ()


class Stop(Exception):
    """Internal: end the batch loop with this final state."""

    def __init__(self, state: SendState) -> None:
        self.state = state


class Run:
    """Bookkeeping of one send in progress."""

    def __init__(
        self,
        journal: SendJournal,
        provider: Provider,
        total: int,
        batches: int,
        dry_run: bool,
        progress: ProgressSink | None,
    ) -> None:
        self.journal = journal
        self.provider = provider
        self.reference = journal.reference
        self.total = total
        self.batches = batches
        self.dry_run = dry_run
        self.progress = progress
        self.batches_done = 0
        self.receipts: list[SendReceipt] = []
        self.errors: list[ProviderError | InputError] = []
        self.balance: Decimal | None = None
        # Outcomes of batches without numbers (eCampaign group sends).
        self.batch_states: list[SendStatus] = []
        self.already_sent = 0
        #: A batch answered whose result is not journalled yet: committed with the next
        #: batch's intent (``SendJournal.leaving``), or by ``settle`` before any other step.
        self._held: tuple[int, SendReceipt] | None = None

    async def batch(
        self,
        index: int,
        numbers: Sequence[str],
        message: Message,
        cancel: asyncio.Event | None,
        rate_limit_wait: float,
        *,
        more: bool = False,
        while_out: Callable[[], None] | None = None,
    ) -> None:
        """Send batch ``index`` and record its outcome. ``more``: another batch follows if this
        one goes well, so its result is kept to be committed with that batch's intent, before
        its request leaves (one transaction, one sync to disk, instead of two). ``while_out`` is
        called once the request is out (or over), for work that must not delay it."""
        request_id = getattr(message, "request_id", None)
        for attempt in range(RATE_LIMIT_RETRIES + 1):
            answered, self._held = self._held, None
            self.journal.leaving(index, numbers, request_id=request_id, answered=answered)
            if answered is not None:
                self.report()
            try:
                receipt = await self._request(message, while_out)
            except OutcomeUnknownError as exc:
                self._failed(index, exc, SendStatus.UNKNOWN)
                raise Stop(SendState.UNKNOWN) from None
            except AlreadySentError:
                self._already_sent(index, numbers)
                return
            except RateLimitedError as exc:
                if attempt == RATE_LIMIT_RETRIES or exc.retry_after > rate_limit_wait:
                    self._failed(index, exc, SendStatus.REJECTED)
                    raise Stop(SendState.REJECTED) from None
                # Refused before anything was done: the same batch may go again.
                self.journal.turned_away(index)
                self.report(waiting=exc.retry_after)
                if await _wait(exc.retry_after, cancel):
                    self.journal.stop()
                    raise Stop(SendState.CANCELLED) from None
                continue
            except (ProviderError, InputError) as exc:
                self._failed(index, exc, SendStatus.REJECTED)
                raise Stop(SendState.REJECTED) from None
            if self.dry_run and receipt.status is not SendStatus.DRY_RUN:
                receipt = _not_a_dry_run(receipt)
            unsure = receipt.status is SendStatus.UNKNOWN or any(
                r.status is SendStatus.UNKNOWN for r in receipt.recipients
            )
            self._held = (index, receipt)
            self.batches_done += 1
            self._keep(receipt)
            self.batch_states.append(receipt.status)
            if receipt.balance is not None:
                self.balance = receipt.balance
            # Written at once when no request follows soon, and for a group send, whose result
            # names the group's members from the numbers of the batch in flight
            # (``SendJournal.result``).
            if unsure or not more or self.journal.group:
                self.settle()
            if unsure:
                # Some number may or may not have been sent: stop spending until the operator
                # has looked, whatever the receipt's overall status says.
                self.journal.stop(f"not sent: batch {index + 1} left an outcome unknown")
                raise Stop(SendState.UNKNOWN)
            return

    async def _request(self, message: Message, while_out: Callable[[], None] | None) -> SendReceipt:
        """The provider's receipt for ``message``; ``while_out`` is called as soon as the
        request's body is out (``providers.http.request_sent``), while the provider works on it,
        or once the request is over when the transport does not say, whatever its outcome."""
        if while_out is None:
            return await request(self.provider, message, self.dry_run)
        called = False

        def out() -> None:
            nonlocal called
            if not called:
                called = True
                while_out()

        token = request_sent.set(out)
        try:
            return await request(self.provider, message, self.dry_run)
        finally:
            request_sent.reset(token)
            out()

    def settle(self) -> None:
        """Journal the batch result held back, if any, and report progress. Every other step
        of the journal comes after it."""
        if self._held is not None:
            index, receipt = self._held
            self.journal.result(index, receipt)
            self._held = None
            self.report()

    def _already_sent(self, index: int, numbers: Sequence[str]) -> None:
        """The provider had received this batch before and did not send it again: its numbers
        have the message (once); recorded accepted (validated, in a dry run), saying so."""
        status, note = SendStatus.ACCEPTED, ALREADY_SENT
        if self.dry_run:
            status, note = SendStatus.DRY_RUN, ALREADY_SIMULATED
        receipt = SendReceipt(
            self.provider.kind,
            status,
            tuple(RecipientResult(n, status, error=note) for n in numbers),
            warnings=(ALREADY_SENT_WARNING,),
        )
        self.journal.result(index, receipt)
        self.batches_done += 1
        self._keep(receipt)
        self.batch_states.append(status)
        self.already_sent += len(numbers)
        self.report()

    def _keep(self, receipt: SendReceipt) -> None:
        """Keep a batch's receipt for the outcome without its per-number results: those are in
        the outbox, and a million of them would stay in memory until the send ends."""
        self.receipts.append(dataclasses.replace(receipt, recipients=()))

    def _failed(self, index: int, error: ProviderError | InputError, status: SendStatus) -> None:
        self.journal.result(index, error)
        self.batches_done += 1
        self.errors.append(error)
        self.batch_states.append(status)
        balance = getattr(error, "balance", None)
        if balance is not None:
            with contextlib.suppress(ArithmeticError):
                self.balance = Decimal(balance)
        self.journal.stop(f"not sent: batch {index + 1} failed ({_code(error)})")

    def abandon(self, exc: BaseException) -> None:
        """Settle the outbox when the send dies abnormally (task cancelled, bug)."""
        try:
            self.settle()  # an answer received is an answer: not "unknown"
        except Exception:
            log.exception("could not record a batch's result of send %s", self.reference)
        try:
            self.journal.interrupted(exc)
        except Exception:  # the original exception matters more; recovery at start-up remains
            log.exception("could not settle send %s after an interruption", self.reference)

    def report(self, waiting: float | None = None) -> None:
        if self.progress is None:
            return
        tally = self.journal.tally()
        snapshot = SendProgress(
            reference=self.reference,
            total=self.total,
            done=tally.accepted,
            failed=tally.rejected + tally.unknown,
            cancelled=tally.cancelled,
            remaining=tally.remaining,
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
        if self.total:
            tally = self.journal.tally()
            ok = tally.accepted
            bad = self.total - ok
            if tally.unknown:
                return SendState.UNKNOWN
        else:
            ok = sum(s in (SendStatus.ACCEPTED, SendStatus.DRY_RUN) for s in self.batch_states)
            bad = len(self.batch_states) - ok
        if ok and not bad:
            return SendState.DRY_RUN if self.dry_run else SendState.ACCEPTED
        return SendState.PARTIAL if ok else SendState.REJECTED

    def outcome(self, state: SendState) -> SendOutcome:
        tally = self.journal.tally()
        costs = [r.cost for r in self.receipts if r.cost is not None]
        return SendOutcome(
            reference=self.reference,
            state=state,
            total=self.total,
            accepted=tally.accepted,
            rejected=tally.rejected,
            unknown=tally.unknown,
            cancelled=tally.cancelled,
            receipts=tuple(self.receipts),
            errors=tuple(self.errors),
            balance=self.balance,
            cost=sum(costs, Decimal(0)) if costs else None,
            dry_run=self.dry_run,
            already_sent=self.already_sent,
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
