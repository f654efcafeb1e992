"""Blacklists, replies and number look-ups (eCampaign's manageFeedback and HLR services), put
into words once for the console and the CLI.

Entries, replies and look-up answers come from the provider: every text returned here for a
person is made ``visible``. A reply is marked STOP by the same rule the callbacks use
(``providers.callbacks.inputs.is_stop_message``), so the two never disagree. Cheap to import
(the command line builds its parser from it): what only a handler needs is imported there.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Protocol, cast

from providers.base import Capability, Provider
from providers.models import BlacklistEntry, InboundReply
from tui.errors import visible
from tui.templates import UnsupportedAccount, yes_no

if TYPE_CHECKING:
    from providers.ecampaign import HlrResult

CHANNELS = ("sms", "fax", "mail")
CHANNEL_LABELS = {"sms": "SMS", "fax": "fax", "mail": "e-mail"}
#: Rows a table shows at most; the rest is reached by searching (lists come whole from the API).
SHOWN_ROWS = 2000


class FeedbackService(Protocol):
    """The blacklist and replies web services (``providers.ecampaign.feedback``)."""

    async def get_blacklist(self, channel: str) -> tuple[BlacklistEntry, ...]: ...

    async def del_blacklist_member(self, channel: str, recipient: str) -> None: ...

    async def get_responses(self, channel: str) -> tuple[InboundReply, ...]: ...


class NumberLookup(Protocol):
    async def hlr_lookup(self, number: str) -> HlrResult: ...


def feedback_service(provider: Provider, account: str) -> FeedbackService:
    if not provider.capabilities & Capability.BLACKLIST:
        raise UnsupportedAccount(
            f"{account}: this provider offers no blacklist or replies service (eCampaign does)"
        )
    return cast(FeedbackService, provider)


def number_lookup(provider: Provider, account: str) -> NumberLookup:
    if not provider.capabilities & Capability.HLR:
        raise UnsupportedAccount(f"{account}: this provider has no number look-up (eCampaign has)")
    return cast(NumberLookup, provider)


# -- blacklists ----------------------------------------------------------------------------------
def recipient_of(entry: BlacklistEntry) -> str:
    """The number (E.164) or the address the entry blocks, as received."""
    return entry.number or entry.mail or ""


def entry_matches(entry: BlacklistEntry, search: str) -> bool:
    needle = search.strip().casefold()
    if not needle:
        return True
    haystack = " ".join(filter(None, (entry.number, entry.mail, entry.reason, entry.date)))
    # "06 12 34" finds +33612345699: spaces and the national 0 are ignored for digits.
    digits = needle.replace(" ", "").replace(".", "")
    if digits.isdigit() and entry.number:
        national = entry.number.removeprefix("+33")
        if digits.lstrip("0") in national or digits in entry.number:
            return True
    return needle in haystack.casefold()


def entry_json(entry: BlacklistEntry) -> dict[str, Any]:
    return asdict(entry)


def blacklist_recipient(channel: str, raw: str) -> str:
    """What ``raw`` names on ``channel``'s blacklist: a number in E.164 (sms, fax), an address
    as typed (mail, checked by the provider layer). ``InputError`` (field ``recipient``) for
    what a number blacklist cannot hold."""
    from providers.errors import InputError
    from providers.phone import normalise

    if channel == "mail":
        return raw.strip()
    if "@" in raw:
        raise InputError("recipient", f"the {CHANNEL_LABELS[channel]} blacklist holds numbers")
    return str(normalise(raw, field="recipient"))


# -- replies -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Reply:
    """A reply and whether it asks to opt out."""

    date: str | None
    number: str | None
    message: str
    stop: bool


def replies_of(replies: tuple[InboundReply, ...]) -> list[Reply]:
    # Imported here: the command line builds its parser from this module, cheaply.
    from providers.callbacks.inputs import is_stop_message

    return [
        Reply(reply.date, reply.number, reply.message, is_stop_message(reply.message))
        for reply in replies
    ]


def reply_matches(reply: Reply, search: str) -> bool:
    needle = search.strip().casefold()
    if not needle:
        return True
    if needle == "stop":
        return reply.stop
    return needle in " ".join(filter(None, (reply.number, reply.message, reply.date))).casefold()


def reply_json(reply: Reply) -> dict[str, Any]:
    return asdict(reply)


# -- number look-up ------------------------------------------------------------------------------
def hlr_number(raw: str) -> str:
    """``raw`` read as a number, in E.164 (``InputError``, field ``number``, as the look-up's
    own check says it)."""
    from providers.phone import normalise

    return str(normalise(raw, field="number"))


def hlr_refusal(e164: str) -> str | None:
    """Why a look-up of ``e164`` would be money spent for nothing, or None when it is a mobile.

    The HLR is the mobile networks' register (IMSI, MCC/MNC, roaming, "subscriber absent"):
    a service number (08…, it cannot receive SMS) or a landline is not in it. A number whose
    type its country's plan leaves open (fixed line or mobile, as in North America) is let
    through: the look-up is what tells.
    """
    from phonenumbers import PhoneNumberType

    from providers.models import Channel
    from providers.phone import display, number_of, unreachable_reason

    number = number_of(e164)
    reason = unreachable_reason(number, Channel.SMS)
    if reason is not None:
        return f"{reason}; a number look-up (HLR) is for mobile numbers (nothing was looked up)"
    kinds = {
        PhoneNumberType.FIXED_LINE: "a landline",
        PhoneNumberType.VOIP: "an internet (VoIP) line",
    }
    what = kinds.get(number.kind)
    if what is None:
        return None
    return (
        f"{display(number)} is {what}: a number look-up (HLR) only knows mobile numbers "
        "(nothing was looked up)"
    )


def _coded(code: str | None, meaning: str | None) -> str:
    if not code:
        return "—"
    return visible(f"{code}: {meaning}" if meaning else code)


def operator(result: HlrResult) -> str:
    """The network that serves the number now (the porting one when it was ported)."""
    network = result.ported_network if result.ported else result.original_network
    network = network or result.original_network
    codes = f"MCC {result.mcc} MNC {result.mnc}" if result.mcc or result.mnc else ""
    if network and codes:
        return visible(f"{network} ({codes})")
    return visible(network or codes or "—")


def country_name(value: str | None) -> str:
    """``FR (+33)`` for a dialling code, the provider's text otherwise."""
    if not value:
        return "—"
    digits = value.strip().lstrip("+")
    if digits.isascii() and digits.isdigit() and len(digits) <= 3:
        import phonenumbers  # a large package: only a look-up's answer pays for it

        region = phonenumbers.region_code_for_country_code(int(digits))
        if region != "ZZ":
            return f"{region} (+{digits})"
    return visible(value)


def hlr_rows(result: HlrResult) -> list[tuple[str, str]]:
    """(label, value) lines: status, number state, operator, porting, country, with meanings."""
    state = _coded(result.error_code, result.error)
    if result.error_code not in (None, "", "0") and result.error_permanent is not None:
        state += " (permanent)" if result.error_permanent else " (temporary)"
    rows = [
        ("Number", visible(result.number)),
        ("Look-up status", _coded(result.status_code, result.status)),
        ("Number state", state),
        ("Operator", operator(result)),
        ("Ported", yes_no(result.ported)),
    ]
    if result.ported:
        origin = result.original_network or "—"
        if result.original_prefix:
            origin += f" (prefix {result.original_prefix})"
        rows.append(("Original operator", visible(origin)))
    country = result.ported_country if result.ported else result.original_country
    rows.append(("Country", country_name(country or result.original_country)))
    said = [text for text in (result.status_msg, result.error_msg) if text]
    if said:
        rows.append(("Provider said", visible(" · ".join(said))))
    return rows


def hlr_json(result: HlrResult) -> dict[str, Any]:
    return asdict(result)
