"""Phone numbers: parse what an operator types, keep E.164, render per provider.

French numbers are the default (``06 11 22 33 44`` means ``+33611223344``). Every provider wants
its own rendering; the functions ``for_*`` (``providers.phone_forms``, named from here) are the
only place those formats live.

A number is parsed once, at the edge (``parse_number``, ``parse_recipients``) into a ``Number``,
a ``str`` in E.164 that knows its country code and line type: the layers after it (a provider's
rules, a send's batches) never parse it again; the functions here parse only a plain ``str``.
French numbers written the usual ways are read by ``providers.phone_fr``, with the same verdicts,
without the general parser: ``phonenumbers`` is imported by the functions that use it, with the
first number that reader leaves to it (another country, a refusal to word, ``display``).
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

from providers import phone_fr
from providers.errors import InputError
from providers.lazy import names_from
from providers.models import Channel
from providers.phone_fr import PhoneNumberType

if TYPE_CHECKING:
    import phonenumbers

    # Named from here, defined in providers.phone_forms (see __getattr__).
    from providers.phone_forms import for_capitole as for_capitole
    from providers.phone_forms import for_ecampaign as for_ecampaign
    from providers.phone_forms import for_octopush as for_octopush
    from providers.phone_forms import for_voicepartner as for_voicepartner
    from providers.phone_forms import from_ecampaign as from_ecampaign
    from providers.phone_forms import international_digits as international_digits
    from providers.phone_forms import national_french as national_french
DEFAULT_REGION = "FR"

# Typed or pasted lists: one per line, or separated by commas, semicolons or tabs. Spaces are
# separators only between numbers, since "06 11 22 33 44" is one number; see split_recipients.
_HARD_SEPARATORS = re.compile(r"[\n\r,;\t]+")
_ALLOWED = re.compile(r"^[0-9+().\-\s/]+$")


class LineType(StrEnum):
    MOBILE = "mobile"
    FIXED = "fixed"
    OTHER = "other"  # VoIP, premium, shared cost, pager...


_MOBILE_TYPES = {PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE}
_FIXED_TYPES = {PhoneNumberType.FIXED_LINE, PhoneNumberType.FIXED_LINE_OR_MOBILE}


class Number(str):
    """A valid number in E.164 (``+33611223344``) that knows its country code and its
    ``phonenumbers`` type; made by ``parse_number`` only. It is the ``str`` it spells (equal,
    same hash, same bytes); what it knows lives in one subclass per (country code, type), so
    an instance weighs what the string weighs."""

    __slots__ = ()
    country_code: ClassVar[int] = 0
    kind: ClassVar[int] = PhoneNumberType.UNKNOWN

    @property
    def line_type(self) -> LineType:
        return _line_type_of(self.kind)

    def __reduce__(self) -> tuple[object, tuple[str, int, int]]:
        return (restore, (str(self), self.country_code, self.kind))


_NUMBER_TYPES: dict[tuple[int, int], type[Number]] = {}


def restore(e164: str, country_code: int, kind: int) -> Number:
    """The ``Number`` that ``parse_number`` made, from what it knew (kept out of memory by a
    send, ``tui.sending.recipients``): never a way to make one of a number not parsed."""
    cls = _NUMBER_TYPES.get((country_code, kind))
    if cls is None:
        attributes = {"__slots__": (), "country_code": country_code, "kind": kind}
        cls = _NUMBER_TYPES.setdefault((country_code, kind), type("Number", (Number,), attributes))
    return cls(e164)


def parse_number(raw: str, region: str = DEFAULT_REGION, *, field: str = "number") -> Number:
    """``raw`` as a ``Number`` (E.164), or ``InputError`` saying what is wrong."""
    if isinstance(raw, Number):
        return raw  # parsed already: its E.164 reads as itself in any region
    if region == DEFAULT_REGION:
        found = phone_fr.read(raw)
        if found is not None:
            return restore(*found)
    import phonenumbers

    parsed = _parse_valid(raw, region, field)
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return restore(e164, parsed.country_code or 0, phonenumbers.number_type(parsed))


#: The E.164 form of what an operator typed, or ``InputError`` saying what is wrong.
normalise = parse_number


def number_of(value: str, *, field: str = "number") -> Number:
    """``value`` itself when it is a ``Number``, else ``value`` parsed (``normalise``): a rule
    that needs what a number is asks here, and nothing is parsed twice."""
    return parse_number(value, field=field)


def as_number(value: str) -> str:
    """``value`` as a ``Number`` when it is a valid number written exactly in E.164, else
    ``value`` unchanged, for a provider's rules to refuse in their own words."""
    with contextlib.suppress(InputError):
        if not isinstance(value, Number) and value.startswith("+"):
            number = parse_number(value)
            return number if number == value else value
    return value


def _parse_valid(raw: str, region: str, field: str) -> phonenumbers.PhoneNumber:
    import phonenumbers

    # Pasted numbers carry no-break and narrow no-break spaces (French typography), which the
    # parser does not treat as separators: make every kind of space a plain one.
    text = " ".join(raw.split())
    if not text:
        raise InputError(field, "empty number")
    if text.startswith("00"):
        text = "+" + text[2:]
    if not _ALLOWED.match(text):
        raise InputError(field, f"{raw.strip()!r} contains characters a phone number cannot hold")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InputError(field, f"{raw.strip()!r} is not a phone number ({exc._msg})") from None
    if not phonenumbers.is_possible_number(parsed):
        raise InputError(field, f"{raw.strip()!r} has the wrong length for its country")
    if not phonenumbers.is_valid_number(parsed):
        raise InputError(field, f"{raw.strip()!r} is not an allocated number range")
    return parsed


def _parse_e164(e164: str) -> phonenumbers.PhoneNumber:
    import phonenumbers

    try:
        return phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        raise InputError("number", f"{e164!r} is not in E.164 form") from None


def _facts(e164: str) -> tuple[int, int]:
    """(country code, ``phonenumbers`` number type): what a ``Number`` knows, or parsed."""
    if isinstance(e164, Number):
        return e164.country_code, e164.kind
    import phonenumbers

    parsed = _parse_e164(e164)
    return parsed.country_code or 0, phonenumbers.number_type(parsed)


def line_type(e164: str) -> LineType:
    return _line_type_of(_facts(e164)[1])


def _line_type_of(kind: int) -> LineType:
    if kind in _MOBILE_TYPES and kind != PhoneNumberType.FIXED_LINE_OR_MOBILE:
        return LineType.MOBILE
    if kind in _FIXED_TYPES:
        return LineType.FIXED
    return LineType.OTHER


def is_mobile(e164: str) -> bool:
    return line_type(e164) is LineType.MOBILE


def is_french(e164: str) -> bool:
    """Metropolitan France (+33); overseas departments have their own country codes."""
    return _facts(e164)[0] == 33


# --------------------------------------------------------------------------- who can receive what
#
# Service numbers belong to a company's switchboard or to a paid service, not to a phone: they
# cannot receive SMS, and a call to them reaches an answering service (and, for the surcharged
# ones, costs more). They are refused for SMS and calls alike, with what they are. Landlines and
# VoIP home lines (09) stay allowed here: whether a provider reaches them is its own rule
# (Octopush: French mobiles only; CapitoleMobile type DD: mobiles only). Faxes go to
# switchboards too, so only the surcharged and non-line types are refused for them.

_SERVICE_NUMBERS: dict[int, str] = {
    PhoneNumberType.PREMIUM_RATE: "a premium-rate service number (08 9x in France)",
    PhoneNumberType.SHARED_COST: "a shared-cost service number (08 1x in France)",
    PhoneNumberType.TOLL_FREE: "a toll-free service number (08 00 to 08 05 in France)",
    PhoneNumberType.UAN: "a company's universal access number (a switchboard)",
    PhoneNumberType.PERSONAL_NUMBER: "a personal call-forwarding number, charged at a special rate",
    PhoneNumberType.VOICEMAIL: "a voicemail access number",
    PhoneNumberType.PAGER: "a pager number",
}
_SURCHARGED = {
    PhoneNumberType.PREMIUM_RATE,
    PhoneNumberType.SHARED_COST,
    PhoneNumberType.PERSONAL_NUMBER,
}
_NOT_A_LINE = {PhoneNumberType.VOICEMAIL, PhoneNumberType.PAGER}


def unreachable_reason(e164: str, channel: Channel | str) -> str | None:
    """Why ``e164`` cannot receive ``channel`` ("sms", "voice", "fax"), or None when it can.

    Only the kind of number is judged (``phonenumbers``' number types), never a provider's own
    rule. The reason names the number: "08 11 22 33 44 is a shared-cost service number...".
    """
    kind = e164.kind if isinstance(e164, Number) else _facts(e164)[1]
    what = _SERVICE_NUMBERS.get(kind)
    if what is None:
        return None
    name = f"{display(e164)} is {what}"
    if channel == Channel.SMS:
        return f"{name}: it cannot receive SMS"
    if channel == Channel.FAX:
        if kind in _SURCHARGED or kind in _NOT_A_LINE:
            return f"{name}: faxes are not sent to it"
        return None
    if channel == Channel.VOICE:
        if kind in _NOT_A_LINE:
            return f"{name}: it cannot take a call"
        if kind in _SURCHARGED:
            return f"{name}: a call reaches a paid service, not a person, and costs extra"
        return f"{name}: a call reaches a company's service line, not a person"
    return None


def check_reachable(e164: str, channel: Channel | str, *, field: str = "recipient") -> None:
    """Raise ``InputError`` when ``e164`` cannot receive ``channel`` (``unreachable_reason``)."""
    reason = unreachable_reason(e164, channel)
    if reason is not None:
        raise InputError(field, reason)


def require_mobile(e164: str, why: str) -> None:
    if not is_mobile(e164):
        raise InputError("recipient", f"{display(e164)} is not a mobile number ({why})")


def display(e164: str) -> str:
    """Human form: national for French numbers, international otherwise."""
    import phonenumbers

    parsed = _parse_e164(e164)
    if parsed.country_code == 33:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


# --------------------------------------------------------------------------- recipient lists


@dataclass(frozen=True)
class RejectedNumber:
    raw: str
    reason: str


@dataclass(frozen=True)
class RecipientList:
    valid: tuple[Number, ...]
    invalid: tuple[RejectedNumber, ...]
    duplicates: int


def split_recipients(text: str) -> list[str]:
    """Split pasted text into candidate numbers.

    Commas, semicolons, tabs and new lines always separate. Inside a chunk, a space-separated
    part that is a whole number on its own (``0611223344``, ``+33611223344``, ``33611223344``)
    or that is not a number at all (``abc``) stands alone; other digit groups are joined, since
    ``06 11 22 33 44`` and ``+33 611223344`` are one number each.
    """
    candidates: list[str] = []
    for chunk in _HARD_SEPARATORS.split(text):
        group: list[str] = []
        for part in chunk.split():
            digits = len(re.sub(r"\D", "", part))
            whole = digits >= 11 or (digits >= 9 and part.startswith(("0", "+")))
            if whole or not digits:
                if group:
                    candidates.append(" ".join(group))
                    group = []
                candidates.append(part)
            else:
                group.append(part)
        if group:
            candidates.append(" ".join(group))
    return candidates


def parse_recipients(
    text_or_items: str | list[str],
    region: str = DEFAULT_REGION,
    *,
    mobile_only: bool = False,
    channel: Channel | str | None = None,
) -> RecipientList:
    """Every number parsed: valid ones in E.164, the others with their reason.

    ``channel`` ("sms", "voice", "fax") also refuses the numbers that cannot receive it
    (``unreachable_reason``: special-rate and other service numbers).
    """
    items = split_recipients(text_or_items) if isinstance(text_or_items, str) else text_or_items
    seen: set[str] = set()
    valid: list[Number] = []
    invalid: list[RejectedNumber] = []
    duplicates = 0
    for raw in items:
        try:
            number = parse_recipient(raw, region, mobile_only=mobile_only, channel=channel)
        except InputError as exc:
            invalid.append(RejectedNumber(raw.strip(), exc.message))
            continue
        if number in seen:
            duplicates += 1
            continue
        seen.add(number)
        valid.append(number)
    return RecipientList(tuple(valid), tuple(invalid), duplicates)


def parse_recipient(
    raw: str,
    region: str = DEFAULT_REGION,
    *,
    mobile_only: bool = False,
    channel: Channel | str | None = None,
) -> Number:
    """One recipient of a list (``parse_recipients``' rules), or ``InputError`` saying why not."""
    number = parse_number(raw, region, field="recipient")
    if mobile_only and number.line_type is not LineType.MOBILE:
        raise InputError("recipient", f"{raw.strip()!r} is not a mobile number")
    if channel is not None:
        check_reachable(number, channel, field="recipient")
    return number


#: Each provider's rendering of a number, in ``providers.phone_forms`` and named from here,
#: loaded when first named (PEP 562).
_FORMS = (
    "for_capitole",
    "for_ecampaign",
    "for_octopush",
    "for_voicepartner",
    "from_ecampaign",
    "international_digits",
    "national_french",
)
__getattr__ = names_from(__name__, dict.fromkeys(_FORMS, "providers.phone_forms"))
