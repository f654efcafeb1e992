"""A knowing resend and the French sending hours (``tui.sending.resend``): the verdict is the
one a new send of the same message would get, on the numbers the resend targets; a chosen
schedule moves the resend, and nothing else about it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from providers.errors import OutcomeUnknownError
from providers.models import Route, SendReceipt, SmsMessage, VoiceMessage
from tests.unit.sending_fakes import NUMBERS, FakeProvider
from tui.compliance.hours import PARIS, Purpose
from tui.outbox.store import Store, StoreError
from tui.sending import resend, send
from tui.sending.resend import resend_hours, resend_message

SUNDAY_NIGHT = datetime(2026, 12, 6, 23, tzinfo=PARIS)
MONDAY_8 = datetime(2026, 12, 7, 8, tzinfo=PARIS)
GUADELOUPE = "+590690123456"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def unsure(message: SmsMessage | VoiceMessage) -> SendReceipt:
    raise OutcomeUnknownError("fake", "timed out after sending")


async def _unknown(store: Store, message: SmsMessage | VoiceMessage) -> str:
    """A send whose first batch (2 numbers) is of unknown outcome, the rest never sent."""
    first = await send(store, FakeProvider(unsure), "acct", message, batch_size=2)
    return first.reference


async def test_a_marketing_resend_is_judged_like_a_new_send(store: Store) -> None:
    reference = await _unknown(store, SmsMessage("Soldes", NUMBERS[:4], route=Route.MARKETING))
    verdict = resend_hours(store, reference, now=SUNDAY_NIGHT)
    assert verdict.purpose is Purpose.COMMERCIAL_SMS and not verdict.allowed
    assert verdict.next_allowed == MONDAY_8 and "is a Sunday" in (verdict.reason or "")
    assert resend_hours(store, reference, now=MONDAY_8).allowed


async def test_a_notification_is_free_unless_marked_promotional_again(store: Store) -> None:
    reference = await _unknown(store, VoiceMessage(NUMBERS[:4], tts="Votre rendez-vous"))
    assert resend_hours(store, reference, now=SUNDAY_NIGHT).allowed
    marked = resend_hours(store, reference, promotional=True, now=SUNDAY_NIGHT)
    assert marked.purpose is Purpose.COMMERCIAL_VOICE and not marked.allowed


async def test_the_places_are_those_of_the_numbers_resent(store: Store) -> None:
    # The unknown batch holds the overseas number; the never sent ones are mainland only.
    numbers = (GUADELOUPE, NUMBERS[0], NUMBERS[1], NUMBERS[2])
    reference = await _unknown(store, SmsMessage("Soldes", numbers, route=Route.MARKETING))
    saturday_noon = datetime(2026, 12, 5, 12, tzinfo=PARIS)  # 07:00 in Guadeloupe
    everyone = resend_hours(store, reference, now=saturday_noon)
    assert not everyone.allowed and "Guadeloupe" in (everyone.reason or "")
    never_sent = resend_hours(store, reference, skip_unknown=True, now=saturday_noon)
    assert never_sent.allowed
    assert resend_message(store, reference, skip_unknown=True).recipients == NUMBERS[1:3]


async def test_a_chosen_schedule_moves_the_resend_only(store: Store) -> None:
    reference = await _unknown(store, SmsMessage("Soldes", NUMBERS[:4], route=Route.MARKETING))
    again = FakeProvider()
    outcome = await resend(store, again, reference, skip_unknown=True, schedule=MONDAY_8)
    [(message, _dry)] = again.calls
    assert isinstance(message, SmsMessage)
    assert (message.schedule, message.text, message.route) == (
        MONDAY_8,
        "Soldes",
        Route.MARKETING,
    )
    assert message.recipients == NUMBERS[2:4]
    assert store.message_of(outcome.reference).schedule == MONDAY_8


async def test_a_send_that_may_not_be_resent_has_no_verdict(store: Store) -> None:
    accepted = await send(store, FakeProvider(), "acct", SmsMessage("Code", NUMBERS[:2]))
    with pytest.raises(StoreError, match="only"):
        resend_hours(store, accepted.reference, now=SUNDAY_NIGHT)
