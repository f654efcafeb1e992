"""CapitoleMobile client: exact request bytes, encoding, local validation (no network)."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone

import httpx
import pytest

from providers.base import AccountSettings, Capability, create_provider, provider_info
from providers.capitole import INFO
from providers.capitole.provider import DEFAULT_SMS_URL, DEFAULT_VMS_URL, CapitoleProvider
from providers.capitole.rules import estimate_tts_seconds, format_prog
from providers.errors import InputError
from providers.models import GroupTarget, Route, SmsMessage, VmsType, VoiceMessage
from providers.xml import parse

SECRET = "s3cr&t<pw>"
SETTINGS = AccountSettings("main", "capitole", "user")
MOBILE = "+33611223344"
MOBILE_2 = "+33622334455"
SPANISH = "+34622334455"
LANDLINE = "+33123456789"
FUTURE = datetime(2099, 7, 1, 10, 0, tzinfo=UTC)
# About 25 s of speech at 150 words a minute.
TTS = " ".join(["Bonjour, ceci est un rappel de votre rendez-vous de demain matin."] * 6)


class Recorder:
    """A MockTransport that records requests and answers ``reply``."""

    def __init__(self, reply: str | Callable[[httpx.Request], httpx.Response] = "SENDING_OK;9542"):
        self.requests: list[httpx.Request] = []
        self.reply = reply

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if callable(self.reply):
            return self.reply(request)
        return httpx.Response(200, text=self.reply)

    def provider(self, secret: str = SECRET, **options: str) -> CapitoleProvider:
        settings = AccountSettings("main", "capitole", "user", options)
        return CapitoleProvider(settings, secret, httpx.MockTransport(self))


def never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"no request may leave: {request.method} {request.url}")


def sent_xml(request: httpx.Request) -> bytes:
    """The XML bytes inside the ``XML=`` form field, percent-decoded without any charset."""
    assert request.content.startswith(b"XML=")
    assert b"&" not in request.content  # one field only
    return urllib.parse.unquote_to_bytes(request.content[4:].replace(b"+", b" "))


# --------------------------------------------------------------------------- exact requests


async def test_sms_request_is_exactly_the_latin9_form() -> None:
    recorder = Recorder()
    provider = recorder.provider(secret="pw")
    await provider.send_sms(SmsMessage("Prix: 5€", (MOBILE,)))
    (request,) = recorder.requests
    assert request.method == "POST"
    assert str(request.url) == "https://sms.capitolemobile.com/api/sendsms/xml"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert request.content == (
        b"XML=%3C%3Fxml+version%3D%221.0%22+encoding%3D%22ISO-8859-15%22%3F%3E%0A%3CSMS%3E"
        b"%3Cauthentification%3E%3Cusername%3Euser%3C%2Fusername%3E%3Cpassword%3Epw"
        b"%3C%2Fpassword%3E%3C%2Fauthentification%3E%3Cmessage%3E%3Ctext%3EPrix%3A+5%A4"
        b"%3C%2Ftext%3E%3Croute%3EN%3C%2Froute%3E%3Clong%3Eno%3C%2Flong%3E%3C%2Fmessage%3E"
        b"%3Crecipients%3E%3Cgsm%3E0611223344%3C%2Fgsm%3E%3C%2Frecipients%3E%3C%2FSMS%3E"
    )
    await provider.aclose()


async def test_sms_with_every_option() -> None:
    recorder = Recorder()
    provider = recorder.provider()
    message = SmsMessage(
        "Soldes",
        (MOBILE, SPANISH),
        sender="Ma Marque",
        route=Route.MARKETING,
        long=True,
        schedule=FUTURE,
        campaign_id="PROMO_1",
    )
    await provider.send_sms(message)
    assert sent_xml(recorder.requests[0]) == (
        b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<SMS><authentification>'
        b"<username>user</username><password>s3cr&amp;t&lt;pw&gt;</password>"
        b"</authentification><message><text>Soldes</text><sender>Ma Marque</sender>"
        b"<route>M</route><long>yes</long><prog>2099-07-01 12:00:00</prog><id>PROMO_1</id>"
        b"</message><recipients><gsm>0611223344</gsm><gsm>34622334455</gsm></recipients></SMS>"
    )


async def test_latin9_only_characters_travel_as_their_latin9_bytes() -> None:
    recorder = Recorder()
    await recorder.provider().send_sms(SmsMessage("€ œ Œ Ÿ Š š Ž ž é", (MOBILE,)))
    body = recorder.requests[0].content
    assert b"%A4+%BD+%BC+%BE+%A6+%A8+%B4+%B8+%E9" in body
    assert b"%E2%82%AC" not in body  # € in UTF-8
    assert b"%26%23" not in body  # no "&#" character references
    assert "<text>€ œ Œ Ÿ Š š Ž ž é</text>".encode("iso-8859-15") in sent_xml(recorder.requests[0])


async def test_markup_characters_are_escaped_and_round_trip() -> None:
    recorder = Recorder()
    text = "a < b & \"c\" 'd' > e </text><gsm>0600000000</gsm>"
    await recorder.provider().send_sms(SmsMessage(text, (MOBILE,)))
    xml = sent_xml(recorder.requests[0])
    assert b"<text>a &lt; b &amp; \"c\" 'd' &gt; e &lt;/text&gt;&lt;gsm&gt;" in xml
    root = parse(xml)
    assert root.findtext("message/text") == text
    assert [g.text for g in root.iterfind("recipients/gsm")] == ["0611223344"]
    assert root.findtext("authentification/password") == SECRET


async def test_carriage_returns_become_line_feeds() -> None:
    recorder = Recorder()
    await recorder.provider().send_sms(SmsMessage("Ligne 1\r\nLigne 2\rLigne 3", (MOBILE,)))
    assert b"<text>Ligne 1\nLigne 2\nLigne 3</text>" in sent_xml(recorder.requests[0])


async def test_configured_urls_are_used() -> None:
    recorder = Recorder()
    provider = recorder.provider(sms_url="http://127.0.0.1:9/sms", vms_url="http://127.0.0.1:9/v")
    await provider.send_sms(SmsMessage("x", (MOBILE,)))
    await provider.send_voice(VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS))
    assert [str(r.url) for r in recorder.requests] == [
        "http://127.0.0.1:9/sms",
        "http://127.0.0.1:9/v",
    ]


# --------------------------------------------------------------------------- voice requests


async def test_vms_request_with_text_to_speech() -> None:
    recorder = Recorder()
    message = VoiceMessage(
        (MOBILE, LANDLINE),
        sender="01 23 45 67 89",
        vms_type=VmsType.AD,
        tts=TTS,
        campaign_id="RDV2031",
    )
    await recorder.provider().send_voice(message)
    (request,) = recorder.requests
    assert str(request.url) == DEFAULT_VMS_URL
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent_xml(request) == (
        b'<?xml version="1.0" encoding="ISO-8859-15"?>\n<VMS><authentification>'
        b"<username>user</username><password>s3cr&amp;t&lt;pw&gt;</password>"
        b"</authentification><message><sender>0123456789</sender><type>AD</type>"
        b"<tts>" + TTS.encode("iso-8859-15") + b"</tts><id>RDV2031</id></message>"
        b"<recipients><gsm>0611223344</gsm><gsm>0123456789</gsm></recipients></VMS>"
    )


async def test_vms_recorded_message_defaults_to_type_dd() -> None:
    recorder = Recorder()
    message = VoiceMessage((MOBILE,), sender=LANDLINE, voice_msg="Promo d'été")
    await recorder.provider().send_voice(message)
    assert b"<message><sender>0123456789</sender><type>DD</type>" in sent_xml(recorder.requests[0])
    assert "<voice_msg>Promo d'été</voice_msg></message>".encode("iso-8859-15") in sent_xml(
        recorder.requests[0]
    )
    assert b"<tts>" not in sent_xml(recorder.requests[0])
    assert b"%E9t%E9" in recorder.requests[0].content


# --------------------------------------------------------------------------- refused locally


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Merci 😀", "U+1F600"),
        ("L’offre", "U+2019"),
        ("Attendez…", "U+2026"),
        ("a – b", "U+2013"),
        ("tab\there", "U+0009"),
    ],
)
async def test_characters_outside_latin9_are_refused_before_any_request(
    text: str, named: str
) -> None:
    provider = CapitoleProvider(SETTINGS, SECRET, httpx.MockTransport(never_called))
    with pytest.raises(InputError, match=re.escape(named)) as caught:
        await provider.send_sms(SmsMessage(text, (MOBILE,)))
    assert caught.value.field == "text"
    with pytest.raises(InputError, match=re.escape(named)):
        await provider.send_sms(SmsMessage(text, (MOBILE,)), dry_run=True)


def _refusal(provider: CapitoleProvider, message: SmsMessage | VoiceMessage) -> InputError:
    with pytest.raises(InputError) as caught:
        if isinstance(message, SmsMessage):
            provider.validate_sms(message)
        else:
            provider.validate_voice(message)
    return caught.value


SMS_REFUSALS = [
    (SmsMessage("", (MOBILE,)), "text", "empty"),
    (SmsMessage("x" * 161, (MOBILE,)), "text", "1 SMS"),
    (SmsMessage("x" * 150, (MOBILE,), route=Route.MARKETING), "text", "STOP"),
    (SmsMessage("x" * 613, (MOBILE,), long=True), "text", "4 SMS"),
    (SmsMessage("x", ()), "recipient", "no recipient"),
    (SmsMessage("x", ("0611223344",)), "recipient", "E.164"),
    (SmsMessage("x", (MOBILE, MOBILE)), "recipient", "twice"),
    (SmsMessage("x", ("+3361122",)), "recipient", ""),
    (SmsMessage("x", (MOBILE,), sender="TwelveChars!"), "sender", "11 characters"),
    (SmsMessage("x", (MOBILE,), sender="Café"), "sender", "unaccented"),
    (SmsMessage("x", (MOBILE,), sender=" Shop"), "sender", "spaces"),
    (SmsMessage("x", (MOBILE,), sender=""), "sender", "empty"),
    (SmsMessage("x", (MOBILE,), campaign_id="A-B"), "campaign_id", "'-'"),
    (SmsMessage("x", (MOBILE,), campaign_id="ABCDEFGHIJK"), "campaign_id", "10 characters"),
    (SmsMessage("x", (MOBILE,), campaign_id="été"), "campaign_id", "letters"),
    (SmsMessage("x", (MOBILE,), campaign_id="A B"), "campaign_id", "letters"),
    (SmsMessage("x", (MOBILE,), campaign_id="A&B"), "campaign_id", "letters"),
    (SmsMessage("x", (MOBILE,), schedule=datetime(2099, 7, 1, 10)), "schedule", "time zone"),
    (SmsMessage("x", (MOBILE,), schedule=datetime(2001, 1, 1, tzinfo=UTC)), "schedule", "past"),
    (SmsMessage("x", (MOBILE,), template_id="12"), "template_id", "not supported"),
    (SmsMessage("x", (MOBILE,), group=GroupTarget("1")), "group", "not supported"),
]


@pytest.mark.parametrize(("message", "field", "why"), SMS_REFUSALS)
def test_sms_refusals_name_the_field(message: SmsMessage, field: str, why: str) -> None:
    error = _refusal(CapitoleProvider(SETTINGS, SECRET), message)
    assert error.field == field
    assert why in error.message


def test_a_schedule_in_the_repeated_autumn_hour_is_refused() -> None:
    provider = CapitoleProvider(SETTINGS, SECRET)
    # 25 October 2099: Paris goes from 03:00 CEST back to 02:00 CET at 01:00 UTC.
    for when in (
        datetime(2099, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2099, 10, 25, 1, 30, tzinfo=UTC),
    ):
        error = _refusal(provider, SmsMessage("x", (MOBILE,), schedule=when))
        assert error.field == "schedule"
        assert "twice" in error.message
    provider.validate_sms(
        SmsMessage("x", (MOBILE,), schedule=datetime(2099, 10, 25, 2, 0, tzinfo=UTC))
    )


def test_prog_is_paris_local_time() -> None:
    assert format_prog(datetime(2099, 7, 1, 10, 0, 5, 999, tzinfo=UTC)) == "2099-07-01 12:00:05"
    assert format_prog(datetime(2099, 1, 15, 10, 0, tzinfo=UTC)) == "2099-01-15 11:00:00"
    plus_five = timezone(timedelta(hours=5))
    assert format_prog(datetime(2099, 1, 15, 23, 30, tzinfo=plus_five)) == "2099-01-15 19:30:00"
    # Across midnight: 23:30 UTC on 31 December is already next year in Paris.
    assert format_prog(datetime(2030, 12, 31, 23, 30, tzinfo=UTC)) == "2031-01-01 00:30:00"


async def test_winter_schedule_in_the_request() -> None:
    recorder = Recorder()
    when = datetime(2099, 1, 15, 10, 0, tzinfo=UTC)
    await recorder.provider().send_sms(SmsMessage("x", (MOBILE,), schedule=when))
    assert b"<prog>2099-01-15 11:00:00</prog>" in sent_xml(recorder.requests[0])


VOICE_REFUSALS = [
    (VoiceMessage((MOBILE,), tts=TTS), "sender", "caller number"),
    (VoiceMessage((MOBILE,), sender="0611223399", tts=TTS), "sender", "landline"),
    (VoiceMessage((MOBILE,), sender="+3222123456", tts=TTS), "sender", "landline"),
    (VoiceMessage((MOBILE,), sender="0912345678", tts=TTS), "sender", "landline"),
    (VoiceMessage((LANDLINE,), sender=LANDLINE, tts=TTS), "recipient", "not a mobile"),
    (
        VoiceMessage((SPANISH,), sender=LANDLINE, vms_type=VmsType.AD, tts=TTS),
        "recipient",
        "French numbers only",
    ),
    (
        VoiceMessage(("+33800123456",), sender=LANDLINE, vms_type=VmsType.AD, tts=TTS),
        "recipient",
        "toll-free service number",
    ),
    (VoiceMessage((), sender=LANDLINE, tts=TTS), "recipient", "no recipient"),
    (VoiceMessage((MOBILE,), sender=LANDLINE), "voice_msg", "exactly one"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS, voice_msg="Promo"), "voice_msg", "one"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, voice_msg=" Promo"), "voice_msg", "spaces"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, voice_msg="Promo 😀"), "voice_msg", "U+1F600"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts="Bonjour, à demain."), "tts", "too short"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS * 5), "tts", "too long"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS + " ’"), "tts", "U+2019"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS, lang="en"), "lang", "French only"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS, schedule=FUTURE), "schedule", "scheduled"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS, campaign_id="X-1"), "campaign_id", "'-'"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS, audio_token="t"), "audio_token", "not"),
    (VoiceMessage((MOBILE,), sender=LANDLINE, tts=TTS, speech_rate=1.2), "speech_rate", "not"),
]


@pytest.mark.parametrize(("message", "field", "why"), VOICE_REFUSALS)
async def test_voice_refusals_name_the_field(message: VoiceMessage, field: str, why: str) -> None:
    provider = CapitoleProvider(SETTINGS, SECRET, httpx.MockTransport(never_called))
    error = _refusal(provider, message)
    assert error.field == field
    assert why in error.message
    with pytest.raises(InputError):
        await provider.send_voice(message)


def test_voice_type_ad_takes_landlines_mobiles_and_09_lines() -> None:
    provider = CapitoleProvider(SETTINGS, SECRET)
    recipients = (MOBILE, LANDLINE, "+33912345678")
    provider.validate_voice(
        VoiceMessage(recipients, sender=LANDLINE, vms_type=VmsType.AD, voice_msg="Rappel RDV")
    )


def test_tts_estimate_explains_itself() -> None:
    assert estimate_tts_seconds("un deux trois quatre cinq") == 2.0
    assert estimate_tts_seconds("… — !") == 0.0  # punctuation alone is not speech
    error = _refusal(
        CapitoleProvider(SETTINGS, SECRET),
        VoiceMessage((MOBILE,), sender=LANDLINE, tts="Bonjour, rappel de votre rendez-vous."),
    )
    assert "5 words" in error.message
    assert "15 to 59 s" in error.message


# --------------------------------------------------------------------------- secrets


def test_repr_and_errors_never_show_the_secret() -> None:
    provider = CapitoleProvider(SETTINGS, SECRET)
    assert SECRET not in repr(provider)
    assert "user" in repr(provider)
    bad = CapitoleProvider(SETTINGS, "pässwörd’x")
    error = _refusal(bad, SmsMessage("x", (MOBILE,)))
    assert error.field == "secret"
    assert "pässwörd" not in str(error) and "’" not in str(error)
    assert _refusal(CapitoleProvider(SETTINGS, ""), SmsMessage("x", (MOBILE,))).field == "secret"
    no_login = CapitoleProvider(AccountSettings("main", "capitole", ""), SECRET)
    assert _refusal(no_login, SmsMessage("x", (MOBILE,))).field == "login"


# --------------------------------------------------------------------------- registry


async def test_registry_builds_the_provider() -> None:
    recorder = Recorder()
    provider = create_provider(SETTINGS, SECRET, httpx.MockTransport(recorder))
    assert isinstance(provider, CapitoleProvider)
    assert provider_info("capitole") is INFO
    assert INFO.batch_size == 500
    assert INFO.option("sms_url") is not None and INFO.option("sms_url").default == DEFAULT_SMS_URL  # type: ignore[union-attr]
    assert INFO.option("vms_url").default == DEFAULT_VMS_URL  # type: ignore[union-attr]
    assert Capability.DRY_RUN in INFO.capabilities
    assert Capability.BALANCE not in INFO.capabilities
    await provider.send_sms(SmsMessage("x", (MOBILE,)))
    assert len(recorder.requests) == 1
    await provider.aclose()
