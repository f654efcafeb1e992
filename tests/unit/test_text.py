"""SMS text rules: GSM-7 / UCS-2 segments, Latin-9, limits, STOP mention, transliteration."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.base import PROVIDER_KINDS
from providers.capitole.rules import STOP_MENTION as CAPITOLE_STOP_MENTION
from providers.errors import InputError
from providers.models import Route
from providers.text import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    check_sms_text,
    check_tts_text,
    count_sms,
    describe_character,
    is_gsm7,
    latin9_bytes,
    latin9_unencodable,
    non_gsm7_characters,
    profile_for,
    split_parts,
    suggest_transliteration,
    transliterate,
)

PROVIDERS = [None, "capitole", "octopush", "ecampaign", "voicepartner"]
EMOJI = "\U0001f600"
# Every str, lone surrogates included: what a paste or a broken terminal can produce.
ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()))


# --------------------------------------------------------------------------- tables


def test_gsm7_tables_match_3gpp_23038() -> None:
    assert len(GSM7_BASIC) == 127  # 128 positions minus the escape
    greek = {0x394, 0x3A6, 0x393, 0x39B, 0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E}
    assert {ord(ch) for ch in GSM7_BASIC if ord(ch) > 0xFF} == greek
    assert set("@£$¥èéùìòÇØøÅåÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r") <= GSM7_BASIC
    assert set("\f^{}\\[~]|€") == GSM7_EXTENSION
    assert "\x1b" not in GSM7_BASIC
    # Traps: the lowercase c cedilla, ê and the backtick are not in GSM-7.
    assert not {"ç", "ê", "`", "œ", "\u00a0"} & (GSM7_BASIC | GSM7_EXTENSION)


def test_latin9_bytes_of_the_eight_characters_that_differ_from_latin1() -> None:
    assert latin9_bytes("€œŒŸŠšŽž") == bytes.fromhex("A4 BD BC BE A6 A8 B4 B8")
    assert latin9_bytes("Été « ça » 20 €") == "Été « ça » 20 €".encode("iso-8859-15")


def test_latin9_bytes_refuses_and_names_what_it_cannot_encode() -> None:
    with pytest.raises(InputError) as caught:
        latin9_bytes("l’été…", field="tts")
    assert caught.value.field == "tts"
    assert "’ (U+2019)" in caught.value.message
    assert "… (U+2026)" in caught.value.message
    assert "replace with ..." in caught.value.message


def test_latin9_unencodable_is_distinct_and_in_order() -> None:
    # ½ ¤ are Latin-1 but not Latin-9; lone surrogates encode nowhere.
    text = f"a’b{EMOJI}’½€¤\ud800"
    assert latin9_unencodable(text) == ("’", EMOJI, "½", "¤", "\ud800")


# --------------------------------------------------------------------------- segments


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 0),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("œ" * 70, "UCS-2", 70, 1),
        ("œ" * 71, "UCS-2", 71, 2),
        ("œ" * 134, "UCS-2", 134, 2),
        ("œ" * 135, "UCS-2", 135, 3),
        # Extension characters take two septets.
        ("€" * 80, "GSM-7", 160, 1),
        ("a" * 159 + "€", "GSM-7", 161, 2),
        ("a" * 158 + "{", "GSM-7", 160, 1),
        # An escape sequence never straddles two parts: 306 septets, yet 3 SMS.
        ("a" * 152 + "€" + "a" * 152, "GSM-7", 306, 3),
        ("a" * 151 + "€" + "a" * 153, "GSM-7", 306, 2),
        # Nor does a surrogate pair: 134 units, yet 3 SMS.
        ("œ" + "a" * 65 + EMOJI + "a" * 66, "UCS-2", 134, 3),
        (EMOJI * 35, "UCS-2", 70, 1),
        (EMOJI * 36, "UCS-2", 72, 2),
        (EMOJI * 67, "UCS-2", 134, 3),  # 33 emoji fit in 67 units, not 33.5
    ],
    ids=lambda value: repr(value)[:24] if isinstance(value, str) else str(value),
)
def test_segment_boundaries(text: str, encoding: str, units: int, segments: int) -> None:
    count = count_sms(text)
    assert (count.encoding, count.units, count.segments) == (encoding, units, segments)
    assert count.characters == len(text)


def test_split_parts_moves_a_two_unit_character_to_the_next_part() -> None:
    assert split_parts("a" * 152 + "€" + "a" * 152) == ("a" * 152, "€" + "a" * 151, "a")
    parts = split_parts("œ" + "a" * 65 + EMOJI + "a" * 66)
    assert parts == ("œ" + "a" * 65, EMOJI + "a" * 65, "a")
    assert split_parts("a" * 160) == ("a" * 160,)
    assert split_parts("") == ()


def test_oe_ligature_forces_ucs2_but_e_acute_does_not() -> None:
    assert count_sms("Mon cœur").encoding == "UCS-2"
    assert count_sms("Été à Noël? Non: en été").encoding == "UCS-2"  # ë is not GSM-7
    assert count_sms("Été à Paris, où?").encoding == "GSM-7"
    assert count_sms("garçon").encoding == "UCS-2"
    assert count_sms("GARÇON").encoding == "GSM-7"
    assert non_gsm7_characters("Noël, cœur, Noël") == ("ë", "œ")


def test_emoji_counts_two_units_and_one_character() -> None:
    count = count_sms(f"ok {EMOJI}")
    assert (count.encoding, count.characters, count.units) == ("UCS-2", 4, 5)


# --------------------------------------------------------------------------- provider rules


def test_as_dict_has_exactly_the_documented_keys() -> None:
    count = count_sms("Promo -20 %", "capitole", Route.MARKETING)
    assert count.as_dict() == {
        "encoding": "GSM-7",
        "characters": 11 + 14,
        "units": 25,
        "segments": 1,
        "unencodable": [],
        "max_segments": 1,
        "stop_mention": " STOP au 36XXX",
    }


def test_capitole_marketing_counts_the_stop_mention() -> None:
    assert CAPITOLE_STOP_MENTION == " STOP au 36XXX"
    assert len(CAPITOLE_STOP_MENTION) == 14
    fits = check_sms_text("a" * 146, "capitole", Route.MARKETING)
    assert (fits.characters, fits.units, fits.segments) == (160, 160, 1)
    assert fits.stop_mention == CAPITOLE_STOP_MENTION
    # 147 characters fit alone, not with the mention.
    assert check_sms_text("a" * 147, "capitole", Route.NOTIFICATION).stop_mention is None
    with pytest.raises(InputError) as caught:
        check_sms_text("a" * 147, "capitole", Route.MARKETING)
    assert caught.value.field == "text"
    message = caught.value.message
    assert "161 characters including the 14-character STOP mention" in message
    assert "2 SMS but CapitoleMobile allows at most 1 SMS" in message
    assert "long SMS would allow up to 4 SMS" in message


def test_only_capitole_appends_a_mention() -> None:
    for provider in (None, "octopush", "ecampaign"):
        count = count_sms("a" * 150, provider, Route.MARKETING)
        assert (count.stop_mention, count.characters) == (None, 150)


def test_capitole_long_allows_four_sms() -> None:
    assert profile_for("capitole").max_segments == 1
    assert profile_for("capitole", long=True).max_segments == 4
    assert check_sms_text("a" * 612, "capitole", long=True).segments == 4
    with pytest.raises(InputError, match=r"5 SMS but CapitoleMobile allows at most 4 SMS"):
        check_sms_text("a" * 613, "capitole", long=True)
    with pytest.raises(InputError, match=r"3 SMS but CapitoleMobile allows at most 1 SMS"):
        check_sms_text("a" * 400, "capitole")


def test_capitole_refuses_emoji_and_names_itself() -> None:
    with pytest.raises(InputError) as caught:
        check_sms_text(f"Merci {EMOJI}", "capitole")
    assert caught.value.field == "text"
    assert caught.value.message == (
        f"{EMOJI} (U+1F600) cannot be sent by CapitoleMobile; no transliteration exists; remove it"
    )
    assert count_sms(f"Merci {EMOJI}", "capitole").unencodable == (EMOJI,)


def test_capitole_refusal_suggests_the_transliteration() -> None:
    with pytest.raises(InputError) as caught:
        check_sms_text("l’équipe", "capitole")
    assert caught.value.message == "’ (U+2019) cannot be sent by CapitoleMobile; replace with '"
    with pytest.raises(InputError) as caught:
        check_sms_text("“Soldes” – 20 % …", "capitole")
    assert caught.value.message == (
        '4 characters cannot be sent by CapitoleMobile: “ (U+201C): replace with "; '
        '” (U+201D): replace with "; – (U+2013): replace with -; … (U+2026): replace with ...'
    )


def test_capitole_accepts_every_latin9_letter() -> None:
    text = "Œuvre « Ÿ » : 20 € — non, 20 €"
    with pytest.raises(InputError):  # the em dash only
        check_sms_text(text, "capitole", long=True)
    count = check_sms_text(text.replace("—", "-"), "capitole", long=True)
    assert count.encoding == "UCS-2"  # œ « Ÿ are Latin-9 but not GSM-7


def test_utf8_providers_carry_what_latin9_cannot() -> None:
    for provider in ("octopush", "ecampaign"):
        count = check_sms_text(f"l’équipe {EMOJI}", provider)
        assert (count.encoding, count.unencodable) == ("UCS-2", ())


@pytest.mark.parametrize("provider", [None, "capitole", "octopush", "ecampaign"])
@pytest.mark.parametrize("text", ["", "   ", "\n\r\n", "\u200b", "\u00a0"])
def test_empty_text_is_refused(provider: str | None, text: str) -> None:
    with pytest.raises(InputError) as caught:
        check_sms_text(text, provider)
    assert (caught.value.field, caught.value.message) == ("text", "the message is empty")


@pytest.mark.parametrize("provider", [None, "capitole", "octopush", "ecampaign"])
def test_control_characters_are_refused_but_line_breaks_are_not(provider: str | None) -> None:
    assert check_sms_text("Ligne 1\r\nLigne 2\nFin", provider).encoding == "GSM-7"
    with pytest.raises(InputError) as caught:
        check_sms_text("a\tb\x07c\x1b", provider)
    label = profile_for(provider).label
    assert caught.value.message == (
        f"3 characters cannot be sent by {label}: U+0009 (tab): replace with a space; "
        "U+0007 (control character): remove it; U+001B (control character): remove it"
    )
    # The form feed is in the GSM-7 extension table, yet a control character: refused.
    assert count_sms("\f", provider).unencodable == ("\f",)
    assert count_sms("\f", provider).units == 2


def test_voicepartner_sends_no_sms() -> None:
    with pytest.raises(InputError) as caught:
        check_sms_text("Bonjour", "voicepartner")
    assert (caught.value.field, caught.value.message) == (
        "channel",
        "VoicePartner does not send SMS (voice only)",
    )


def test_octopush_maximum_is_459_counting_extension_characters_twice() -> None:
    assert check_sms_text("a" * 459, "octopush").segments == 3
    assert count_sms("a" * 459, "octopush").max_segments is None
    with pytest.raises(InputError, match=r"460 characters; Octopush accepts at most 459$"):
        check_sms_text("a" * 460, "octopush")
    with pytest.raises(InputError) as caught:
        check_sms_text("€" * 230, "octopush")
    assert caught.value.message == (
        "the message is 230 characters, counted as 460 (^ { } \\ [ ~ ] | € count as 2); "
        "Octopush accepts at most 459"
    )


def test_ecampaign_is_capped_at_ten_sms() -> None:
    assert check_sms_text("a" * 1530, "ecampaign").segments == 10
    with pytest.raises(InputError, match=r"11 SMS but eCampaign allows at most 10 SMS \(1530"):
        check_sms_text("a" * 1531, "ecampaign")
    with pytest.raises(InputError) as caught:
        check_sms_text("œ" * 671, "ecampaign")
    assert "it travels as UCS-2 (70 per SMS instead of 160) because of œ (U+0153)" in str(
        caught.value
    )


def test_unknown_provider_has_no_maximum() -> None:
    count = check_sms_text("a" * 5000, None)
    assert (count.segments, count.max_segments, count.too_long) == (33, None, False)


def test_profile_for_an_unknown_kind_is_refused() -> None:
    with pytest.raises(InputError) as caught:
        profile_for("smsbox")
    assert caught.value.field == "provider"
    profiled = {kind for kind in PROVIDER_KINDS if profile_for(kind).key == kind}
    assert profiled == {"capitole", "octopush", "ecampaign", "voicepartner"}


def test_check_tts_text() -> None:
    check_tts_text("Bonjour, votre colis arrive demain.", "capitole")
    check_tts_text("l’équipe", "voicepartner")
    with pytest.raises(InputError) as caught:
        check_tts_text("l’équipe", "capitole")
    assert caught.value.field == "tts"
    assert "’ (U+2019) cannot be sent by CapitoleMobile" in caught.value.message
    with pytest.raises(InputError, match="empty"):
        check_tts_text(" \n", "voicepartner")


# --------------------------------------------------------------------------- transliteration


def test_transliterate_to_latin9() -> None:
    source = "l’“été”\u00a0: ‘a’ … – — «\u202fœ\u202f» Ÿ\u00ad ½\tfin\u200b"
    assert transliterate(source) == "l'\"été\" : 'a' ... - - « œ » Ÿ 1/2 fin"
    assert latin9_unencodable(transliterate(source)) == ()


def test_transliterate_composes_decomposed_accents() -> None:
    decomposed = "e\u0301te\u0301 a\u0300 Noe\u0308l"
    assert count_sms(decomposed, "capitole").unencodable == ("\u0301", "\u0300", "\u0308")
    assert transliterate(decomposed) == "été à Noël"


def test_transliterate_keeps_emoji_which_stay_unencodable() -> None:
    assert transliterate(f"Merci {EMOJI}") == f"Merci {EMOJI}"
    assert count_sms(transliterate(f"Merci {EMOJI}"), "capitole").unencodable == (EMOJI,)


def test_transliterate_to_gsm7_on_request() -> None:
    text = "Œuvre « cœur » ê ç Ÿ à é ’ … ` ą"
    assert transliterate(text, "gsm7") == "OEuvre \" coeur \" e c Y à é ' ... ' a"
    assert is_gsm7(transliterate(text, "gsm7"))
    assert count_sms(transliterate("Noël à Orléans, ça", "gsm7")).encoding == "GSM-7"


@pytest.mark.parametrize(
    ("ch", "target", "expected"),
    [
        ("’", "latin9", "'"),
        ("…", "latin9", "..."),
        ("é", "latin9", "é"),
        ("œ", "latin9", "œ"),
        ("œ", "gsm7", "oe"),
        ("ê", "gsm7", "e"),
        ("\u00a0", "latin9", " "),
        ("\u200b", "latin9", ""),
        ("\u2126", "gsm7", "\u03a9"),  # the ohm sign is canonically the Greek capital omega
        ("ą", "latin9", "a"),
        (EMOJI, "latin9", None),
        ("ł", "latin9", None),
    ],
)
def test_suggest_transliteration(ch: str, target: str, expected: str | None) -> None:
    assert suggest_transliteration(ch, target) == expected  # type: ignore[arg-type]


def test_describe_character_names_invisible_characters() -> None:
    assert describe_character("’") == "’ (U+2019)"
    assert describe_character("\u00a0") == "U+00A0 (no-break space)"
    assert describe_character("\t") == "U+0009 (tab)"
    assert describe_character("\ud800") == "U+D800 (lone surrogate)"
    assert describe_character("\u0301") == "\u25cc\u0301 (U+0301, combining acute accent)"


# --------------------------------------------------------------------------- properties


@given(ANY_TEXT, st.sampled_from(PROVIDERS), st.sampled_from(list(Route)), st.booleans())
def test_count_never_raises_and_is_consistent(
    text: str, provider: str | None, route: Route, long: bool
) -> None:
    count = count_sms(text, provider, route, long)
    assert count.characters == len(text) + len(count.stop_mention or "")
    assert count.units >= count.characters
    assert set(count.unencodable) <= set(text + (count.stop_mention or ""))
    assert len(count.as_dict()) == 7


@given(ANY_TEXT)
def test_segments_are_monotonic_in_length(text: str) -> None:
    previous = 0
    for end in range(len(text) + 1):
        segments = count_sms(text[:end]).segments
        assert segments >= previous
        previous = segments


@given(ANY_TEXT)
def test_parts_rebuild_the_text_and_fit(text: str) -> None:
    parts = split_parts(text)
    assert "".join(parts) == text
    assert len(parts) == count_sms(text).segments
    if len(parts) > 1:
        limit = 153 if is_gsm7(text) else 67
        assert all(count_sms(part).units <= limit for part in parts)


@given(ANY_TEXT, st.sampled_from(["latin9", "gsm7"]))
def test_transliteration_leaves_only_what_has_no_equivalent(text: str, target: str) -> None:
    result = transliterate(text, target)  # type: ignore[arg-type]
    assert transliterate(result, target) == result  # type: ignore[arg-type]
    for ch in result:
        assert suggest_transliteration(ch, target) in (ch, None)  # type: ignore[arg-type]
