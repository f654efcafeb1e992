"""The Live screen's reading of the outbox: counts per normalised state, where states came from,
pages of recipients, deliveries over time, and the cheap change check (data_version)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.models import (
    DeliveryEvent,
    DeliveryState,
    EventKind,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
)
from tui.listen.live import LiveReader
from tui.outbox.store import Store, new_reference

NUMBERS = ("+33611000001", "+33611000002", "+33611000003", "+33611000004")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


@pytest.fixture
def reader(store: Store) -> Iterator[LiveReader]:
    opened = LiveReader(store.path)
    yield opened
    opened.close()


def accepted_send(
    store: Store,
    provider: str = "capitole",
    numbers: tuple[str, ...] = NUMBERS,
    rejected: tuple[str, ...] = (),
) -> str:
    message = SmsMessage("Bonjour", numbers)
    reference = new_reference()
    store.begin_send(
        "shop", provider, "sms", message, numbers, reference=reference, campaign_id=reference
    )
    store.mark_batch_sending(reference, 0, numbers)
    results = tuple(
        RecipientResult(
            n,
            SendStatus.REJECTED if n in rejected else SendStatus.ACCEPTED,
            message_id=f"m{n[-4:]}",
        )
        for n in numbers
    )
    store.record_batch_result(
        reference, SendReceipt(provider, SendStatus.ACCEPTED, results, reference="C1"), batch=0
    )
    store.finish_send(reference, "accepted")
    return reference


def delivery(reference: str, number: str, state: DeliveryState, minute: int) -> DeliveryEvent:
    return DeliveryEvent(
        "capitole",
        EventKind.DELIVERY,
        state,
        state.value.upper(),
        campaign_id=reference,
        number=number,
        occurred_at=datetime.now(UTC) - timedelta(minutes=minute),
    )


def test_recipients_are_counted_per_normalised_state(store: Store, reader: LiveReader) -> None:
    reference = accepted_send(store, rejected=(NUMBERS[3],))
    store.record_event(delivery(reference, NUMBERS[0], DeliveryState.SENT, 3), "GET /a")
    store.record_event(delivery(reference, NUMBERS[0], DeliveryState.DELIVERED, 2), "GET /b")
    store.record_event(delivery(reference, NUMBERS[1], DeliveryState.FAILED, 1), "getCDR m")
    (send,) = reader.recent_sends(datetime.now(UTC) - timedelta(days=1))
    assert send.reference == reference and send.total == 4
    assert dict(send.counts) == {"delivered": 1, "failed": 2, "sent": 1}
    assert send.final == 3 and send.failure_rate == pytest.approx(2 / 3)
    assert send.via == "getCDR"  # the latest state came from the poll


def test_a_page_of_recipients_with_each_state_seen_and_its_source(
    store: Store, reader: LiveReader
) -> None:
    reference = accepted_send(store)
    store.record_event(delivery(reference, NUMBERS[0], DeliveryState.SENT, 3), "GET /a")
    store.record_event(delivery(reference, NUMBERS[0], DeliveryState.DELIVERED, 2), "getCDR x")
    page = reader.recipients(reference, limit=2)
    assert [(r.number, r.state) for r in page] == [(NUMBERS[0], "delivered"), (NUMBERS[1], "sent")]
    following = reader.recipients(reference, after=page[-1].position, limit=2)
    assert [r.number for r in following] == list(NUMBERS[2:])
    assert [r.number for r in reader.recipients(reference, state="delivered")] == [NUMBERS[0]]
    seen = reader.states_seen(reference, [NUMBERS[0], NUMBERS[1]])
    assert [(s.state, s.source) for s in seen[NUMBERS[0]]] == [
        ("sent", "callback"),
        ("delivered", "getCDR"),
    ]
    assert NUMBERS[1] not in seen


def test_campaign_totals_stand_in_for_a_voicemail_drop(store: Store, reader: LiveReader) -> None:
    accepted_send(store, "voicepartner", NUMBERS[:3])
    totals = DeliveryEvent(
        "voicepartner",
        EventKind.CAMPAIGN,
        DeliveryState.DELIVERED,
        campaign_id="C1",
        delivered=2,
        total=3,
    )
    store.record_event(totals, "GET /vp")
    (send,) = reader.recent_sends(datetime.now(UTC) - timedelta(days=1))
    assert dict(send.counts) == {"delivered": 2, "failed": 1}


def test_deliveries_over_time_read_only_the_window(store: Store, reader: LiveReader) -> None:
    reference = accepted_send(store)
    for n, number in enumerate(NUMBERS):
        store.record_event(delivery(reference, number, DeliveryState.DELIVERED, n), f"GET /{n}")
    assert reader.first_event_since(datetime.now(UTC) + timedelta(minutes=1)) == 5
    assert reader.first_event_since(datetime.now(UTC) - timedelta(hours=1)) == 1
    hour_ago = reader.first_event_since(datetime.now(UTC) - timedelta(hours=1))
    assert len(reader.deliveries_since(hour_ago)) == 4


def test_data_version_moves_when_another_connection_commits(
    store: Store, reader: LiveReader
) -> None:
    before = reader.data_version()
    assert reader.data_version() == before  # nothing committed: nothing to read
    reference = accepted_send(store)
    assert reader.data_version() != before
    store.record_event(delivery(reference, NUMBERS[0], DeliveryState.DELIVERED, 0), "GET /")
    events = reader.new_events(0)
    assert [(e.reference, e.delivered) for e in events] == [(reference, True)]
    assert reader.new_events(events[-1].id) == []


def test_sends_still_waiting_for_states_are_the_ones_polled(
    store: Store, reader: LiveReader
) -> None:
    done = accepted_send(store, "ecampaign", NUMBERS[:1])
    waiting = accepted_send(store, "ecampaign", NUMBERS[1:3])
    store.record_event(
        DeliveryEvent(
            "ecampaign",
            EventKind.DELIVERY,
            DeliveryState.DELIVERED,
            "4",
            message_id=f"m{NUMBERS[0][-4:]}",
        ),
        "getCDR",
    )
    found = reader.unsettled_sends("ecampaign", datetime.now(UTC) - timedelta(days=1))
    assert [reference for _account, reference, _at in found] == [waiting]
    assert done not in {reference for _a, reference, _t in found}
