"""Delivery events and balances in the outbox (see ``store_events`` for the rules)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

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
            now = self._clock()
            event_id = ev.insert_event(conn, event, body, account, now, dedup_key)
            if event_id is None:
                return False
            number = ev.clean_number(event.number)
            match = ev.find_match(
                conn, event.provider, event.kind, event.message_id, event.campaign_id, number
            )
            if match is not None:
                occurred = None if event.occurred_at is None else to_text(event.occurred_at)
                ev.link_event(
                    conn,
                    event_id,
                    match,
                    event.kind,
                    event.state,
                    event.provider_code,
                    occurred,
                    now,
                )
        return True

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
