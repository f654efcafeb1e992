"""The history of every send, one row per recipient, read a page at a time at any size.

The History screen and ``porte-voix history`` read through a ``HistoryReader``: a connection of
its own (queries only), so a long read never holds the outbox's lock, which the sends, the
receiver and the console share, and ``interrupt()`` stops a query the operator no longer wants.

What keeps a million rows instant:

* the filters and sorts are SQL, each served by an index; for the time sorts the sends are the
  outer loop (``CROSS JOIN`` fixes SQLite's join order), walked by rowid or by their account
  or provider index, and each send's recipients come from ``history_send_rows`` (or from
  ``(reference, state)`` / ``history_send_delivery`` when the outcome or state is filtered), so
  the rows come out already sorted and a page stops after ``limit`` rows; a number filter
  starts from ``send_recipients_number`` instead;
* pages are keyset pages: the next page starts after the last row's sort key (a row value
  comparison), never ``OFFSET``, so the thousandth page costs what the first does;
* exports stream one cursor (``iter_rows``): a million rows never sit in memory.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from providers.models import DeliveryState
from providers.phone import normalise
from tui.outbox.base import BUSY_TIMEOUT_MS
from tui.outbox.schema import SETTLED, UNANSWERED, RecipientState, to_text
from tui.schedule import PARIS

PAGE = 100
#: ``--status undelivered``: refused, never sent, or reported as not delivered. What "Resend to
#: the undelivered" targets.
UNDELIVERED = "undelivered"
NOT_DELIVERED = (DeliveryState.FAILED, DeliveryState.NO_ANSWER, DeliveryState.BUSY)
NOT_SENT = (RecipientState.REJECTED, RecipientState.CANCELLED)
OUTCOMES = tuple(state.value for state in RecipientState)
STATES = tuple(s.value for s in DeliveryState if s.value not in OUTCOMES)
#: Every value ``status`` takes: an outcome (the provider's answer to the request), a delivery
#: state (what its reports said), or ``undelivered``.
STATUSES = (*OUTCOMES, *STATES, UNDELIVERED)


class Sort(StrEnum):
    NEWEST = "newest"
    OLDEST = "oldest"
    ACCOUNT = "account"
    PROVIDER = "provider"
    NUMBER = "number"


#: Per sort: the ORDER BY terms (all one direction, so that a row value compares them) and
#: whether the sends drive the join.
_ORDER: dict[Sort, tuple[tuple[str, ...], bool]] = {
    Sort.NEWEST: (("s.id", "r.id"), True),
    Sort.OLDEST: (("s.id", "r.id"), True),
    Sort.ACCOUNT: (("s.account", "s.id", "r.id"), True),
    Sort.PROVIDER: (("s.provider", "s.id", "r.id"), True),
    Sort.NUMBER: (("r.number", "r.provider", "r.id"), False),
}
_DESCENDING = frozenset({Sort.NEWEST})

#: The columns of a history row, in ``HistoryRow``'s order (the sort keys last).
_SELECT = (
    "s.reference, s.account, s.provider, s.channel, s.campaign_id, s.provider_reference, "
    "s.created_at, s.dry_run, r.number, r.state, r.error, r.delivery_state, r.delivery_code, "
    "r.delivery_at, r.updated_at, r.message_id, s.id, r.id, r.provider"
)


@dataclass(frozen=True)
class HistoryFilter:
    """What the operator narrowed the history to; None or empty: no condition."""

    account: str | None = None
    provider: str | None = None
    start: date | None = None  # first day (Paris time), included
    stop: date | None = None  # last day, included
    status: str | None = None  # an outcome, a delivery state or "undelivered" (STATUSES)
    number: str | None = None  # any usual form; compared in E.164
    campaign: str | None = None  # a campaign id, the provider's reference or ours

    def checked(self) -> HistoryFilter:
        """The filter with its number in E.164; raises ``InputError`` for a wrong value."""
        from providers.errors import InputError

        if self.status and self.status not in STATUSES:
            raise InputError("status", f"{self.status!r} is none of {', '.join(STATUSES)}")
        if self.start and self.stop and self.stop < self.start:
            raise InputError("date", "the last day is before the first")
        number = normalise(self.number) if self.number else None
        return HistoryFilter(
            self.account or None,
            self.provider or None,
            self.start,
            self.stop,
            self.status or None,
            number,
            (self.campaign or "").strip() or None,
        )

    @property
    def empty(self) -> bool:
        return self == HistoryFilter()

    def where(self) -> tuple[list[str], list[object]]:
        where: list[str] = []
        params: list[object] = []
        for column, value in (("s.account", self.account), ("s.provider", self.provider)):
            if value:
                where.append(f"{column} = ?")
                params.append(value)
        if self.start:
            where.append("s.created_at >= ?")
            params.append(_day_start(self.start))
        if self.stop:
            where.append("s.created_at < ?")
            params.append(_day_start(self.stop + timedelta(days=1)))
        if self.number:
            where.append("r.number = ?")
            params.append(self.number)
        if self.campaign:
            where.append("(s.campaign_id = ? OR s.provider_reference = ? OR s.reference = ?)")
            params.extend([self.campaign, self.campaign, self.campaign.upper()])
        if self.status == UNDELIVERED:
            not_sent, not_delivered = _marks(NOT_SENT), _marks(NOT_DELIVERED)
            where.append(f"(r.state IN ({not_sent}) OR r.delivery_state IN ({not_delivered}))")
            params.extend([*NOT_SENT, *NOT_DELIVERED])
        elif self.status in OUTCOMES:
            where.append("r.state = ?")
            params.append(self.status)
            if self.status not in UNANSWERED:
                where.append(f"r.{SETTLED}")  # so that the index of settled outcomes serves
        elif self.status:
            where.append("r.delivery_state = ?")
            params.append(self.status)
        return where, params


def _marks(values: Sequence[object]) -> str:
    return ", ".join("?" * len(values))


def _day_start(day: date) -> str:
    return to_text(datetime.combine(day, time(0), PARIS))


@dataclass(frozen=True)
class HistoryRow:
    """One recipient of one send, with its latest delivery state."""

    reference: str
    account: str
    provider: str
    channel: str
    campaign_id: str | None
    provider_reference: str | None
    created_at: datetime
    dry_run: bool
    number: str
    outcome: RecipientState
    error: str | None
    state: DeliveryState | None
    provider_code: str | None
    state_at: datetime | None
    updated_at: datetime
    message_id: str | None
    key: tuple[Any, ...]  # the sort key: where the next page starts

    @classmethod
    def from_row(cls, row: Sequence[Any], sort: Sort) -> HistoryRow:
        delivery, at = row[11], row[13]
        values = {"s.id": row[16], "r.id": row[17], "s.account": row[1], "s.provider": row[2]}
        values |= {"r.number": row[8], "r.provider": row[18]}
        return cls(
            reference=row[0],
            account=row[1],
            provider=row[2],
            channel=row[3],
            campaign_id=row[4],
            provider_reference=row[5],
            created_at=datetime.fromisoformat(row[6]),
            dry_run=bool(row[7]),
            number=row[8],
            outcome=RecipientState(row[9]),
            error=row[10],
            state=None if delivery is None else DeliveryState(delivery),
            provider_code=row[12],
            state_at=None if at is None else datetime.fromisoformat(at),
            updated_at=datetime.fromisoformat(row[14]),
            message_id=row[15],
            key=tuple(values[term] for term in _ORDER[sort][0]),
        )


@dataclass(frozen=True)
class Page:
    rows: list[HistoryRow]
    #: Whether rows lie beyond each end of the page, in the sort's order.
    more_before: bool
    more_after: bool


class HistoryReader:
    """Reads the history from the outbox file at ``path`` on a connection of its own.

    One query at a time (a lock), from any thread; ``interrupt()`` may come from another thread
    and makes the running query raise ``sqlite3.OperationalError``.
    """

    def __init__(self, path: Path | str) -> None:
        self._conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False
        )
        self._conn.execute("PRAGMA query_only = ON")
        # Re-entrant: an export looks a row up while its cursor is open, in the same thread.
        self._lock = threading.RLock()

    def close(self) -> None:
        # Not under a query of another thread (a connection closed under a running statement
        # crashes the process): ``interrupt`` first to have one end at once.
        with self._lock:
            self._conn.close()

    def interrupt(self) -> None:
        self._conn.interrupt()

    def _query(
        self,
        flt: HistoryFilter,
        sort: Sort,
        *,
        after: tuple[Any, ...] | None,
        backwards: bool,
        columns: str = _SELECT,
    ) -> tuple[str, list[object]]:
        terms, sends_first = _ORDER[sort]
        where, params = flt.where()
        descending = (sort in _DESCENDING) != backwards
        if after is not None:
            sign = "<" if descending else ">"
            if terms[-1].startswith("r.") and terms[0].startswith("s."):
                # The sends' part alone first: a range the sends' index can start from (the
                # whole row value would be a filter over every send before it).
                where.append(f"({', '.join(terms[:-1])}) {sign}= ({_marks(after[:-1])})")
                params.extend(after[:-1])
            where.append(f"({', '.join(terms)}) {sign} ({_marks(after)})")
            params.extend(after)
        # The sends drive the join, unless one number is asked for (its index is the shortest).
        join = "CROSS JOIN" if sends_first and not flt.number else "JOIN"
        direction = " DESC" if descending else ""
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        return (
            f"SELECT {columns} FROM sends s {join} send_recipients r ON r.reference = s.reference "
            f"{clause} ORDER BY {', '.join(term + direction for term in terms)}",
            params,
        )

    def sql(self, flt: HistoryFilter, sort: Sort = Sort.NEWEST) -> tuple[str, list[object]]:
        """The query of a listing and its parameters (a benchmark runs it in the sqlite3 shell
        to compare exports with the shell's own CSV dump)."""
        return self._query(flt, sort, after=None, backwards=False)

    def page(
        self,
        flt: HistoryFilter,
        sort: Sort = Sort.NEWEST,
        *,
        after: tuple[Any, ...] | None = None,
        before: tuple[Any, ...] | None = None,
        last: bool = False,
        limit: int = PAGE,
    ) -> Page:
        """The first page, the page after the row whose key is ``after``, the page before the
        row whose key is ``before``, or (``last``) the last page."""
        backwards = before is not None or last
        query, params = self._query(
            flt, sort, after=before if backwards else after, backwards=backwards
        )
        with self._lock:
            found = self._conn.execute(f"{query} LIMIT ?", (*params, limit + 1)).fetchall()
        rows = [HistoryRow.from_row(row, sort) for row in found[:limit]]
        more = len(found) > limit
        if backwards:
            return Page(rows[::-1], more_before=more, more_after=not last)
        return Page(rows, more_before=after is not None, more_after=more)

    def count(self, flt: HistoryFilter) -> int:
        """How many rows the filter keeps (a full count: run it where waiting is no harm)."""
        where, params = flt.where()
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        join = "JOIN" if flt.number else "CROSS JOIN"
        with self._lock:
            row = self._conn.execute(
                f"SELECT count(*) FROM sends s {join} send_recipients r "
                f"ON r.reference = s.reference {clause}",
                params,
            ).fetchone()
        return int(row[0])

    def undelivered(self, reference: str) -> list[str]:
        """The numbers of a send refused, never sent, or reported not delivered (``status
        undelivered``), in the order given: what "Resend to the undelivered" sends to."""
        where, params = HistoryFilter(status=UNDELIVERED).where()
        with self._lock:
            rows = self._conn.execute(
                f"SELECT r.number FROM send_recipients r WHERE r.reference = ? AND {where[0]} "
                "ORDER BY r.position",
                (reference, *params),
            ).fetchall()
        return [row[0] for row in rows]

    def plan(self, flt: HistoryFilter, sort: Sort = Sort.NEWEST) -> list[str]:
        """The query plan of a first page (tests prove each filter has its index)."""
        query, params = self._query(flt, sort, after=None, backwards=False)
        with self._lock:
            rows = self._conn.execute(f"EXPLAIN QUERY PLAN {query} LIMIT 100", params).fetchall()
        return [str(row[3]) for row in rows]

    def iter_rows(
        self, flt: HistoryFilter, sort: Sort = Sort.NEWEST, *, batch: int = 2000
    ) -> Iterator[HistoryRow]:
        """Every row the filter keeps, in order, ``batch`` rows in memory at a time."""
        for rows in self.iter_raw(flt, sort, batch=batch):
            for row in rows:
                yield HistoryRow.from_row(row, sort)

    def iter_raw(
        self, flt: HistoryFilter, sort: Sort = Sort.NEWEST, *, batch: int = 2000
    ) -> Iterator[list[Any]]:
        """The rows as SQLite gives them (``_SELECT``'s columns), a batch at a time: one
        cursor, held while the caller reads (exports)."""
        yield from self.iter_select(_SELECT, flt, sort, batch=batch)

    def iter_select(
        self,
        columns: str,
        flt: HistoryFilter,
        sort: Sort = Sort.NEWEST,
        *,
        prefix: str = "",
        prefix_params: Sequence[object] = (),
        batch: int = 2000,
    ) -> Iterator[list[Any]]:
        """``columns`` (SQL over ``s``, the send, and ``r``, the recipient) of the rows the
        filter keeps, in order, a batch at a time; ``prefix``: a ``WITH`` clause before it."""
        query, params = self._query(flt, sort, after=None, backwards=False, columns=columns)
        with self._lock:
            cursor = self._conn.execute(f"{prefix} {query}", (*prefix_params, *params))
            try:
                while rows := cursor.fetchmany(batch):
                    yield rows
            finally:
                cursor.close()

    def rows(self, recipient_ids: Sequence[int]) -> dict[int, list[Any]]:
        """Rows (``_SELECT``'s columns) by their recipients' ids, in one query: an export
        rewrites the lines of a batch that SQLite could not write plain (French error texts
        make whole batches of them)."""
        with self._lock:
            found = self._conn.execute(
                f"SELECT {_SELECT} FROM sends s JOIN send_recipients r "
                "ON r.reference = s.reference WHERE r.id IN (SELECT value FROM json_each(?))",
                (json.dumps(list(recipient_ids)),),
            ).fetchall()
        return {row[17]: list(row) for row in found}

    def codes(self) -> list[tuple[str, str]]:
        """Every (provider, delivery code) the outbox holds (a few dozen)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT DISTINCT provider, delivery_code FROM send_recipients "
                "WHERE delivery_code IS NOT NULL"
            ).fetchall()
        return [(row[0], row[1]) for row in rows]
