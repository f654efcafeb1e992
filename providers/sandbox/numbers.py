"""Phone numbers as the simulated platforms read them, straight from the numbering plan.

The sandboxes do not use ``providers.phone``: that module is the client's reading of what an
operator types, and a simulator that shared it could never catch it reading a number wrong.
Each sandbox decides here, from its own spec, which forms it accepts; this module only answers
what the numbering plan says about a number (allocated or not, mobile or landline, country).
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneNumber, PhoneNumberFormat, PhoneNumberType

#: Digits with an optional leading "+", once spaces are taken out.
_DIGITS = re.compile(r"^\+?[0-9]+$")


def parse(text: str, region: str | None = None) -> PhoneNumber | None:
    """The allocated number ``text`` names (``region`` reads national forms), or None.

    Spaces are ignored (``06 11 22 33 44``); anything but digits and a leading ``+`` is not a
    number. Unallocated ranges are refused, as a platform's routing table would.
    """
    compact = "".join(text.split())
    if not _DIGITS.match(compact):
        return None
    try:
        number = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def e164(number: PhoneNumber) -> str:
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def international_digits(number: PhoneNumber) -> str:
    """``33611223344``: the country code and the national number, no ``+``."""
    return e164(number)[1:]


def is_mobile(number: PhoneNumber) -> bool:
    return phonenumbers.number_type(number) == PhoneNumberType.MOBILE


def is_landline(number: PhoneNumber) -> bool:
    """A geographic fixed line (French 01 to 05)."""
    return phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE


def is_metropolitan_french(number: PhoneNumber) -> bool:
    """Country code 33: overseas departments have their own codes (262, 590, ...)."""
    return number.country_code == 33


def region(number: PhoneNumber) -> str:
    """The ISO country (``FR``), as Octopush's ``country_code`` gives it."""
    return phonenumbers.region_code_for_number(number) or ""
