"""The sandboxes' own rules (network parts, numbers, ids, request pacing), checked against the
standards and the specs directly, not against the client's versions of them."""

from __future__ import annotations

import pytest

from providers.sandbox import ids, numbers
from providers.sandbox.gsm import sms_parts
from providers.sandbox.pacing import Limit, SlidingWindows


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("", 0),
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),  # an extension character takes two septets
        ("€" * 81, 2),
        # 306 septets would fit two parts, but the escape sequence is not cut: three.
        ("a" * 152 + "€" + "a" * 152, 3),
        ("ç" * 70, 1),  # ç is not GSM-7: UCS-2
        ("ç" * 71, 2),
        ("ç" * 66 + "😀" + "ç" * 66, 3),  # nor a surrogate pair
    ],
)
def test_network_parts(text: str, parts: int) -> None:
    assert sms_parts(text) == parts


@pytest.mark.parametrize(
    ("text", "region", "e164", "mobile", "landline"),
    [
        ("06 11 22 33 44", "FR", "+33611223344", True, False),
        ("0123456789", "FR", "+33123456789", False, True),
        ("+34622334455", None, "+34622334455", True, False),
        ("0811223344", "FR", "+33811223344", False, False),
    ],
)
def test_numbers(text: str, region: str | None, e164: str, mobile: bool, landline: bool) -> None:
    number = numbers.parse(text, region)
    assert number is not None
    assert (numbers.e164(number), numbers.is_mobile(number), numbers.is_landline(number)) == (
        e164,
        mobile,
        landline,
    )


@pytest.mark.parametrize("text", ["", "06.11.22.33.44", "abc", "+3361122", "0700000000"])
def test_what_is_not_a_number(text: str) -> None:
    assert numbers.parse(text, "FR") is None


def test_ids_never_repeat_and_keep_their_form() -> None:
    hexes = [ids.unique_hex() for _ in range(1000)]
    digits = [ids.unique_digits() for _ in range(1000)]
    assert len(set(hexes)) == len(set(digits)) == 1000
    assert all(h == h.lower() and int(h, 16) >= 0 for h in hexes)
    assert all(d.isdigit() for d in digits)


def test_sliding_windows() -> None:
    now = [0.0]
    windows = SlidingWindows((Limit(2, 60.0), Limit(3, 3600.0)), clock=lambda: now[0])
    first = windows.take()
    assert first.allowed and first.headers == {
        "x-ratelimit-limit": "2",
        "x-ratelimit-remaining": "1",
        "x-ratelimit-reset": "60",
    }
    now[0] = 10.0
    assert windows.take().headers["x-ratelimit-remaining"] == "0"
    refused = windows.take()
    assert not refused.allowed
    assert refused.headers["x-ratelimit-reset"] == "50"  # the first request leaves at 60 s
    now[0] = 60.0
    assert windows.take().allowed  # the minute has room again: the third of the hour
    now[0] = 130.0
    refused = windows.take()  # the minute has room, the hour does not
    assert not refused.allowed and refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-reset"] == str(3600 - 130)
