"""The French sending-hours rules (tui.compliance.hours), on every boundary."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from providers.models import Route, SmsMessage, VoiceMessage
from tui.compliance.hours import (
    PARIS,
    RULES,
    OutsideSendingHours,
    Purpose,
    check,
    check_messages,
    next_allowed,
    place_of,
    purpose_of,
    require_within_hours,
    scheduled_at,
)

MAINLAND = "+33612345678"
REUNION = "+262262123456"
GUADELOUPE = "+590590123456"
SMS = RULES[Purpose.COMMERCIAL_SMS]
VOICE = RULES[Purpose.COMMERCIAL_VOICE]


def paris(*args: int) -> datetime:
    return datetime(*args, tzinfo=PARIS)  # type: ignore[misc]


def sms_ok(moment: datetime, number: str = MAINLAND, **kw: bool) -> bool:
    return check(Purpose.COMMERCIAL_SMS, [number], moment, **kw).allowed


def voice_ok(moment: datetime, number: str = MAINLAND) -> bool:
    return check(Purpose.COMMERCIAL_VOICE, [number], moment).allowed


# Tuesday 4 March 2025: an ordinary working day.
@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [(7, 59, False), (8, 0, True), (12, 0, True), (19, 59, True), (20, 0, False), (23, 0, False)],
)
def test_commercial_sms_window_edges(hour: int, minute: int, expected: bool) -> None:
    assert sms_ok(paris(2025, 3, 4, hour, minute)) is expected


def test_commercial_sms_saturday_yes_sunday_no() -> None:
    assert sms_ok(paris(2025, 3, 8, 10, 0))  # Saturday
    verdict = check(Purpose.COMMERCIAL_SMS, [MAINLAND], paris(2025, 3, 9, 10, 0))
    assert not verdict.allowed and "Sunday" in (verdict.reason or "")
    assert verdict.next_allowed == paris(2025, 3, 10, 8, 0)


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (9, 59, False),
        (10, 0, True),
        (12, 59, True),
        (13, 0, False),
        (13, 59, False),
        (14, 0, True),
        (19, 59, True),
        (20, 0, False),
    ],
)
def test_commercial_voice_window_edges(hour: int, minute: int, expected: bool) -> None:
    assert voice_ok(paris(2025, 3, 4, hour, minute)) is expected


def test_commercial_voice_never_on_saturday() -> None:
    assert not voice_ok(paris(2025, 3, 8, 11, 0))
    assert next_allowed(VOICE, paris(2025, 3, 8, 11, 0), [place_of(MAINLAND)]) == paris(
        2025, 3, 10, 10, 0
    )
    # The lunch break: the next opening is 14:00 the same day.
    assert next_allowed(VOICE, paris(2025, 3, 4, 13, 30), [place_of(MAINLAND)]) == paris(
        2025, 3, 4, 14, 0
    )


@pytest.mark.parametrize(
    ("day", "name"),
    [
        ((2025, 4, 21), "Easter Monday"),
        ((2025, 5, 29), "Ascension"),
        ((2025, 6, 9), "Whit Monday"),
        ((2025, 5, 1), "Labour Day"),
        ((2025, 11, 11), "Armistice"),
    ],
)
def test_public_holidays_close_both_windows(day: tuple[int, int, int], name: str) -> None:
    moment = paris(*day, 11, 0)
    verdict = check(Purpose.COMMERCIAL_SMS, [MAINLAND], moment)
    assert not verdict.allowed, name
    assert "public holiday" in (verdict.reason or "")
    assert not voice_ok(moment)
    # The day before and after are ordinary (none of these is next to another holiday).
    assert sms_ok(paris(*day, 11, 0).replace(day=day[2] + 1))


def test_easter_monday_next_allowed_is_tuesday() -> None:
    # Saturday 19 April 2025 at 20:00: Sunday, then Easter Monday, then Tuesday 08:00.
    assert next_allowed(SMS, paris(2025, 4, 19, 20, 0), [place_of(MAINLAND)]) == paris(
        2025, 4, 22, 8, 0
    )


def test_ascension_thursday_voice_moves_to_friday() -> None:
    assert next_allowed(VOICE, paris(2025, 5, 28, 20, 0), [place_of(MAINLAND)]) == paris(
        2025, 5, 30, 10, 0
    )


def test_14_july_on_a_sunday_is_not_moved_to_monday() -> None:
    # 14 July 2024 was a Sunday: France does not move a holiday to the Monday.
    sunday = paris(2024, 7, 14, 10, 0)
    assert not sms_ok(sunday)
    assert next_allowed(SMS, sunday, [place_of(MAINLAND)]) == paris(2024, 7, 15, 8, 0)
    assert sms_ok(paris(2024, 7, 15, 8, 0))
    assert voice_ok(paris(2024, 7, 15, 10, 0))
    # 14 July 2025, a Monday, is closed.
    assert not sms_ok(paris(2025, 7, 14, 10, 0))


def test_autumn_time_change() -> None:
    # Summer time ends on Sunday 26 October 2025 at 03:00 (02:00 CET). Saturday 20:30 is
    # refused; the next allowed time is Monday 08:00 CET, 07:00 UTC (not 06:00 UTC).
    saturday = paris(2025, 10, 25, 20, 30)
    found = next_allowed(SMS, saturday, [place_of(MAINLAND)])
    assert found == datetime(2025, 10, 27, 7, 0, tzinfo=UTC)
    # The same UTC hour is 19:59 local in summer and 18:59 in winter: both inside; 19:00
    # UTC is 21:00 on Saturday (refused) and 20:00 on Monday (refused, the edge).
    assert sms_ok(datetime(2025, 10, 25, 17, 59, tzinfo=UTC))
    assert not sms_ok(datetime(2025, 10, 25, 18, 0, tzinfo=UTC))  # 20:00 CEST
    assert sms_ok(datetime(2025, 10, 27, 18, 59, tzinfo=UTC))  # 19:59 CET
    assert not sms_ok(datetime(2025, 10, 27, 19, 0, tzinfo=UTC))  # 20:00 CET
    # And the spring change: 30 March 2026 08:00 CEST is 06:00 UTC.
    assert next_allowed(SMS, paris(2026, 3, 28, 21, 0), [place_of(MAINLAND)]) == datetime(
        2026, 3, 30, 6, 0, tzinfo=UTC
    )


def test_overseas_numbers_use_their_own_zone_and_holidays() -> None:
    reunion = place_of(REUNION)
    assert reunion.zone == ZoneInfo("Indian/Reunion") and reunion.subdiv == "974"
    assert place_of(GUADELOUPE).zone == ZoneInfo("America/Guadeloupe")
    assert place_of("+594594123456").region == "GF"
    assert place_of("+596596123456").region == "MQ"
    assert place_of("+262639012345").zone == ZoneInfo("Indian/Mayotte")  # +262 639: Mayotte
    assert place_of("+3225551234").zone == PARIS  # another country: Paris time
    # 19:00 in Paris (winter) is 22:00 in Réunion: refused there, allowed on the mainland.
    moment = paris(2025, 3, 4, 19, 0)
    assert sms_ok(moment) and not sms_ok(moment, REUNION)
    # 09:00 in Paris is 04:00 in Guadeloupe.
    assert not sms_ok(paris(2025, 3, 4, 9, 0), GUADELOUPE)
    # Réunion's abolition of slavery, 20 December (a Saturday in 2025): closed there only.
    assert not sms_ok(datetime(2025, 12, 20, 10, 0, tzinfo=reunion.zone), REUNION)
    assert sms_ok(paris(2025, 12, 20, 10, 0))


def test_mixed_places_share_the_window() -> None:
    # Sunday: mainland, Réunion and Guadeloupe first share Monday 12:00-16:00 UTC (winter).
    verdict = check(
        Purpose.COMMERCIAL_SMS, [MAINLAND, REUNION, GUADELOUPE], paris(2025, 3, 9, 10, 0)
    )
    assert verdict.next_allowed == datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    assert "2025-03-10 13:00 (Paris time)" in verdict.refusal()


def test_places_with_no_common_hour() -> None:
    # Réunion (UTC+4) and French Polynesia (UTC-10) share no hour of a commercial call
    # (they do share 04:00-06:00 UTC for an SMS).
    tahiti = "+689871234567"
    assert check(Purpose.COMMERCIAL_SMS, [REUNION, tahiti], paris(2025, 3, 4, 10, 0)).next_allowed
    verdict = check(Purpose.COMMERCIAL_VOICE, [REUNION, tahiti], paris(2025, 3, 4, 10, 0))
    assert not verdict.allowed and verdict.next_allowed is None
    assert "send to each place apart" in verdict.refusal()


def test_alsace_moselle_is_a_setting() -> None:
    good_friday = paris(2025, 4, 18, 10, 0)
    assert sms_ok(good_friday)
    assert not sms_ok(good_friday, alsace_moselle=True)
    assert not sms_ok(paris(2025, 12, 26, 10, 0), alsace_moselle=True)
    # The overseas places keep their own days.
    assert sms_ok(datetime(2025, 12, 26, 10, 0, tzinfo=ZoneInfo("Indian/Reunion")), REUNION)


def test_notifications_are_not_restricted() -> None:
    assert check(Purpose.NOTIFICATION, [MAINLAND], paris(2025, 12, 25, 23, 30)).allowed


def test_purpose_of_messages() -> None:
    assert purpose_of(SmsMessage("x")) is Purpose.NOTIFICATION
    assert purpose_of(SmsMessage("x", route=Route.MARKETING)) is Purpose.COMMERCIAL_SMS
    assert purpose_of(SmsMessage("x"), promotional=True) is Purpose.COMMERCIAL_SMS
    assert purpose_of(VoiceMessage(tts="x")) is Purpose.NOTIFICATION
    assert purpose_of(VoiceMessage(tts="x"), promotional=True) is Purpose.COMMERCIAL_VOICE


def test_require_within_hours_uses_the_schedule_and_names_the_next_time() -> None:
    message = SmsMessage("Promo", (MAINLAND,), route=Route.MARKETING)
    sunday = paris(2025, 3, 9, 10, 0)
    with pytest.raises(OutsideSendingHours) as caught:
        require_within_hours([message], now=sunday)
    assert caught.value.field == "sending_hours"
    assert caught.value.check.next_allowed == paris(2025, 3, 10, 8, 0)
    assert "Next allowed time: 2025-03-10 08:00 (Paris time)" in caught.value.message
    # Scheduled inside the window, the same message passes, whatever the time now.
    (moved,) = scheduled_at([message], paris(2025, 3, 10, 8, 0))
    assert moved.schedule == paris(2025, 3, 10, 8, 0)
    assert require_within_hours([moved], now=sunday).allowed
    # A notification sent now on a Sunday night passes.
    assert check_messages([SmsMessage("Code 1234", (MAINLAND,))], now=sunday).allowed
