"""What an operator writes for a group: field definitions, field values, searches.

Every value is checked and put in the provider's form before anything is sent, so that a bad
row is refused here with its reason rather than by the platform with a bare code 23: phone
numbers are parsed (French by default) and become a national number without its trunk 0 plus
a dialling code (``("33", "612345678")``), e-mail addresses and dates are checked, and no value
may hold a character XML cannot carry.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from providers.errors import InputError
from providers.models import Channel, Group, GroupField, MemberValue
from providers.phone import LineType, check_reachable, for_ecampaign, line_type, normalise

#: eCampaign's field types and what each one holds.
FIELD_TYPES: dict[str, str] = {
    "mobile": "mobile number",
    "fixe": "landline number",
    "fax": "fax number",
    "mail": "e-mail address",
    "planif": "date (YYYY-MM-DD [HH:MM:SS])",
    "custom": "text",
}
PHONE_TYPES = frozenset({"mobile", "fixe", "fax"})
MAX_VALUE = 255
_FIELD_NAME = re.compile(r"^[\w\- ]{1,64}$")
_MAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE_FORMS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
# Characters no XML document may carry (the provider would refuse the whole request).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
TRUE_WORDS = ("unique", "true", "yes", "1")


def check_field_name(name: str) -> str:
    name = name.strip()
    if not _FIELD_NAME.match(name):
        raise InputError(
            "field name",
            f"{name!r}: 1 to 64 letters, digits, spaces, '-' or '_'",
        )
    if name.casefold() == "id":
        raise InputError("field name", "'id' is the platform's own column")
    return name


def parse_field_spec(spec: str) -> GroupField:
    """``NAME:TYPE[:unique]`` (``mobile:mobile:unique``, ``ville:custom``)."""
    parts = [part.strip() for part in spec.split(":")]
    if len(parts) not in (2, 3):
        raise InputError("field", f"{spec!r}: expected NAME:TYPE or NAME:TYPE:unique")
    name, kind = check_field_name(parts[0]), parts[1].lower()
    if kind not in FIELD_TYPES:
        raise InputError("field", f"{spec!r}: the type is one of {', '.join(FIELD_TYPES)}")
    unique = None
    if len(parts) == 3:
        if parts[2].lower() not in TRUE_WORDS:
            raise InputError("field", f"{spec!r}: the third part can only be 'unique'")
        unique = True
    return GroupField(name, kind, unique)


def check_new_fields(fields: Iterable[GroupField], existing: Iterable[str] = ()) -> None:
    """No field name twice (ignoring case), nor one the group already has."""
    seen = {name.casefold() for name in existing}
    for field in fields:
        if field.name.casefold() in seen:
            raise InputError("field", f"the field {field.name!r} is given twice or exists")
        seen.add(field.name.casefold())


def parse_assignment(text: str, option: str = "--set") -> tuple[str, str]:
    """``FIELD=VALUE`` (the value may hold ``=``)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise InputError("field", f"{option} expects FIELD=VALUE, got {text!r}")
    return name.strip(), value


def field_named(group: Group, name: str) -> GroupField:
    """The group's field called ``name`` (ignoring case), or ``InputError`` listing them."""
    wanted = name.strip().casefold()
    for field in group.fields:
        if field.name.casefold() == wanted:
            return field
    names = ", ".join(f.name for f in group.fields) or "none"
    raise InputError("field", f"the group has no field {name.strip()!r} (its fields: {names})")


def member_value(field: GroupField, raw: str) -> MemberValue:
    """``raw`` checked for ``field`` and in the provider's form; empty stays empty."""
    value = raw.strip()
    bad = _NOT_XML.search(value)
    if bad:
        raise InputError(field.name, f"holds a control character (U+{ord(bad.group()):04X})")
    if not value:
        return MemberValue(field.name, "")
    if field.type in PHONE_TYPES:
        return _phone_value(field, value)
    if field.type == "mail" and not _MAIL.match(value):
        raise InputError(field.name, f"{value!r} is not an e-mail address")
    if field.type == "planif" and not any(_is_date(value, form) for form in _DATE_FORMS):
        raise InputError(field.name, f"{value!r} is not a date (YYYY-MM-DD [HH:MM:SS])")
    if len(value) > MAX_VALUE:
        raise InputError(field.name, f"longer than {MAX_VALUE} characters")
    return MemberValue(field.name, value)


def _phone_value(field: GroupField, value: str) -> MemberValue:
    e164 = normalise(value, field=field.name)
    if field.type == "mobile" and line_type(e164) is LineType.FIXED:
        raise InputError(field.name, f"{value!r} is a landline number, not a mobile one")
    if field.type == "mobile":
        # A member's mobile is where the group's SMS go: a special-rate or service number
        # cannot receive one, whatever eCampaign would store.
        check_reachable(e164, Channel.SMS, field=field.name)
    code, number = for_ecampaign(e164)
    return MemberValue(field.name, number, code)


def _is_date(value: str, form: str) -> bool:
    try:
        datetime.strptime(value, form)
    except ValueError:
        return False
    return True


def member_values(
    group: Group, values: Mapping[str, str], *, keep_empty: bool = False
) -> tuple[MemberValue, ...]:
    """Checked values for the fields named in ``values``; empty ones dropped unless kept (an
    edit clears a field with an empty value; a new member simply leaves it out)."""
    checked = [member_value(field_named(group, name), raw) for name, raw in values.items()]
    kept = tuple(value for value in checked if keep_empty or value.value)
    if not kept:
        raise InputError("values", "give at least one field value")
    return kept


def search_value(field: GroupField, raw: str) -> str:
    """What the provider stores for ``raw``: a phone number's national digits."""
    return member_value(field, raw).value


def phone_fields(group: Group) -> list[GroupField]:
    """Fields an SMS can go to: mobile ones first, then the other phone fields."""
    phones = [f for f in group.fields if f.type in PHONE_TYPES]
    return sorted(phones, key=lambda f: f.type != "mobile")
