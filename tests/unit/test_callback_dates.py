"""Callback dates are bounded by their arrival: a report dated in the future cannot win for ever.

Each provider whose callbacks carry a date is tried: within ``MAX_CLOCK_SKEW`` of the arrival
the provider's date stands; beyond it the event is dated by its arrival, and the provider's
date is kept in ``reported_at`` and said in the description.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from providers.callbacks import MAX_CLOCK_SKEW, parse_callback, parse_callback_items
from providers.errors import CallbackError
from providers.models import DeliveryEvent

ARRIVAL = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)  # 10:00 in Paris (winter time)
FORM = "application/x-www-form-urlencoded"


def capitole(date: str) -> DeliveryEvent:
    query = urllib.parse.urlencode(
        {"id": "c1", "gsm": "33611223344", "status": "DELIVERED", "date": date}
    )
    [event] = parse_callback("capitole", "GET", query, b"", "", received_at=ARRIVAL)
    return event


def ecampaign(timestamp: str) -> DeliveryEvent:
    xml = (
        f"<ecampaign><msgid>A1</msgid><state>4</state><timestamp>{timestamp}</timestamp>"
        "</ecampaign>"
    )
    body = urllib.parse.urlencode({"xml": xml}).encode()
    [event] = parse_callback("ecampaign", "POST", "", body, FORM, received_at=ARRIVAL)
    return event


def voicepartner(done: str) -> DeliveryEvent:
    body = json.dumps(
        {
            "campaignId": "65f1",
            "status": "delivered",
            "phoneNumber": "0611223344",
            "sendAt": "2025-03-10 09:59:00",
            "doneAt": done,
        }
    ).encode()
    [event] = parse_callback(
        "voicepartner", "POST", "", body, "application/json", received_at=ARRIVAL
    )
    return event


Parse = Callable[[str], DeliveryEvent]
PARSERS: list[Parse] = [capitole, ecampaign, voicepartner]


@pytest.mark.parametrize("parse", PARSERS)
def test_a_date_years_ahead_is_replaced_by_the_arrival(parse: Parse) -> None:
    event = parse("2030-01-01 12:00:00")
    assert event.occurred_at == ARRIVAL
    assert event.reported_at == datetime(2030, 1, 1, 11, 0, tzinfo=UTC)  # Paris → UTC
    assert "2030-01-01 11:00:00 UTC, in the future" in (event.description or "")


@pytest.mark.parametrize("parse", PARSERS)
def test_a_date_within_the_allowed_skew_stands(parse: Parse) -> None:
    event = parse("2025-03-10 10:09:00")  # 9 minutes after the arrival (Paris time)
    assert event.occurred_at == ARRIVAL + timedelta(minutes=9)
    assert event.reported_at is None
    assert "future" not in (event.description or "")


@pytest.mark.parametrize("parse", PARSERS)
def test_a_date_just_beyond_the_skew_is_replaced(parse: Parse) -> None:
    event = parse("2025-03-10 10:11:00")
    assert timedelta(minutes=10) == MAX_CLOCK_SKEW
    assert event.occurred_at == ARRIVAL
    assert event.reported_at == ARRIVAL + timedelta(minutes=11)


@pytest.mark.parametrize("parse", PARSERS)
def test_past_dates_are_kept(parse: Parse) -> None:
    event = parse("2025-03-09 08:00:00")
    assert event.occurred_at == datetime(2025, 3, 9, 7, 0, tzinfo=UTC)
    assert event.reported_at is None


def test_without_received_at_the_arrival_is_now() -> None:
    query = "gsm=33611223344&status=DELIVERED&date=2030-01-01+12:00:00"
    before = datetime.now(UTC)
    [event] = parse_callback_items("capitole", "GET", query, b"", "")
    assert isinstance(event, DeliveryEvent)
    assert event.occurred_at is not None and before <= event.occurred_at <= datetime.now(UTC)
    assert event.reported_at is not None


def test_a_naive_arrival_time_is_a_callers_defect() -> None:
    with pytest.raises(CallbackError):
        parse_callback(
            "capitole",
            "GET",
            "gsm=33611223344&status=DELIVERED",
            b"",
            "",
            received_at=datetime(2025, 3, 10, 9, 0),
        )


def test_undated_events_stay_undated() -> None:
    body = b"campaign_id=c9&delivered_quantity=1&total_quantity=2"
    [event] = parse_callback("voicepartner", "POST", "", body, FORM, received_at=ARRIVAL)
    assert event.occurred_at is None and event.reported_at is None
