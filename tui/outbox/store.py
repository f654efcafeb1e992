"""The outbox: every send, its recipients, delivery events and last balances, in SQLite.

The rule that matters: the intent of a send is committed *before* its request leaves
(``begin_send``, then ``mark_batch_sending`` per batch), so that a crash, a timeout or a killed
process can never make a send vanish or repeat. A send found in state ``sending`` at start-up
(``recover_interrupted``) becomes ``unknown`` when one of its requests may have left, and is
never retried automatically. A running send writes through one ``SendJournal``
(``tui.outbox.journal``), which walks it through these steps in that order.

The class is assembled from small modules: ``base`` (connection, multi-process rules),
``lifecycle`` (the write side of a send), ``sends`` (paged history), ``tracking`` (events,
balances), ``schema`` (tables, states and row types), ``codec`` (exact message serialisation),
``balances`` (per account and channel or route), ``cdr_store`` (getCDR rows as read),
``group_deliveries`` (the members of eCampaign group sends).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from providers.models import Message
from tui.outbox import sql as sql
from tui.outbox.balances import BalanceQueries
from tui.outbox.base import StoreError, new_reference, owner_alive
from tui.outbox.cdr_store import CdrStore
from tui.outbox.codec import decode_message
from tui.outbox.group_deliveries import GroupDeliveries, GroupTotals
from tui.outbox.lifecycle import SendLifecycle
from tui.outbox.schema import (
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

__all__ = [
    "RESENDABLE_STATES",
    "UNSETTLED_RECIPIENTS",
    "BalanceRow",
    "EventRow",
    "GroupTotals",
    "RecipientRow",
    "RecipientState",
    "SendRow",
    "SendState",
    "Store",
    "StoreError",
    "new_reference",
]


class Store(SendLifecycle, SendQueries, TrackingQueries, BalanceQueries, CdrStore, GroupDeliveries):
    """The outbox. ``Store(path)`` creates or upgrades the database; use it as a context
    manager or call ``close()``."""

    # ------------------------------------------------------------------ start-up recovery

    def recover_interrupted(self) -> int:
        """Settle sends left in ``sending`` by a process that is gone; return how many."""
        return len(self.recover_interrupted_sends())

    def recover_interrupted_sends(self) -> list[SendRow]:
        """Settle sends left in ``sending`` by a process that is gone; return them, settled,
        oldest first, so that whoever starts can say what it recovered.

        A send whose batch was in flight becomes ``unknown`` (its in-flight recipients too):
        the request may have been processed. Recipients never requested become ``cancelled``;
        a send with nothing in flight becomes ``cancelled`` as well. Sends still owned by a
        live store (this process, or another live process on this host) are left alone.
        """
        now = self._now()
        recovered: list[str] = []
        with self._write() as conn:
            rows = conn.execute(
                "SELECT reference, owner FROM sends WHERE state = ? ORDER BY id",
                (SendState.SENDING.value,),
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
                sql.settle_reported(conn, reference, now)  # reports that came meanwhile
                sql.refresh_counts(conn, reference)
                sql.derive_settled_state(conn, reference, now)
                recovered.append(reference)
        settled = (self.get_send(reference) for reference in recovered)
        return [row for row in settled if row is not None]

    # ------------------------------------------------------------------ rebuilding for resend

    def message_of(
        self, reference: str, *, states: Collection[RecipientState | str] | None = None
    ) -> Message:
        """The stored message with its recipients (only those in ``states`` when given: none
        for ``states=()``, read at no cost)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT message_json FROM sends WHERE reference = ?", (reference,)
            ).fetchone()
            if row is None:
                raise StoreError(f"no send {reference!r}")
            query = (
                "SELECT number, state FROM send_recipients WHERE reference = ? ORDER BY position"
            )
            # ``states=()``: the message without its numbers (a million of them, maybe).
            numbers = (
                conn.execute(query, (reference,)).fetchall() if states is None or states else []
            )
        wanted = None if states is None else {RecipientState(s).value for s in states}
        recipients = tuple(n[0] for n in numbers if wanted is None or n[1] in wanted)
        return replace(decode_message(row[0]), recipients=recipients)
