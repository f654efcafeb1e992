"""One send's journal: each step one committed transaction, the batch in flight remembered."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.errors import ProviderError
from providers.models import SendReceipt, SendStatus, SmsMessage, VoiceMessage
from tui.outbox.journal import SendJournal, Tally
from tui.outbox.store import RecipientState, SendState, Store, StoreError

A, B, C = "+33611223344", "+33622334455", "+33633445566"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    with Store(db) as opened:
        yield opened


def states(db: Path, reference: str) -> list[str]:
    """What another process reads: the journal's steps are committed, not merely buffered."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT state FROM send_recipients WHERE reference = ? ORDER BY position",
            (reference,),
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


def test_each_step_is_committed_in_order(store: Store, db: Path) -> None:
    journal = SendJournal.begin(store, "acct", "capitole", SmsMessage("x", (A, B, A, C)))
    assert states(db, journal.reference) == ["pending"] * 3  # de-duplicated
    journal.leaving(0, [A, B], request_id=None)
    assert journal.in_flight == 0
    assert states(db, journal.reference) == ["sending", "sending", "pending"]
    journal.result(0, SendReceipt("capitole", SendStatus.ACCEPTED))
    assert journal.in_flight is None
    journal.stop("not sent: the operator stopped")
    assert journal.tally() == Tally(accepted=2, rejected=0, unknown=0, cancelled=1, remaining=0)
    assert journal.finish(SendState.CANCELLED) is SendState.CANCELLED
    row = store.get_send(journal.reference)
    assert row is not None and (row.state, row.channel) == (SendState.CANCELLED, "sms")
    assert store.recipients(journal.reference)[2].error == "not sent: the operator stopped"


def test_a_number_cannot_leave_twice(store: Store) -> None:
    journal = SendJournal.begin(store, "acct", "capitole", SmsMessage("x", (A, B)))
    journal.leaving(0, [A], request_id=None)
    journal.result(0, ProviderError("capitole", "27", "refused"))
    with pytest.raises(StoreError, match="not pending"):
        journal.leaving(1, [A], request_id=None)


def test_a_batch_turned_away_may_leave_again(store: Store) -> None:
    journal = SendJournal.begin(store, "acct", "octopush", SmsMessage("x", (A, B)))
    journal.leaving(0, [A, B], request_id="R0")
    journal.turned_away(0)
    assert journal.in_flight is None
    assert journal.tally().remaining == 2
    journal.leaving(0, [A, B], request_id="R0")
    assert store.batch_state(journal.reference, 0) is RecipientState.SENDING


def test_an_interruption_with_a_request_out_is_unknown(store: Store) -> None:
    journal = SendJournal.begin(store, "acct", "capitole", SmsMessage("x", (A, B, C)))
    journal.leaving(0, [A], request_id=None)
    assert journal.interrupted(KeyboardInterrupt()) is SendState.UNKNOWN
    rows = store.recipients(journal.reference)
    assert [r.state for r in rows] == ["unknown", "cancelled", "cancelled"]
    assert "KeyboardInterrupt" in (rows[0].error or "")
    assert {r.error for r in rows[1:]} == {"not sent: the send was interrupted"}


def test_an_interruption_between_requests_is_cancelled(store: Store) -> None:
    journal = SendJournal.begin(store, "acct", "capitole", SmsMessage("x", (A, B)))
    journal.leaving(0, [A], request_id=None)
    journal.result(0, SendReceipt("capitole", SendStatus.ACCEPTED))
    assert journal.interrupted(RuntimeError("bug")) is SendState.CANCELLED
    assert journal.tally() == Tally(accepted=1, rejected=0, unknown=0, cancelled=1, remaining=0)


def test_a_message_never_sent_is_journalled_cancelled(store: Store) -> None:
    message = VoiceMessage((A, B), tts="Bonjour")
    reference = SendJournal.never_sent(
        store, "acct", "voicepartner", message, dry_run=True, why="not sent: an earlier one failed"
    )
    row = store.get_send(reference)
    assert row is not None
    assert (row.state, row.channel, row.dry_run, row.cancelled) == ("cancelled", "voice", True, 2)
    assert store.message_of(reference) == message


def test_the_tally_reads_the_outbox_counts() -> None:
    counts = {"accepted": 3, "dry-run": 1, "rejected": 2, "unknown": 1, "pending": 4, "sending": 5}
    assert Tally.of(counts) == Tally(accepted=4, rejected=2, unknown=1, cancelled=0, remaining=9)
