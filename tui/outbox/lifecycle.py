"""Writing a send into the outbox, step by step, each step one committed transaction.

The order is the outbox's rule: ``begin_send`` commits the intent (every recipient
``pending``), ``mark_batch_sending`` commits a batch as in flight *before* its request leaves,
``record_batch_result`` / ``record_batch_error`` record what came back, ``cancel_remaining``
and ``finish_send`` close the send. ``tui.outbox.journal.SendJournal`` walks a running send
through these steps; tests and benchmarks may call them directly.
"""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import Channel, Message, SendReceipt, SendStatus
from tui.outbox import events as ev
from tui.outbox import inflight as inflight
from tui.outbox import sql as sql
from tui.outbox.base import StoreBase, StoreError, new_reference, valid_reference
from tui.outbox.codec import encode_message
from tui.outbox.content import content_hash
from tui.outbox.schema import FINAL_SEND_STATES, RecipientState, SendState, channel_of

_STATUS_TO_RECIPIENT = {
    SendStatus.ACCEPTED: RecipientState.ACCEPTED,
    SendStatus.REJECTED: RecipientState.REJECTED,
    SendStatus.UNKNOWN: RecipientState.UNKNOWN,
    SendStatus.DRY_RUN: RecipientState.DRY_RUN,
}
#: The same, as the text stored (an enum's ``.value`` costs a call, per recipient).
_STATE_TEXT = {status: state.value for status, state in _STATUS_TO_RECIPIENT.items()}


@runtime_checkable
class StagedFile(Protocol):
    """Numbers kept in an SQLite file of their own (``tui.sending.recipients.StagedNumbers``):
    its table ``numbers`` holds them in order (``position`` from 1), once each."""

    @property
    def database(self) -> Path: ...


#: A staged list into a send's recipients, in one statement: no Python object per number.
_COPY_STAGED = """INSERT OR IGNORE INTO send_recipients (reference, position, provider, number,
       state, updated_at)
   SELECT ?, position - 1, ?, number, 'pending', ? FROM staged.numbers ORDER BY position"""


class SendLifecycle(StoreBase):
    """The write side of a send, mixed into ``Store``."""

    def begin_send(
        self,
        account: str,
        provider: str,
        channel: Channel | str,
        message: Message,
        recipients: Iterable[str] | None = None,
        *,
        dry_run: bool = False,
        resend_of: str | None = None,
        reference: str | None = None,
        campaign_id: str | None = None,
    ) -> str:
        """Commit the intent of a send (state ``sending``, every recipient ``pending``).

        Returns our reference. Nothing may be requested from the provider before this returns.
        Recipients are de-duplicated (first occurrence kept) and streamed into
        ``send_recipients`` as they are read, never copied whole; a ``StagedFile`` (a list read
        from a file) is copied by SQLite itself, attached. The message is stored without them.
        ``campaign_id``: the campaign id the requests will carry when it is not the message's
        own (the orchestrator may default it to the reference); callbacks are matched on it.
        """
        channel = Channel(channel)
        expected = channel_of(message)
        if channel is not expected:
            raise StoreError(f"a {type(message).__name__} cannot be sent on channel {channel}")
        numbers = message.recipients if recipients is None else recipients
        if reference is not None and not valid_reference(reference):
            raise StoreError(f"invalid reference {reference!r}: 1-10 characters A-Z, 0-9")
        stored = encode_message(replace(message, recipients=()))
        ref = reference or new_reference()
        now = self._now()
        staged = numbers if isinstance(numbers, StagedFile) else None
        with self._attached(staged), self._write() as conn:
            if resend_of is not None and sql.send_state(conn, resend_of) is None:
                raise StoreError(f"no send {resend_of!r} to resend")
            if sql.send_state(conn, ref) is not None:
                raise StoreError(f"reference {ref!r} is already used")
            conn.execute(
                """INSERT INTO sends (reference, created_at, updated_at, account, provider,
                       channel, message_json, summary, state, campaign_id, resend_of, dry_run,
                       recipients_total, owner, content_hash)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    ref,
                    now,
                    now,
                    account,
                    provider,
                    channel.value,
                    stored,
                    sql.summary(message),
                    SendState.SENDING.value,
                    campaign_id or message.campaign_id,
                    resend_of,
                    int(dry_run),
                    0,  # counted below, once the duplicates are left out
                    self._owner,
                    content_hash(account, message),
                ),
            )
            # A repeated number is ignored (UNIQUE (reference, number)): the first one stays.
            if staged is not None:
                inserted = conn.execute(_COPY_STAGED, (ref, provider, now)).rowcount
            else:
                inserted = conn.executemany(
                    """INSERT OR IGNORE INTO send_recipients (reference, position, provider,
                           number, state, updated_at) VALUES (?, ?, ?, ?, ?, ?)""",
                    (
                        (ref, position, provider, str(number), RecipientState.PENDING.value, now)
                        for position, number in enumerate(numbers)
                    ),
                ).rowcount
            conn.execute(
                "UPDATE sends SET recipients_total = ? WHERE reference = ?", (inserted, ref)
            )
        return ref

    @contextmanager
    def _attached(self, staged: StagedFile | None) -> Iterator[None]:
        """``staged``'s file attached as ``staged`` (outside any transaction, as SQLite wants)."""
        if staged is None:
            yield
            return
        with self._lock:
            self._conn.execute("ATTACH DATABASE ? AS staged", (str(staged.database),))
            try:
                yield
            finally:
                self._conn.execute("DETACH DATABASE staged")

    def mark_batch_sending(
        self,
        reference: str,
        batch: int,
        numbers: Sequence[str],
        *,
        request_id: str | None = None,
    ) -> None:
        """Commit that the request for this batch is about to leave. Call it, then request.

        Refuses (``StoreError``, nothing changed) when the send is no longer ``sending`` or a
        number is not ``pending``: that is the guard against requesting a number twice.
        """
        now = self._now()
        with self._write() as conn:
            state = sql.send_state(conn, reference)
            if state is not SendState.SENDING:
                raise StoreError(f"send {reference} is {state or 'missing'}; nothing may be sent")
            busy = conn.execute(
                "SELECT state FROM send_batches WHERE reference = ? AND batch = ?",
                (reference, batch),
            ).fetchone()
            if busy is not None:
                raise StoreError(f"batch {batch} of {reference} was already requested")
            # The batch's numbers are usually the send's next positions: one range of them.
            marked = inflight.mark(conn, reference, batch, numbers, now)
            if marked is None:
                _mark_by_number(conn, reference, batch, numbers, now)
            conn.execute(
                """INSERT INTO send_batches (reference, batch, provider, state, size, request_id,
                       started_at)
                   SELECT reference, ?, provider, ?, ?, ?, ? FROM sends WHERE reference = ?""",
                (batch, SendState.SENDING.value, len(numbers), request_id, now, reference),
            )
        # Kept once committed: the answer to this batch is written on these rows.
        if marked is not None:
            self._marked[reference, batch] = marked

    def batch_state(self, reference: str, batch: int) -> RecipientState | None:
        """The outcome of one batch's request (``sending`` while in flight), None if never made."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT state FROM send_batches WHERE reference = ? AND batch = ?",
                (reference, batch),
            ).fetchone()
        return None if row is None else RecipientState(row[0])

    def release_batch(self, reference: str, batch: int) -> None:
        """Undo ``mark_batch_sending`` for a request the provider refused before doing anything
        (HTTP 429, our own rate limiter): its numbers are pending again."""
        self._marked.pop((reference, batch), None)
        with self._write() as conn:
            conn.execute(
                "UPDATE send_recipients SET state = ?, batch = NULL, updated_at = ? "
                "WHERE reference = ? AND batch = ? AND state = ?",
                (
                    RecipientState.PENDING.value,
                    self._now(),
                    reference,
                    batch,
                    RecipientState.SENDING.value,
                ),
            )
            conn.execute(
                "DELETE FROM send_batches WHERE reference = ? AND batch = ?", (reference, batch)
            )

    def record_batch_result(
        self, reference: str, receipt: SendReceipt, *, batch: int | None = None
    ) -> None:
        """Record the provider's receipt for the batch in flight (or ``batch``).

        Per-recipient results apply to their numbers; numbers the receipt does not list take
        the receipt's overall status. Orphan events of this provider are matched afterwards,
        since a callback may have overtaken this reply.
        """
        now = self._now()
        with self._write() as conn:
            batch = sql.batch_in_flight(conn, reference) if batch is None else batch
            marked = self._marked.pop((reference, batch), None)
            overall = _STATUS_TO_RECIPIENT[receipt.status]
            # The send's counters move by what this batch changed: no recount of the send.
            changes: Counter[str] = Counter()
            answered, message_ids = False, []
            if marked is not None:
                # The rows its leaving marked, not read again (unless one changed meanwhile).
                written = inflight.answer(
                    conn, reference, marked, receipt.recipients, overall.value, _STATE_TEXT, now
                )
                if written is not None:
                    changes, answered = written
            if not answered:
                found = sql.batch_rows(conn, reference, batch)  # those still awaiting it
                results = sql.results_by_number(receipt.recipients, [row[1] for row in found])
                moved = sql.write_results(conn, found, results, overall.value, _STATE_TEXT, now)
                changes.update(moved)  # adds, negative counts too
                message_ids = [r.message_id for r in results.values()]
            conn.execute(
                """UPDATE send_batches SET state = ?, provider_reference = ?, finished_at = ?,
                       error_code = NULL, error_message = NULL
                   WHERE reference = ? AND batch = ?""",
                (overall.value, receipt.reference, now, reference, batch),
            )
            sql.add_money(
                conn, reference, receipt.balance, receipt.cost, now, self._clock(), receipt.currency
            )
            settled = sql.settle_reported(conn, reference, now)
            changes[RecipientState.UNKNOWN.value] -= settled
            changes[RecipientState.ACCEPTED.value] += settled
            if receipt.reference:
                conn.execute(
                    "UPDATE sends SET provider_reference = COALESCE(provider_reference, ?) "
                    "WHERE reference = ?",
                    (receipt.reference, reference),
                )
            sql.add_counts(conn, reference, changes)
            send = conn.execute(
                "SELECT provider, campaign_id FROM sends WHERE reference = ?", (reference,)
            ).fetchone()
            # Only events this reply can explain: a pile of unmatchable orphans is not walked.
            ids = [reference, send["campaign_id"], receipt.reference]
            ids += message_ids
            keys = sorted({key for key in ids if key})
            ev.match_orphans(conn, self._clock(), send["provider"], keys)

    def record_batch_error(
        self,
        reference: str,
        numbers: Sequence[str] | None,
        error: ProviderError | InputError,
        *,
        batch: int | None = None,
    ) -> None:
        """Record that the batch's request failed: ``unknown`` for ``OutcomeUnknownError`` (it
        may have been processed), ``rejected`` otherwise. ``numbers=None``: the whole batch."""
        unknown = isinstance(error, OutcomeUnknownError)
        state = RecipientState.UNKNOWN if unknown else RecipientState.REJECTED
        if isinstance(error, ProviderError):
            code, text = error.code, error.meaning
            if error.original:
                text += f" (provider said: {error.original[:300]})"
        else:
            code, text = "INPUT", str(error)
        now = self._now()
        with self._write() as conn:
            batch = sql.batch_in_flight(conn, reference) if batch is None else batch
            self._marked.pop((reference, batch), None)
            targets = sql.batch_numbers(conn, reference, batch) if numbers is None else numbers
            conn.executemany(
                "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? "
                "WHERE reference = ? AND number = ? AND batch = ?",
                ((state.value, f"{code}: {text}", now, reference, n, batch) for n in targets),
            )
            conn.execute(
                """UPDATE send_batches SET state = ?, error_code = ?, error_message = ?,
                       finished_at = ? WHERE reference = ? AND batch = ?""",
                (state.value, code, text, now, reference, batch),
            )
            conn.execute(
                "UPDATE sends SET error_code = ?, error_message = ?, updated_at = ? "
                "WHERE reference = ?",
                (code, text, now, reference),
            )
            balance = getattr(error, "balance", None)
            sql.add_money(conn, reference, sql.decimal(balance), None, now, self._clock())
            sql.settle_reported(conn, reference, now)  # a report may have overtaken the error
            sql.refresh_counts(conn, reference)

    def cancel_remaining(self, reference: str, reason: str = "cancelled by the operator") -> int:
        """Mark every recipient not yet requested as ``cancelled``; return how many."""
        with self._write() as conn:
            count = sql.cancel_pending(conn, reference, reason, self._now())
            sql.add_counts(conn, reference, {RecipientState.CANCELLED.value: count})
        return count

    def counters(self, reference: str) -> tuple[int, int, int, int, int]:
        """(recipients, accepted, rejected, unknown, cancelled) of a send, as kept by every
        step: one row read, whatever the size of the send."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT recipients_total, accepted, rejected, unknown, cancelled FROM sends "
                "WHERE reference = ?",
                (reference,),
            ).fetchone()
        if row is None:
            raise StoreError(f"no send {reference!r}")
        return tuple(row)

    def finish_send(self, reference: str, state: SendState | str) -> SendState:
        """Set the final state, and return it. Numbers still pending are cancelled (they were
        never sent). A send stopped early that holds a recipient of unknown outcome is
        ``unknown``, not ``cancelled``: that is what warns before a resend that may duplicate."""
        final = SendState(state)
        if final not in FINAL_SEND_STATES:
            raise StoreError(f"{final} is not a final state")
        now = self._now()
        for key in [key for key in self._marked if key[0] == reference]:
            del self._marked[key]
        with self._write() as conn:
            if sql.send_state(conn, reference) is None:
                raise StoreError(f"no send {reference!r}")
            sql.cancel_pending(conn, reference, "not sent: the send stopped first", now)
            if final is SendState.CANCELLED and sql.has_unknown(conn, reference):
                final = SendState.UNKNOWN
            conn.execute(
                "UPDATE sends SET state = ?, updated_at = ?, owner = NULL WHERE reference = ?",
                (final.value, now, reference),
            )
            sql.refresh_counts(conn, reference)
            if final is SendState.UNKNOWN:
                # Delivery reports may have settled every unknown outcome already.
                sql.derive_settled_state(conn, reference, now)
                final = sql.send_state(conn, reference) or final
        return final


def _mark_by_number(
    conn: sqlite3.Connection, reference: str, batch: int, numbers: Sequence[str], now: str
) -> None:
    """Mark ``numbers`` ``sending`` in ``batch``, wherever they are in the send; refuse
    (``StoreError``) when one of them is not ``pending`` in it, or is given twice."""
    # One statement for the batch: its numbers as a JSON list, each found through
    # (reference, number) ("+" keeps SQLite off the index of states, which would walk
    # every pending number of the send).
    changed = conn.execute(
        """UPDATE send_recipients SET state = ?, batch = ?, updated_at = ?
           WHERE reference = ? AND +state = ?
           AND number IN (SELECT value FROM json_each(?))""",
        (
            RecipientState.SENDING.value,
            batch,
            now,
            reference,
            RecipientState.PENDING.value,
            json.dumps([str(number) for number in numbers]),
        ),
    ).rowcount
    if changed != len(numbers) or len(set(numbers)) != len(numbers):
        raise StoreError(f"batch {batch} of {reference}: some numbers are not pending in this send")
