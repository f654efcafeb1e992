"""French numbers written the usual ways, read without the general parser.

``phonenumbers.parse`` costs tens of microseconds a number, and a send of a million numbers
would spend most of its time there. This module reads ``06 11 22 33 44``, ``0611223344``,
``+33 6 11 22 33 44`` and ``0033 6…`` (spaces, dots or hyphens anywhere) and classifies the
national number with the patterns of phonenumbers' own metadata for France, tried in the order
``phonenumbers.number_type`` tries them, so that its verdict is the library's (the tests compare
the two on every three-digit prefix and on generated writings). Anything else (brackets, another
country, a range that is not allocated) is left to the general parser, which also words the
refusal.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from phonenumbers import PhoneMetadata, PhoneNumberType

COUNTRY_CODE = 33
#: What the national significant number of a French number is: nine digits, the first not 0.
_WRITTEN = re.compile(r"(?:0|\+33|0033)([1-9][0-9]{8})")
_SEPARATORS = str.maketrans("", "", ".-")
_LENGTH = 9

#: ``phonenumbers.number_type``'s order; fixed lines before mobiles, as it tests them.
_ORDER = (
    ("premium_rate", PhoneNumberType.PREMIUM_RATE),
    ("toll_free", PhoneNumberType.TOLL_FREE),
    ("shared_cost", PhoneNumberType.SHARED_COST),
    ("voip", PhoneNumberType.VOIP),
    ("personal_number", PhoneNumberType.PERSONAL_NUMBER),
    ("pager", PhoneNumberType.PAGER),
    ("uan", PhoneNumberType.UAN),
    ("voicemail", PhoneNumberType.VOICEMAIL),
    ("fixed_line", PhoneNumberType.FIXED_LINE),
    ("mobile", PhoneNumberType.MOBILE),
)


def read(raw: str) -> tuple[str, int, int] | None:
    """(E.164, 33, number type) of a valid French number written a usual way, else None."""
    if len(raw) == 10 and raw[0] == "0" and raw[1] != "0" and raw.isascii() and raw.isdigit():
        national = raw[1:]  # "0611223344", as most lists write it: nothing to clean
    else:
        found = _WRITTEN.fullmatch("".join(raw.split()).translate(_SEPARATORS))
        if found is None:
            return None
        national = found.group(1)
    kind = kind_of(national)
    if kind == PhoneNumberType.UNKNOWN:
        return None
    return f"+33{national}", COUNTRY_CODE, kind


def kind_of(national: str) -> int:
    """``phonenumbers.number_type`` of the French number whose national significant number is
    ``national`` (nine digits)."""
    classifier = _classifier()
    if classifier is None or len(national) != _LENGTH:
        return PhoneNumberType.UNKNOWN
    general = classifier.general
    if not (general.fullmatch(national) if general else national.isdigit() and national[0] != "0"):
        return PhoneNumberType.UNKNOWN
    found = classifier.types.fullmatch(national)
    if found is None or found.lastgroup is None:
        return PhoneNumberType.UNKNOWN
    kind = int(found.lastgroup[1:])
    if kind == PhoneNumberType.FIXED_LINE:
        mobile = classifier.mobile
        if classifier.same_patterns or (mobile is not None and mobile.fullmatch(national)):
            return PhoneNumberType.FIXED_LINE_OR_MOBILE
    elif kind == PhoneNumberType.MOBILE and classifier.same_patterns:
        return PhoneNumberType.UNKNOWN  # the library tests mobiles only when patterns differ
    return kind


class _Classifier:
    def __init__(self, metadata: Any) -> None:
        general = metadata.general_desc.national_number_pattern
        # "[1-9]\d{8}" (today's) says no more than what read() took: no need to test it again.
        self.general = None if general == r"[1-9]\d{8}" else re.compile(general)
        # One alternation, tried in order: the first type whose pattern matches the whole
        # number wins, as in the library's chain of tests.
        parts = [
            f"(?P<t{kind}>{desc.national_number_pattern})"
            for name, kind in _ORDER
            if _applies(desc := getattr(metadata, name))
        ]
        self.types = re.compile("|".join(parts))
        self.mobile = (
            re.compile(metadata.mobile.national_number_pattern)
            if _applies(metadata.mobile)
            else None
        )
        self.same_patterns = bool(metadata.same_mobile_and_fixed_line_pattern)


def _applies(desc: Any) -> bool:
    """Whether a number description can match a nine-digit number (the library's test)."""
    if desc is None or not desc.national_number_pattern:
        return False
    lengths = desc.possible_length or ()
    return not lengths or _LENGTH in lengths


@cache
def _classifier() -> _Classifier | None:
    metadata = PhoneMetadata.metadata_for_region("FR")
    if metadata is None or not _applies(metadata.general_desc):
        return None  # metadata unlike today's: the general parser decides everything
    return _Classifier(metadata)
