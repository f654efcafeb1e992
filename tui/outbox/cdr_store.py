"""eCampaign's getCDR rows in the outbox, written as the reply is read.

A History screen fetch is one ``cdr_fetches`` row (account, days, options) and the rows it read
(``cdr_rows``), added a batch at a time while the reply is still downloading, so the screen
shows the first page long before a 100,000-message reply ends. A row read again (a later fetch
of the same days) is updated in place and belongs to the later fetch. A campaign's drill-down is
a fetch of its own whose rows carry that campaign's id (``campaign_id``).

Pages are keyset pages on the row id within a fetch (index ``cdr_rows_fetch``), never OFFSET.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from providers.models import CdrCampaign, CdrRecord
from tui.outbox.base import StoreBase
from tui.outbox.schema import decimal_or_none, from_text

CdrRow = CdrRecord | CdrCampaign

_COLUMNS = (
    "fetch_id, account, kind, cdr_id, campaign_id, channel, date_init, sender, from_api, "
    "credits, number, mail_recipient, mail_subject, status_code, state, status_date, "
    "status_meaning, content, message_ref, group_member_id, recipients_count, group_id, "
    "template_id"
)
_UPDATED = [
    name.strip()
    for name in _COLUMNS.split(",")
    if name.strip() not in ("account", "kind", "cdr_id", "campaign_id")
]
_UPSERT = (
    f"INSERT INTO cdr_rows ({_COLUMNS}) VALUES ({', '.join('?' * len(_COLUMNS.split(',')))}) "
    "ON CONFLICT (account, kind, campaign_id, cdr_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in _UPDATED)
)


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


def _values(fetch_id: int, account: str, scope: str, row: CdrRow) -> tuple[object, ...]:
    if isinstance(row, CdrRecord):
        return (
            fetch_id, account, "message", row.id, scope, row.channel, row.date_init, row.sender,
            row.from_api, _text(row.credits), row.number, row.mail_recipient, row.mail_subject,
            row.status_code, row.state.value, row.status_date, row.status_meaning, row.content,
            row.message_ref, row.group_member_id, None, None, None,
        )  # fmt: skip
    return (
        fetch_id, account, "campaign", row.id, scope, row.channel, row.date_init, row.sender,
        row.from_api, _text(row.credits), None, None, None, None, None, None, None, None, None,
        None, row.recipients_count, row.group_id, row.template_id,
    )  # fmt: skip


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class CdrStore(StoreBase):
    """getCDR fetches and their rows, mixed into ``Store``."""

    def begin_cdr_fetch(
        self, account: str, first_day: date, last_day: date, options: Mapping[str, object]
    ) -> int:
        with self._write() as conn:
            cursor = conn.execute(
                """INSERT INTO cdr_fetches (account, started_at, first_day, last_day,
                       options_json) VALUES (?, ?, ?, ?, ?)""",
                (
                    account,
                    self._now(),
                    first_day.isoformat(),
                    last_day.isoformat(),
                    json.dumps(dict(options), sort_keys=True, default=str),
                ),
            )
            return int(cursor.lastrowid or 0)

    def add_cdr_rows(
        self, fetch_id: int, account: str, rows: Sequence[CdrRow], *, campaign: str = ""
    ) -> None:
        """Store rows read by a fetch (a batch: one transaction)."""
        if not rows:
            return
        with self._write() as conn:
            conn.executemany(_UPSERT, (_values(fetch_id, account, campaign, row) for row in rows))
            conn.execute(
                "UPDATE cdr_fetches SET rows = rows + ? WHERE id = ?", (len(rows), fetch_id)
            )

    def cdr_period_done(self, fetch_id: int, last: date) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE cdr_fetches SET done_through = ? WHERE id = ?",
                (last.isoformat(), fetch_id),
            )

    def finish_cdr_fetch(self, fetch_id: int, error: str | None = None) -> None:
        with self._write() as conn:
            conn.execute(
                "UPDATE cdr_fetches SET finished_at = ?, error = ? WHERE id = ?",
                (self._now(), error, fetch_id),
            )

    def cdr_fetch(self, fetch_id: int) -> CdrFetch | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM cdr_fetches WHERE id = ?", (fetch_id,)).fetchone()
        if row is None:
            return None
        done = row["done_through"]
        return CdrFetch(
            id=row["id"],
            account=row["account"],
            first_day=date.fromisoformat(row["first_day"]),
            last_day=date.fromisoformat(row["last_day"]),
            options=json.loads(row["options_json"]),
            rows=row["rows"],
            done_through=None if done is None else date.fromisoformat(done),
            finished_at=from_text(row["finished_at"]),
            error=row["error"],
        )

    def cdr_page(
        self,
        fetch_id: int,
        *,
        after: int | None = None,
        before: int | None = None,
        limit: int = 100,
    ) -> list[StoredCdr]:
        """A page of a fetch's rows in reading order: those after row ``after`` (the next
        page), or the ``limit`` rows before row ``before`` (the previous page)."""
        with self._read() as conn:
            return _page(conn, fetch_id, after, before, limit)

    def iter_cdr_rows(self, fetch_id: int, page: int = 1000) -> Iterator[StoredCdr]:
        after = -1
        while True:
            rows = self.cdr_page(fetch_id, after=after, limit=page)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].id


def _page(
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
        self._conn.close()

    def page(
        self, fetch_id: int, *, after: int | None = None, before: int | None = None, limit: int
    ) -> tuple[list[StoredCdr], bool, bool]:
        """The page, and whether rows lie before it and after it."""
        with self._lock:
            rows = _page(self._conn, fetch_id, after, before, limit)
            if not rows:
                return rows, False, False
            earlier = _page(self._conn, fetch_id, None, rows[0].id, 1)
            later = _page(self._conn, fetch_id, rows[-1].id, None, 1)
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
