"""A send's numbers, parsed once and kept out of memory: ``StagedNumbers``.

A list of a million numbers held as Python strings weighs about 70 MB, and each copy made on
the way (removing duplicates, batching, validating, checking the opt-out list) as much again.
The command line parses each number once, at the edge (``providers.phone.parse_number``), and
keeps it here: a temporary SQLite file of its own (not the outbox, whose write lock it never
takes), in the order given, without duplicates (the first one stays), with what the parse found
(country code, number type), so that reading a batch back gives the same ``phone.Number``
objects, never parsed again; the outbox copies the list into a send by attaching the file
(``Store.begin_send``), one statement. The file is readable by its owner only, lives beside the
outbox when the caller says so, and is removed when closed; one left by a killed process is
removed by the next one that stages numbers there.

``StagedNumbers`` is a ``Sequence[str]`` and rides in ``Message.recipients`` in place of the
tuple (the model's type says tuple: ``as_recipients`` is the one place that says otherwise), so
every layer reading the recipients (the compliance checks, the duplicate guard, the journal, the
batches) sees every number, a slice or a page at a time. Slicing, ``len``, ``in`` and iteration
cost what they touch; what must not be done with it is copying it whole (``tuple(...)``,
``set(...)``, ``dict.fromkeys(...)``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import secrets
import sqlite3
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import cast, overload

from providers.phone import Number, restore

#: Numbers written, or read back, per statement.
PAGE = 1000
#: The staging files: ``<PREFIX><pid>-<random>.db``.
PREFIX = "porte-voix-staging-"
_STALE = re.compile(rf"^{PREFIX}(\d+)-[0-9a-f]+\.db$")


class StagedNumbers(Sequence[str]):
    """Distinct numbers in the order given, out of memory. ``add`` them, then read them as a
    sequence; ``close`` (or garbage collection) removes the temporary database."""

    def __init__(self, directory: Path | None = None) -> None:
        folder = Path(directory or tempfile.gettempdir())
        remove_stale(folder)
        path = folder / f"{PREFIX}{os.getpid()}-{secrets.token_hex(6)}.db"
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))  # owner only
        self._finalizer = weakref.finalize(self, _remove, path)
        self.database = path
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA cache_size = -8000")  # KiB: the memory it may use
        # The positions are 1, 2, 3... with no gap: an ignored duplicate takes none.
        self._db.execute(
            "CREATE TABLE numbers (position INTEGER PRIMARY KEY, number TEXT NOT NULL UNIQUE, "
            "country INTEGER NOT NULL, kind INTEGER NOT NULL)"
        )
        self._count = 0
        #: Numbers given that were already there (left out).
        self.duplicates = 0
        #: (provider, message without recipients) these numbers last passed the checks of.
        self.checked: tuple[object, object] | None = None

    @classmethod
    def of(cls, numbers: Iterable[Number]) -> StagedNumbers:
        staged = cls()
        staged.add(numbers)
        return staged

    def add(self, numbers: Iterable[Number]) -> None:
        """Append ``numbers`` (parsed: ``phone.Number``), leaving out those already here."""
        self.checked = None
        page: list[tuple[str, int, int]] = []
        with self._lock:
            self._db.execute("BEGIN")
            try:
                for number in numbers:
                    page.append((str(number), number.country_code, number.kind))
                    if len(page) == PAGE:
                        self._write(page)
                        page = []
                self._write(page)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _write(self, page: list[tuple[str, int, int]]) -> None:
        written = self._db.executemany(
            "INSERT OR IGNORE INTO numbers (number, country, kind) VALUES (?, ?, ?)", page
        ).rowcount
        self._count += written
        self.duplicates += len(page) - written

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._count)
            if step != 1:
                raise ValueError("StagedNumbers slices go one by one")
            return self._range(start, stop)
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError("StagedNumbers index out of range")
        return self._range(position, position + 1)[0]

    def _range(self, start: int, stop: int) -> tuple[Number, ...]:
        """The numbers at indexes ``start`` to ``stop`` (excluded), through the primary key."""
        if stop <= start:
            return ()
        with self._lock:
            rows = self._db.execute(
                "SELECT number, country, kind FROM numbers WHERE position > ? AND position <= ? "
                "ORDER BY position",
                (start, stop),
            ).fetchall()
        return _restored(rows)

    def representatives(self) -> tuple[Number, ...]:
        """The first number of each kind (country code and line type), in the order given.

        What a provider's local rules decide about a parsed number depends on its kind alone
        (``providers.phone.Number``), and staged numbers hold no duplicate: checking these few
        checks the whole list (``tui.sending.dispatch.validate``) without reading it."""
        with self._lock:
            rows = self._db.execute(
                "SELECT number, country, kind FROM numbers WHERE position IN "
                "(SELECT min(position) FROM numbers GROUP BY country, kind) ORDER BY position"
            ).fetchall()
        return _restored(rows)

    def samples(self, length: int) -> tuple[str, ...]:
        """One number for each distinct beginning of ``length`` characters, found by SQLite
        in one pass: what depends on a number's prefix alone (its place, for the sending
        hours: ``tui.compliance.hours``) is known without reading the list into Python."""
        with self._lock:
            rows = self._db.execute(
                "SELECT min(number) FROM numbers GROUP BY substr(number, 1, ?)", (length,)
            ).fetchall()
        return tuple(row[0] for row in rows)

    def among(self, numbers: Iterable[str]) -> tuple[str, ...]:
        """Those of ``numbers`` that are here, in the order given here (each once): a few
        numbers (an opt-out list) are looked up, the list is not read."""
        found: list[tuple[int, str]] = []
        wanted = iter(numbers)
        with self._lock:
            while chunk := list(itertools.islice(wanted, PAGE)):
                found += self._db.execute(
                    "SELECT position, number FROM numbers "
                    "WHERE number IN (SELECT value FROM json_each(?))",
                    (json.dumps(chunk),),
                ).fetchall()
        return tuple(number for _position, number in sorted(found))

    def without(self, numbers: Iterable[str]) -> StagedNumbers:
        """A new staged list: these numbers but ``numbers``, in the same order, copied by
        SQLite (never through Python). Close it too (or leave it to garbage collection)."""
        left_out = json.dumps(list(dict.fromkeys(numbers)))
        kept = StagedNumbers(self.database.parent)
        try:
            with kept._lock:
                kept._db.execute("ATTACH DATABASE ? AS source", (str(self.database),))
                try:
                    with self._lock:  # the source's own writes are committed: it is read whole
                        kept._count = kept._db.execute(
                            "INSERT INTO numbers (number, country, kind) "
                            "SELECT number, country, kind FROM source.numbers "
                            "WHERE number NOT IN (SELECT value FROM json_each(?)) "
                            "ORDER BY position",
                            (left_out,),
                        ).rowcount
                finally:
                    kept._db.execute("DETACH DATABASE source")
        except BaseException:
            kept.close()
            raise
        return kept

    def __iter__(self) -> Iterator[str]:
        for start in range(0, self._count, PAGE):
            yield from self._range(start, start + PAGE)

    def __contains__(self, value: object) -> bool:
        if not isinstance(value, str):
            return False
        with self._lock:
            row = self._db.execute(
                "SELECT 1 FROM numbers WHERE number = ?", (str(value),)
            ).fetchone()
        return row is not None

    def close(self) -> None:
        with self._lock:
            self._db.close()
        self._finalizer()

    def __repr__(self) -> str:  # never the numbers: a repr of a million would be megabytes
        return f"<StagedNumbers of {self._count} numbers>"


def _restored(rows: list[tuple[str, int, int]]) -> tuple[Number, ...]:
    """``phone.restore`` of each row; nearly every row of a page is of one kind, so the kind's
    class is looked up once per kind, not once per number (a page is read for every batch)."""
    classes: dict[tuple[int, int], Callable[[str], Number]] = {}
    numbers: list[Number] = []
    for number, country, kind in rows:
        make = classes.get((country, kind))
        if make is None:
            make = classes[country, kind] = type(restore(number, country, kind))
        numbers.append(make(number))
    return tuple(numbers)


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def remove_stale(folder: Path) -> None:
    """Remove the staging files of processes that are gone (killed while staging)."""
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            found = _STALE.match(entry.name)
            if found is not None and not _alive(int(found.group(1))):
                _remove(Path(entry.path))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: alive
        return True
    return True


def as_recipients(numbers: StagedNumbers) -> tuple[str, ...]:
    """``numbers`` typed as ``Message.recipients``: a ``Sequence`` read a page at a time, which
    every reader of recipients handles (they iterate, slice and count)."""
    return cast("tuple[str, ...]", numbers)


def parsed(numbers: tuple[str, ...]) -> tuple[str, ...]:
    """A send's recipients as given, those written exactly in E.164 made ``phone.Number``
    (parsed here, once: the provider's rules then parse none of them); the others stay as they
    are, for the provider to refuse in its own words. Staged numbers are parsed already."""
    if isinstance(numbers, StagedNumbers) or all(isinstance(n, Number) for n in numbers):
        return numbers  # staged: a Sequence typed as the model's tuple (``as_recipients``)
    from providers.phone import as_number

    return tuple(as_number(number) for number in numbers)


def distinct(numbers: tuple[str, ...]) -> tuple[str, ...]:
    """``numbers`` once each, the first occurrence kept, in the order given. Staged numbers are
    distinct already: they are returned as they are, never copied."""
    if isinstance(numbers, StagedNumbers):
        return numbers
    return tuple(dict.fromkeys(numbers))
