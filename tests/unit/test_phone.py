"""Phone numbers: what an operator types, E.164, line types, per-provider renderings, lists."""

from __future__ import annotations

import pytest

from providers.errors import InputError
from providers.phone import (
    LineType,
    RejectedNumber,
    display,
    for_capitole,
    for_ecampaign,
    for_octopush,
    for_voicepartner,
    from_ecampaign,
    international_digits,
    is_french,
    is_mobile,
    line_type,
    national_french,
    normalise,
    parse_recipients,
    require_mobile,
    split_recipients,
)

# --------------------------------------------------------------------------- normalise


@pytest.mark.parametrize(
    "raw",
    [
        "06 11 22 33 44",
        "0611223344",
        "06.11.22.33.44",
        "06-11-22-33-44",
        "  0611223344\n",
        "+33 6 11 22 33 44",
        "+33611223344",
        "+33 (0)6 11 22 33 44",
        "0033 6 11 22 33 44",
        "0033611223344",
        "33611223344",
        # Pasted from a French document: no-break and narrow no-break spaces.
        "06\u00a011\u202f22\u00a033\u00a044",
    ],
)
def test_french_mobile_written_every_way(raw: str) -> None:
    assert normalise(raw) == "+33611223344"


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+34 622 33 44 55", "FR", "+34622334455"),
        ("0034 622 33 44 55", "FR", "+34622334455"),
        ("+44 7911 123456", "FR", "+447911123456"),
        ("+1 212 555 0123", "FR", "+12125550123"),
        ("+262 692 12 34 56", "FR", "+262692123456"),  # La Réunion: its own country code
        ("622 33 44 55", "ES", "+34622334455"),
        ("07911 123456", "GB", "+447911123456"),
    ],
)
def test_foreign_numbers(raw: str, region: str, expected: str) -> None:
    assert normalise(raw, region) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty number"),
        ("   \n", "empty number"),
        ("abc", "'abc' contains characters a phone number cannot hold"),
        ("06 11 22 AB CD", "'06 11 22 AB CD' contains characters a phone number cannot hold"),
        ("06 11 22 33 44 x", "'06 11 22 33 44 x' contains characters a phone number cannot hold"),
        ("0611", "'0611' has the wrong length for its country"),
        ("06 11 22 33 44 55", "'06 11 22 33 44 55' has the wrong length for its country"),
        ("+33 4 00 00 00 00", "'+33 4 00 00 00 00' is not an allocated number range"),
        ("+1 555 555 5555", "'+1 555 555 5555' is not an allocated number range"),
    ],
)
def test_garbage_is_refused_with_the_reason(raw: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        normalise(raw)
    assert (caught.value.field, caught.value.message) == ("number", message)


@pytest.mark.parametrize("raw", ["+", "++", "+990 12345", "()"])
def test_unparseable_is_refused(raw: str) -> None:
    with pytest.raises(InputError, match=r"is not a phone number") as caught:
        normalise(raw, field="recipient")
    assert caught.value.field == "recipient"


# --------------------------------------------------------------------------- line types


@pytest.mark.parametrize(
    ("e164", "kind"),
    [
        ("+33611223344", LineType.MOBILE),
        ("+33756123456", LineType.MOBILE),
        ("+33123456789", LineType.FIXED),
        ("+33556123456", LineType.FIXED),
        ("+33970123456", LineType.OTHER),  # 09 VoIP
        ("+33800123456", LineType.OTHER),  # toll free
        ("+447911123456", LineType.MOBILE),
        ("+262692123456", LineType.MOBILE),
    ],
)
def test_line_types(e164: str, kind: LineType) -> None:
    assert line_type(e164) is kind
    assert is_mobile(e164) is (kind is LineType.MOBILE)


def test_require_mobile_names_the_number_and_why() -> None:
    require_mobile("+33611223344", "voicemail drop")
    with pytest.raises(InputError) as caught:
        require_mobile("+33123456789", "voicemail drop reaches mobiles only")
    assert (caught.value.field, caught.value.message) == (
        "recipient",
        "01 23 45 67 89 is not a mobile number (voicemail drop reaches mobiles only)",
    )


def test_non_e164_input_is_refused_by_the_e164_helpers() -> None:
    for helper in (line_type, is_french, display, for_capitole, for_ecampaign):
        with pytest.raises(InputError, match=r"'0611223344' is not in E.164 form"):
            helper("0611223344")


def test_is_french_means_plus_33() -> None:
    assert is_french("+33611223344")
    assert not is_french("+262692123456")
    assert not is_french("+34622334455")


def test_display() -> None:
    assert display("+33611223344") == "06 11 22 33 44"
    assert display("+34622334455") == "+34 622 33 44 55"


# --------------------------------------------------------------------------- renderings


def test_capitole_rendering_is_national_for_france_and_digits_otherwise() -> None:
    assert for_capitole("+33611223344") == "0611223344"
    assert for_capitole("+34622334455") == "34622334455"
    assert for_capitole("+262692123456") == "262692123456"


def test_ecampaign_rendering_keeps_the_country_code_apart() -> None:
    assert for_ecampaign("+33611223344") == ("33", "611223344")
    assert for_ecampaign("+447911123456") == ("44", "7911123456")
    # Italy keeps its leading 0: it is part of the number, not a trunk prefix.
    assert for_ecampaign("+390612345678") == ("39", "0612345678")


@pytest.mark.parametrize(
    ("code", "number", "expected"),
    [
        ("33", "611223344", "+33611223344"),
        ("33", "0611223344", "+33611223344"),
        ("+33", " 611223344 ", "+33611223344"),
        ("44", "7911123456", "+447911123456"),
        ("39", "0612345678", "+390612345678"),
    ],
)
def test_from_ecampaign(code: str, number: str, expected: str) -> None:
    assert from_ecampaign(code, number) == expected


@pytest.mark.parametrize("e164", ["+33611223344", "+447911123456", "+390612345678"])
def test_ecampaign_rendering_round_trips(e164: str) -> None:
    assert from_ecampaign(*for_ecampaign(e164)) == e164


def test_octopush_and_voicepartner_renderings() -> None:
    assert for_octopush("+33611223344") == "+33611223344"
    assert for_octopush("+34622334455") == "+34622334455"
    assert for_voicepartner("+33611223344") == "0611223344"
    with pytest.raises(InputError) as caught:
        for_voicepartner("+34622334455")
    assert (caught.value.field, caught.value.message) == (
        "recipient",
        "+34622334455 is not a French number",
    )


def test_national_french_and_international_digits() -> None:
    assert national_french("+33123456789") == "0123456789"
    with pytest.raises(InputError):
        national_french("+262692123456")
    assert international_digits("+33611223344") == "33611223344"


# --------------------------------------------------------------------------- lists


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0611223344,0622334455", ["0611223344", "0622334455"]),
        ("0611223344;0622334455\t0633445566", ["0611223344", "0622334455", "0633445566"]),
        ("0611223344\n0622334455\r\n\n0633445566\n", ["0611223344", "0622334455", "0633445566"]),
        ("06 11 22 33 44", ["06 11 22 33 44"]),
        ("06 11 22 33 44, +33 6 22 33 44 55", ["06 11 22 33 44", "+33 6 22 33 44 55"]),
        ("+33 611223344", ["+33 611223344"]),
        ("0611223344 0622334455", ["0611223344", "0622334455"]),
        ("+33611223344  +34622334455", ["+33611223344", "+34622334455"]),
        (" , ;\n\t", []),
        ("", []),
    ],
)
def test_split_recipients(text: str, expected: list[str]) -> None:
    assert split_recipients(text) == expected


def test_parse_recipients_counts_duplicates_and_lists_invalid_with_reasons() -> None:
    pasted = (
        "06 11 22 33 44\n"
        "+33611223344, 0033 6 11 22 33 44\n"  # the same number twice more
        "0622334455 0633445566\n"
        "abc; 0611\n"
        "+34 622 33 44 55\n"
        "06 22 33 44 55\n"  # duplicate of the second number
    )
    result = parse_recipients(pasted)
    assert result.valid == ("+33611223344", "+33622334455", "+33633445566", "+34622334455")
    assert result.duplicates == 3
    assert result.invalid == (
        RejectedNumber("abc", "'abc' contains characters a phone number cannot hold"),
        RejectedNumber("0611", "'0611' has the wrong length for its country"),
    )


def test_parse_recipients_mobile_only() -> None:
    result = parse_recipients(["0611223344", " 01 23 45 67 89 ", "0970123456"], mobile_only=True)
    assert result.valid == ("+33611223344",)
    assert result.invalid == (
        RejectedNumber("01 23 45 67 89", "'01 23 45 67 89' is not a mobile number"),
        RejectedNumber("0970123456", "'0970123456' is not a mobile number"),
    )
    assert result.duplicates == 0


def test_parse_recipients_from_a_list_uses_the_region_and_reports_empty_items() -> None:
    items = ["06 11 22 33 44", "", "622 33 44 55", "+33 6 11 22 33 44"]
    result = parse_recipients(items, region="ES")
    assert result.valid == ("+34622334455", "+33611223344")
    assert result.invalid == (
        RejectedNumber("06 11 22 33 44", "'06 11 22 33 44' has the wrong length for its country"),
        RejectedNumber("", "empty number"),
    )
