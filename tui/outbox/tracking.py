"""Delivery events and balances in the outbox (see ``tui.outbox.events`` for the rules).

``record_batch`` is the receiver's way in: the callbacks that arrived together are stored in one
transaction (one commit, one fsync: the listen daemon's group commit), each event applied as
``record_event`` applies it, and a hook told of each event stored inside that transaction, so
that what follows from it (a STOP joining the opt-out list) lands in the same commit.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from providers.models import Balance, DeliveryEvent
from tui.outbox import events as ev
from tui.outbox.base import StoreBase
from tui.outbox.codec import decode_balance_lines
from tui.outbox.schema import (
    EVENT_COLUMNS,
    BalanceRow,
    EventRow,
    decimal_or_none,
    from_text,
    to_text,
)
from tui.outbox.sql import upsert_balance


class Callback(NamedTuple):
    """What one callback brought: its account, the events parsed from it, the raw request."""

    account: str | None
    events: Sequence[DeliveryEvent]
    raw: bytes


#: Told of each event stored, inside the transaction that stores it (it must not commit).
StoredHook = Callable[[sqlite3.Connection, str | None, DeliveryEvent, datetime], None]


class TrackingQueries(StoreBase):
    """Delivery events and last known balances, mixed into ``Store``."""

    # ------------------------------------------------------------------ events

    def record_event(
        self,
        event: DeliveryEvent,
        raw: bytes | str,
        account: str | None = None,
        *,
        dedup_key: str | None = None,
    ) -> bool:
        """Store a delivery event and apply it; False when it was already stored."""
        body = raw.encode("utf-8", errors="replace") if isinstance(raw, str) else raw
        with self._write() as conn:
            return _apply(conn, event, body, account, to_text(self._clock()), dedup_key, None)

    def record_batch(
        self, callbacks: Sequence[Callback], on_stored: StoredHook | None = None
    ) -> list[list[DeliveryEvent]]:
        """Store the events of several callbacks in ONE transaction; for each callback, the
        events that were new (duplicates are left out). All or nothing: an exception rolls the
        whole batch back, and the caller may try the callbacks one by one."""
        stored: list[list[DeliveryEvent]] = []
        cache: ev.CampaignCache = {}
        with self._write() as conn:
            now = self._clock()
            stamp = to_text(now)
            for callback in callbacks:
                new = [
                    event
                    for event in callback.events
                    if _apply(conn, event, callback.raw, callback.account, stamp, None, cache)
                ]
                if on_stored is not None:
                    for event in new:
                        on_stored(conn, callback.account, event, now)
                stored.append(new)
        return stored

    def iter_events(
        self,
        *,
        account: str | None = None,
        orphans: bool = False,
        since: datetime | None = None,
        chunk: int = 1000,
    ) -> Iterator[EventRow]:
        """Stored events in arrival order, read a chunk at a time (keyset on the id)."""
        clauses = ["id > ?"]
        values: list[object] = []
        if account is not None:
            clauses.append("account = ?")
            values.append(account)
        if orphans:
            clauses.append("matched_reference IS NULL")
        if since is not None:
            clauses.append("received_at >= ?")
            values.append(to_text(since))
        query = (
            f"SELECT {EVENT_COLUMNS} FROM events WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?"
        )
        last = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(query, (last, *values, chunk)).fetchall()
            for row in rows:
                yield EventRow.from_row(row)
            if len(rows) < chunk:
                return
            last = int(rows[-1]["id"])

    def match_orphans(self, provider: str | None = None) -> int:
        with self._write() as conn:
            return ev.match_orphans(conn, self._clock(), provider)

    def events_since(self, event_id: int, limit: int = 500) -> list[EventRow]:
        """Events stored after ``event_id``, in arrival order (for a screen that polls)."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (event_id, limit),
            ).fetchall()
        return [EventRow.from_row(row) for row in rows]

    def events_for(self, reference: str, limit: int = 500, offset: int = 0) -> list[EventRow]:
        """A send's events in the order they happened (arrival order where no time is known)."""
        with self._read() as conn:
            rows = conn.execute(
                f"""SELECT {EVENT_COLUMNS} FROM events WHERE matched_reference = ?
                    ORDER BY COALESCE(occurred_at, received_at), id LIMIT ? OFFSET ?""",
                (reference, limit, offset),
            ).fetchall()
        return [EventRow.from_row(row) for row in rows]

    def event_raw(self, event_id: int) -> bytes | None:
        with self._read() as conn:
            row = conn.execute("SELECT raw FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else bytes(row[0] or b"")

    # ------------------------------------------------------------------ balances

    def record_balance(
        self,
        account: str,
        provider: str,
        balance: Balance | Decimal,
        *,
        seen_at: datetime | None = None,
    ) -> None:
        with self._write() as conn:
            upsert_balance(conn, account, provider, balance, seen_at or self._clock())

    def last_balance(self, account: str) -> BalanceRow | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM balances WHERE account = ?", (account,)).fetchone()
        if row is None:
            return None
        return BalanceRow(
            account=row["account"],
            provider=row["provider"],
            amount=decimal_or_none(row["amount"]),
            lines=decode_balance_lines(row["lines_json"]),
            seen_at=from_text(row["seen_at"]) or self._clock(),
        )


def _apply(
    conn: sqlite3.Connection,
    event: DeliveryEvent,
    body: bytes,
    account: str | None,
    now: str,
    dedup_key: str | None,
    cache: ev.CampaignCache | None,
) -> bool:
    """Store one event, linked to its send, and apply it to its recipient; False when it was
    already stored. Matched first, so that the event is written once, already linked, and the
    recipient's row read once (a few statements an event: the receiver's hot path)."""
    number = ev.clean_number(event.number)
    match = ev.find_match(
        conn, event.provider, event.kind, event.message_id, event.campaign_id, number, cache
    )
    if ev.insert_event(conn, event, body, account, now, dedup_key, match) is None:
        return False
    if match is not None:
        occurred = None if event.occurred_at is None else to_text(event.occurred_at)
        ev.apply_to_recipient(
            conn, match, event.kind, event.state, event.provider_code, occurred, now
        )
    return True
