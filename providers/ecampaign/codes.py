"""eCampaign return codes (annex "Codes de retour") and HLR codes, in plain English.

Every reply of the XML web services carries ``<code>``; 0 is success. The meanings below are our
wording of the annex; the provider's own ``<message>`` always travels alongside in errors.
"""

from __future__ import annotations

from collections.abc import Mapping

from providers.errors import generic_meaning

KIND = "ecampaign"

OK = 0
AUTH_FAILED = 3
SEND_ERRORS = 12
NO_RESULT = 81
NO_CREDIT = 31
ROUTE_MISMATCH = 19

#: The account option holding the route of each channel (SMS has only the general one).
ROUTE_OPTIONS: Mapping[str, str] = {
    "sms": "route",
    "voice": "voice_route",
    "mail": "mail_route",
    "fax": "fax_route",
}

#: Every code of the annex, grouped as the annex groups them.
RETURN_CODES: Mapping[int, str] = {
    # Common codes
    0: "operation successful",
    1: "invalid request",
    2: "malformed or invalid XML request",
    3: "invalid user name and/or password",
    4: "web-service access is not enabled on this account",
    # Sending
    11: "not enough credit for this send",
    12: "errors occurred during the send",
    13: "no recipient is selected for the send",
    14: "the SMS text is missing or too long",
    15: "changing the sender name is not allowed on this account",
    16: "the SMS sender name must have 1 to 11 characters",
    17: "invalid template id",
    18: "unknown channel type",
    19: (
        "this route does not fit this channel: give the account a route of this channel's "
        "kind (option route for SMS, voice_route for calls, mail_route for e-mails, fax_route "
        "for faxes), e.g. porte-voix accounts edit NAME --set voice_route=ID; the Credits "
        "list shows each route's id and channel"
    ),
    # The annex writes the expected form "AAAA:MM:JJ HH:MM:SS" while the parameter table says
    # "AAAA-MM-JJ HH:MM:SS". We send the parameter-table form; say so, so that the operator
    # (or support) can tell a real date problem from the documentation's inconsistency.
    40: (
        "invalid schedule date. porte-voix sends it as YYYY-MM-DD HH:MM:SS, Paris time, the "
        "form of the provider's parameter table; this code's own description in the provider's "
        "annex reads YYYY:MM:DD HH:MM:SS. Check that the date is in the future; if it is, "
        "ask eCampaign support which form the account expects"
    ),
    41: "group filter: a field given does not exist in the group",
    42: "group filter: invalid parameter(s)",
    # Groups
    21: "access to this group is forbidden",
    22: "member not found",
    23: "malformed data: the member could not be added",
    24: "duplicate detected: the member could not be added",
    25: "syntax error",
    26: "the destination fields are missing or invalid",
    27: "group not found",
    28: "duplicate field name",
    29: "a field to create or modify is invalid (bad name or type)",
    50: "at least one field must be given",
    51: "a field could not be created",
    52: "invalid data: the group could not be created",
    53: "no modification was requested",
    54: "the group could not be modified",
    55: "the field(s) could not be deleted",
    56: "access to this member is forbidden",
    # Templates
    60: "access to this template is forbidden",
    61: "a scheduled campaign uses this template, so it cannot be deleted",
    62: "this template could not be deleted",
    63: "template type not supported",
    64: "the template could not be created or modified",
    65: "template not found",
    66: "MP3 download: invalid message type",
    67: "MP3 download: file not found",
    68: "MP3 upload: the HTTP URL given is invalid",
    69: "MP3 upload: the file could not be downloaded from the URL given",
    70: "MP3 upload: the file is too large (5 MB at most)",
    71: "MP3 upload: the file could not be processed",
    72: "MP3 upload: the recording is longer than the template's maximum duration",
    # Credits
    31: "no sending credit is available on the account",
    # Tracking
    80: "the period between start and stop dates is too long or invalid",
    81: "the request returned no result",
    82: "campaign not found",
}


def meaning(code: int) -> str:
    return RETURN_CODES.get(code, f"undocumented eCampaign return code {code}")


def route_mismatch(account: str, channel: str, used_option: str, route: str) -> str:
    """The meaning of code 19 for a send of ``channel`` that used ``used_option`` = ``route``."""
    option = ROUTE_OPTIONS.get(channel, "route")
    words = {"sms": "SMS", "voice": "calls", "mail": "e-mails", "fax": "faxes"}
    what = words.get(channel, channel)
    inherited = (
        "" if used_option == option else f" (taken from '{used_option}': '{option}' is not set)"
    )
    return (
        f"route {route}{inherited} does not carry {what}. Set the account's route for {what}: "
        f"porte-voix accounts edit {account} --set {option}=ID, with the id of a route for "
        f"{what} from the Credits list (it shows each route's id and channel)"
    )


def describe_refusal(code: str) -> str:
    """A return code's meaning (``ProviderInfo.describe_refusal``); never raises."""
    text = code.strip()
    digits = text.removeprefix("-")
    if digits.isascii() and digits.isdigit() and len(digits) <= 9:
        return meaning(int(text))
    return generic_meaning(text) or f"undocumented eCampaign return code {text}"


#: HLR ``status_code``: the state of the lookup itself.
HLR_STATUS: Mapping[str, str] = {
    "0": "delivered (the other details are available)",
    "1": "accepted",
    "2": "being processed",
    "3": "could not be delivered",
    "4": "expired",
    "5": "rejected",
    "99": "unknown error",
}

#: HLR ``error_code``: the state of the number.
HLR_ERRORS: Mapping[str, str] = {
    "0": "valid number",
    "1": "number not allocated",
    "2": "subscriber absent (out of coverage, for example) or details unavailable",
    "3": "roaming not allowed",
    "4": "restricted number",
    "5": "unknown permanent error",
    "6": "unknown temporary error",
    "7": "blacklisted phone",
    "99": "unknown error",
}


def hlr_status(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    return HLR_STATUS.get(code, f"undocumented HLR status code {code}")


def hlr_error(code: str | None) -> str | None:
    if code is None or code == "":
        return None
    return HLR_ERRORS.get(code, f"undocumented HLR error code {code}")
