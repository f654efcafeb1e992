"""Delivery events in the outbox: duplicates, matching, ordering rules, orphans; balances."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from providers.models import (
    Balance,
    BalanceLine,
    DeliveryEvent,
    DeliveryState,
    EventKind,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
)
from tui.outbox.events import RAW_LIMIT
from tui.outbox.store import Store

A, B = "+33611223344", "+33622334455"
T0 = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def delivery(state: DeliveryState, at: datetime | None = T0, **fields: Any) -> DeliveryEvent:
    fields.setdefault("message_id", "m-A")
    return DeliveryEvent(
        provider="octopush",
        kind=EventKind.DELIVERY,
        state=state,
        provider_code=str(state).upper(),
        occurred_at=at,
        **fields,
    )


def sent_send(store: Store, provider: str = "octopush", **receipt: Any) -> str:
    """A send to A and B, accepted, with message ids m-A and m-B."""
    reference = store.begin_send("acct", provider, "sms", SmsMessage("x", (A, B)))
    store.mark_batch_sending(reference, 0, [A, B])
    results = (
        RecipientResult(A, SendStatus.ACCEPTED, "m-A"),
        RecipientResult(B, SendStatus.ACCEPTED, "m-B"),
    )
    store.record_batch_result(
        reference, SendReceipt(provider, SendStatus.ACCEPTED, results, **receipt)
    )
    store.finish_send(reference, "accepted")
    return reference


def state_of(store: Store, reference: str, number: str = A) -> DeliveryState | None:
    row = next(r for r in store.recipients(reference) if r.number == number)
    return row.delivery_state


def test_duplicate_events_are_stored_once(store: Store) -> None:
    reference = sent_send(store)
    event = delivery(DeliveryState.DELIVERED)
    assert store.record_event(event, b"raw=1", account="acct") is True
    assert store.record_event(event, b"raw=1 again", account="other") is False
    events = store.events_since(0)
    assert len(events) == 1
    assert (events[0].matched_reference, events[0].matched_number) == (reference, A)
    assert events[0].account == "acct"
    assert store.event_raw(events[0].id) == b"raw=1"
    # A different fact is a different event.
    assert store.record_event(delivery(DeliveryState.DELIVERED, T0 + timedelta(1)), b"") is True


def test_a_final_state_is_never_replaced_by_an_intermediate_one(store: Store) -> None:
    reference = sent_send(store)
    store.record_event(delivery(DeliveryState.DELIVERED, T0), b"")
    store.record_event(delivery(DeliveryState.SENT, T0 + timedelta(minutes=5)), b"")
    store.record_event(delivery(DeliveryState.QUEUED, None), b"")
    assert state_of(store, reference) is DeliveryState.DELIVERED
    row = store.recipients(reference)[0]
    assert (row.delivery_code, row.delivery_at) == ("DELIVERED", T0)


def test_intermediate_states_follow_occurred_at_and_yield_to_a_final_one(store: Store) -> None:
    reference = sent_send(store)
    store.record_event(delivery(DeliveryState.SENT, T0 + timedelta(minutes=1)), b"")
    store.record_event(delivery(DeliveryState.QUEUED, T0), b"")  # older, arrives later
    assert state_of(store, reference) is DeliveryState.SENT
    # A final state wins even when its clock says earlier.
    store.record_event(delivery(DeliveryState.FAILED, T0 - timedelta(minutes=1)), b"")
    assert state_of(store, reference) is DeliveryState.FAILED
    # Between final states the later one wins.
    store.record_event(delivery(DeliveryState.DELIVERED, T0 + timedelta(hours=1)), b"")
    store.record_event(delivery(DeliveryState.FAILED, T0 + timedelta(minutes=30)), b"")
    assert state_of(store, reference) is DeliveryState.DELIVERED
    assert state_of(store, reference, B) is None
    assert store.delivery_counts(reference) == {"delivered": 1, "none": 1}


def test_an_event_that_overtakes_the_send_reply_is_matched_later(store: Store) -> None:
    reference = store.begin_send("acct", "octopush", "sms", SmsMessage("x", (A,)))
    store.mark_batch_sending(reference, 0, [A])
    assert store.record_event(delivery(DeliveryState.DELIVERED), b"") is True
    assert store.events_since(0)[0].matched_reference is None  # an orphan, for now
    results = (RecipientResult(A, SendStatus.ACCEPTED, "m-A"),)
    store.record_batch_result(reference, SendReceipt("octopush", SendStatus.ACCEPTED, results))
    assert store.events_since(0)[0].matched_reference == reference
    assert state_of(store, reference) is DeliveryState.DELIVERED


def test_match_orphans_links_events_once_their_send_is_known(store: Store) -> None:
    store.record_event(delivery(DeliveryState.SENT, T0, message_id="m-B"), b"")
    store.record_event(delivery(DeliveryState.DELIVERED, T0 + timedelta(1), message_id="m-B"), b"")
    store.record_event(delivery(DeliveryState.DELIVERED, message_id="nobody"), b"")
    assert store.match_orphans() == 0
    sent_send(store, provider="capitole")  # another provider's message ids: still no match
    assert store.match_orphans() == 0
    reference = sent_send(store)
    # record_batch_result already matched the two of them; the stranger stays an orphan.
    assert store.match_orphans() == 0
    assert state_of(store, reference, B) is DeliveryState.DELIVERED
    assert [e.matched_reference for e in store.events_since(0)] == [reference, reference, None]


def test_capitole_callbacks_match_by_campaign_id_and_number(store: Store) -> None:
    reference = store.begin_send("acct", "capitole", "sms", SmsMessage("x", (A, B)))
    store.mark_batch_sending(reference, 0, [A, B])
    store.record_batch_result(reference, SendReceipt("capitole", SendStatus.ACCEPTED))
    event = DeliveryEvent(
        provider="capitole",
        kind=EventKind.DELIVERY,
        state=DeliveryState.DELIVERED,
        provider_code="DELIVERED",
        campaign_id=reference,
        number="33622334455",  # the callback's international form, without "+"
        occurred_at=T0,
    )
    store.record_event(event, b"id=...&gsm=33622334455&status=DELIVERED")
    assert state_of(store, reference, B) is DeliveryState.DELIVERED
    assert state_of(store, reference, A) is None
    assert store.events_for(reference)[0].matched_number == B


def test_provider_campaign_references_and_operator_campaign_ids_match(store: Store) -> None:
    by_ticket = sent_send(store, provider="voicepartner", reference="vp-campaign-7")
    totals = DeliveryEvent(
        provider="voicepartner",
        kind=EventKind.CAMPAIGN,
        state=DeliveryState.DELIVERED,
        campaign_id="vp-campaign-7",
        delivered=1,
        total=2,
    )
    store.record_event(totals, b"")
    event = store.events_since(0)[-1]
    assert (event.matched_reference, event.matched_number) == (by_ticket, None)
    assert (event.delivered, event.total) == (1, 2)

    chosen = store.begin_send("acct", "capitole", "sms", SmsMessage("x", (A,), campaign_id="PROMO"))
    callback = DeliveryEvent(
        "capitole", EventKind.DELIVERY, DeliveryState.FAILED, campaign_id="PROMO", number=A
    )
    store.record_event(callback, b"")
    assert store.events_since(0)[-1].matched_reference == chosen


def test_replies_go_to_the_latest_accepted_send_to_that_number(store: Store) -> None:
    sent_send(store, provider="capitole")
    latest = sent_send(store, provider="capitole")
    reply = DeliveryEvent(
        "capitole", EventKind.REPLY, DeliveryState.REPLY, number="33611223344", text="Oui"
    )
    store.record_event(reply, "num=33611223344&message=Oui")
    event = store.events_since(0)[-1]
    assert (event.matched_reference, event.matched_number, event.text) == (latest, A, "Oui")
    assert state_of(store, latest) is None  # a reply is not a delivery state


def test_raw_requests_are_capped_and_events_page_in_order(store: Store) -> None:
    huge = b"x" * (RAW_LIMIT * 3)
    for index in range(5):
        event = delivery(DeliveryState.SENT, T0 - timedelta(minutes=index), message_id=f"o{index}")
        store.record_event(event, huge if index == 0 else b"")
    first = store.events_since(0)[0]
    assert store.event_raw(first.id) == huge[:RAW_LIMIT]
    assert store._conn.execute("SELECT raw_size FROM events WHERE id = ?", (first.id,)).fetchone()[
        0
    ] == len(huge)
    page = store.events_since(first.id, limit=2)
    assert [e.message_id for e in page] == ["o1", "o2"]
    assert store.events_since(page[-1].id, limit=10)[-1].message_id == "o4"


def test_events_of_a_send_are_ordered_by_when_they_happened(store: Store) -> None:
    reference = sent_send(store)
    store.record_event(delivery(DeliveryState.DELIVERED, T0 + timedelta(minutes=2)), b"")
    store.record_event(delivery(DeliveryState.SENT, T0), b"")
    store.record_event(delivery(DeliveryState.QUEUED, T0 - timedelta(minutes=1)), b"")
    states = [e.state for e in store.events_for(reference)]
    assert states == [DeliveryState.QUEUED, DeliveryState.SENT, DeliveryState.DELIVERED]


def test_balances_keep_the_last_one_seen(store: Store) -> None:
    assert store.last_balance("acct") is None
    store.record_balance("acct", "capitole", Decimal("9542"), seen_at=T0)
    first = store.last_balance("acct")
    assert first is not None
    assert (first.amount, first.lines, first.seen_at) == (Decimal("9542"), (), T0)
    lines = (
        BalanceLine("Premium", Decimal("1251.80"), "EUR", route_id="FR"),
        BalanceLine("Low cost", Decimal("1829.40"), "EUR", route_id="XXX"),
    )
    store.record_balance("acct", "octopush", Balance("octopush", lines, as_of=T0 + timedelta(1)))
    second = store.last_balance("acct")
    assert second is not None
    assert (second.provider, second.amount, second.lines) == ("octopush", None, lines)
    assert second.seen_at == T0 + timedelta(1)
