"""Octopush (historic API): return codes and reply parsing.

Octopush answers HTTP 200 even when it refuses a request; the outcome is the ``error_code``
field, ``000`` meaning success. Replies come as XML (``/api/sms``, ``/api/balance``) or JSON
(``/api/sms/json``, ``/api/balance/json``). The XML sample in the spec misspells the list of
accepted numbers ``successs`` and carries stray spaces inside tags (``< success>``); real replies
are well-formed, so the parser reads well-formed XML and accepts ``successs``, ``successes`` or
``success`` for that list. The JSON sample gives ``successs`` as a single object and the
recipient as a bare number (``33601010101``): lists, single objects and bare numbers are all read.

Meanings are our English wording of the provider's return-code page (PROVIDER-NOTES.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, NamedTuple

from providers.decimals import to_decimal
from providers.errors import generic_meaning

if TYPE_CHECKING:  # lxml (~10 ms to import) comes with the first XML reply: sends ask for JSON
    from lxml import etree

KIND = "octopush"
OK = "000"
#: The request_id was already used: the first request was received, this one not sent again.
ALREADY_RECEIVED = "120"

#: Every code of the provider's return-code page, in plain English.
MEANINGS: Mapping[str, str] = {
    "000": "OK",
    "100": "the request was not a POST request (or its body was empty)",
    "101": "the login or the API key is wrong",
    "102": "the text is too long (the provider's page says more than 160 characters; sms_text "
    "takes at most 459)",
    "103": "the message has no recipient",
    "104": "not enough credit for this send (check the number of recipients and of SMS "
    "needed per message)",
    "105": "not enough credit; the last credit order is still waiting for validation",
    "106": "the sender is invalid: 3 to 11 characters among a-z, A-Z and 0-9, without accent, "
    "space or punctuation",
    "107": "the text of the message is missing",
    "108": "the login is missing",
    "109": "the API key (password) is missing",
    "110": "the list of recipients is missing",
    "111": "no way of giving the recipients was chosen",
    "112": "the SMS type (sms_type XXX, FR or WWW) is missing or unknown",
    "113": "the account is not validated yet; finish its validation on the Octopush website",
    "114": "the account is under investigation for fraudulent use",
    "115": "the number of recipients differs from the number of values of a per-recipient "
    "parameter (first names, last names, fields)",
    "116": "the mail-merge option works only with a contact list",
    "117": "the recipient list contains no valid number (numbers must be international, "
    "e.g. +33611223344)",
    "118": "a test SMS must be sent and validated first (account setting)",
    "119": "this SMS type cannot carry more than 160 characters",
    "120": "a request with the same request_id was already received: Octopush refused this one "
    "as a duplicate and did NOT send it again (the first request was processed)",
    "121": 'premium SMS (type FR) must contain the exact mention "STOP au XXXXX" (same case, '
    "five X)",
    "122": 'standard SMS must contain the exact mention "no PUB=STOP" (same case)',
    "123": "the request_sha1 field is missing",
    "124": "the request_sha1 field does not match the request; the request was rejected",
    "125": "undefined error on the provider's side; contact Octopush support",
    "126": "another SMS campaign is waiting for approval; approve or cancel it first",
    "127": "another SMS campaign is being processed; wait until it is finished",
    "128": "too many attempts; start a new campaign",
    "129": "the campaign is still being built",
    "130": "the campaign was not marked as finished",
    "131": "campaign not found",
    "132": "the campaign was already sent",
    "133": "this user_batch_id was already used",
    "150": "no country matches this number's prefix",
    "151": "the recipient's country is not served by Octopush",
    "152": "low-cost SMS cannot be sent to this country; use premium SMS",
    "153": "the route is congested: this SMS type cannot be sent right now; try later or use "
    "another SMS type",
    "201": "this option is available only on request to Octopush",
    "202": "the e-mail of the account to credit is wrong",
    "203": "tokens are already in use: only one session may be open at a time",
    "204": "wrong token",
    "205": "the number of SMS to transfer is too low",
    "206": "campaigns cannot be sent during a credit transfer",
    "207": "this account has no access to this feature",
    "208": "wrong SMS type",
    "209": "this account may not send SMS to this user",
    "210": "this e-mail is neither a sub-account nor an affiliated user",
    "300": "this account may not manage its lists through the API",
    "301": "the maximum number of lists is reached",
    "302": "a list with this name already exists",
    "303": "this list does not exist",
    "304": "the list is full",
    "305": "too many contacts in the request",
    "306": "unknown action requested",
    # The provider's page jumps from 306 to 308; an answer with 307 is reported as such.
    "307": "code 307 is not in the provider's published list",
    "308": "file error",
    "500": "the provider could not process the request",
    "501": "connection error on the provider's side; contact Octopush support",
}

#: Codes after which sending the same request later may succeed (nothing was sent).
RETRYABLE = frozenset(
    {
        "127",  # another campaign is being processed: wait for it
        "153",  # congested route
        "206",  # a credit transfer is under way
    }
)

#: Codes that mean the credentials are wrong or absent.
AUTHENTICATION = frozenset({"101", "108", "109"})


def meaning(code: str) -> str:
    return MEANINGS.get(code, f"undocumented Octopush code {code}")


def describe_refusal(code: str) -> str:
    """A return code's meaning (``ProviderInfo.describe_refusal``); ``120`` and ``"120"`` alike."""
    text = code.strip()
    if text.isascii() and text.isdigit() and len(text) <= 3:
        return meaning(text.zfill(3))
    return generic_meaning(text) or f"undocumented Octopush code {text}"


class ReplyUnreadable(ValueError):
    """The reply is neither the documented XML nor JSON (or has no error_code)."""


class Success(NamedTuple):
    """One per accepted number: a named tuple is made in half a frozen dataclass's time."""

    recipient: str
    country_code: str | None = None
    cost: Decimal | None = None
    sms_needed: int | None = None


@dataclass(frozen=True)
class Failure:
    recipient: str
    error_code: str | None = None


@dataclass(frozen=True)
class Reply:
    """One Octopush answer, send or balance, whatever its format."""

    error_code: str
    cost: Decimal | None = None
    balance: Decimal | None = None
    ticket: str | None = None
    sending_date: int | None = None
    number_of_sendings: int | None = None
    currency_code: str | None = None
    successes: tuple[Success, ...] = ()
    failures: tuple[Failure, ...] = ()
    #: Balance reply: remaining SMS per type ({"FR": Decimal("1251.80"), ...}).
    balances: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error_code == OK


# --------------------------------------------------------------------------- scalar helpers


def _code(value: Any) -> str:
    """Codes are three digits (``000``); JSON may carry them as numbers (0, 101)."""
    if isinstance(value, bool) or value is None:
        raise ReplyUnreadable("error_code is missing")
    if isinstance(value, int):
        return f"{value:03d}"
    text = str(value).strip()
    if not text.isdigit():
        raise ReplyUnreadable(f"error_code {text!r} is not a number")
    return text.zfill(3)


def _soft_code(value: Any) -> str | None:
    """A per-recipient code: never a reason to call the whole reply unreadable."""
    try:
        return _code(value)
    except ReplyUnreadable:
        return _text(value)


def _int(value: Any) -> int | None:
    number = to_decimal(value)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def recipient_e164(value: Any) -> str:
    """The provider writes numbers ``+33601010101``, ``0033601010101`` or ``33601010101``."""
    if type(value) is str and value.isascii():
        # The usual writings, nothing to clean: "+33601010101" as we sent it, or its digits.
        digits = value[1:] if value[:1] == "+" else value
        if digits.isdigit() and value[:1] != "0":
            return value if digits is not value else "+" + value
    text = str(value).strip().replace(" ", "")
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.isdigit() and not text.startswith("0"):  # "0601…" is national, not "+0601…"
        text = "+" + text
    return text


# --------------------------------------------------------------------------- JSON


def parse_json(body: bytes) -> Reply:
    try:
        # utf-8-sig: PHP services sometimes prefix their output with a byte-order mark.
        data = json.loads(body.decode("utf-8-sig"), parse_float=_Decimals().__getitem__)
    except (UnicodeDecodeError, ValueError):
        raise ReplyUnreadable("not valid JSON") from None
    if not isinstance(data, dict):
        raise ReplyUnreadable("JSON reply is not an object")
    balances: dict[str, Decimal] = {}
    balance: Decimal | None = None
    raw_balance = data.get("balance")
    if isinstance(raw_balance, dict):
        for kind, amount in raw_balance.items():
            value = to_decimal(amount)
            if value is not None:
                balances[str(kind)] = value
    else:
        balance = to_decimal(raw_balance)
    successes = _json_successes(_json_items(_first(data, ("successs", "successes", "success"))))
    failures = tuple(_json_failure(item) for item in _json_items(data.get("failures")))
    return Reply(
        error_code=_code(data.get("error_code")),
        cost=to_decimal(data.get("cost")),
        balance=balance,
        ticket=_text(data.get("ticket")),
        sending_date=_int(data.get("sending_date")),
        number_of_sendings=_int(data.get("number_of_sendings")),
        currency_code=_text(data.get("currency_code")),
        successes=successes,
        failures=failures,
        balances=balances,
    )


def _first(data: Mapping[str, Any], keys: Iterable[str]) -> Any:
    return next((data[key] for key in keys if key in data), None)


def _json_items(value: Any) -> list[Any]:
    """A list, a single object, or an object wrapping the list (``{"success": [...]}``)."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        if "recipient" in value:
            return [value]
        inner = _first(value, ("success", "failure"))
        return _json_items(inner) if inner is not None else []
    return [value]


class _Decimals(dict[str, Decimal]):
    """``parse_float`` of a reply: each writing read once, one ``Decimal`` for all its uses."""

    def __missing__(self, text: str) -> Decimal:
        value = self[text] = Decimal(text)
        return value


def _json_successes(items: list[Any]) -> tuple[Success, ...]:
    """A ``Success`` for every item that is an object with a recipient, in one loop (one item
    per number), each distinct (country, cost, SMS count) read once. Told apart by type and
    value; a text read from a ``Decimal`` keeps its writing (0.050), so a ``Decimal`` country
    or cost is told by identity: ``_Decimals`` makes one object per writing, and ``items``
    keeps every one alive, and its id its own, meanwhile."""
    seen: dict[tuple[object, ...], tuple[Any, ...]] = {}
    successes: list[Success] = []
    append = successes.append
    for item in items:
        if not (isinstance(item, dict) and "recipient" in item):
            continue
        get = item.get
        country, cost, needed = get("country_code"), get("cost"), get("sms_needed")
        country_key = id(country) if type(country) is Decimal else country
        cost_key = id(cost) if type(cost) is Decimal else cost
        key = (type(country), country_key, type(cost), cost_key, type(needed), needed)
        try:
            read = seen[key]
        except KeyError:
            read = seen[key] = (_text(country), to_decimal(cost), _int(needed))
        except TypeError:  # a list or an object where a value was expected: read it as is
            read = (_text(country), to_decimal(cost), _int(needed))
        raw = item["recipient"]  # usually JSON's bare 33601010101
        number = "+" + str(raw) if type(raw) is int and raw > 0 else recipient_e164(raw)
        append(Success(number, *read))
    return tuple(successes)


def _json_failure(item: Any) -> Failure:
    if isinstance(item, dict):
        return Failure(
            recipient=recipient_e164(item.get("recipient", "")),
            error_code=_soft_code(item.get("error_code")),
        )
    return Failure(recipient=recipient_e164(item))


# --------------------------------------------------------------------------- XML


def parse_xml(body: bytes) -> Reply:
    from providers.xml import XmlRefused, parse

    try:
        root = parse(body)
    except XmlRefused as exc:
        raise ReplyUnreadable(str(exc)) from None
    if root.tag != "octopush":
        raise ReplyUnreadable(f"unexpected XML root <{root.tag}>")
    code_element = root.find("error_code")
    if code_element is None:
        raise ReplyUnreadable("error_code is missing")
    balances: dict[str, Decimal] = {}
    balance: Decimal | None = None
    for element in root.findall("balance"):
        value = to_decimal(element.text)
        kind = element.get("type")
        if value is None:
            continue
        if kind:
            balances[kind] = value
        else:
            balance = value
    return Reply(
        error_code=_code(code_element.text),
        cost=to_decimal(_child(root, "cost")),
        balance=balance,
        ticket=_text(_child(root, "ticket")),
        sending_date=_int(_child(root, "sending_date")),
        number_of_sendings=_int(_child(root, "number_of_sendings")),
        currency_code=_text(_child(root, "currency_code")),
        successes=tuple(_xml_success(item) for item in _xml_successes(root)),
        failures=tuple(
            Failure(
                recipient=recipient_e164(_child(item, "recipient") or ""),
                error_code=_soft_code(_child(item, "error_code")),
            )
            for item in root.iterfind("failures/failure")
        ),
        balances=balances,
    )


def _child(element: etree._Element, tag: str) -> str | None:
    found = element.find(tag)
    if found is None or found.text is None:
        return None
    return found.text.strip()


def _xml_successes(root: etree._Element) -> list[etree._Element]:
    items: list[etree._Element] = []
    for container in root:
        if container.tag not in ("successs", "successes", "success"):
            continue
        if container.find("recipient") is not None:  # an unwrapped <success>
            items.append(container)
        else:
            items.extend(container.findall("success"))
    return items


def _xml_success(item: etree._Element) -> Success:
    return Success(
        recipient=recipient_e164(_child(item, "recipient") or ""),
        country_code=_text(_child(item, "country_code")),
        cost=to_decimal(_child(item, "cost")),
        sms_needed=_int(_child(item, "sms_needed")),
    )


def parse_reply(body: bytes, reply_format: str) -> Reply:
    """Parse a reply in the format asked for; raise ``ReplyUnreadable`` otherwise."""
    return parse_json(body) if reply_format == "json" else parse_xml(body)
