"""Numbers that cannot receive a message (special-rate and other service numbers) are refused
before anything is sent, naming the number and why; landlines stay where the specs allow them."""

from __future__ import annotations

import httpx
import pytest

from providers import phone
from providers.base import AccountSettings, Provider, create_provider
from providers.errors import InputError
from providers.models import Channel, SmsMessage, VmsType, VoiceMessage

SHARED_COST = "+33811223344"  # 08 11 22 33 44, the number of the report
TOLL_FREE = "+33800123456"
PREMIUM = "+33892123456"
UK_PREMIUM = "+448712345678"
LANDLINE = "+33144556677"
VOIP = "+33912345678"
MOBILE = "+33611223344"
SPEECH = "Bonjour, ceci est un rappel de votre rendez-vous de demain matin. " * 5


def refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError("nothing may be sent")


def make(kind: str, **options: str) -> Provider:
    login = {"octopush": "ops@example.fr", "ecampaign": "demo"}.get(kind, "demo")
    settings = AccountSettings("acct", kind, login, {"route": "12", **options})
    return create_provider(settings, "secret", httpx.MockTransport(refuse))


def sms(*recipients: str) -> SmsMessage:
    return SmsMessage("Bonjour", recipients)


def voice(kind: str, *recipients: str) -> VoiceMessage:
    if kind == "capitole":
        return VoiceMessage(recipients, sender="+33123456789", vms_type=VmsType.AD, tts=SPEECH)
    if kind == "voicepartner":
        return VoiceMessage(recipients, tts=SPEECH)
    return VoiceMessage(recipients, template_id="55")


# --------------------------------------------------------------------------- the phone module


@pytest.mark.parametrize(
    ("number", "words"),
    [
        (SHARED_COST, "shared-cost service number"),
        (TOLL_FREE, "toll-free service number"),
        (PREMIUM, "premium-rate service number"),
        (UK_PREMIUM, "premium-rate service number"),
    ],
)
def test_service_numbers_cannot_receive_sms_or_calls(number: str, words: str) -> None:
    for channel in (Channel.SMS, Channel.VOICE):
        reason = phone.unreachable_reason(number, channel)
        assert reason is not None and reason.startswith(phone.display(number))
        assert words in reason
    assert "cannot receive SMS" in (phone.unreachable_reason(number, Channel.SMS) or "")


@pytest.mark.parametrize("number", [MOBILE, LANDLINE, VOIP, "+447911123456", "+12015550123"])
def test_phones_can(number: str) -> None:
    for channel in Channel:
        assert phone.unreachable_reason(number, channel) is None


def test_faxes_still_go_to_toll_free_lines_but_not_to_surcharged_ones() -> None:
    assert phone.unreachable_reason(TOLL_FREE, Channel.FAX) is None
    assert phone.unreachable_reason(PREMIUM, Channel.FAX) is not None


def test_recipient_lists_refuse_them_per_channel() -> None:
    parsed = phone.parse_recipients("08 11 22 33 44, 06 11 22 33 44", channel=Channel.SMS)
    assert parsed.valid == (MOBILE,)
    [rejected] = parsed.invalid
    assert rejected.raw == "08 11 22 33 44" and "cannot receive SMS" in rejected.reason
    # Without a channel the list keeps its former meaning: any valid number.
    assert len(phone.parse_recipients("0811223344").valid) == 1


# --------------------------------------------------------------------------- every provider


@pytest.mark.parametrize("kind", ["capitole", "octopush", "ecampaign"])
def test_sms_to_a_special_rate_number_is_refused_locally(kind: str) -> None:
    with pytest.raises(InputError) as caught:
        make(kind).validate_sms(sms(MOBILE, SHARED_COST))
    assert "0 811 22 33 44 is a shared-cost service number" in caught.value.message
    assert "cannot receive SMS" in caught.value.message


@pytest.mark.parametrize("kind", ["capitole", "voicepartner", "ecampaign"])
@pytest.mark.parametrize("number", [SHARED_COST, TOLL_FREE, PREMIUM])
def test_calls_to_service_numbers_are_refused_locally(kind: str, number: str) -> None:
    with pytest.raises(InputError) as caught:
        make(kind).validate_voice(voice(kind, number))
    assert caught.value.message.startswith(phone.display(number))
    assert "service" in caught.value.message


@pytest.mark.parametrize("kind", ["capitole", "ecampaign"])
def test_landlines_stay_allowed_for_sms_where_the_spec_allows_them(kind: str) -> None:
    make(kind).validate_sms(sms(LANDLINE, VOIP))


@pytest.mark.parametrize("kind", ["capitole", "voicepartner", "ecampaign"])
def test_landlines_stay_allowed_for_calls(kind: str) -> None:
    make(kind).validate_voice(voice(kind, LANDLINE, VOIP))
