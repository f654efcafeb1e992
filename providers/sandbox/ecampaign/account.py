"""manageCredit/getCredit, manageFeedback (blacklists and inbound SMS), numberInfo/HLRlookup."""

from __future__ import annotations

import hmac

import phonenumbers
from aiohttp import web
from lxml import etree

from providers.sandbox.ecampaign.protocol import Call, EcError, credits_text, fmt, reply, text_of
from providers.sandbox.ecampaign.state import EcampaignState
from providers.xml import sub

FEEDBACK_CHANNELS = frozenset({"sms", "fax", "mail"})

# HLR annex: status codes and error codes with the platform's wording.
HLR_STATUS = {0: "Délivrée", 3: "Impossible à délivrer", 99: "Erreur inconnue"}
HLR_ERRORS = {
    0: "Numéro valide",
    1: "Numéro non attribué",
    2: "Abonné absent (hors couverture par exemple) ou informations indisponibles",
    5: "Erreur permanente inconnue",
    99: "Erreur inconnue",
}
# French mobile networks (MNC, name), chosen by the number's last digit.
FRENCH_NETWORKS = (
    ("01", "Orange France"),
    ("10", "SFR"),
    ("20", "Bouygues Telecom"),
    ("15", "Free Mobile"),
)
MCC_BY_COUNTRY = {33: "208", 32: "206", 34: "214", 39: "222", 41: "228", 44: "234", 49: "262"}


def get_credit(call: Call, state: EcampaignState) -> etree._Element:
    if not any(route.credits > 0 for route in state.routes.values()):
        raise EcError(31)
    result = reply()
    listing = sub(result, "credits")
    for route in state.routes.values():
        sub(
            listing,
            "route",
            credits_text(route.credits),
            id=str(route.id),
            name=route.name,
            type=route.type,
            expire=route.expire,
            allownegative=credits_text(route.allow_negative),
        )
    return result


def _channel(call: Call) -> str:
    channel = call.params["channel"].lower()
    if channel not in FEEDBACK_CHANNELS:
        raise EcError(18)
    return channel


def get_blacklist(call: Call, state: EcampaignState) -> etree._Element:
    channel = _channel(call)
    entries = [e for e in state.blacklist if e.channel == channel and e.at <= call.now]
    result = reply()
    if entries:  # "Si la liste contient des contacts"
        listing = sub(result, "blacklist")
        for entry in entries:
            member = sub(listing, "member")
            sub(member, "date", fmt(entry.at))
            if channel == "mail":
                sub(member, "mail", entry.mail)
            else:
                sub(member, "code", entry.code)
                sub(member, "number", entry.number)
            sub(member, "reason", entry.reason)
    return result


def del_blacklist_member(call: Call, state: EcampaignState) -> etree._Element:
    channel = _channel(call)
    body = call.root.find("delBlacklistMember")
    code, number, mail = (
        text_of(body, "code").lstrip("+"),
        text_of(body, "number"),
        text_of(body, "mail"),
    )
    if (channel == "mail" and not mail) or (channel != "mail" and not (code and number)):
        raise EcError(1, "say whom to remove")
    for entry in list(state.blacklist):
        if (
            entry.channel == channel
            and entry.at <= call.now
            and (
                entry.mail.lower() == mail.lower()
                if channel == "mail"
                else (entry.code, entry.number) == (code, number)
            )
        ):
            state.blacklist.remove(entry)
            return reply()
    raise EcError(22)


def get_responses(call: Call, state: EcampaignState) -> etree._Element:
    channel = _channel(call)
    result = reply()
    if channel == "sms":
        for response in state.responses:
            if response.at <= call.now:
                # One <responses> element per reply: the spec's shape, repeated.
                element = sub(result, "responses")
                sub(element, "date", fmt(response.at))
                sub(element, "code", response.code)
                sub(element, "number", response.number)
                sub(element, "message", response.text)
    return result


# --------------------------------------------------------------------------- HLR


def hlr_credentials_ok(request: web.Request, state: EcampaignState) -> bool:
    user_ok = hmac.compare_digest(request.query.get("user", "").encode(), state.login.encode())
    pass_ok = hmac.compare_digest(request.query.get("pass", "").encode(), state.secret.encode())
    return user_ok and pass_ok


def _hlr_fields(code: str, number: str) -> tuple[int, int, dict[str, str]]:
    """(status code, error code, network details) for a number, by the documented rules."""
    try:
        parsed = phonenumbers.parse(f"+{code}{number}", None)
    except phonenumbers.NumberParseException:
        return 0, 1, {}
    if number.endswith("00") or not phonenumbers.is_valid_number(parsed):
        return 0, 1, {}
    if phonenumbers.number_type(parsed) != phonenumbers.PhoneNumberType.MOBILE:
        return 3, 5, {}
    mcc = MCC_BY_COUNTRY.get(parsed.country_code or 0)
    if mcc is None:
        return 99, 99, {}
    last = int(number[-1])
    mnc, name = FRENCH_NETWORKS[last % 4] if mcc == "208" else ("01", "Réseau national")
    details = {
        "imsi": f"{mcc}{mnc}{int(number) % 10**10:010d}",
        "net_mcc": mcc,
        "net_mnc": mnc,
        "ported": "false",
        "net_orig": name,
        "net_orig_prefix": f"{mcc}{mnc}",
        "net_orig_country": code,
    }
    if mcc == "208" and last == 9:  # ported away: the number now lives on the next network
        port_mnc, port_name = FRENCH_NETWORKS[(last + 1) % 4]
        details.update(
            ported="true",
            net_port=port_name,
            net_port_prefix=f"{mcc}{port_mnc}",
            net_port_country=code,
        )
        details.update(net_mnc=port_mnc, imsi=f"{mcc}{port_mnc}{int(number) % 10**10:010d}")
    return 0, 2 if number.endswith("02") else 0, details


HLR_ELEMENTS = (
    "imsi",
    "net_mcc",
    "net_mnc",
    "ported",
    "net_orig",
    "net_orig_prefix",
    "net_orig_country",
    "net_port",
    "net_port_prefix",
    "net_port_country",
)


def hlr_lookup(request: web.Request, state: EcampaignState) -> etree._Element:
    if not hlr_credentials_ok(request, state):
        raise EcError(3)
    if not state.api_enabled:
        raise EcError(4)
    code = request.query.get("code", "").strip().lstrip("+")
    number = request.query.get("number", "").strip()
    if not (code.isdigit() and number.isdigit()) or len(code) > 3 or len(number) > 14:
        raise EcError(1, "code and number: digits")
    number = number[1:] if number.startswith("0") else number
    status, error, details = _hlr_fields(code, number)
    result = reply()
    hlr = sub(result, "hlr")
    sub(hlr, "number", f"{code}{number}")
    sub(hlr, "status_code", str(status))
    sub(hlr, "status_msg", HLR_STATUS[status])
    sub(hlr, "error_code", str(error))
    sub(hlr, "error_permanent", "false" if error in (0, 2) else "true")
    sub(hlr, "error_msg", HLR_ERRORS[error])
    for name in HLR_ELEMENTS:
        sub(hlr, name, details.get(name, ""))
    return result
