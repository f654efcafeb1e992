"""Who a send reaches: listed numbers and addresses, or (part of) a group.

Group sends read ``groupFields`` (the destination fields, which must exist and suit the channel:
code 26; optional, as the spec's parameter table says: without them, every field of the group
that suits the channel) and ``groupFilter`` (criteria on existing fields, code 41; known
operators, AND/OR and a value where one is needed, code 42). Comparisons ignore case, like the
platform's database.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers
from lxml import etree

from providers.sandbox.ecampaign.protocol import EcError, parse_id, text_of
from providers.sandbox.ecampaign.state import EcampaignState, FieldDef, GroupRec, MemberRec

#: The field types a channel can send to.
DESTINATION_TYPES = {
    "sms": frozenset({"mobile", "fixe"}),
    "voice": frozenset({"mobile", "fixe"}),
    "fax": frozenset({"fax"}),
    "mail": frozenset({"mail"}),
}

MAIL_PATTERN = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[A-Za-z]{2,}$")


def _has(value: str, _wanted: str) -> bool:
    return bool(value)


OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "=": lambda value, wanted: value == wanted,
    "!=": lambda value, wanted: value != wanted,
    "LIKE": lambda value, wanted: wanted in value,
    "NOTLIKE": lambda value, wanted: wanted not in value,
    "BEGIN": lambda value, wanted: value.startswith(wanted),
    "NOTBEGIN": lambda value, wanted: not value.startswith(wanted),
    "END": lambda value, wanted: value.endswith(wanted),
    "NOTEND": lambda value, wanted: not value.endswith(wanted),
    "NOTNULL": _has,
    "NULL": lambda value, wanted: not _has(value, wanted),
}
VALUELESS = frozenset({"NULL", "NOTNULL"})


@dataclass(frozen=True)
class Target:
    code: str = ""
    number: str = ""
    mail: str = ""
    member_id: int | None = None

    def valid(self) -> bool:
        """Whether the platform could reach it: numbers without their trunk 0, real ranges."""
        if self.mail:
            return bool(MAIL_PATTERN.match(self.mail))
        if not (self.code.isdigit() and self.number.isdigit()) or self.number.startswith("0"):
            return False
        if len(self.code) > 3 or len(self.number) > 14:
            return False
        try:
            parsed = phonenumbers.parse(f"+{self.code}{self.number}", None)
        except phonenumbers.NumberParseException:
            return False
        return phonenumbers.is_valid_number(parsed)


@dataclass(frozen=True)
class Criterion:
    field: str
    operator: str
    value: str

    def matches(self, member: MemberRec) -> bool:
        value = member.values.get(self.field, "").casefold()
        return OPERATORS[self.operator](value, self.value.casefold())


@dataclass(frozen=True)
class GroupFilter:
    criteria: tuple[Criterion, ...] = ()
    any_of: bool = False  # globalOperator OR

    def matches(self, member: MemberRec) -> bool:
        if not self.criteria:
            return True
        results = (criterion.matches(member) for criterion in self.criteria)
        return any(results) if self.any_of else all(results)


def parse_filter(element: etree._Element | None, group: GroupRec) -> GroupFilter:
    if element is None:
        return GroupFilter()
    operator = text_of(element, "globalOperator").upper() or "AND"
    if operator not in {"AND", "OR"}:
        raise EcError(42, f"globalOperator {operator!r}")
    criteria: list[Criterion] = []
    for item in element.findall("criteria"):
        field = group.field(text_of(item, "field"))
        if field is None:
            raise EcError(41, "unknown filter field")
        op = text_of(item, "operator").upper()
        if op not in OPERATORS:
            raise EcError(42, f"operator {op!r}")
        value_element = item.find("value")
        value = "" if value_element is None else (value_element.text or "")
        if op not in VALUELESS and value_element is None:
            raise EcError(42, f"operator {op} needs a value")
        criteria.append(Criterion(field.name, op, value))  # verbatim: spaces may matter
    return GroupFilter(tuple(criteria), any_of=operator == "OR")


def lookup_group(state: EcampaignState, raw: str | None) -> GroupRec:
    """The group named by ``raw``: 27 when there is none, 21 when it is another account's."""
    group_id = parse_id(raw)
    group = state.groups.get(group_id) if group_id is not None else None
    if group is None:
        raise EcError(27)
    if group.foreign:
        raise EcError(21)
    return group


def _group_targets(
    state: EcampaignState, recipients: etree._Element, channel: str
) -> tuple[GroupRec, list[Target]]:
    group = lookup_group(state, text_of(recipients, "groupID"))
    names = [(item.text or "").strip() for item in recipients.findall("groupFields/field")]
    fields: list[FieldDef] = []
    for name in filter(None, names):
        field = group.field(name)
        if field is None or field.type not in DESTINATION_TYPES[channel]:
            raise EcError(26, "unknown destination field or wrong type for the channel")
        fields.append(field)
    if not fields:
        # The parameter table marks CHAMP_DESTINATION "Oblig. Non". Our reading of a send
        # without it: every field of the group that suits the channel; code 26 ("ne sont pas
        # précisés ou invalides") only when the group has none.
        fields = [f for f in group.fields if f.type in DESTINATION_TYPES[channel]]
        if not fields:
            raise EcError(26, "no groupFields, and no field of the group suits the channel")
    selection = parse_filter(recipients.find("groupFilter"), group)
    targets: list[Target] = []
    for member in sorted(group.members.values(), key=lambda m: m.id):
        if not selection.matches(member):
            continue
        for field in fields:
            value = member.values.get(field.name, "")
            if not value:
                continue
            if channel == "mail":
                targets.append(Target(mail=value, member_id=member.id))
            else:
                code = member.codes.get(field.name, "33")
                targets.append(Target(code=code, number=value, member_id=member.id))
    return group, targets


def resolve(
    state: EcampaignState, recipients: etree._Element | None, channel: str
) -> tuple[GroupRec | None, list[Target]]:
    """The group (if any) and every destination, in request order; 13 when there is none."""
    if recipients is None:
        raise EcError(13)
    group: GroupRec | None = None
    targets: list[Target] = []
    if text_of(recipients, "groupID"):
        group, targets = _group_targets(state, recipients, channel)
    if channel == "mail":
        for item in recipients.findall("mail"):
            address = text_of(item, "mail")
            if address:
                targets.append(Target(mail=address))
    else:
        for item in recipients.findall("phone"):
            code, number = text_of(item, "code"), text_of(item, "number")
            if code or number:
                targets.append(Target(code=code.lstrip("+"), number=number.replace(" ", "")))
    if not targets:
        raise EcError(13)
    return group, targets
