"""The outbox's side of issue 8: files readable by their owner only, unfinished sends found and
recovered by name, recipients streamed, unknown recipients settled by delivery reports, and the
upgrade of an older outbox."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from providers.errors import OutcomeUnknownError, ProviderError
from providers.models import DeliveryEvent, DeliveryState, EventKind, SmsMessage
from tui.outbox.content import content_hash
from tui.outbox.schema import SCHEMA_VERSION
from tui.outbox.store import SendState, Store

A, B, C = "+33611223344", "+33622334455", "+33633445566"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def crashed_send(store: Store, numbers: tuple[str, ...] = (A, B, C)) -> str:
    """A send killed while its first batch (A, B) was out: C was never requested."""
    reference = store.begin_send("acct", "fake", "sms", SmsMessage("x", numbers))
    store.mark_batch_sending(reference, 0, numbers[:2])
    return reference


def delivered(reference: str, number: str) -> DeliveryEvent:
    return DeliveryEvent(
        provider="fake",
        kind=EventKind.DELIVERY,
        state=DeliveryState.DELIVERED,
        provider_code="DELIVRD",
        campaign_id=reference,
        number=number,
    )


# --------------------------------------------------------------------------- item 9: 0600


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_outbox_files_are_private_even_in_an_open_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o755)
    previous = os.umask(0o022)
    try:
        with Store(data / "porte-voix.db") as store:
            store.begin_send("acct", "fake", "sms", SmsMessage("x", (A,)))
            files = [data / f"porte-voix.db{suffix}" for suffix in ("", "-wal", "-shm")]
            assert all(path.exists() for path in files)
            assert {path.name: mode(path) for path in files} == {path.name: 0o600 for path in files}
        assert os.umask(0o022) == 0o022  # the process's umask is left as it was
    finally:
        os.umask(previous)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_files_an_older_version_left_readable_are_made_private(tmp_path: Path) -> None:
    path = tmp_path / "porte-voix.db"
    Store(path).close()
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        side.touch()
        side.chmod(0o644)
    with Store(path):
        for suffix in ("", "-wal", "-shm"):
            assert mode(Path(f"{path}{suffix}")) == 0o600, suffix


# --------------------------------------------------------------------------- recovery, listing


def test_recovery_names_the_sends_it_settled(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    crashed = Store(path)
    reference = crashed_send(crashed)
    crashed._owner = "gone@boot:1:dead"  # as if its process had died
    crashed._conn.execute("UPDATE sends SET owner = ?", (crashed._owner,))
    with Store(path) as store:
        (row,) = store.recover_interrupted_sends()
        assert (row.reference, row.state, row.unknown, row.cancelled) == (
            reference,
            SendState.UNKNOWN,
            2,
            1,
        )
        assert store.recover_interrupted_sends() == []
    crashed.close()


def test_unfinished_sends_are_listed_through_their_own_index(store: Store) -> None:
    unknown = crashed_send(store)
    store.record_batch_error(unknown, None, OutcomeUnknownError("fake", "timeout"))
    store.finish_send(unknown, "cancelled")  # held an unknown outcome: stays unknown
    done = store.begin_send("acct", "fake", "sms", SmsMessage("y", (A,)))
    store.mark_batch_sending(done, 0, [A])
    store.record_batch_error(done, None, ProviderError("fake", "104", "no credit"))
    store.finish_send(done, "rejected")  # refused: an answer, not unfinished business
    dry = store.begin_send("acct", "fake", "sms", SmsMessage("z", (A,)), dry_run=True)
    store.finish_send(dry, "cancelled")
    assert [row.reference for row in store.list_sends(unfinished=True)] == [unknown]
    assert store.count_sends(unfinished=True) == 1
    plan = " | ".join(store.explain_list_sends(unfinished=True))
    assert "sends_unfinished" in plan and "TEMP B-TREE" not in plan


def test_recipients_are_streamed_in_pages(store: Store) -> None:
    numbers = tuple(f"+3361{i:07d}" for i in range(2_345))
    reference = store.begin_send("acct", "fake", "sms", SmsMessage("x", numbers))
    rows = store.iter_recipients(reference, page=500)
    assert next(rows).number == numbers[0]
    assert [row.number for row in rows] == list(numbers[1:])


# --------------------------------------------------------------------------- item 2


def test_a_delivery_report_settles_an_unknown_recipient_and_the_send(store: Store) -> None:
    reference = crashed_send(store)
    store.recover_interrupted()  # not ours: nothing happens
    store.record_batch_error(reference, None, OutcomeUnknownError("fake", "timeout"))
    assert store.finish_send(reference, "cancelled") is SendState.UNKNOWN
    store.record_event(delivered(reference, A), b"")
    row = store.get_send(reference)
    assert row is not None and (row.state, row.accepted, row.unknown) == ("unknown", 1, 1)
    # A failed delivery still proves the request was accepted.
    failed = DeliveryEvent(
        provider="fake",
        kind=EventKind.DELIVERY,
        state=DeliveryState.FAILED,
        provider_code="UNDELIV",
        campaign_id=reference,
        number=B,
    )
    store.record_event(failed, b"")
    row = store.get_send(reference)
    # C was never sent: the send stays resendable, for C alone.
    assert row is not None and (row.state, row.accepted, row.cancelled) == ("cancelled", 2, 1)
    assert [r.state for r in store.recipients(reference)] == ["accepted", "accepted", "cancelled"]


def test_a_report_that_overtook_the_timeout_settles_it_once_matched(store: Store) -> None:
    reference = crashed_send(store, (A, B))
    store.record_event(delivered(reference, A), b"")  # while the request is still out
    assert store.recipients(reference)[0].state == "sending"  # its reply will tell
    store.record_batch_error(reference, None, OutcomeUnknownError("fake", "timeout"))
    assert [r.state for r in store.recipients(reference)] == ["accepted", "unknown"]
    store.record_event(delivered(reference, B), b"")
    assert [r.state for r in store.recipients(reference)] == ["accepted", "accepted"]
    assert store.finish_send(reference, "unknown") is SendState.ACCEPTED


# --------------------------------------------------------------------------- upgrade


def test_an_outbox_of_schema_2_gets_content_hashes(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    with Store(path) as store:
        reference = store.begin_send("acct", "fake", "sms", SmsMessage("x", (A,)))
    conn = sqlite3.connect(path)
    conn.execute("DROP INDEX sends_content")
    conn.execute("DROP INDEX sends_unfinished")
    conn.execute("ALTER TABLE sends DROP COLUMN content_hash")
    conn.execute("PRAGMA user_version = 2")
    conn.commit()
    conn.close()
    with Store(path, clock=lambda: datetime.now(UTC)) as store:
        digest = store._conn.execute(
            "SELECT content_hash FROM sends WHERE reference = ?", (reference,)
        ).fetchone()[0]
        assert digest == content_hash("acct", SmsMessage("x"))
        version = store._conn.execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION == 6
