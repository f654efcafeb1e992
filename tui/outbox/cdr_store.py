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
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from providers.lazy import names_from
from tui.outbox.base import StoreBase
from tui.outbox.schema import from_text

if TYPE_CHECKING:
    from providers.models import CdrCampaign, CdrRecord
    from tui.outbox.cdr_rows import CdrFetch as CdrFetch
    from tui.outbox.cdr_rows import CdrReader as CdrReader
    from tui.outbox.cdr_rows import StoredCdr as StoredCdr

    CdrRow = CdrRecord | CdrCampaign

#: What ``tui.outbox.cdr_rows`` defines and this module names, loaded when first named
#: (``__getattr__``, PEP 562): the outbox of a send never reads a getCDR row, and its fourteen
#: listing records and these three classes would cost it ~15 ms of start-up.
__getattr__ = names_from(
    __name__, dict.fromkeys(("CdrFetch", "CdrReader", "StoredCdr"), "tui.outbox.cdr_rows")
)


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


def _values(fetch_id: int, account: str, scope: str, row: CdrRow) -> tuple[object, ...]:
    from providers.models import CdrRecord  # with the first rows, which are made of it

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
        from tui.outbox.cdr_rows import CdrFetch

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
        from tui.outbox.cdr_rows import read_page

        with self._read() as conn:
            return read_page(conn, fetch_id, after, before, limit)

    def iter_cdr_rows(self, fetch_id: int, page: int = 1000) -> Iterator[StoredCdr]:
        after = -1
        while True:
            rows = self.cdr_page(fetch_id, after=after, limit=page)
            yield from rows
            if len(rows) < page:
                return
            after = rows[-1].id
