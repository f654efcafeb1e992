"""getCDR rows as the outbox gives them back: ``StoredCdr``, a fetch's ``CdrFetch``, the pages
of a fetch (``read_page``) and ``CdrReader``, the History screen's reader on a connection of
its own.

Apart from ``tui.outbox.cdr_store`` (the ``Store`` mixin that writes the rows), which names them
from here when first used: a send opens the outbox without paying for these records.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from tui.outbox.schema import decimal_or_none


@dataclass(frozen=True)
class StoredCdr:
    """One getCDR row as stored: a message (``kind`` ``message``) or a campaign."""

    id: int
    kind: str
    cdr_id: str
    campaign_id: str
    channel: str | None
    date_init: str | None
    sender: str | None
    from_api: bool | None
    credits: Decimal | None
    number: str | None
    mail_recipient: str | None
    status_code: str | None
    state: str | None
    status_date: str | None
    status_meaning: str | None
    content: str | None
    message_ref: str | None
    recipients_count: int | None

    @property
    def target(self) -> str:
        return self.number or self.mail_recipient or ""


@dataclass(frozen=True)
class CdrFetch:
    id: int
    account: str
    first_day: date
    last_day: date
    options: Mapping[str, object]
    rows: int
    done_through: date | None
    finished_at: datetime | None
    error: str | None


def read_page(
    conn: sqlite3.Connection, fetch_id: int, after: int | None, before: int | None, limit: int
) -> list[StoredCdr]:
    if before is not None:
        query = "SELECT * FROM cdr_rows WHERE fetch_id = ? AND id < ? ORDER BY id DESC LIMIT ?"
        params: tuple[object, ...] = (fetch_id, before, limit)
    else:
        query = "SELECT * FROM cdr_rows WHERE fetch_id = ? AND id > ? ORDER BY id LIMIT ?"
        params = (fetch_id, -1 if after is None else after, limit)
    found = [_stored(row) for row in conn.execute(query, params).fetchall()]
    return found[::-1] if before is not None else found


class CdrReader:
    """Pages of getCDR rows on a connection of its own (WAL: it reads while a fetch writes),
    so the screen's reads never wait for the outbox's lock. One query at a time."""

    def __init__(self, path: Path | str) -> None:
        self._conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA query_only = ON")
        self._lock = threading.Lock()

    def close(self) -> None:
        # Once a page read in another thread is over: closed under it, the process crashes.
        with self._lock:
            self._conn.close()

    def page(
        self, fetch_id: int, *, after: int | None = None, before: int | None = None, limit: int
    ) -> tuple[list[StoredCdr], bool, bool]:
        """The page, and whether rows lie before it and after it."""
        with self._lock:
            rows = read_page(self._conn, fetch_id, after, before, limit)
            if not rows:
                return rows, False, False
            earlier = read_page(self._conn, fetch_id, None, rows[0].id, 1)
            later = read_page(self._conn, fetch_id, rows[-1].id, None, 1)
        return rows, bool(earlier), bool(later)


def _stored(row: sqlite3.Row) -> StoredCdr:
    from_api, count = row["from_api"], row["recipients_count"]
    return StoredCdr(
        id=row["id"],
        kind=row["kind"],
        cdr_id=row["cdr_id"],
        campaign_id=row["campaign_id"],
        channel=row["channel"],
        date_init=row["date_init"],
        sender=row["sender"],
        from_api=None if from_api is None else bool(from_api),
        credits=decimal_or_none(row["credits"]),
        number=row["number"],
        mail_recipient=row["mail_recipient"],
        status_code=row["status_code"],
        state=row["state"],
        status_date=row["status_date"],
        status_meaning=row["status_meaning"],
        content=row["content"],
        message_ref=row["message_ref"],
        recipients_count=None if count is None else int(count),
    )
