"""French numbers written the usual ways, read without the general parser.

``phonenumbers.parse`` costs tens of microseconds a number, and a send of a million numbers
would spend most of its time there. This module reads ``06 11 22 33 44``, ``0611223344``,
``+33 6 11 22 33 44`` and ``0033 6…`` (spaces, dots or hyphens anywhere) and classifies the
national number with the patterns of phonenumbers' own metadata for France, tried in the order
``phonenumbers.number_type`` tries them, so that its verdict is the library's (the tests compare
the two on every three-digit prefix and on generated writings). Anything else (brackets, another
country, a range that is not allocated) is left to the general parser, which also words the
refusal.

Those patterns are kept here as the library's file for France spells them (``_FR``), with that
file's length and checksum: while the installed file is the same, French numbers are read without
importing ``phonenumbers`` at all (~20 ms of imports and pattern compiles, a noticeable part of
a send's or the console's start-up); when it differs (another version of the library), the
patterns are read from the library itself, as before. The number types are the library's values
(``PhoneNumberType``, a test compares them).
"""

from __future__ import annotations

import re
import zlib
from functools import cache
from importlib.util import find_spec
from pathlib import Path
from types import SimpleNamespace
from typing import Any


class PhoneNumberType:
    """``phonenumbers.PhoneNumberType``'s values, named without importing the library."""

    FIXED_LINE = 0
    MOBILE = 1
    FIXED_LINE_OR_MOBILE = 2
    TOLL_FREE = 3
    PREMIUM_RATE = 4
    SHARED_COST = 5
    VOIP = 6
    PERSONAL_NUMBER = 7
    PAGER = 8
    UAN = 9
    VOICEMAIL = 10
    UNKNOWN = 99


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
    metadata = _kept_metadata() if _library_file_unchanged() else _library_metadata()
    if metadata is None or not _applies(metadata.general_desc):
        return None  # metadata unlike today's: the general parser decides everything
    return _Classifier(metadata)


def _library_metadata() -> Any:
    from phonenumbers import PhoneMetadata

    return PhoneMetadata.metadata_for_region("FR")


#: What ``_Classifier`` reads of the library's metadata for France (``region_FR.py``), as that
#: file spells it: (national_number_pattern, possible_length) of each description, None for a
#: description the file does not give; ``tests/unit/test_cli_imports_phone.py`` compares it.
_FR: dict[str, tuple[str, tuple[int, ...]] | None] = {
    "general_desc": (r"[1-9]\d{8}", (9,)),
    "fixed_line": (
        r"(?:26[013-9]|59[1-35-9])\d{6}|(?:[13]\d|2[0-57-9]|4[1-9]|5[0-8])\d{7}",
        (9,),
    ),
    "mobile": (r"(?:6(?:[0-24-8]\d|3[0-8]|9[589])|7[3-9]\d)\d{6}", (9,)),
    "toll_free": (r"80[0-5]\d{6}", (9,)),
    "premium_rate": (
        r"836(?:0[0-36-9]|[1-9]\d)\d{4}|8(?:1[2-9]|2[2-47-9]|3[0-57-9]|[569]\d|8[0-35-9])\d{6}",
        (9,),
    ),
    "shared_cost": (r"8(?:1[01]|2[0156]|4[024]|84)\d{6}", (9,)),
    "voip": (r"9\d{8}", (9,)),
    "uan": (r"80[6-9]\d{6}", (9,)),
    "personal_number": None,
    "pager": None,
    "voicemail": None,
}
_FR_SAME_MOBILE_AND_FIXED_LINE_PATTERN = False
#: The length and CRC-32 of the library's ``data/region_FR.py`` that ``_FR`` was read from.
_FR_FILE = (2261, 2646282787)


def _kept_metadata() -> SimpleNamespace:
    """``_FR`` with the attributes of the library's ``PhoneMetadata`` that ``_Classifier`` reads."""
    descs = {
        name: None
        if kept is None
        else SimpleNamespace(national_number_pattern=kept[0], possible_length=kept[1])
        for name, kept in _FR.items()
    }
    return SimpleNamespace(
        **descs, same_mobile_and_fixed_line_pattern=_FR_SAME_MOBILE_AND_FIXED_LINE_PATTERN
    )


def _library_file_unchanged() -> bool:
    """Whether the installed library's file for France is the one ``_FR`` was read from
    (found without importing the library: a top-level package's spec imports nothing)."""
    try:
        spec = find_spec("phonenumbers")
        folders = spec.submodule_search_locations if spec is not None else None
        if not folders:
            return False
        data = (Path(next(iter(folders))) / "data" / "region_FR.py").read_bytes()
    except (OSError, ImportError, ValueError):
        return False
    return (len(data), zlib.crc32(data)) == _FR_FILE
