"""Read side of the outbox: paged history of sends and their recipients.

Pages must stay fast at 100 000 sends: the newest-first order is the rowid order, so SQLite walks
``sends`` (or one of its filter indexes, which carry the rowid) backwards without sorting.
``OFFSET`` still costs the rows it skips; ``before`` gives keyset paging for long scrolls.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from providers.errors import InputError
from tui.outbox.base import StoreBase
from tui.outbox.schema import UNFINISHED, RecipientRow, SendRow, SendState, to_text

_SEND_COLUMNS = (
    "id, reference, created_at, updated_at, account, provider, channel, summary, state, "
    "error_code, error_message, provider_reference, campaign_id, balance, cost, resend_of, "
    "dry_run, recipients_total, accepted, rejected, unknown, cancelled"
)


#: The knowing resends of a send (``?1``), and theirs, and so on (dry runs aside).
_RESENDS = """WITH RECURSIVE chain(reference) AS (
    SELECT reference FROM sends WHERE resend_of = ?1 AND dry_run = 0
    UNION
    SELECT s.reference FROM sends s JOIN chain ON s.resend_of = chain.reference
    WHERE s.dry_run = 0)"""


@dataclass(frozen=True)
class Overlap:
    """An earlier unfinished send of the same account and content that shares numbers."""

    send: SendRow
    shared: int  # numbers in both sends


class SendQueries(StoreBase):
    """Read-only queries on sends and recipients, mixed into ``Store``."""

    def get_send(self, reference: str) -> SendRow | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_SEND_COLUMNS} FROM sends WHERE reference = ?", (reference,)
            ).fetchone()
        return None if row is None else SendRow.from_row(row)

    def list_sends(
        self,
        limit: int = 50,
        offset: int = 0,
        state: SendState | str | None = None,
        account: str | None = None,
        search: str | None = None,
        *,
        before: str | None = None,
        unfinished: bool = False,
    ) -> list[SendRow]:
        """Newest first. ``search`` matches a reference, a provider reference, a number (any
        way it is typed) or words of the text; ``before``: only sends older than that one;
        ``unfinished``: only those still sending, of unknown outcome or with numbers never
        sent (``schema.UNFINISHED``)."""
        where, params = _filters(state, account, search, unfinished)
        if before is not None:
            where.append("id < (SELECT id FROM sends WHERE reference = ?)")
            params.append(before)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_SEND_COLUMNS} FROM sends {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [SendRow.from_row(row) for row in rows]

    def count_sends(
        self,
        state: SendState | str | None = None,
        account: str | None = None,
        search: str | None = None,
        *,
        unfinished: bool = False,
    ) -> int:
        where, params = _filters(state, account, search, unfinished)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            row = conn.execute(f"SELECT count(*) FROM sends {clause}", params).fetchone()
        return int(row[0])

    def explain_list_sends(
        self,
        state: SendState | str | None = None,
        account: str | None = None,
        search: str | None = None,
        *,
        unfinished: bool = False,
    ) -> list[str]:
        """The query plan of a ``list_sends`` page (lets tests prove an index is used)."""
        where, params = _filters(state, account, search, unfinished)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            rows = conn.execute(
                f"EXPLAIN QUERY PLAN SELECT {_SEND_COLUMNS} FROM sends {clause} "
                "ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, 50, 0),
            ).fetchall()
        return [str(row["detail"]) for row in rows]

    def recipients(self, reference: str, limit: int = 200, offset: int = 0) -> list[RecipientRow]:
        """A send's recipients in the order they were given."""
        with self._read() as conn:
            rows = conn.execute(
                """SELECT * FROM send_recipients WHERE reference = ?
                   ORDER BY position LIMIT ? OFFSET ?""",
                (reference, limit, offset),
            ).fetchall()
        return [RecipientRow.from_row(row) for row in rows]

    def iter_recipients(self, reference: str, page: int = 1000) -> Iterator[RecipientRow]:
        """Every recipient of a send in order, read ``page`` rows at a time (keyset paging on
        the position): a send of 100 000 numbers is never held in memory at once."""
        after = -1
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    """SELECT * FROM send_recipients WHERE reference = ? AND position > ?
                       ORDER BY position LIMIT ?""",
                    (reference, after, page),
                ).fetchall()
            for row in rows:
                yield RecipientRow.from_row(row)
            if len(rows) < page:
                return
            after = rows[-1]["position"]

    def iter_results(
        self, reference: str, page: int = 1000
    ) -> Iterator[list[tuple[str, str, str | None, str | None]]]:
        """A send's recipients in order as (number, state, message id, error), ``page`` at a
        time: what a report prints, without building a ``RecipientRow`` for each."""
        after = -1
        while True:
            with self._read() as conn:
                cursor = conn.cursor()
                cursor.row_factory = None  # plain tuples: no ``sqlite3.Row`` to unpack per row
                rows = cursor.execute(
                    """SELECT number, state, message_id, error, position FROM send_recipients
                       WHERE reference = ? AND position > ? ORDER BY position LIMIT ?""",
                    (reference, after, page),
                ).fetchall()
            if rows:
                yield [row[:4] for row in rows]
            if len(rows) < page:
                return
            after = rows[-1][4]

    def resends_of(self, reference: str) -> list[str]:
        """The references of the knowing resends of a send, oldest first."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT reference FROM sends WHERE resend_of = ? ORDER BY id", (reference,)
            ).fetchall()
        return [row[0] for row in rows]

    def resent_numbers(self, reference: str) -> set[str]:
        """Numbers of ``reference`` that a knowing resend of it (or of a resend of it, and so
        on) already requested: they have it, or may have it, and are never targeted again."""
        with self._read() as conn:
            rows = conn.execute(
                f"{_RESENDS} SELECT DISTINCT x.number FROM chain "
                "JOIN send_recipients x ON x.reference = chain.reference "
                "WHERE x.state IN ('sending', 'accepted', 'unknown')",
                (reference,),
            ).fetchall()
        return {row[0] for row in rows}

    def resent_counts(self, reference: str) -> dict[str, int]:
        """How many recipients of ``reference`` in each state a resend already requested."""
        with self._read() as conn:
            rows = conn.execute(
                f"""{_RESENDS} SELECT r.state, count(*) FROM send_recipients r
                    WHERE r.reference = ?1 AND r.number IN (
                        SELECT x.number FROM chain
                        JOIN send_recipients x ON x.reference = chain.reference
                        WHERE x.state IN ('sending', 'accepted', 'unknown'))
                    GROUP BY r.state""",
                (reference,),
            ).fetchall()
        return {row[0]: int(row[1]) for row in rows}

    def overlapping_sends(
        self, account: str, content: str, numbers: Collection[str], since: datetime
    ) -> list[Overlap]:
        """Unfinished sends since ``since`` with this account and ``content_hash`` that share
        numbers with ``numbers``, newest first. One indexed look-up (``sends_content``), then,
        for each such send (rarely more than one), the shared numbers counted through the
        (reference, number) index, a page of numbers at a time (a staged list of a million is
        never copied whole)."""
        with self._read() as conn:
            rows = conn.execute(
                f"""SELECT {_SEND_COLUMNS} FROM sends
                    WHERE account = ? AND content_hash = ? AND created_at >= ? AND {UNFINISHED}
                    ORDER BY id DESC""",
                (account, content, to_text(since)),
            ).fetchall()
        if not rows:
            return []
        shared = dict.fromkeys((row["reference"] for row in rows), 0)
        for page in _pages(numbers):
            wanted = json.dumps(page)
            with self._read() as conn:
                for reference in shared:
                    shared[reference] += conn.execute(
                        """SELECT count(*) FROM send_recipients WHERE reference = ?
                           AND number IN (SELECT value FROM json_each(?))""",
                        (reference, wanted),
                    ).fetchone()[0]
        return [
            Overlap(SendRow.from_row(row), shared[row["reference"]])
            for row in rows
            if shared[row["reference"]]
        ]

    def recipient_counts(self, reference: str) -> dict[str, int]:
        """How many recipients are in each send state (pending, accepted, ...)."""
        return dict(self._group(reference, "state"))

    def delivery_counts(self, reference: str) -> dict[str, int]:
        """How many recipients are in each delivery state; ``"none"`` when nothing came yet."""
        return {key or "none": count for key, count in self._group(reference, "delivery_state")}

    def _group(self, reference: str, column: str) -> Iterator[tuple[str, int]]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {column}, count(*) FROM send_recipients WHERE reference = ? "
                f"GROUP BY {column}",
                (reference,),
            ).fetchall()
        return ((row[0], int(row[1])) for row in rows)


def _pages(numbers: Collection[str], size: int = 1000) -> Iterator[list[str]]:
    """``numbers`` a page at a time, by slices when it is a sequence (a staged list is read so)."""
    if isinstance(numbers, Sequence):
        for start in range(0, len(numbers), size):
            yield [str(number) for number in numbers[start : start + size]]
        return
    page: list[str] = []
    for number in numbers:
        page.append(str(number))
        if len(page) == size:
            yield page
            page = []
    if page:
        yield page


def _filters(
    state: SendState | str | None,
    account: str | None,
    search: str | None,
    unfinished: bool = False,
) -> tuple[list[str], list[object]]:
    where: list[str] = [f"({UNFINISHED})"] if unfinished else []
    params: list[object] = []
    if state is not None:
        where.append("state = ?")
        params.append(SendState(state).value)
    if account is not None:
        where.append("account = ?")
        params.append(account)
    text = (search or "").strip()
    if text:
        alternatives = [
            "reference = ?",
            "provider_reference = ?",
            "summary LIKE ? ESCAPE '\\'",
        ]
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.extend([text.upper(), text, f"%{escaped}%"])
        number = _as_number(text)
        if number is not None:
            # Uses the (number, provider) index, then each send's primary key.
            alternatives.append(
                "reference IN (SELECT reference FROM send_recipients WHERE number = ?)"
            )
            params.append(number)
        where.append(f"({' OR '.join(alternatives)})")
    return where, params


def _as_number(text: str) -> str | None:
    if not any(c.isdigit() for c in text) or any(c.isalpha() for c in text):
        return None
    # The number parser (and phonenumbers, ~20 ms) with the first search by number: the outbox
    # opens for the console's first screen and for every send.
    from providers.phone import normalise

    try:
        return normalise(text)
    except InputError:
        return None
