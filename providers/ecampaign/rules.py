"""Local checks for eCampaign requests, and the ``<recipients>`` block every send shares.

Everything the documentation states as a rule is checked here before any request, with a message
that says exactly what is wrong: numeric ids (they also go into URL paths), sender names,
caller ids, schedule dates, group filters, e-mail addresses and URLs.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from lxml import etree

from providers.ecampaign import TEXT_PROFILE as TEXT_PROFILE
from providers.ecampaign.core import check_xml_text, el
from providers.errors import InputError
from providers.models import Channel, GroupTarget
from providers.phone import (
    check_reachable,
    display,
    for_ecampaign,
    international_digits,
    normalise,
    number_of,
)

PARIS = ZoneInfo("Europe/Paris")
SEND_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"  # "AAAA-MM-JJ HH:MM:SS" (parameter table)

FILTER_OPERATORS = (
    "=",
    "!=",
    "LIKE",
    "NOTLIKE",
    "BEGIN",
    "NOTBEGIN",
    "END",
    "NOTEND",
    "NOTNULL",
    "NULL",
)
VALUELESS_OPERATORS = frozenset({"NOTNULL", "NULL"})
GLOBAL_OPERATORS = ("AND", "OR")
CDR_CHANNELS = ("sms", "voice", "mail", "fax")
FEEDBACK_CHANNELS = ("sms", "fax", "mail")
FIELD_TYPES = ("mobile", "fixe", "fax", "mail", "planif", "custom")
TEMPLATE_TYPES = ("sms", "voice", "mail")
MP3_MESSAGE_TYPES = ("intro", "main", "ask_end", "ask_end_thanks", "responder")

_SENDER = re.compile(r"[A-Za-z0-9]{1,11}")
_ID = re.compile(r"[0-9]{1,20}")
# Deliberately simple: catches typos and pasted lists; the provider has the final word.
_EMAIL = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")


def numeric_id(field: str, value: str | int) -> str:
    """eCampaign ids are numeric; they are also spliced into URL paths, so nothing else passes."""
    text = str(value).strip()
    if not _ID.fullmatch(text):
        raise InputError(field, f"{text!r} is not a numeric eCampaign id")
    return text


def sender_id(raw: str) -> str:
    sender = raw.strip()
    if not _SENDER.fullmatch(sender):
        raise InputError(
            "sender",
            f"{sender!r} is not a valid SMS sender: 1 to 11 letters (A-Z, a-z) or digits, "
            "no spaces or accents",
        )
    return sender


def caller_id(raw: str, field: str = "caller_id") -> str:
    """A phone number for ``callerID``: international digits without the ``+``."""
    text = raw.strip()
    if not text:
        raise InputError(field, "empty caller number")
    # "33612345678" (the provider's own form) has no + and would be read as a French number.
    candidate = text if text.startswith(("+", "0")) else "+" + text
    return international_digits(normalise(candidate, field=field))


def send_date(when: datetime, *, now: datetime | None = None) -> str:
    """``sendDate`` in Paris local time; refuses naive, past and ambiguous moments."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError("schedule", "the date has no time zone; give an aware datetime")
    current = now or datetime.now(PARIS)
    if when < current:
        raise InputError("schedule", "the date is in the past")
    local = when.astimezone(PARIS)
    # The date travels without an offset: the hour repeated when Paris clocks go back (fold)
    # would be read either way by the provider.
    other = local.replace(fold=1 - local.fold)
    if other.utcoffset() != local.utcoffset():
        raise InputError(
            "schedule",
            f"{local:%Y-%m-%d %H:%M} happens twice in Paris (clocks go back that night); "
            "pick another time",
        )
    return local.strftime(SEND_DATE_FORMAT)


def phone_recipients(numbers: Iterable[str], channel: Channel) -> tuple[tuple[str, str, str], ...]:
    """(E.164, country code, national number) for each recipient, refusing duplicates and
    numbers that cannot receive ``channel`` (special-rate and other service numbers)."""
    seen: set[str] = set()
    result: list[tuple[str, str, str]] = []
    # What is checked of a parsed number depends on its kind alone (its class): each kind is
    # checked once, then its other numbers only for duplicates.
    passed: set[type] = set()
    for raw in numbers:
        known = type(raw) in passed
        e164 = raw if known else number_of(raw, field="recipient")
        if not known and e164 != raw.strip():
            raise InputError("recipient", f"{raw!r} is not in E.164 form (+33611223344)")
        if e164 in seen:
            raise InputError("recipient", f"{display(e164)} is listed twice")
        if not known:
            check_reachable(e164, channel)
            if e164 is raw:
                passed.add(type(e164))
        seen.add(e164)
        code, national = for_ecampaign(e164)
        result.append((e164, code, national))
    return tuple(result)


def email_recipients(addresses: Iterable[str]) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for raw in addresses:
        address = raw.strip()
        if not _EMAIL.fullmatch(address):
            raise InputError("recipient", f"{raw!r} is not an e-mail address")
        if address.lower() in seen:
            raise InputError("recipient", f"{address} is listed twice")
        seen.add(address.lower())
        result.append(address)
    return tuple(result)


def email_address(field: str, raw: str) -> str:
    address = raw.strip()
    if not _EMAIL.fullmatch(address):
        raise InputError(field, f"{raw!r} is not an e-mail address")
    return address


def http_url(field: str, raw: str) -> str:
    url = raw.strip()
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(field, f"{url!r} is not an http(s) URL")
    return check_xml_text(field, url)


def choice(field: str, raw: str, allowed: Sequence[str]) -> str:
    value = raw.strip()
    if value not in allowed:
        raise InputError(field, f"{raw!r} is not one of {', '.join(allowed)}")
    return value


def required_text(field: str, raw: str | None) -> str:
    if raw is None or not raw.strip():
        raise InputError(field, "must not be empty")
    return check_xml_text(field, raw)


def check_group_target(group: GroupTarget) -> GroupTarget:
    """Validate a group target and return it with operators in the documented upper case."""
    group_id = numeric_id("group", group.group_id)
    for name in group.fields:
        required_text("group fields", name)
    criteria = []
    for criterion in group.criteria:
        required_text("group filter", criterion.field)
        operator = criterion.operator.strip().upper()
        if operator not in FILTER_OPERATORS:
            raise InputError(
                "group filter",
                f"operator {criterion.operator!r} is not one of {' '.join(FILTER_OPERATORS)}",
            )
        if operator not in VALUELESS_OPERATORS and criterion.value == "":
            raise InputError(
                "group filter",
                f"{criterion.field} {operator} needs a value (use NULL for empty fields)",
            )
        check_xml_text("group filter", criterion.value)
        criteria.append(type(criterion)(criterion.field, operator, criterion.value))
    global_operator = None
    if group.global_operator is not None and group.global_operator.strip():
        global_operator = group.global_operator.strip().upper()
        if global_operator not in GLOBAL_OPERATORS:
            raise InputError(
                "group filter", f"global operator {group.global_operator!r} is not AND or OR"
            )
    elif len(criteria) > 1:
        # The provider's default is undocumented; with several criteria it changes the audience.
        raise InputError("group filter", "several criteria need a global operator (AND or OR)")
    return GroupTarget(group_id, tuple(group.fields), global_operator, tuple(criteria))


def add_recipients(
    parent: etree._Element,
    group: GroupTarget | None,
    phones: Sequence[tuple[str, str, str]] = (),
    mails: Sequence[str] = (),
) -> None:
    """``<recipients>``: groupID, groupFields, groupFilter, then phones or mails."""
    if group is None and not phones and not mails:
        raise InputError("recipient", "no recipient and no group to send to")
    recipients = el(parent, "recipients")
    if group is not None:
        el(recipients, "groupID", group.group_id)
        if group.fields:
            fields = el(recipients, "groupFields")
            for name in group.fields:
                el(fields, "field", name)
        if group.criteria:
            group_filter = el(recipients, "groupFilter")
            if group.global_operator:
                el(group_filter, "globalOperator", group.global_operator)
            for criterion in group.criteria:
                item = el(group_filter, "criteria")
                el(item, "field", criterion.field)
                el(item, "operator", criterion.operator)
                if criterion.operator not in VALUELESS_OPERATORS:
                    el(item, "value", criterion.value)
    # A country code and a national number are digits (``phone_recipients``): nothing for
    # ``el`` to check, and a batch has hundreds of them.
    add = etree.SubElement
    for _e164, code, national in phones:
        phone = add(recipients, "phone")
        add(phone, "code").text = code
        add(phone, "number").text = national
    for address in mails:
        mail = el(recipients, "mail")
        el(mail, "mail", address)
