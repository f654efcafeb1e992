"""The index of a send's recipients by state keeps the settled ones only (schema 6).

Every batch moves 500 numbers from pending to sending, then to an outcome: kept in the index,
each move cost about a millisecond a batch twice over, between two requests. The queries by
state that run often (a send's unknown outcomes after every batch, its counts, the History
filter by outcome) name the index's condition (``schema.SETTLED``) so that SQLite uses it;
those for pending or sending numbers run once a send and read the send's rows.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage
from tui.outbox import sql
from tui.outbox.history import HistoryFilter, HistoryReader
from tui.outbox.schema import DDL, SCHEMA_VERSION, SETTLED
from tui.outbox.store import Store

NUMBERS = tuple(f"+3361{i:07d}" for i in range(6))


class Recording:
    """A connection that keeps each statement given with its parameters, as given."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.statements: list[tuple[str, Any]] = []

    def execute(self, statement: str, parameters: Any = ()) -> sqlite3.Cursor:
        self.statements.append((statement, parameters))
        return self.conn.execute(statement, parameters)

    def executemany(self, statement: str, rows: Any) -> sqlite3.Cursor:
        return self.conn.executemany(statement, rows)


def plan(conn: sqlite3.Connection, statement: str, parameters: Any) -> str:
    rows = conn.execute(f"EXPLAIN QUERY PLAN {statement}", parameters).fetchall()
    return " | ".join(str(row[3]) for row in rows)


def a_send(store: Store) -> str:
    """Two numbers accepted, one refused, one unknown, two never requested (pending)."""
    reference = store.begin_send("acct", "fake", "sms", SmsMessage("hi", NUMBERS))
    store.mark_batch_sending(reference, 0, NUMBERS[:3])
    results = (
        RecipientResult(NUMBERS[0], SendStatus.ACCEPTED),
        RecipientResult(NUMBERS[1], SendStatus.ACCEPTED),
        RecipientResult(NUMBERS[2], SendStatus.REJECTED, error="refused"),
    )
    store.record_batch_result(reference, SendReceipt("fake", SendStatus.ACCEPTED, results))
    store.mark_batch_sending(reference, 1, NUMBERS[3:4])
    store.record_batch_result(
        reference,
        SendReceipt("fake", SendStatus.UNKNOWN, (RecipientResult(NUMBERS[3], SendStatus.UNKNOWN),)),
    )
    return reference


def test_the_index_condition_is_the_one_queries_name() -> None:
    assert f"ON send_recipients(reference, state)\n    WHERE {SETTLED};" in DDL


def test_the_queries_run_after_every_batch_use_the_index(tmp_path: Path) -> None:
    with Store(tmp_path / "outbox.db") as store:
        reference = a_send(store)
        recording = Recording(store._conn)
        assert sql.has_unknown(recording, reference)  # type: ignore[arg-type]
        assert sql.settle_reported(recording, reference, "now") == 0  # type: ignore[arg-type]
        sql.refresh_counts(recording, reference)  # type: ignore[arg-type]
        selects = [s for s in recording.statements if "send_recipients" in s[0]]
        assert len(selects) == 3
        for statement, parameters in selects:
            assert "INDEX send_recipients_settled" in plan(store._conn, statement, parameters)
        # The counts are right, the pending numbers left out of the index included nowhere.
        row = store._conn.execute(
            "SELECT accepted, rejected, unknown, cancelled FROM sends WHERE reference = ?",
            (reference,),
        ).fetchone()
        assert tuple(row) == (2, 1, 1, 0)


def test_pending_and_sending_numbers_stay_out_of_the_index(tmp_path: Path) -> None:
    with Store(tmp_path / "outbox.db") as store:
        reference = store.begin_send("acct", "fake", "sms", SmsMessage("hi", NUMBERS))
        store.mark_batch_sending(reference, 0, NUMBERS[:2])
        kept = store._conn.execute(
            "SELECT count(*) FROM send_recipients INDEXED BY send_recipients_settled "
            f"WHERE reference = ? AND {SETTLED}",
            (reference,),
        ).fetchone()[0]
        assert kept == 0
        # Yet what asks for them finds them all (reading the send's rows).
        states = dict(
            store._conn.execute(
                "SELECT state, count(*) FROM send_recipients WHERE reference = ? GROUP BY state",
                (reference,),
            ).fetchall()
        )
        assert states == {"sending": 2, "pending": 4}
        store.finish_send(reference, "cancelled")
        row = store._conn.execute(
            "SELECT cancelled FROM sends WHERE reference = ?", (reference,)
        ).fetchone()
        assert row[0] == 4  # the pending ones; the two in flight are unknown


def test_the_history_filter_by_outcome_finds_every_state(tmp_path: Path) -> None:
    with Store(tmp_path / "outbox.db") as store:
        a_send(store)
        reader = HistoryReader(store.path)
        try:
            found = {
                status: sorted(r.number for r in reader.iter_rows(HistoryFilter(status=status)))
                for status in ("accepted", "rejected", "unknown", "pending")
            }
            pending_plan = " ".join(reader.plan(HistoryFilter(status="pending")))
            unknown_plan = " ".join(reader.plan(HistoryFilter(status="unknown")))
        finally:
            reader.close()
    assert found == {
        "accepted": list(NUMBERS[:2]),
        "rejected": [NUMBERS[2]],
        "unknown": [NUMBERS[3]],
        "pending": list(NUMBERS[4:]),
    }
    assert "send_recipients_settled" in unknown_plan
    assert "send_recipients_settled" not in pending_plan  # a pending number is not in it


def test_an_outbox_of_schema_5_trades_its_index_for_the_settled_one(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    with Store(path) as store:
        reference = a_send(store)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP INDEX send_recipients_settled")
        conn.execute("CREATE INDEX send_recipients_state ON send_recipients(reference, state)")
        conn.execute("PRAGMA user_version = 5")
    with Store(path) as reopened:
        names = {
            row[0]
            for row in reopened._conn.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = 'send_recipients'"
            )
        }
        assert "send_recipients_settled" in names and "send_recipients_state" not in names
        assert reopened._conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6
        assert reopened.counters(reference) == (6, 2, 1, 1, 0)
