"""Closing a ``LiveReader`` while another thread queries through it waits for that query.

The getCDR poll and the Live screen query in worker threads; cancelling the task that awaits
such a thread does not stop the thread. The console's shutdown then closed the connection under
a running statement, and the process crashed (a segmentation fault in a CI run). The closing
now waits for the query under way, and a query after the closing fails cleanly.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tui.listen.live import LiveReader
from tui.outbox.store import Store

GUARD = 10.0


class Gated:
    """The reader's connection, whose fetches wait for ``release`` once ``started`` is set: a
    query under way in another thread, between its statement and its rows."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.started, self.release = threading.Event(), threading.Event()
        self.closed_during_fetch = False
        self._fetching = False

    def execute(self, statement: str, parameters: Sequence[object] = ()) -> Gated:
        self._cursor = self.conn.execute(statement, parameters)
        return self

    def fetchall(self) -> list[sqlite3.Row]:
        self._fetching = True
        self.started.set()
        self.release.wait(GUARD)
        rows = self._cursor.fetchall()
        self._fetching = False
        return rows

    def close(self) -> None:
        self.closed_during_fetch = self._fetching
        self.conn.close()


def close_during_a_query(
    gated: Gated, query: Callable[[], object], close: Callable[[], None]
) -> object:
    """Run ``query`` in a thread, held once its statement ran, then ``close`` in another: the
    closing must wait for the query's rows. Return what the query returned."""
    results: list[object] = []
    querying = threading.Thread(target=lambda: results.append(query()))
    querying.start()
    assert gated.started.wait(GUARD)
    closing = threading.Thread(target=close)
    closing.start()
    closing.join(0.2)
    assert closing.is_alive()  # held back while the query's rows are read
    gated.release.set()
    querying.join(GUARD)
    closing.join(GUARD)
    assert not closing.is_alive() and not gated.closed_during_fetch
    (result,) = results
    return result


def test_closing_waits_for_a_query_under_way_in_another_thread(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    Store(path).close()
    reader = LiveReader(path)
    gated = Gated(reader.conn)
    reader.conn = gated  # type: ignore[assignment]
    assert close_during_a_query(gated, lambda: reader.new_events(0), reader.close) == []
    reader.conn = gated.conn
    with pytest.raises(sqlite3.ProgrammingError):
        reader.last_event_id()  # closed: a clean error, not a crash


def test_the_getcdr_pages_reader_closes_once_a_page_is_read(tmp_path: Path) -> None:
    from tui.outbox.cdr_rows import CdrReader

    path = tmp_path / "outbox.db"
    Store(path).close()
    reader = CdrReader(path)
    gated = Gated(reader._conn)
    reader._conn = gated  # type: ignore[assignment]
    page = close_during_a_query(gated, lambda: reader.page(1, limit=10), reader.close)
    assert page == ([], False, False)
