"""The French sending-hours rules: when a commercial message may reach someone.

* **Commercial SMS** (the marketing route, or any text the operator marks promotional): Monday
  to Saturday, 08:00 to 20:00, never on a Sunday or a public holiday (the mobile operators'
  professional code of conduct for SMS marketing, which the CNIL points to).
* **Commercial voice calls and voicemail drops**: Monday to Friday, 10:00 to 13:00 and 14:00 to
  20:00, never on a public holiday (décret n° 2022-1313 of 13 October 2022, for calls made to
  prospect consumers).
* **Notifications** (appointment reminders, deliveries, security codes) are not restricted.

Each window is half-open: 19:59 is inside, 20:00 is not. Times are the recipient's: Europe/Paris
for mainland numbers, the overseas departments' and collectivities' own zones for theirs (the
region comes from ``phonenumbers``: +262 Réunion or Mayotte, +590 Guadeloupe, Saint-Barthélemy
or Saint-Martin, +594 Guyane, +596 Martinique...), with the public holidays of each (the
``holidays`` library, never a table of our own: the abolition of slavery is a holiday on a
different day in each department). Alsace-Moselle's two extra days (Good Friday, 26 December)
cannot be told from a mobile number: the setting ``alsace_moselle`` (``tui.compliance.settings``)
counts them for every mainland number. A number of another country keeps Paris time and the
French holidays: the sender is bound by French rules.

A send goes at one moment for all its recipients: it is allowed when that moment is inside the
window of every recipient's place, and ``next_allowed`` finds the first moment that is (none
within 31 days when the places have no common hour: the send must then be split).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol, TypeVar, runtime_checkable
from zoneinfo import ZoneInfo

from providers.base import Capability, ProviderInfo
from providers.errors import InputError
from providers.models import Message, Route, SmsMessage, VoiceMessage

if TYPE_CHECKING:
    import holidays

PARIS = ZoneInfo("Europe/Paris")
#: How far ahead ``next_allowed`` looks for a moment every recipient's window shares.
HORIZON_DAYS = 31

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class Purpose(StrEnum):
    NOTIFICATION = "notification"
    COMMERCIAL_SMS = "commercial SMS"
    COMMERCIAL_VOICE = "commercial voice message"


@dataclass(frozen=True)
class Rule:
    purpose: Purpose
    days: frozenset[int]  # date.weekday(): 0 is Monday
    periods: tuple[tuple[time, time], ...]  # [start, end) in the recipient's local time
    text: str  # the rule in words, for refusals and the README
    basis: str  # where it comes from

    def opens_on(self, day: date, holiday: bool) -> bool:
        return day.weekday() in self.days and not holiday

    def in_period(self, moment: time) -> bool:
        return any(start <= moment < end for start, end in self.periods)


RULES: dict[Purpose, Rule] = {
    Purpose.COMMERCIAL_SMS: Rule(
        Purpose.COMMERCIAL_SMS,
        frozenset(range(6)),
        ((time(8), time(20)),),
        "Monday to Saturday 08:00-20:00, never on Sundays or public holidays",
        "the SMS operators' code of conduct the CNIL points to",
    ),
    Purpose.COMMERCIAL_VOICE: Rule(
        Purpose.COMMERCIAL_VOICE,
        frozenset(range(5)),
        ((time(10), time(13)), (time(14), time(20))),
        "Monday to Friday 10:00-13:00 and 14:00-20:00, never on public holidays",
        "décret n° 2022-1313",
    ),
}


@dataclass(frozen=True)
class Place:
    """Where a recipient's clock and holidays are: a region code (``FR``, ``RE``...)."""

    region: str
    name: str
    zone: ZoneInfo
    subdiv: str | None  # the ``holidays`` library's subdivision of France

    def holiday(self, day: date) -> str | None:
        """The public holiday on ``day`` here (its name), or None."""
        name: str | None = _calendar(self.subdiv).get(day)
        return name


#: Region code -> (name, time zone, the ``holidays`` subdivision).
PLACES: dict[str, tuple[str, str, str | None]] = {
    "FR": ("mainland France", "Europe/Paris", None),
    "RE": ("Réunion", "Indian/Reunion", "974"),
    "YT": ("Mayotte", "Indian/Mayotte", "976"),
    "GP": ("Guadeloupe", "America/Guadeloupe", "971"),
    "BL": ("Saint-Barthélemy", "America/St_Barthelemy", "BL"),
    "MF": ("Saint-Martin", "America/Marigot", "MF"),
    "GF": ("Guyane", "America/Cayenne", "973"),
    "MQ": ("Martinique", "America/Martinique", "972"),
    "PM": ("Saint-Pierre-et-Miquelon", "America/Miquelon", "PM"),
    "NC": ("New Caledonia", "Pacific/Noumea", "NC"),
    "PF": ("French Polynesia", "Pacific/Tahiti", "PF"),
    "WF": ("Wallis and Futuna", "Pacific/Wallis", "WF"),
}
#: The overseas country codes, and the place of a range phonenumbers cannot place.
_OVERSEAS = {
    "+262": "RE",
    "+590": "GP",
    "+594": "GF",
    "+596": "MQ",
    "+508": "PM",
    "+687": "NC",
    "+689": "PF",
    "+681": "WF",
}
#: An overseas number's region is decided by its first digits (+262 262 Réunion, +262 639
#: Mayotte, +590 590 27 Saint-Barthélemy...): parsed once per prefix, so that a list of a
#: million numbers costs string slicing, not a million parses.
_PREFIX = 9
_REGIONS: dict[str, str] = {}
ALSACE_MOSELLE = "57"  # Moselle; Alsace ("6AE") has the same two days


@lru_cache(maxsize=32)
def _calendar(subdiv: str | None) -> holidays.HolidayBase:
    # Imported here: the largest import on the console's way to its first screen, and only a
    # send's check needs it. The library fills in each year as first asked (expand=True).
    import holidays

    return holidays.country_holidays("FR", subdiv=subdiv)


@lru_cache(maxsize=32)
def _place(region: str, alsace_moselle: bool) -> Place:
    if region not in PLACES:  # another country: French rules, Paris time
        return Place(region, "another country (Paris time)", PARIS, None)
    name, zone, subdiv = PLACES[region]
    if region == "FR" and alsace_moselle:
        name, subdiv = "mainland France (with Alsace-Moselle's days)", ALSACE_MOSELLE
    return Place(region, name, ZoneInfo(zone), subdiv)


def _overseas_region(number: str, country: str) -> str:
    prefix = number[:_PREFIX]
    region = _REGIONS.get(prefix)
    if region is None:
        # Here only, for an overseas range not placed yet: a send to France alone never loads
        # the library (tens of milliseconds of every send's start).
        import phonenumbers

        try:
            found = phonenumbers.region_code_for_number(phonenumbers.parse(number, None))
        except phonenumbers.NumberParseException:
            found = None
        region = found if found in PLACES else _OVERSEAS[country]
        if len(_REGIONS) < 10_000:
            _REGIONS[prefix] = region
    return region


def place_of(number: str, *, alsace_moselle: bool = False) -> Place:
    """The place whose clock and holidays apply to ``number`` (E.164)."""
    if number.startswith("+33"):
        return _place("FR", alsace_moselle)
    country = number[:4]
    if country in _OVERSEAS:
        return _place(_overseas_region(number, country), alsace_moselle)
    return _place("ZZ", alsace_moselle)


def places_of(numbers: Iterable[str], *, alsace_moselle: bool = False) -> tuple[Place, ...]:
    """The distinct places of ``numbers`` (mainland France for none: a group send)."""
    seen = {place_of(number, alsace_moselle=alsace_moselle) for number in numbers}
    return tuple(sorted(seen, key=lambda p: p.region)) or (_place("FR", alsace_moselle),)


def why_not(rule: Rule, moment: datetime, place: Place) -> str | None:
    """Why ``moment`` is outside ``rule``'s window at ``place`` (None: it is inside)."""
    local = moment.astimezone(place.zone)
    holiday = place.holiday(local.date())
    if holiday is not None:
        return f"{local:%Y-%m-%d} is a public holiday in {place.name} ({holiday})"
    if local.weekday() not in rule.days:
        return f"{local:%Y-%m-%d} is a {_DAY_NAMES[local.weekday()]}"
    if not rule.in_period(local.time()):
        return f"{local:%H:%M} in {place.name} is outside {_periods(rule)}"
    return None


def allowed(rule: Rule, moment: datetime, place: Place) -> bool:
    return why_not(rule, moment, place) is None


def _openings(rule: Rule, place: Place, after: datetime) -> Iterable[datetime]:
    """Every moment a window opens at ``place`` within the horizon after ``after``."""
    first = after.astimezone(place.zone).date()
    for offset in range(HORIZON_DAYS + 1):
        day = first + timedelta(days=offset)
        if rule.opens_on(day, place.holiday(day) is not None):
            for start, _end in rule.periods:
                yield datetime.combine(day, start, tzinfo=place.zone)


def next_allowed(rule: Rule, moment: datetime, places: Sequence[Place]) -> datetime | None:
    """The first moment from ``moment`` on inside every place's window; None within the
    horizon. The earliest common moment is ``moment`` itself or one place's opening."""
    if all(allowed(rule, moment, place) for place in places):
        return moment
    openings = sorted({o for place in places for o in _openings(rule, place, moment)})
    for candidate in openings:
        if candidate > moment and all(allowed(rule, candidate, place) for place in places):
            return candidate
    return None


def _periods(rule: Rule) -> str:
    return " and ".join(f"{start:%H:%M}-{end:%H:%M}" for start, end in rule.periods)


@dataclass(frozen=True)
class HoursCheck:
    """The verdict on one send: ``at`` is when it would go (its schedule, or now)."""

    purpose: Purpose
    at: datetime
    places: tuple[Place, ...]
    reason: str | None = None  # why ``at`` is refused; None when allowed
    next_allowed: datetime | None = None

    @property
    def allowed(self) -> bool:
        return self.reason is None

    def refusal(self) -> str:
        """The refusal in words, naming the next allowed time (Paris time, as schedules are)."""
        rule = RULES[self.purpose]
        text = (
            f"a {self.purpose} may go {rule.text} in the recipient's time ({rule.basis}); "
            f"{self.reason}"
        )
        if self.next_allowed is None:
            return (
                f"{text}. These recipients' places ({', '.join(p.name for p in self.places)}) "
                f"share no allowed hour within {HORIZON_DAYS} days: send to each place apart"
            )
        return f"{text}. Next allowed time: {paris_text(self.next_allowed)} (Paris time)"


def paris_text(moment: datetime) -> str:
    """``2025-04-22 08:00``: what ``--schedule`` and the console's schedule field take."""
    return f"{moment.astimezone(PARIS):%Y-%m-%d %H:%M}"


def check(
    purpose: Purpose,
    numbers: Iterable[str],
    at: datetime,
    *,
    alsace_moselle: bool = False,
) -> HoursCheck:
    """Whether a send of ``purpose`` to ``numbers`` may go at ``at`` (aware)."""
    places = places_of(numbers, alsace_moselle=alsace_moselle)
    if purpose is Purpose.NOTIFICATION:
        return HoursCheck(purpose, at, places)
    rule = RULES[purpose]
    reason = next((r for p in places if (r := why_not(rule, at, p)) is not None), None)
    if reason is None:
        return HoursCheck(purpose, at, places)
    return HoursCheck(purpose, at, places, reason, next_allowed(rule, at, places))


# -- a send's messages -------------------------------------------------------------------------
class OutsideSendingHours(InputError):
    """A commercial send outside its window (exit code 2): ``check.next_allowed`` is when it
    may go, which the console offers to schedule with one key."""

    def __init__(self, verdict: HoursCheck) -> None:
        super().__init__("sending_hours", verdict.refusal())
        self.check = verdict


def purpose_of(message: Message, *, promotional: bool = False) -> Purpose:
    """An SMS on the marketing route, or any message marked promotional, is commercial."""
    if isinstance(message, SmsMessage):
        commercial = promotional or message.route is Route.MARKETING
        return Purpose.COMMERCIAL_SMS if commercial else Purpose.NOTIFICATION
    return Purpose.COMMERCIAL_VOICE if promotional else Purpose.NOTIFICATION


def clock() -> datetime:
    """Now (aware): the one place the rules read the time, so that a test can stand at a
    chosen moment (a Sunday at 23:00) by replacing it."""
    return datetime.now(UTC)


def check_messages(
    messages: Sequence[Message],
    *,
    promotional: bool = False,
    now: datetime | None = None,
    alsace_moselle: bool = False,
) -> HoursCheck:
    """The verdict on a send of ``messages`` (one send: the same schedule and kind), at its
    schedule or, unscheduled, ``now``."""
    moment = now or clock()
    first = messages[0] if messages else None
    at = first.schedule if first is not None and first.schedule is not None else moment
    purposes = {purpose_of(m, promotional=promotional) for m in messages}
    purpose = next((p for p in RULES if p in purposes), Purpose.NOTIFICATION)
    numbers = (number for message in messages for number in _samples(message.recipients))
    return check(purpose, numbers, at, alsace_moselle=alsace_moselle)


@runtime_checkable
class SampledNumbers(Protocol):
    """A list of numbers that gives one number per distinct prefix without being read
    (``tui.sending.recipients.StagedNumbers``)."""

    def samples(self, length: int) -> Sequence[str]: ...


def _samples(numbers: Sequence[str]) -> Sequence[str]:
    """Numbers with the same places as ``numbers``: a number's place depends on its first
    ``_PREFIX`` characters alone (``place_of``), so a staged list of a million numbers gives one
    number per prefix instead of being walked."""
    if isinstance(numbers, SampledNumbers):
        return numbers.samples(_PREFIX)
    return numbers


def require_within_hours(
    messages: Sequence[Message],
    *,
    promotional: bool = False,
    now: datetime | None = None,
    alsace_moselle: bool = False,
) -> HoursCheck:
    """``check_messages``, raising ``OutsideSendingHours`` when the send is refused."""
    verdict = check_messages(
        messages, promotional=promotional, now=now, alsace_moselle=alsace_moselle
    )
    if not verdict.allowed:
        raise OutsideSendingHours(verdict)
    return verdict


M = TypeVar("M", SmsMessage, VoiceMessage)


def scheduled_at(messages: Sequence[M], when: datetime) -> list[M]:
    """``messages`` scheduled at ``when`` (Paris time, as every schedule is entered)."""
    return [dataclasses.replace(m, schedule=when.astimezone(PARIS)) for m in messages]


def schedulable(info: ProviderInfo, messages: Sequence[SmsMessage | VoiceMessage]) -> bool:
    """Whether the provider can schedule these messages, as the composers decide whether to
    offer a schedule field: an SMS with ``Capability.SCHEDULE``, a voice message with
    ``voice_schedule`` (CapitoleMobile schedules SMS but its voice API has no date)."""
    if any(isinstance(message, VoiceMessage) for message in messages):
        return info.voice_schedule
    return bool(info.capabilities & Capability.SCHEDULE)
