"""Each provider's rendering of a number (``for_*``), and eCampaign's back to E.164.

Named from ``providers.phone`` (``phone.for_capitole``...), where the numbers are parsed; the
only place those formats live. French numbers are rendered without parsing (every recipient of
every batch goes through here); the general parser only sees the others.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from providers.errors import InputError
from providers.phone import _parse_e164, normalise

if TYPE_CHECKING:
    import phonenumbers


_FRENCH_E164 = re.compile(r"^\+33([1-9][0-9]{8})$")


def _french_nsn(e164: str) -> str | None:
    """The national significant number of a French E.164, without parsing (renderings run on
    every recipient of every batch)."""
    match = _FRENCH_E164.match(e164)
    return match.group(1) if match else None


def _national(parsed: phonenumbers.PhoneNumber) -> str:
    import phonenumbers

    return str(phonenumbers.national_significant_number(parsed))


def national_french(e164: str) -> str:
    """``+33611223344`` → ``0611223344``; refuses numbers outside France."""
    nsn = _french_nsn(e164)
    if nsn is not None:
        return "0" + nsn
    parsed = _parse_e164(e164)
    if parsed.country_code != 33:
        raise InputError("recipient", f"{e164} is not a French number")
    return "0" + _national(parsed)


def for_capitole(e164: str) -> str:
    """French numbers nationally (``0611223344``), others with their code, no plus (``34622…``)."""
    nsn = _french_nsn(e164)
    if nsn is not None:
        return "0" + nsn
    parsed = _parse_e164(e164)
    if parsed.country_code == 33:
        return "0" + _national(parsed)
    return e164.lstrip("+")


def for_ecampaign(e164: str) -> tuple[str, str]:
    """Country code apart, national number without its trunk 0: ``("33", "611223344")``."""
    nsn = _french_nsn(e164)
    if nsn is not None:
        return "33", nsn
    parsed = _parse_e164(e164)
    return str(parsed.country_code), _national(parsed)


def from_ecampaign(code: str, number: str) -> str:
    """Inverse of ``for_ecampaign``; tolerates a trunk ``0`` left on the national number.

    The number is tried as given first: in some countries (Italy) the leading 0 belongs to the
    national significant number and stripping it would name another subscriber.
    """
    prefix = f"+{code.strip().lstrip('+')}"
    digits = number.strip()
    try:
        return normalise(prefix + digits)
    except InputError:
        if not digits.startswith("0"):
            raise
    return normalise(prefix + digits.lstrip("0"))


def for_octopush(e164: str) -> str:
    return e164


def for_voicepartner(e164: str) -> str:
    """VoicePartner takes French numbers only, nationally (``0611223344``)."""
    return national_french(e164)


def international_digits(e164: str) -> str:
    """``+33611223344`` → ``33611223344`` (eCampaign caller id, Capitole callbacks)."""
    return e164.lstrip("+")
