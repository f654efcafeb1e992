"""The outbox: every send, its recipients, delivery events and last balances, in SQLite.

The rule that matters: the intent of a send is committed *before* its request leaves
(``begin_send``, then ``mark_batch_sending`` per batch), so that a crash, a timeout or a killed
process can never make a send vanish or repeat. A send found in state ``sending`` at start-up
(``recover_interrupted``) becomes ``unknown`` when one of its requests may have left, and is
never retried automatically.

The class is assembled from small modules: ``store_base`` (connection, multi-process rules),
``store_sends`` (paged history), ``store_tracking`` (events, balances), ``store_schema`` (tables
and row types), ``store_codec`` (exact message serialisation).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import replace

from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import Channel, SendReceipt, SendStatus, SmsMessage, VoiceMessage
from tui.outbox import events as ev
from tui.outbox import sql as sql
from tui.outbox.base import StoreError, new_reference, owner_alive, valid_reference
from tui.outbox.codec import decode_message, encode_message
from tui.outbox.schema import (
    FINAL_SEND_STATES,
    RESENDABLE_STATES,
    UNSETTLED_RECIPIENTS,
    BalanceRow,
    EventRow,
    RecipientRow,
    RecipientState,
    SendRow,
    SendState,
)
from tui.outbox.sends import SendQueries
from tui.outbox.tracking import TrackingQueries

Message = SmsMessage | VoiceMessage

__all__ = [
    "RESENDABLE_STATES",
    "UNSETTLED_RECIPIENTS",
    "BalanceRow",
    "EventRow",
    "Message",
    "RecipientRow",
    "RecipientState",
    "SendRow",
    "SendState",
    "Store",
    "StoreError",
    "new_reference",
]

_STATUS_TO_RECIPIENT = {
    SendStatus.ACCEPTED: RecipientState.ACCEPTED,
    SendStatus.REJECTED: RecipientState.REJECTED,
    SendStatus.UNKNOWN: RecipientState.UNKNOWN,
    SendStatus.DRY_RUN: RecipientState.DRY_RUN,
}


class Store(SendQueries, TrackingQueries):
    """The outbox. ``Store(path)`` creates or upgrades the database; use it as a context
    manager or call ``close()``."""

    # ------------------------------------------------------------------ start-up recovery

    def recover_interrupted(self) -> int:
        """Settle sends left in ``sending`` by a process that is gone; return how many.

        A send whose batch was in flight becomes ``unknown`` (its in-flight recipients too):
        the request may have been processed. Recipients never requested become ``cancelled``;
        a send with nothing in flight becomes ``cancelled`` as well. Sends still owned by a
        live store (this process, or another live process on this host) are left alone.
        """
        now = self._now()
        recovered = 0
        with self._write() as conn:
            rows = conn.execute(
                "SELECT reference, owner FROM sends WHERE state = ?", (SendState.SENDING.value,)
            ).fetchall()
            for row in rows:
                if owner_alive(row["owner"]):
                    continue
                reference = row["reference"]
                in_flight = conn.execute(
                    "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? "
                    "WHERE reference = ? AND state = ?",
                    (
                        RecipientState.UNKNOWN.value,
                        "interrupted while its request was in flight: it may have been sent",
                        now,
                        reference,
                        RecipientState.SENDING.value,
                    ),
                ).rowcount
                in_flight += conn.execute(
                    "UPDATE send_batches SET state = ?, error_code = 'INTERRUPTED', "
                    "finished_at = ? WHERE reference = ? AND state = ?",
                    (SendState.UNKNOWN.value, now, reference, SendState.SENDING.value),
                ).rowcount
                sql.cancel_pending(conn, reference, "not sent: the program stopped first", now)
                unknown = in_flight or sql.has_unknown(conn, reference)
                state = SendState.UNKNOWN if unknown else SendState.CANCELLED
                conn.execute(
                    "UPDATE sends SET state = ?, error_code = 'INTERRUPTED', error_message = ?, "
                    "updated_at = ?, owner = NULL WHERE reference = ?",
                    (
                        state.value,
                        "the program stopped during this send",
                        now,
                        reference,
                    ),
                )
                sql.refresh_counts(conn, reference)
                recovered += 1
        return recovered

    # ------------------------------------------------------------------ the send lifecycle

    def begin_send(
        self,
        account: str,
        provider: str,
        channel: Channel | str,
        message: Message,
        recipients: Sequence[str] | None = None,
        *,
        dry_run: bool = False,
        resend_of: str | None = None,
        reference: str | None = None,
        campaign_id: str | None = None,
    ) -> str:
        """Commit the intent of a send (state ``sending``, every recipient ``pending``).

        Returns our reference. Nothing may be requested from the provider before this returns.
        Recipients are de-duplicated (first occurrence kept); the message is stored without
        them, since they live in ``send_recipients``. ``campaign_id``: the campaign id the
        requests will carry when it is not the message's own (the orchestrator may default
        it to the reference); callbacks are matched on it.
        """
        channel = Channel(channel)
        expected = Channel.SMS if isinstance(message, SmsMessage) else Channel.VOICE
        if channel is not expected:
            raise StoreError(f"a {type(message).__name__} cannot be sent on channel {channel}")
        numbers = list(dict.fromkeys(message.recipients if recipients is None else recipients))
        if reference is not None and not valid_reference(reference):
            raise StoreError(f"invalid reference {reference!r}: 1-10 characters A-Z, 0-9")
        stored = encode_message(replace(message, recipients=()))
        ref = reference or new_reference()
        now = self._now()
        with self._write() as conn:
            if resend_of is not None and sql.send_state(conn, resend_of) is None:
                raise StoreError(f"no send {resend_of!r} to resend")
            if sql.send_state(conn, ref) is not None:
                raise StoreError(f"reference {ref!r} is already used")
            conn.execute(
                """INSERT INTO sends (reference, created_at, updated_at, account, provider,
                       channel, message_json, summary, state, campaign_id, resend_of, dry_run,
                       recipients_total, owner)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
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
                    len(numbers),
                    self._owner,
                ),
            )
            conn.executemany(
                """INSERT INTO send_recipients (reference, position, provider, number, state,
                       updated_at) VALUES (?, ?, ?, ?, ?, ?)""",
                (
                    (ref, position, provider, number, RecipientState.PENDING.value, now)
                    for position, number in enumerate(numbers)
                ),
            )
        return ref

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
            changed = conn.executemany(
                """UPDATE send_recipients SET state = ?, batch = ?, updated_at = ?
                   WHERE reference = ? AND number = ? AND state = ?""",
                (
                    (RecipientState.SENDING.value, batch, now, reference, number, "pending")
                    for number in numbers
                ),
            ).rowcount
            if changed != len(numbers) or len(set(numbers)) != len(numbers):
                raise StoreError(
                    f"batch {batch} of {reference}: some numbers are not pending in this send"
                )
            conn.execute(
                """INSERT INTO send_batches (reference, batch, provider, state, size, request_id,
                       started_at)
                   SELECT reference, ?, provider, ?, ?, ?, ? FROM sends WHERE reference = ?""",
                (batch, SendState.SENDING.value, len(numbers), request_id, now, reference),
            )

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
        with self._write() as conn:
            conn.execute(
                "UPDATE send_recipients SET state = ?, batch = NULL, updated_at = ? "
                "WHERE reference = ? AND batch = ? AND state = ?",
                ("pending", self._now(), reference, batch, RecipientState.SENDING.value),
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
            numbers = sql.batch_numbers(conn, reference, batch)
            overall = _STATUS_TO_RECIPIENT[receipt.status]
            results = sql.results_by_number(receipt.recipients, numbers)
            rows = []
            for number in numbers:
                result = results.get(number)
                state = overall if result is None else _STATUS_TO_RECIPIENT[result.status]
                rows.append(
                    (
                        state.value,
                        None if result is None else result.message_id,
                        None if result is None else result.error,
                        None if result is None or result.cost is None else str(result.cost),
                        now,
                        reference,
                        number,
                    )
                )
            conn.executemany(
                """UPDATE send_recipients SET state = ?, message_id = ?, error = ?, cost = ?,
                       updated_at = ? WHERE reference = ? AND number = ?""",
                rows,
            )
            conn.execute(
                """UPDATE send_batches SET state = ?, provider_reference = ?, finished_at = ?,
                       error_code = NULL, error_message = NULL
                   WHERE reference = ? AND batch = ?""",
                (overall.value, receipt.reference, now, reference, batch),
            )
            sql.add_money(conn, reference, receipt.balance, receipt.cost, now, self._clock())
            if receipt.reference:
                conn.execute(
                    "UPDATE sends SET provider_reference = COALESCE(provider_reference, ?) "
                    "WHERE reference = ?",
                    (receipt.reference, reference),
                )
            sql.refresh_counts(conn, reference)
            send = conn.execute(
                "SELECT provider, campaign_id FROM sends WHERE reference = ?", (reference,)
            ).fetchone()
            # Only events this reply can explain: a pile of unmatchable orphans is not walked.
            ids = [reference, send["campaign_id"], receipt.reference]
            ids += [r.message_id for r in results.values()]
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
            sql.refresh_counts(conn, reference)

    def cancel_remaining(self, reference: str, reason: str = "cancelled by the operator") -> int:
        """Mark every recipient not yet requested as ``cancelled``; return how many."""
        with self._write() as conn:
            count = sql.cancel_pending(conn, reference, reason, self._now())
            sql.refresh_counts(conn, reference)
        return count

    def finish_send(self, reference: str, state: SendState | str) -> SendState:
        """Set the final state, and return it. Numbers still pending are cancelled (they were
        never sent). A send stopped early that holds a recipient of unknown outcome is
        ``unknown``, not ``cancelled``: that is what warns before a resend that may duplicate."""
        final = SendState(state)
        if final not in FINAL_SEND_STATES:
            raise StoreError(f"{final} is not a final state")
        now = self._now()
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
        return final

    # ------------------------------------------------------------------ rebuilding for resend

    def message_of(
        self, reference: str, *, states: Collection[RecipientState | str] | None = None
    ) -> Message:
        """The stored message with its recipients (only those in ``states`` when given)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT message_json FROM sends WHERE reference = ?", (reference,)
            ).fetchone()
            if row is None:
                raise StoreError(f"no send {reference!r}")
            query = (
                "SELECT number, state FROM send_recipients WHERE reference = ? ORDER BY position"
            )
            numbers = conn.execute(query, (reference,)).fetchall()
        wanted = None if states is None else {RecipientState(s).value for s in states}
        recipients = tuple(n[0] for n in numbers if wanted is None or n[1] in wanted)
        return replace(decode_message(row[0]), recipients=recipients)
