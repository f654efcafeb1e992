"""The one reader of amounts in provider replies: what it accepts, and what it turns away."""

from __future__ import annotations

from decimal import Decimal

import pytest

from providers.decimals import to_decimal


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("0.15"), Decimal("0.15")),
        (30, Decimal(30)),
        (0.1, Decimal("0.1")),
        ("12.5", Decimal("12.5")),
        (" 7,20 ", Decimal("7.20")),
        ("1 234.50", Decimal("1234.50")),
        ("1\u00a0234,50", Decimal("1234.50")),
        ("1\u202f234", Decimal(1234)),
        ("-3", Decimal(-3)),
        ("0E-30", Decimal(0)),
        ("1e18", Decimal("1e18")),
    ],
)
def test_amounts_are_read(value: object, expected: Decimal) -> None:
    assert to_decimal(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        "",
        "  ",
        "abc",
        "12.5 EUR",
        "NaN",
        "Infinity",
        "-inf",
        "1e19",
        "1e-19",
        "1e99999999",
        10**30,
        float("nan"),
        [1],
        {"a": 1},
    ],
)
def test_what_is_not_a_plain_amount_is_none(value: object) -> None:
    assert to_decimal(value) is None
