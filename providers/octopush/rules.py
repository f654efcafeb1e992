"""Octopush (historic API) local rules: SMS types, sender, text, numbers, schedule, request_id.

Everything here runs before any request and raises ``InputError`` naming the field. Decisions:

* **SMS type.** ``XXX`` low cost, ``FR`` premium, ``WWW`` world. The account option ``sms_type``
  wins when set; when it is not, the route decides: marketing goes ``FR`` (the premium route,
  where Octopush enforces the opt-out mention), notification goes ``XXX``.
* **STOP mention.** ``FR`` texts must carry ``STOP au XXXXX`` (code 121). Octopush adds nothing
  to the text, so the mention is checked here and counts as part of the typed text.
* **Sender.** Only ``FR``/``WWW`` carry one. A sender typed on a low-cost message is refused
  rather than silently dropped; the account's default sender is simply not used for ``XXX``.
* **Numbers.** E.164 (``+33611223344``). French numbers must be mobiles; elsewhere the number
  plan does not always tell mobiles from landlines, so the provider judges (per-number failures).
  A number listed twice would be sent (and paid) twice: refused.
* **request_id.** Letters and digits only (the provider's own sample code strips anything else,
  which could make two different ids collide); 64 characters at most is our cap.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import cast

from providers import phone
from providers.errors import InputError
from providers.models import Channel, Route, SmsMessage
from providers.octopush import MAX_TEXT as MAX_TEXT
from providers.octopush import TEXT_PROFILE as TEXT_PROFILE
from providers.octopush.codes import KIND
from providers.text import check_sms_text

MAX_REQUEST_ID = 64
STOP_MENTION = "STOP au XXXXX"
# Octopush replaces XXXXX by its short code; a text may also carry the short code itself. The
# provider does not document a looser rule, so case and spacing are matched as it writes them.
_STOP = re.compile(r"STOP au (?:XXXXX|[0-9]{5})(?![0-9])")

_SENDER = re.compile(r"[A-Za-z0-9]{3,11}")
_REQUEST_ID = re.compile(rf"[A-Za-z0-9]{{1,{MAX_REQUEST_ID}}}")


class SmsType(StrEnum):
    LOW_COST = "XXX"
    PREMIUM = "FR"
    WORLD = "WWW"


TYPE_LABELS = {
    "FR": "Premium SMS, France (FR)",
    "XXX": "Low-cost SMS, France (XXX)",
    "WWW": "World SMS (WWW)",
}


def has_stop_mention(text: str) -> bool:
    """Whether ``text`` carries the "STOP au XXXXX" mention Octopush requires for type FR."""
    return _STOP.search(text) is not None


# --------------------------------------------------------------------------- sending_date
#
# The spec wants sending_date as "a timestamp, in GMT+1". Octopush reads the number as the
# seconds shown by a GMT+1 wall clock since that clock showed 1970-01-01 00:00: it turns the
# number into a calendar date with no offset and takes that date as GMT+1 time. So the number
# to send is the GMT+1 wall-clock time of the instant counted as if it were UTC, i.e. the true
# Unix time plus 3600 s, all year round. GMT+1 is a fixed offset (Paris winter time): in summer,
# 12:00 in Paris (GMT+2) is 11:00 GMT+1, and the number says 11:00.

GMT_PLUS_ONE = timezone(timedelta(hours=1), "GMT+1")
_WALL_EPOCH = datetime(1970, 1, 1)


def sending_timestamp(when: datetime) -> int:
    """The ``sending_date`` Octopush expects for the aware instant ``when`` (whole seconds)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError("schedule", "the date has no time zone; give an aware datetime")
    wall = when.astimezone(GMT_PLUS_ONE).replace(tzinfo=None)
    return (wall - _WALL_EPOCH) // timedelta(seconds=1)


def from_sending_timestamp(value: int) -> datetime:
    """The instant an Octopush ``sending_date`` stands for (inverse of ``sending_timestamp``)."""
    return datetime(1970, 1, 1, tzinfo=GMT_PLUS_ONE) + timedelta(seconds=value)


def now() -> datetime:
    return datetime.now(UTC)


def check_schedule(schedule: datetime | None) -> int | None:
    if schedule is None:
        return None
    timestamp = sending_timestamp(schedule)  # refuses naive datetimes
    if schedule <= now():
        raise InputError("schedule", f"{schedule.isoformat()} is in the past")
    return timestamp


# --------------------------------------------------------------------------- options


def sms_type_option(value: str | None) -> SmsType | None:
    text = (value or "").strip().upper()
    if not text:
        return None
    try:
        return SmsType(text)
    except ValueError:
        raise InputError(
            "sms_type", f"{value!r} is not an Octopush SMS type; use XXX, FR or WWW"
        ) from None


def reply_format_option(value: str | None) -> str:
    text = (value or "json").strip().lower()
    if text not in ("json", "xml"):
        raise InputError("reply_format", f"{value!r} is not a reply format; use json or xml")
    return text


def sms_type_for(route: Route, account_type: SmsType | None) -> SmsType:
    if account_type is not None:
        return account_type
    return SmsType.PREMIUM if route is Route.MARKETING else SmsType.LOW_COST


# --------------------------------------------------------------------------- message fields


def refuse_foreign_fields(message: SmsMessage) -> None:
    if message.campaign_id:
        raise InputError(
            "campaign_id",
            "Octopush (historic API) has no campaign id; the ticket it returns identifies "
            "the send. Remove the campaign id.",
        )
    for name, value in (
        ("template_id", message.template_id),
        ("group", message.group),
        ("caller_id", message.caller_id),
    ):
        if value:
            raise InputError(
                name,
                "templates, groups and caller ids are eCampaign features; Octopush sends the "
                "text to the numbers given",
            )


def check_recipients(recipients: tuple[str, ...]) -> tuple[phone.Number, ...]:
    """The recipients as ``phone.Number`` (parsed only when they are plain strings)."""
    if not recipients:
        raise InputError("recipient", "the message has no recipient")
    seen: set[str] = set()
    numbers: list[phone.Number] = []
    # What is checked of a parsed number depends on its kind alone (its class): each kind is
    # checked once, then its other numbers only for duplicates.
    passed: set[type] = set()
    for raw in recipients:
        if type(raw) in passed:
            number = cast(phone.Number, raw)
        else:
            number = phone.number_of(raw, field="recipient")
            if number != raw:
                raise InputError("recipient", f"{raw!r} is not in E.164 form ({number})")
            phone.check_reachable(number, Channel.SMS)
            if phone.is_french(number):
                phone.require_mobile(number, "an SMS needs a mobile number")
            if number is raw:
                passed.add(type(number))
        if number in seen:
            raise InputError("recipient", f"{phone.display(number)} is listed twice")
        seen.add(number)
        numbers.append(number)
    return tuple(numbers)


def check_text(message: SmsMessage, sms_type: SmsType) -> None:
    # Empty text, characters and the 459-character maximum are the text module's rules.
    check_sms_text(message.text, KIND, route=message.route, long=message.long)
    if sms_type is SmsType.PREMIUM and not has_stop_mention(message.text):
        raise InputError(
            "text",
            f'premium SMS (sms_type FR) must contain the exact mention "{STOP_MENTION}"'
            " (same case, five X: Octopush puts its short number there); without it Octopush "
            "refuses the send (code 121)",
        )


def choose_sender(typed: str | None, default: str | None, sms_type: SmsType) -> str | None:
    typed = (typed or "").strip() or None
    if sms_type is SmsType.LOW_COST:
        if typed is not None:
            raise InputError(
                "sender",
                "low-cost SMS (sms_type XXX) cannot carry a sender; remove it or use the "
                "FR or WWW type",
            )
        return None
    sender = typed or default
    if sender is not None and not _SENDER.fullmatch(sender):
        where = "" if typed else "the account's default sender "
        raise InputError(
            "sender",
            f"{where}{sender!r} is invalid: a sender is 3 to 11 characters among a-z, A-Z "
            "and 0-9, without space, accent or punctuation",
        )
    return sender


def check_request_id(request_id: str) -> str:
    if not _REQUEST_ID.fullmatch(request_id):
        raise InputError(
            "request_id",
            f"{request_id!r} is invalid: 1 to {MAX_REQUEST_ID} characters among a-z, A-Z and 0-9",
        )
    return request_id
