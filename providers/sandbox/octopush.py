"""Octopush (historic API) sandbox: ``/api/sms[/json]`` and ``/api/balance[/json]``.

Answers like the real service: HTTP 200 whatever happens, ``error_code`` ``000`` on success,
the documented codes otherwise, XML on the bare paths and JSON on the ``/json`` ones. The XML
is well-formed (``<successs><success>…``, the provider's spelling); the JSON follows the spec's
sample (recipient as a bare number, ``\\u20ac`` currency) but always lists ``successs``.

State: one euro wallet for the account, priced per SMS type, so that the balance call reports
how many SMS of each type remain (as the provider does) and every real send lowers it. Request
ids already used are remembered (code 120). A simulation (``request_mode=simu``) is validated
and priced but changes nothing.

Octopush's historic delivery-report callbacks are not documented in our specs, so this sandbox
sends no callback at all rather than invent a format.

Parameters come from the query string and, for a POST, the form: the spec's own curl example
is a GET with a trailing slash (``/api/sms/?user_login=…``), so both methods and both spellings
of each path are served. Nothing here comes from the client (``providers.octopush``,
``providers.text``, ``providers.phone``): the rules are read from the spec and the provider's
error table (PROVIDER-NOTES.md).

Checks, in order: 100 (no parameter at all, or a method other than GET and POST), 108, 109,
101, 107, 102 (over 459 characters), 103, 112, 106, 121, 120, numbers (150 per number that is
not an allocated one in international form, ``+33…`` or ``0033…``; 117 when none is valid),
then 104 (not enough credit). ``sms_mode=2`` without a readable ``sending_date`` answers 500:
the provider documents no code for it. Tickets (``api`` and digits, like the spec's) are never
those of an earlier run.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, ClassVar

from aiohttp import web
from lxml import etree
from phonenumbers import PhoneNumber

from providers.sandbox import numbers
from providers.sandbox.common import SANDBOX_EMAIL_LOGIN, SANDBOX_SECRET, SandboxBase
from providers.sandbox.gsm import sms_parts
from providers.sandbox.ids import unique_digits
from providers.xml import sub, to_bytes

# Spec: "sms_text : Texte du message (maximum 459 caractères)".
MAX_TEXT = 459
#: Price of one SMS per type, in euros (FR matches the spec's sample).
PRICES: dict[str, Decimal] = {
    "FR": Decimal("0.055"),
    "XXX": Decimal("0.035"),
    "WWW": Decimal("0.080"),
}
#: The balance call lists the French types only, like the provider's sample.
BALANCE_TYPES = ("FR", "XXX")
# Spec: "sms_sender : ... 3 à 11 caractères alpha- numériques (a-zA-Z)"; error 106 says
# "alphanumeric", so digits count too.
_SENDER = re.compile(r"[A-Za-z0-9]{3,11}")
# Spec (sms_type): "si la mention « STOP au XXXXX » est absente de votre texte, l'API renverra
# une erreur". XXXXX stands for the short code: the mention as written or with five digits.
_STOP_MENTION = re.compile(r"STOP au (?:XXXXX|[0-9]{5})(?![0-9])")
# Spec: "La date attendue doit être présentée sous la forme d'un timestamp, au format GMT+1":
# the Paris winter wall clock counted as if it were UTC, one hour ahead of Unix time.
_GMT_PLUS_ONE = 3600
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class SentSms:
    """One accepted request (simulations included, flagged)."""

    ticket: str
    recipients: tuple[str, ...]
    text: str
    sms_type: str
    sender: str | None
    sending_date: int
    request_id: str | None
    simulated: bool
    cost: Decimal


_Operation = Callable[[dict[str, str]], dict[str, Any]]
_Handler = Callable[[web.Request], Awaitable[web.Response]]


class _Refused(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class OctopushSandbox(SandboxBase):
    api_path: ClassVar[str] = "/api"  # the spec's URLs: <host>/api/sms and <host>/api/sms/json

    name: str = "octopush"
    wallet: Decimal = Decimal("100.00")
    prices: dict[str, Decimal] = field(default_factory=lambda: dict(PRICES))
    used_request_ids: set[str] = field(default_factory=set)
    sent: list[SentSms] = field(default_factory=list)

    def add_routes(self, app: web.Application) -> None:
        for path, operation, as_json in (
            ("/sms", self._sms, False),
            ("/sms/json", self._sms, True),
            ("/balance", self._balance, False),
            ("/balance/json", self._balance, True),
        ):
            handler = self._handler(operation, as_json)
            app.router.add_route("*", self.api_path + path, handler)
            # The spec's own curl example calls ".../api/sms/?user_login=...": trailing slash.
            app.router.add_route("*", self.api_path + path + "/", handler)

    def set_balance(self, amount: Decimal) -> Decimal:
        """The wallet, in euros."""
        self.wallet = amount
        return self.wallet

    def _handler(self, operation: _Operation, as_json: bool) -> _Handler:
        async def handle(request: web.Request) -> web.Response:
            try:
                values = await _parameters(request)
                if not values:
                    raise _Refused("100")
                self._authenticate(values)
                body: dict[str, Any] = operation(values)
            except _Refused as refused:
                body = {"error_code": refused.code}
            return _respond(body, as_json)

        return handle

    @staticmethod
    def _authenticate(values: dict[str, str]) -> None:
        login, key = values.get("user_login", "").strip(), values.get("api_key", "")
        if not login:
            raise _Refused("108")
        if not key:
            raise _Refused("109")
        if login != SANDBOX_EMAIL_LOGIN or key != SANDBOX_SECRET:
            raise _Refused("101")

    # ------------------------------------------------------------------------- operations

    def _balance(self, values: dict[str, str]) -> dict[str, Any]:
        return {
            "error_code": "000",
            "balance": {
                kind: str((self.wallet / self.prices[kind]).quantize(_CENT, ROUND_HALF_UP))
                for kind in BALANCE_TYPES
            },
        }

    def _sms(self, values: dict[str, str]) -> dict[str, Any]:
        text = values.get("sms_text", "")
        if not text:
            raise _Refused("107")
        if len(text) > MAX_TEXT:
            raise _Refused("102")
        raw_numbers = [n.strip() for n in values.get("sms_recipients", "").split(",") if n.strip()]
        if not raw_numbers:
            raise _Refused("103")
        sms_type = values.get("sms_type", "")
        if sms_type not in self.prices:
            raise _Refused("112")
        sender = values.get("sms_sender") or None
        if sms_type == "XXX":
            sender = None  # low cost carries no sender
        elif sender is not None and not _SENDER.fullmatch(sender):
            raise _Refused("106")
        if sms_type == "FR" and not _STOP_MENTION.search(text):
            raise _Refused("121")
        request_id = values.get("request_id") or None
        if request_id is not None and request_id in self.used_request_ids:
            raise _Refused("120")
        sending_date = _sending_date(values)
        simulated = values.get("request_mode") == "simu"

        sms_needed = max(sms_parts(text), 1)
        unit_cost = self.prices[sms_type] * sms_needed
        successes: list[dict[str, Any]] = []
        failures: list[dict[str, Any]] = []
        for raw in raw_numbers:
            number = _international(raw)
            if number is None:
                failures.append({"error_code": "150", "recipient": raw})
                continue
            successes.append(
                {
                    "recipient": numbers.e164(number),
                    "country_code": numbers.region(number),
                    "cost": unit_cost,
                    "sms_needed": sms_needed,
                }
            )
        if not successes:
            raise _Refused("117")
        total = unit_cost * len(successes)
        if not simulated and total > self.wallet:
            raise _Refused("104")

        # The spec's ticket is "api110000000021": "api" and digits. Never one of an earlier run.
        ticket = f"api{unique_digits()}"
        if not simulated:
            self.wallet -= total
            if request_id is not None:
                self.used_request_ids.add(request_id)
        self.sent.append(
            SentSms(
                ticket,
                tuple(s["recipient"] for s in successes),
                text,
                sms_type,
                sender,
                sending_date,
                request_id,
                simulated,
                total,
            )
        )
        return {
            "error_code": "000",
            "cost": total,
            "balance": self.wallet.quantize(_CENT, ROUND_HALF_UP),
            "ticket": ticket,
            "sending_date": sending_date,
            "number_of_sendings": sms_needed * len(successes),
            "currency_code": "€",
            "successs": successes,
            "failures": failures,
        }


async def _parameters(request: web.Request) -> dict[str, str]:
    """The request's parameters: the query string (the spec's curl example is a GET), then,
    for a POST, the form fields."""
    values = {key: str(value) for key, value in request.query.items()}
    if request.method == "POST":
        form = await request.post()
        values.update({key: str(value) for key, value in form.items()})
    elif request.method != "GET":
        return {}
    return values


def _international(raw: str) -> PhoneNumber | None:
    """Spec: "numéros au format international +XXZZZZZ"; its curl example writes 0033601010101.
    A national form (0601010101) names no country, so it is not read."""
    compact = "".join(raw.split())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not compact.startswith("+"):
        return None
    return numbers.parse(compact)


def _sending_date(values: dict[str, str]) -> int:
    if values.get("sms_mode", "1") != "2":
        return int(time.time()) + _GMT_PLUS_ONE
    raw = values.get("sending_date", "")
    if not raw.isdigit():
        raise _Refused("500")
    return int(raw)


# --------------------------------------------------------------------------- rendering


def _respond(body: dict[str, Any], as_json: bool) -> web.Response:
    if as_json:
        return web.Response(
            body=json.dumps(_json_ready(body)).encode("utf-8"), content_type="application/json"
        )
    return web.Response(body=_xml(body), content_type="application/xml", charset="utf-8")


def _json_ready(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: _json_ready(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_ready(v) for v in value]
    if isinstance(value, Decimal):
        return float(value)
    if key == "recipient" and isinstance(value, str) and value.startswith("+"):
        return int(value[1:])  # the spec's sample writes 33601010101, a bare number
    return value


def _xml(body: dict[str, Any]) -> bytes:
    root = etree.Element("octopush")
    for key, value in body.items():
        if key == "balance" and isinstance(value, dict):
            for kind, amount in value.items():
                sub(root, "balance", str(amount), type=kind)
        elif key in ("successs", "failures"):
            container = sub(root, key)
            for item in value:
                element = sub(container, "success" if key == "successs" else "failure")
                for name, inner in item.items():
                    sub(element, name, str(inner))
        else:
            sub(root, key, str(value))
    return to_bytes(root)
