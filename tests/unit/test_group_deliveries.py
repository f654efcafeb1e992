"""eCampaign group sends: the members the reply lists are kept, their reports find them, and
the send shows totals (issue 9, item 3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.ecampaign.receipt import EcampaignRecipientResult
from providers.models import (
    DeliveryEvent,
    DeliveryState,
    EventKind,
    GroupTarget,
    SendReceipt,
    SendStatus,
    SmsMessage,
)
from tui.listen.live import LiveReader
from tui.outbox.journal import SendJournal
from tui.outbox.schema import SCHEMA_VERSION
from tui.outbox.store import SendState, Store

LISTED = "+33611223344"
M1, M2, M3 = "+33622334455", "+33633445566", "+33644556677"
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def member(number: str, status: SendStatus, msgid: str, member_id: str) -> EcampaignRecipientResult:
    return EcampaignRecipientResult(number, status, msgid, member_id=member_id)


def report(msgid: str, state: DeliveryState, code: str = "4") -> DeliveryEvent:
    return DeliveryEvent(
        provider="ecampaign",
        kind=EventKind.DELIVERY,
        state=state,
        provider_code=code,
        message_id=msgid,
        occurred_at=T0,
    )


def group_send(store: Store, *, listed: tuple[str, ...] = (LISTED,)) -> str:
    """A group send with ``listed`` numbers: the reply lists them and three members."""
    message = SmsMessage("Soldes", listed, group=GroupTarget("42"))
    journal = SendJournal.begin(store, "eca", "ecampaign", message)
    journal.leaving(0, listed, request_id=None)
    results = [member(n, SendStatus.ACCEPTED, f"L{i}", "") for i, n in enumerate(listed)]
    results += [
        member(M1, SendStatus.ACCEPTED, "m1", "101"),
        member(M2, SendStatus.ACCEPTED, "m2", "102"),
        member(M3, SendStatus.REJECTED, "m3", "103"),
    ]
    journal.result(0, SendReceipt("ecampaign", SendStatus.ACCEPTED, tuple(results)))
    journal.finish(SendState.ACCEPTED)
    return journal.reference


def test_the_members_are_kept_apart_from_the_listed_numbers(store: Store) -> None:
    reference = group_send(store)
    row = store.get_send(reference)
    assert row is not None
    # The listed number is the send's one recipient; the members are not recipients.
    assert (row.recipients_total, row.accepted) == (1, 1)
    totals = store.group_totals(reference)
    assert totals is not None
    assert (totals.members, totals.accepted, totals.rejected, totals.unknown) == (3, 2, 1, 0)
    assert (totals.delivered, totals.failed, totals.waiting) == (0, 0, 2)


def test_a_members_report_finds_it_by_message_id(store: Store) -> None:
    reference = group_send(store, listed=())
    assert store.record_event(report("m1", DeliveryState.DELIVERED), b"raw")
    assert store.record_event(report("m2", DeliveryState.FAILED, "8"), b"raw")
    totals = store.group_totals(reference)
    assert totals is not None
    assert (totals.delivered, totals.failed, totals.waiting) == (1, 1, 0)
    # The event is linked to the send and the member's number.
    events = store.events_for(reference, limit=10)
    assert sorted((e.message_id, e.number) for e in events) == [("m1", None), ("m2", None)]
    with sqlite3.connect(store.path) as conn:
        linked = conn.execute(
            "SELECT message_id, matched_reference, matched_number FROM events ORDER BY id"
        ).fetchall()
    assert linked == [("m1", reference, M1), ("m2", reference, M2)]


def test_a_state_never_moves_backwards_for_a_member(store: Store) -> None:
    reference = group_send(store, listed=())
    store.record_event(report("m1", DeliveryState.DELIVERED), b"a")
    store.record_event(report("m1", DeliveryState.SENT, "2"), b"b")
    totals = store.group_totals(reference)
    assert totals is not None and totals.delivered == 1


def test_a_report_that_overtook_the_reply_is_matched_when_the_members_are_kept(
    store: Store,
) -> None:
    assert store.record_event(report("m2", DeliveryState.DELIVERED), b"early")
    reference = group_send(store, listed=())
    totals = store.group_totals(reference)
    assert totals is not None and totals.delivered == 1


def test_a_listed_numbers_report_still_goes_to_its_recipient(store: Store) -> None:
    reference = group_send(store)
    store.record_event(report("L0", DeliveryState.DELIVERED), b"raw")
    (recipient,) = store.recipients(reference)
    assert recipient.delivery_state is DeliveryState.DELIVERED
    totals = store.group_totals(reference)
    assert totals is not None and totals.delivered == 0


def test_a_send_without_a_group_has_no_totals(store: Store) -> None:
    message = SmsMessage("x", (LISTED,))
    journal = SendJournal.begin(store, "eca", "ecampaign", message)
    journal.leaving(0, (LISTED,), request_id=None)
    extra = member(M1, SendStatus.ACCEPTED, "m1", "")
    listed = member(LISTED, SendStatus.ACCEPTED, "L0", "")
    journal.result(0, SendReceipt("ecampaign", SendStatus.ACCEPTED, (listed, extra)))
    assert store.group_totals(journal.reference) is None


def test_an_outbox_of_schema_4_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    with Store(path):
        pass
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE group_deliveries")
        conn.execute("PRAGMA user_version = 4")
    with Store(path) as reopened:
        reference = group_send(reopened, listed=())
        assert reopened.group_totals(reference) is not None
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 6


def test_a_group_send_waiting_for_its_members_states_is_polled(store: Store) -> None:
    """In the demo and without a public URL, eCampaign's states come through getCDR: a group
    send whose members have no final state yet is one of the sends polled."""
    reference = group_send(store, listed=())
    since = datetime.now(UTC) - timedelta(days=1)
    reader = LiveReader(store.path)
    try:
        assert [r for _a, r, _t in reader.unsettled_sends("ecampaign", since)] == [reference]
        store.record_event(report("m1", DeliveryState.DELIVERED), b"a")
        store.record_event(report("m2", DeliveryState.FAILED, "8"), b"b")
        assert reader.unsettled_sends("ecampaign", since) == []
    finally:
        reader.close()
