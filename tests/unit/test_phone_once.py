"""A number is parsed once, at the edge: ``phone.Number`` carries what the parse found, the French
shortcut (``providers.phone_fr``) gives the general parser's verdicts, and the providers' rules
parse nothing they are given as a ``Number`` (issue 13, item 1)."""

from __future__ import annotations

import json
import pickle
import random
import sqlite3

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import PhoneNumberType

from providers import phone, phone_fr
from providers.capitole import rules as capitole_rules
from providers.ecampaign import rules as ecampaign_rules
from providers.errors import InputError
from providers.models import Channel, SendStatus, SmsMessage, VmsType, VoiceMessage
from providers.octopush import provider as octopush_provider
from providers.octopush import rules as octopush_rules
from providers.octopush.codes import Reply, Success
from providers.voicepartner import rules as voicepartner_rules


def library_kind(national: str) -> int:
    parsed = phonenumbers.parse("+33" + national, None)
    if not phonenumbers.is_valid_number(parsed):
        return PhoneNumberType.UNKNOWN
    return int(phonenumbers.number_type(parsed))


def test_the_french_shortcut_classifies_every_prefix_as_the_library_does() -> None:
    draw = random.Random(13)
    for prefix in range(100, 1000):
        for _ in range(12):
            national = f"{prefix}{draw.randrange(10**6):06d}"
            assert phone_fr.kind_of(national) == library_kind(national), national


def slow(raw: str) -> tuple[str, int, int] | str:
    """What the general parser alone says of ``raw``: (E.164, country, type) or the refusal."""
    try:
        parsed = phone._parse_valid(raw, "FR", "number")
    except InputError as exc:
        return exc.message
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return e164, int(parsed.country_code or 0), int(phonenumbers.number_type(parsed))


def fast(raw: str) -> tuple[str, int, int] | str:
    try:
        number = phone.parse_number(raw)
    except InputError as exc:
        return exc.message
    return str(number), number.country_code, number.kind


separator = st.sampled_from(["", " ", ".", "-", "\u00a0", "\u202f", "  ", " - "])


@st.composite
def writings(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["0", "+33", "0033", "+33 ", "0033 ", "+", "00", "", "33"]))
    digits = draw(st.text(alphabet="0123456789", min_size=8, max_size=11))
    parts = [prefix]
    for digit in digits:
        parts.append(draw(separator) + digit)
    return draw(st.sampled_from(["", " ", "-"])) + "".join(parts) + draw(st.sampled_from(["", " "]))


@settings(max_examples=1500, deadline=None)
@given(writings())
def test_parse_number_says_what_the_general_parser_says(raw: str) -> None:
    assert fast(raw) == slow(raw)


@pytest.mark.parametrize("national", ["612345678", "145000001", "912345678", "899123456"])
def test_every_usual_writing_takes_the_shortcut(national: str) -> None:
    for raw in (
        f"0{national}",
        f"+33{national}",
        f"0033 {national}",
        f"0{national[0]} {national[1:]}",
    ):
        assert phone_fr.read(raw) == (f"+33{national}", 33, library_kind(national))


def test_a_number_is_the_string_it_spells() -> None:
    number = phone.parse_number("06 11 22 33 44")
    assert number == "+33611223344" and hash(number) == hash("+33611223344")
    assert isinstance(number, str) and isinstance(number, phone.Number)
    assert (number.country_code, number.line_type) == (33, phone.LineType.MOBILE)
    assert json.dumps([number]) == '["+33611223344"]'
    conn = sqlite3.connect(":memory:")
    assert conn.execute("SELECT ?, typeof(?)", (number, number)).fetchone() == (
        "+33611223344",
        "text",
    )
    again = pickle.loads(pickle.dumps(number))
    assert again == number and again.kind == number.kind
    assert not hasattr(number, "__dict__")  # weighs what the string weighs


def test_as_number_upgrades_only_exact_e164() -> None:
    assert isinstance(phone.as_number("+33611223344"), phone.Number)
    for raw in ("0611223344", "+33 6 11 22 33 44", "+3361122", "abc"):
        assert phone.as_number(raw) is raw


def numbers(*raws: str) -> tuple[phone.Number, ...]:
    return tuple(phone.parse_number(raw) for raw in raws)


def test_rules_take_numbers_without_parsing_them(monkeypatch: pytest.MonkeyPatch) -> None:
    mobiles = numbers("0611223344", "0755667788")
    landline = numbers("0145000001")
    parses: list[object] = []
    original = phonenumbers.parse
    monkeypatch.setattr(phonenumbers, "parse", lambda *a, **k: parses.append(a) or original(*a))
    monkeypatch.setattr(phone_fr, "read", lambda raw: parses.append(raw))

    assert capitole_rules.check_recipients(mobiles) == mobiles
    capitole_rules.check_sms(SmsMessage("Bonjour", mobiles))
    voice = VoiceMessage(landline, sender="0145000000", voice_msg="hiver", vms_type=VmsType.AD)
    capitole_rules.check_voice(voice)
    assert octopush_rules.check_recipients(mobiles) == mobiles
    assert [row[0] for row in ecampaign_rules.phone_recipients(mobiles, Channel.SMS)] == list(
        mobiles
    )
    assert voicepartner_rules._recipients(mobiles)[0] == mobiles
    # Only the senders were parsed (they are typed, not recipients).
    assert all("0145000000" in str(call) for call in parses), parses


def test_plain_strings_are_still_checked_in_the_providers_words() -> None:
    with pytest.raises(InputError, match=r"not in E\.164 form"):
        capitole_rules.check_recipients(("0611223344",))
    with pytest.raises(InputError, match="not an allocated number range"):
        octopush_rules.check_recipients(("+33400000000",))
    assert octopush_rules.check_recipients(("+33611223344",)) == ("+33611223344",)


def test_octopush_reads_its_reply_without_parsing_the_numbers_it_was_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent = numbers("0611223344", "0755667788")
    calls: list[str] = []
    monkeypatch.setattr(octopush_provider, "normalise", lambda n: calls.append(n) or n)
    prepared = octopush_provider._Prepared((), sent, None)
    reply = Reply("000", successes=tuple(Success(str(n)) for n in sent))
    receipt = octopush_provider._receipt(reply, prepared, dry_run=False)
    assert [r.status for r in receipt.recipients] == [SendStatus.ACCEPTED] * 2
    assert calls == []
