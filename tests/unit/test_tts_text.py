"""Text to speak: checked before anything leaves, and judged as it is typed (``check_tts``)."""

from __future__ import annotations

import httpx
import pytest

from providers.base import AccountSettings, Capability, provider_info
from providers.capitole import CapitoleProvider
from providers.errors import InputError
from providers.models import VmsType, VoiceMessage
from providers.voicepartner.provider import VoicePartnerProvider
from providers.voicepartner.rules import MAX_TTS_CHARACTERS

MOBILE = "+33611223344"
SPEECH = "Bonjour, ceci est un rappel de votre rendez-vous de demain matin. "


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError("no request may leave for a text that is refused")


def voicepartner() -> VoicePartnerProvider:
    settings = AccountSettings("vp", "voicepartner", "", {})
    return VoicePartnerProvider(settings, "vp-KEY", httpx.MockTransport(refuse))


async def vp_refusal(tts: str) -> InputError:
    provider = voicepartner()
    message = VoiceMessage((MOBILE,), tts=tts)
    with pytest.raises(InputError) as validated:
        provider.validate_voice(message)
    with pytest.raises(InputError) as sent:
        await provider.send_voice(message)
    assert validated.value.message == sent.value.message
    return sent.value


# --------------------------------------------------------------------------- VoicePartner


async def test_a_huge_text_is_refused_with_the_limit() -> None:
    error = await vp_refusal("mot " * 30_000)  # 120,000 characters
    assert error.field == "tts"
    assert "119,999 characters" in error.message and f"{MAX_TTS_CHARACTERS:,}" in error.message


async def test_the_limit_itself_passes_and_one_more_is_refused() -> None:
    voicepartner().validate_voice(VoiceMessage((MOBILE,), tts="a" * MAX_TTS_CHARACTERS))
    await vp_refusal("a" * (MAX_TTS_CHARACTERS + 1))


async def test_control_characters_are_named_with_their_position() -> None:
    error = await vp_refusal("Bonjour\x07 et \x1b[31m au revoir")
    assert "U+0007 (control character) at character 8" in error.message
    assert "1 more control characters" in error.message


async def test_text_that_was_not_utf8_is_an_input_error() -> None:
    # What Python makes of "Bonjour é" read from a Latin-1 file (surrogateescape).
    raw = "Bonjour \xe9t\xe9".encode("latin-1").decode("utf-8", "surrogateescape")
    error = await vp_refusal(raw)
    assert "not valid UTF-8: byte 0xE9 at character 9" in error.message
    assert "2 such characters" in error.message


async def test_a_lone_surrogate_is_an_input_error() -> None:
    error = await vp_refusal("Bonjour \ud83d !")
    assert "lone surrogate" in error.message and "character 9" in error.message


def test_line_breaks_accents_and_quotes_pass() -> None:
    voicepartner().validate_voice(VoiceMessage((MOBILE,), tts="Bonjour,\nl’été à Noël\r\n…"))


def test_voicepartner_check_as_typed() -> None:
    check = provider_info("voicepartner").check_tts
    assert check is not None
    fine = check(SPEECH * 3)
    assert fine.problem is None and fine.seconds == pytest.approx(13.2)
    assert (
        "≈ 13 s of speech" in fine.summary
        and f"of {MAX_TTS_CHARACTERS:,} characters" in fine.summary
    )
    assert check("a" * 5000).problem is not None
    assert "character 4" in (check("abc\x00").problem or "")


# --------------------------------------------------------------------------- CapitoleMobile


def test_capitole_control_characters_are_named_with_their_position() -> None:
    settings = AccountSettings("cm", "capitole", "demo", {})
    provider = CapitoleProvider(settings, "secret", httpx.MockTransport(refuse))
    message = VoiceMessage(
        (MOBILE,), sender="+33123456789", vms_type=VmsType.AD, tts=SPEECH * 5 + "\x0b"
    )
    with pytest.raises(InputError) as caught:
        provider.validate_voice(message)
    assert f"at character {len(SPEECH) * 5 + 1}" in caught.value.message


def test_capitole_check_as_typed() -> None:
    check = provider_info("capitole").check_tts
    assert check is not None
    fine = check(SPEECH * 5)  # 55 words: 22 s
    assert fine.problem is None and round(fine.seconds) == 22
    assert "15 to 59 s" not in fine.summary
    curly = check(SPEECH * 5 + "l’été")
    assert curly.problem is not None and "’ (U+2019)" in curly.problem
    short = check("Bonjour")
    assert short.problem is not None and short.problem.startswith("too short")
    assert "CapitoleMobile plays 15 to 59 s" in short.summary


# ------------------------------------------------------------------ what the composer reads


def test_voice_features_are_described_by_provider_info() -> None:
    capitole = provider_info("capitole")
    assert [(t.key, t.mobile_only) for t in capitole.voice_types] == [("AD", False), ("DD", True)]
    assert capitole.default_voice_type == "AD"
    assert capitole.voice_type("DD") is capitole.voice_types[1]
    assert capitole.voice_schedule is False
    assert capitole.capabilities & Capability.SCHEDULE  # its SMS can be scheduled
    vp = provider_info("voicepartner")
    assert vp.voice_types == () and vp.default_voice_type is None
    assert vp.voice_schedule and vp.capabilities & Capability.AUDIO_LIST
    ecampaign = provider_info("ecampaign")
    assert ecampaign.voice_schedule and ecampaign.check_tts is None
    octopush = provider_info("octopush")
    assert octopush.voice_modes == () and octopush.check_tts is None
