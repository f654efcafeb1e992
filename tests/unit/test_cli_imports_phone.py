"""French numbers are read without importing ``phonenumbers`` (issue 13: ~20 ms of a send's and
the console's start-up): ``providers.phone_fr`` keeps the library's patterns for France with the
fingerprint of the file they come from, and reads them from the library when that file differs.
The verdicts stay the library's (``test_phone_once.py`` compares them on every prefix)."""

from __future__ import annotations

import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import phonenumbers
import pytest
from phonenumbers import PhoneMetadata

from providers import phone_fr

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_classifier() -> Iterator[None]:
    phone_fr._classifier.cache_clear()
    yield
    phone_fr._classifier.cache_clear()


def test_the_number_types_are_the_library_s() -> None:
    ours = {k: v for k, v in vars(phone_fr.PhoneNumberType).items() if k.isupper()}
    library = {k: v for k, v in vars(phonenumbers.PhoneNumberType).items() if isinstance(v, int)}
    assert ours == library


def test_the_kept_patterns_are_the_installed_library_s() -> None:
    metadata = PhoneMetadata.metadata_for_region("FR")
    assert metadata is not None
    for name, kept in phone_fr._FR.items():
        desc = getattr(metadata, name)
        library = None if desc is None else (desc.national_number_pattern, desc.possible_length)
        assert kept == library, name
    assert set(phone_fr._FR) >= {name for name, _ in phone_fr._ORDER} | {"general_desc", "mobile"}
    assert (
        bool(metadata.same_mobile_and_fixed_line_pattern)
        == phone_fr._FR_SAME_MOBILE_AND_FIXED_LINE_PATTERN
    )


def test_the_kept_fingerprint_is_the_installed_file_s() -> None:
    """Else the library would be imported for every French number, unseen: an upgrade of
    phonenumbers that changes its French data fails here, and ``_FR`` is read again."""
    data = (Path(phonenumbers.__file__).parent / "data" / "region_FR.py").read_bytes()
    assert (len(data), zlib.crc32(data)) == phone_fr._FR_FILE
    assert phone_fr._library_file_unchanged()


def _patterns(classifier: phone_fr._Classifier | None) -> tuple[object, ...]:
    assert classifier is not None
    mobile = classifier.mobile.pattern if classifier.mobile else None
    general = classifier.general.pattern if classifier.general else None
    return general, classifier.types.pattern, mobile, classifier.same_patterns


def test_another_file_means_the_library_s_own_patterns(
    fresh_classifier: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = _patterns(phone_fr._classifier())
    phone_fr._classifier.cache_clear()
    monkeypatch.setattr(phone_fr, "_FR_FILE", (0, 0))
    monkeypatch.setattr(phone_fr, "_kept_metadata", lambda: pytest.fail("kept patterns used"))
    assert not phone_fr._library_file_unchanged()
    assert _patterns(phone_fr._classifier()) == kept  # the same, read from the library
    assert phone_fr.read("06 11 22 33 44") == ("+33611223344", 33, 1)


def test_french_numbers_are_read_and_rendered_without_the_library() -> None:
    code = """
import sys
from providers import phone
from providers.models import Channel
n = phone.parse_number("06 11 22 33 44")
assert (n, n.line_type, phone.is_mobile(n), phone.is_french(n)) == (
    "+33611223344", phone.LineType.MOBILE, True, True)
assert phone.unreachable_reason(n, Channel.SMS) is None
assert phone.parse_number("0911223344").line_type is phone.LineType.OTHER
assert phone.for_capitole(n) == "0611223344" and phone.for_ecampaign(n) == ("33", "611223344")
assert phone.national_french("+33611223344") == "0611223344"
assert len(phone.parse_recipients("0611223344, 07 81 22 33 44").valid) == 2
print("phonenumbers" in sys.modules)
assert phone.parse_number("+32 470 12 34 56") == "+32470123456"  # another country: the library
print("phonenumbers" in sys.modules)
"""
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert run.stdout.split() == ["False", "True"], run.stderr
