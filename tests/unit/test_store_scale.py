"""The outbox at scale: 100 000 sends page through indexes; several writers at once (WAL)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from providers.models import SendReceipt, SendStatus, SmsMessage
from tui.outbox.store import SendState, Store

ROOT = Path(__file__).resolve().parents[2]
SENDS = 100_000


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """100 000 sends over 3 accounts and 4 states, one recipient each (bulk-loaded)."""
    path = tmp_path_factory.mktemp("big") / "outbox.db"
    Store(path).close()
    states = ["accepted", "rejected", "unknown", "partial"]
    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            """INSERT INTO sends (reference, created_at, updated_at, account, provider, channel,
                   message_json, summary, state, recipients_total)
               VALUES (?, '2026-01-01T00:00:00.000000+00:00', '2026-01-01T00:00:00.000000+00:00',
                   ?, 'capitole', 'sms', '{}', ?, ?, 1)""",
            ((f"PV{i:08d}", f"acct{i % 3}", f"message {i}", states[i % 4]) for i in range(SENDS)),
        )
        conn.executemany(
            """INSERT INTO send_recipients (reference, position, provider, number, state,
                   updated_at) VALUES (?, 0, 'capitole', ?, 'accepted', '')""",
            ((f"PV{i:08d}", f"+336{i:08d}") for i in range(SENDS)),
        )
    conn.close()
    return path


def plan(store: Store, **filters: str) -> str:
    return " | ".join(store.explain_list_sends(**filters))


def test_history_pages_use_indexes_and_never_sort(big: Path) -> None:
    with Store(big) as store:
        # No filter: the rowid order is the page order (no sort, no extra index needed).
        assert plan(store) == "SCAN sends"
        assert "USING INDEX sends_state (state=?)" in plan(store, state="unknown")
        assert "USING INDEX sends_account (account=?)" in plan(store, account="acct1")
        both = plan(store, state="unknown", account="acct1")
        assert "USING INDEX sends_account_state (account=? AND state=?)" in both
        by_number = plan(store, search="06 00 00 12 34")
        assert "send_recipients_number (number=?)" in by_number
        for plan_text in (plan(store, state="unknown"), both, by_number):
            assert "TEMP B-TREE" not in plan_text


def test_history_pages_return_the_right_rows(big: Path) -> None:
    with Store(big) as store:
        assert store.count_sends() == SENDS
        assert store.count_sends(state="unknown", account="acct0") == len(
            [i for i in range(SENDS) if i % 4 == 2 and i % 3 == 0]
        )
        first = store.list_sends(limit=3)
        assert [s.reference for s in first] == ["PV00099999", "PV00099998", "PV00099997"]
        deep = store.list_sends(limit=2, offset=99_998)
        assert [s.reference for s in deep] == ["PV00000001", "PV00000000"]
        keyset = store.list_sends(limit=2, before="PV00000002")
        assert [s.reference for s in keyset] == ["PV00000001", "PV00000000"]
        filtered = store.list_sends(limit=2, state=SendState.UNKNOWN, account="acct1")
        assert [s.reference for s in filtered] == ["PV00099994", "PV00099982"]
        assert [s.reference for s in store.list_sends(search="06 00 01 23 45")] == ["PV00012345"]
        assert [s.reference for s in store.list_sends(search="pv00000042")] == ["PV00000042"]
        assert store.count_sends(search="message 9999") == 11  # 9999 and 99990..99999
        assert store.count_sends(search="100%") == 0  # LIKE wildcards are literal


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    Store(path).close()
    worker = textwrap.dedent(
        f"""
        import sys
        from providers.models import SendReceipt, SendStatus, SmsMessage
        from tui.outbox.store import Store
        tag = sys.argv[1]
        with Store({str(path)!r}) as store:
            for i in range(100):
                ref = store.begin_send(tag, "capitole", "sms", SmsMessage(tag, ("+33611223344",)))
                store.mark_batch_sending(ref, 0, ["+33611223344"])
                store.record_batch_result(ref, SendReceipt("capitole", SendStatus.ACCEPTED))
                store.finish_send(ref, "accepted")
        """
    )
    children = [
        subprocess.Popen([sys.executable, "-c", worker, tag], cwd=ROOT, stderr=subprocess.PIPE)
        for tag in ("p1", "p2")
    ]
    # And a third writer, a thread of this process with its own connection.
    errors: list[BaseException] = []

    def local() -> None:
        try:
            with Store(path) as store:
                for _ in range(100):
                    ref = store.begin_send(
                        "t", "capitole", "sms", SmsMessage("t", ("+33622334455",))
                    )
                    store.mark_batch_sending(ref, 0, ["+33622334455"])
                    receipt = SendReceipt("capitole", SendStatus.ACCEPTED)
                    store.record_batch_result(ref, receipt)
                    store.finish_send(ref, "accepted")
        except BaseException as exc:  # reported below
            errors.append(exc)

    thread = threading.Thread(target=local)
    thread.start()
    for child in children:
        _, stderr = child.communicate(timeout=300)
        assert child.returncode == 0, stderr.decode()
    thread.join(timeout=300)
    assert errors == []
    with Store(path) as store:
        assert store.count_sends() == 300
        assert store.count_sends(state="accepted") == 300
        for account in ("p1", "p2", "t"):
            assert store.count_sends(account=account) == 100
        assert store._conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
