"""The opt-out list: numbers nobody may message again, whichever provider or account sends.

One row per number, in E.164 (``+33612345678``): where it came from (``source``: typed by an
operator, imported from a file, read from a provider's blacklist, or a STOP reply received
through a callback), the account concerned (a blacklist's or a reply's), when it was added and
a short note. It lives in the outbox's database (table ``optouts``), so the console, the
command line and the ``listen`` daemon share one list, and every send screens its numbers
against it (``tui.compliance.optout``).

A number is added once: adding it again keeps its first source and date (the oldest reason
stands). Nothing here removes a number except ``OptOuts.remove``, an operator's knowing act.

For the receiver (issue 10: a STOP reply joins the list), two ways in:

* ``OptOuts(store).record_stop(number, account, text=...)``: its own short transaction;
* ``add_numbers(conn, ...)`` inside a transaction the caller already holds (with
  ``ensure_table(conn)`` once), so that a STOP lands in the same commit as its event.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from providers.errors import InputError
from providers.phone import normalise
from tui.outbox.schema import to_text
from tui.outbox.store import Store

#: The table's one definition: ``OptOuts`` creates it on first use (``ensure_table``), in any
#: database, so it needs no schema version of its own.
OPTOUT_DDL = """
CREATE TABLE IF NOT EXISTS optouts (
    number TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    account TEXT,
    added_at TEXT NOT NULL,
    note TEXT
)"""
OPTOUT_INDEX = "CREATE INDEX IF NOT EXISTS optouts_added ON optouts(added_at)"

#: Numbers per ``IN (...)`` query: far below SQLite's limit on bound parameters.
CHUNK = 500
MAX_NOTE = 200


class OptOutSource(StrEnum):
    MANUAL = "manual"  # `optout add`, or the console
    IMPORT = "import"  # `optout import FILE`
    BLACKLIST = "blacklist"  # a provider's blacklist, copied by `optout sync`
    STOP = "stop"  # a STOP reply received through a callback


@dataclass(frozen=True)
class OptOut:
    number: str
    source: OptOutSource
    added_at: datetime
    account: str | None = None
    note: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> OptOut:
        return cls(
            number=row["number"],
            source=OptOutSource(row["source"]),
            added_at=datetime.fromisoformat(row["added_at"]),
            account=row["account"],
            note=row["note"],
        )


@dataclass(frozen=True)
class Added:
    """What an addition did: the numbers new to the list, and those already on it."""

    added: tuple[str, ...] = ()
    already: tuple[str, ...] = ()


def normalised(raw: str) -> str:
    """``raw`` in E.164 (French by default), or ``InputError`` ("number") saying why not."""
    return normalise(raw, field="number")


def ensure_table(conn: sqlite3.Connection) -> None:
    """Create the table (and its index) when missing; inside the caller's transaction."""
    conn.execute(OPTOUT_DDL)
    conn.execute(OPTOUT_INDEX)


def add_numbers(
    conn: sqlite3.Connection,
    numbers: Iterable[str],
    source: OptOutSource,
    now: datetime,
    *,
    account: str | None = None,
    note: str | None = None,
    notes: Mapping[str, str] | None = None,
) -> Added:
    """Add E.164 ``numbers`` inside the caller's transaction; a number already listed keeps
    its first source and date. ``notes`` gives some numbers a note of their own."""
    stamp = to_text(now)
    added: list[str] = []
    already: list[str] = []
    for number in dict.fromkeys(numbers):
        text = ((notes or {}).get(number) or note or "")[:MAX_NOTE] or None
        cursor = conn.execute(
            "INSERT OR IGNORE INTO optouts (number, source, account, added_at, note) "
            "VALUES (?, ?, ?, ?, ?)",
            (number, source.value, account, stamp, text),
        )
        (added if cursor.rowcount else already).append(number)
    return Added(tuple(added), tuple(already))


def opted_out_among(conn: sqlite3.Connection, numbers: Sequence[str]) -> set[str]:
    """Which of ``numbers`` (E.164) are on the list."""
    found: set[str] = set()
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(f"SELECT number FROM optouts WHERE number IN ({marks})", chunk)
        found.update(row[0] for row in rows)
    return found


class OptOuts:
    """The opt-out list of an outbox. Numbers given may be in any usual form (``06 12 34 56
    78``, ``+33 6…``): they are normalised, and refused (``InputError``) when invalid.

    Typical use::

        optouts = OptOuts(store)
        optouts.add("06 12 34 56 78", note="asked by phone")
        optouts.record_stop("+33612345678", "shop", text="STOP")   # the receiver
        optouts.among(["+33612345678", "+33698765432"])            # {"+33612345678"}
    """

    def __init__(self, store: Store) -> None:
        self.store = store
        with store._read() as conn:
            present = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'optouts'"
            ).fetchone()
        if present is None:
            with store._write() as conn:
                ensure_table(conn)

    def add(
        self,
        number: str,
        source: OptOutSource = OptOutSource.MANUAL,
        *,
        account: str | None = None,
        note: str | None = None,
    ) -> bool:
        """Put ``number`` on the list; False when it was already there (kept as it was)."""
        return bool(self.add_many([number], source, account=account, note=note).added)

    def add_many(
        self,
        numbers: Iterable[str],
        source: OptOutSource,
        *,
        account: str | None = None,
        note: str | None = None,
        notes: Mapping[str, str] | None = None,
    ) -> Added:
        """Put every one of ``numbers`` on the list, in one transaction. Every number is
        normalised first: one invalid number refuses them all (``InputError``). ``notes``:
        a note of its own for some numbers (E.164 keys)."""
        clean = [normalised(number) for number in numbers]
        with self.store._write() as conn:
            now = self.store._clock()
            return add_numbers(conn, clean, source, now, account=account, note=note, notes=notes)

    def record_stop(self, number: str, account: str | None, *, text: str | None = None) -> bool:
        """A STOP reply from ``number`` (to ``account``): on the list from now on. A number
        that cannot be read as a phone number is refused (``InputError``). True when new."""
        note = f"reply: {' '.join(text.split())}" if text else None
        return self.add(number, OptOutSource.STOP, account=account, note=note)

    def remove(self, number: str) -> OptOut | None:
        """Take ``number`` off the list (messages may reach it again); what was removed."""
        clean = normalised(number)
        with self.store._write() as conn:
            row = conn.execute("SELECT * FROM optouts WHERE number = ?", (clean,)).fetchone()
            if row is None:
                return None
            conn.execute("DELETE FROM optouts WHERE number = ?", (clean,))
        return OptOut.from_row(row)

    def get(self, number: str) -> OptOut | None:
        with self.store._read() as conn:
            row = conn.execute(
                "SELECT * FROM optouts WHERE number = ?", (normalised(number),)
            ).fetchone()
        return None if row is None else OptOut.from_row(row)

    def __contains__(self, number: object) -> bool:
        if not isinstance(number, str):
            return False
        try:
            return self.get(number) is not None
        except InputError:
            return False

    def among(self, numbers: Sequence[str]) -> frozenset[str]:
        """Which of ``numbers`` (E.164, as a message carries them) are on the list."""
        with self.store._read() as conn:
            return frozenset(opted_out_among(conn, numbers))

    def count(self) -> int:
        with self.store._read() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM optouts").fetchone()[0])

    def numbers(self) -> list[str]:
        """Every number on the list (E.164), in no particular order."""
        with self.store._read() as conn:
            return [row[0] for row in conn.execute("SELECT number FROM optouts")]

    def entries(
        self,
        *,
        source: OptOutSource | None = None,
        account: str | None = None,
        search: str | None = None,
        limit: int | None = None,
    ) -> list[OptOut]:
        """The list, newest first; ``search`` finds digits in the number (``06 12`` finds
        ``+33612…``) or text in the note."""
        clauses: list[str] = []
        values: list[object] = []
        if source is not None:
            clauses.append("source = ?")
            values.append(source.value)
        if account is not None:
            clauses.append("account = ?")
            values.append(account)
        needle = (search or "").strip()
        if needle:
            digits = "".join(c for c in needle if c.isdigit())
            national = digits[1:] if digits.startswith("0") else digits
            clauses.append("(number LIKE ? OR note LIKE ?)")
            values += [f"%{national or needle}%", f"%{needle}%"]
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        query = f"SELECT * FROM optouts{where} ORDER BY added_at DESC, number"
        if limit is not None:
            query += " LIMIT ?"
            values.append(limit)
        with self.store._read() as conn:
            return [OptOut.from_row(row) for row in conn.execute(query, values)]
