"""eCampaign code 19 (route and channel do not fit): the error names the option to set and how."""

from __future__ import annotations

import pytest

from providers.ecampaign.codes import RETURN_CODES, describe_refusal
from providers.errors import InputError, ProviderError
from providers.models import FaxMessage, MailMessage, SmsMessage, VoiceMessage
from tests.unit.test_ecampaign_support import Recorder, make, reply

ROUTE_ERROR = reply(code=19, message="Route incompatible")


async def test_voice_on_an_sms_route_says_to_set_voice_route() -> None:
    provider = make(Recorder(ROUTE_ERROR))  # route=12, no voice_route
    with pytest.raises(ProviderError) as caught:
        await provider.send_voice(VoiceMessage(("+33612345678",), template_id="55"))
    error = caught.value
    assert error.code == "19"
    assert "porte-voix accounts edit main --set voice_route=ID" in error.meaning
    assert "route 12 (taken from 'route': 'voice_route' is not set)" in error.meaning
    assert "Credits" in error.meaning
    assert error.original == "Route incompatible"


async def test_each_channel_names_its_own_option() -> None:
    cases = [
        ("send_sms", SmsMessage("Bonjour", ("+33612345678",)), "--set route=ID"),
        ("send_mail", MailMessage(("a@example.org",), message="Bonjour"), "--set mail_route=ID"),
        ("send_fax", FaxMessage("doc.pdf", ("+33144556677",)), "--set fax_route=ID"),
    ]
    for method, message, expected in cases:
        provider = make(Recorder(ROUTE_ERROR))
        with pytest.raises(ProviderError) as caught:
            await getattr(provider, method)(message)
        assert expected in caught.value.meaning, method


async def test_a_channel_route_that_is_set_but_wrong_is_named() -> None:
    provider = make(Recorder(ROUTE_ERROR), voice_route="31")
    with pytest.raises(ProviderError) as caught:
        await provider.send_voice(VoiceMessage(("+33612345678",), template_id="55"))
    assert caught.value.meaning.startswith("route 31 does not carry calls")
    assert "taken from" not in caught.value.meaning


def test_code_19_out_of_context_still_gives_the_way_out() -> None:
    assert "voice_route" in RETURN_CODES[19]
    assert "--set voice_route=ID" in describe_refusal("19")


def test_a_missing_route_says_how_to_set_it() -> None:
    provider = make(Recorder(), route="")
    with pytest.raises(InputError) as caught:
        provider.validate_voice(VoiceMessage(("+33612345678",), template_id="55"))
    assert "porte-voix accounts edit main --set voice_route=ID" in caught.value.message
