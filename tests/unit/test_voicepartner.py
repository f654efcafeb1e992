"""VoicePartner client: exact requests, local validation, every reply shape.

Helpers defined here (``Api``, ``make_provider``, ``FakeClock``) are reused by the other
``test_voicepartner_*`` modules.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from providers.base import AccountSettings, create_provider, provider_info
from providers.errors import (
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitedError,
)
from providers.models import SendStatus, SmsMessage, VoiceMessage
from providers.ratelimit import LimiterRegistry
from providers.voicepartner import INFO
from providers.voicepartner.provider import Operation, VoicePartnerProvider

KEY = "vp-KEY-7f3a9c"
BASE = "https://api.voicepartner.fr/v1"
FUTURE_WINTER = datetime(2099, 2, 2, 13, 15, tzinfo=UTC)  # 14:15 in Paris (UTC+1)
FUTURE_SUMMER = datetime(2099, 7, 14, 8, 30, tzinfo=UTC)  # 10:30 in Paris (UTC+2)
DOCUMENTED_SUCCESS = {
    "success": True,
    "campaignId": "campaignId",
    "cost": 0.15,
    "currency": "EUR",
    "nbSms": 1,
    "audioFile": {"filename": "filename.wav", "size": "135.8Ko"},
    "detail": {"33": {"nbSms": 1, "cost_unity": 0.15, "cost": 0.15}},
}

Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class FakeClock:
    def __init__(self) -> None:
        self.now = 5000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


class Api:
    """A MockTransport that records every request and plays the given replies in order."""

    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []
        self.transport = httpx.MockTransport(self._handle)

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def ok(data: Any = None, status: int = 200, **headers: str) -> httpx.Response:
    body = DOCUMENTED_SUCCESS if data is None else data
    return httpx.Response(status, json=body, headers=headers)


def make_provider(
    api: Api,
    *,
    key: str = KEY,
    clock: FakeClock | None = None,
    max_wait: float = 75.0,
    **options: str,
) -> VoicePartnerProvider:
    clock = clock or FakeClock()
    registry = LimiterRegistry(clock=clock, sleep=clock.sleep)
    settings = AccountSettings("vp-main", "voicepartner", "", options)
    return VoicePartnerProvider(settings, key, api.transport, registry=registry, max_wait=max_wait)


def drop(**changes: Any) -> VoiceMessage:
    fields: dict[str, Any] = {
        "recipients": ("+33611223344",),
        "audio_token": "aud-promo",
        "email": "ops@example.fr",
    }
    fields.update(changes)
    return VoiceMessage(**fields)


def tts(**changes: Any) -> VoiceMessage:
    fields: dict[str, Any] = {"recipients": ("+33611223344",), "tts": "Bonjour"}
    fields.update(changes)
    return VoiceMessage(**fields)


# --------------------------------------------------------------------------- exact requests


async def test_voicemail_drop_request_is_exact() -> None:
    api = Api(ok())
    provider = make_provider(api)
    message = drop(
        recipients=("+33611223344", "+33755667788"),
        sender="+33699887766",
        schedule=FUTURE_WINTER,
        notify_url="https://cb.example.fr/vp?t=abc",
    )
    await provider.send_voice(message)
    (request,) = api.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/campaign/send"
    assert request.headers["Content-Type"] == "application/json"
    assert request.content == (
        b'{"apiKey":"vp-KEY-7f3a9c","tokenAudio":"aud-promo",'
        b'"emailForNotification":"ops@example.fr","phoneNumbers":"0611223344,0755667788",'
        b'"sender":"0699887766","scheduledDate":"2099-02-02 14:15:00",'
        b'"notifyUrl":"https://cb.example.fr/vp?t=abc"}'
    )


async def test_voicemail_drop_uses_account_options_and_omits_absent_fields() -> None:
    api = Api(ok())
    provider = make_provider(
        api,
        email="ops@example.fr",
        sender="06 99 88 77 66",
        notify_url="https://cb.example.fr/acc",
        base_url="https://vp.test/v1/",
    )
    await provider.send_voice(drop(email=None))
    assert str(api.requests[0].url) == "https://vp.test/v1/campaign/send"
    assert api.requests[0].content == (
        b'{"apiKey":"vp-KEY-7f3a9c","tokenAudio":"aud-promo",'
        b'"emailForNotification":"ops@example.fr","phoneNumbers":"0611223344",'
        b'"sender":"0699887766","notifyUrl":"https://cb.example.fr/acc"}'
    )
    api2 = Api(ok())
    await make_provider(api2).send_voice(drop())
    assert api2.requests[0].content == (
        b'{"apiKey":"vp-KEY-7f3a9c","tokenAudio":"aud-promo",'
        b'"emailForNotification":"ops@example.fr","phoneNumbers":"0611223344"}'
    )


async def test_tts_request_is_exact_with_accents_escaped() -> None:
    api = Api(ok({"success": True, "campaignId": "t-1", "cost": 0.1, "currency": "EUR"}))
    provider = make_provider(api, sender="+33699887766", email="ignored@example.fr")
    message = tts(
        tts="Votre rendez-vous est confirmé à 14 h. Réponse : “oui”",
        lang="fr",
        speech_rate=0.75,
        notify_url="https://cb.example.fr/t",
        schedule=FUTURE_SUMMER,
    )
    await provider.send_voice(message)
    (request,) = api.requests
    assert str(request.url) == f"{BASE}/tts/send"
    assert request.content == (
        b'{"apiKey":"vp-KEY-7f3a9c",'
        b'"text":"Votre rendez-vous est confirm\\u00e9 \\u00e0 14 h. '
        b'R\\u00e9ponse : \\u201coui\\u201d","lang":"fr","phoneNumbers":"0611223344",'
        b'"speechRate":0.75,"notifyUrl":"https://cb.example.fr/t",'
        b'"scheduledDate":"2099-07-14 10:30:00"}'
    )
    assert json.loads(request.content)["text"].endswith("“oui”")


async def test_tts_minimal_request() -> None:
    api = Api(ok())
    await make_provider(api).send_voice(tts(lang="en", speech_rate=2))
    assert api.requests[0].content == (
        b'{"apiKey":"vp-KEY-7f3a9c","text":"Bonjour","lang":"en",'
        b'"phoneNumbers":"0611223344","speechRate":2.0}'
    )


# --------------------------------------------------------------------------- replies to a send


async def test_documented_success_reply_becomes_a_receipt() -> None:
    api = Api(ok())
    receipt = await make_provider(api).send_voice(drop())
    assert receipt.provider == "voicepartner"
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference == "campaignId"
    assert receipt.cost == Decimal("0.15")
    assert receipt.currency == "EUR"
    assert receipt.warnings == ()
    (result,) = receipt.recipients
    assert result.number == "+33611223344"
    assert result.status is SendStatus.ACCEPTED
    assert result.message_id == "campaignId"


async def test_numeric_campaign_id_and_count_mismatch_warning() -> None:
    reply = {"success": True, "campaignId": 4242, "cost": 0.3, "currency": "EUR", "nbSms": 1}
    receipt = await make_provider(Api(ok(reply))).send_voice(
        drop(recipients=("+33611223344", "+33612345678"))
    )
    assert receipt.reference == "4242"
    assert receipt.warnings == ("request 1: VoicePartner counted 1 calls for 2 numbers",)


async def test_success_without_campaign_id_is_accepted_with_a_warning() -> None:
    receipt = await make_provider(Api(ok({"success": True}))).send_voice(drop())
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference is None
    assert receipt.cost is None
    assert "no campaignId" in receipt.warnings[0]


@pytest.mark.parametrize(
    ("response", "code", "original"),
    [
        (
            ok({"success": False, "code": 17, "message": "Solde insuffisant"}),
            "17",
            "Solde insuffisant",
        ),
        (ok({"success": False, "error": "tokenAudio inconnu"}), "REFUSED", "tokenAudio inconnu"),
        (ok({"success": "false", "message": "Numéro invalide"}), "REFUSED", "Numéro invalide"),
        (ok({"success": False, "code": 400, "message": "x"}, status=400), "400", "x"),
        (
            ok({"success": False, "errors": {"phoneNumbers": "bad"}}, 422),
            "HTTP 422",
            '{"phoneNumbers": "bad"}',
        ),
        (httpx.Response(404, text="<html>Not Found</html>"), "HTTP 404", "<html>Not Found</html>"),
        (
            ok({"success": False, "code": 402, "message": "Crédit insuffisant"}, 402),
            "402",
            "Crédit insuffisant",
        ),
    ],
)
async def test_refusals_raise_provider_error(
    response: httpx.Response, code: str, original: str
) -> None:
    with pytest.raises(ProviderError) as info:
        await make_provider(Api(response)).send_voice(drop())
    assert type(info.value) is ProviderError
    assert info.value.code == code
    assert info.value.original == original
    assert not isinstance(info.value, OutcomeUnknownError)


async def test_402_meaning_is_plain_english() -> None:
    reply = ok({"success": False, "code": 402, "message": "Crédit insuffisant"}, 402)
    with pytest.raises(ProviderError, match="not enough credit"):
        await make_provider(Api(reply)).send_voice(drop())


@pytest.mark.parametrize(
    "response",
    [
        ok({"success": False, "code": 401, "message": "Clé API invalide"}, status=401),
        httpx.Response(403, text="Forbidden"),
        ok({"success": False, "code": "401", "message": "Clé API invalide"}),
    ],
)
async def test_bad_key_raises_authentication_error(response: httpx.Response) -> None:
    with pytest.raises(AuthenticationError):
        await make_provider(Api(response)).send_voice(drop())


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>maintenance</html>"),
        httpx.Response(200, text=""),
        ok({"campaign": "?"}),
        ok([1, 2]),
        httpx.Response(302, headers={"Location": "https://elsewhere.test/"}),
        httpx.Response(500, text="oops"),
        httpx.Response(503, json={"success": False}),
    ],
)
async def test_unusable_replies_to_a_send_are_unknown_outcomes(response: httpx.Response) -> None:
    with pytest.raises(OutcomeUnknownError):
        await make_provider(Api(response)).send_voice(drop())


async def test_timeout_after_sending_is_an_unknown_outcome_and_not_retried() -> None:
    api = Api(httpx.ReadTimeout("slow"))
    with pytest.raises(OutcomeUnknownError):
        await make_provider(api).send_voice(drop())
    assert len(api.requests) == 1


async def test_http_429_raises_and_blocks_the_limiter_until_reset() -> None:
    api = Api(
        ok(
            {"success": False, "code": 429, "message": "Too many"},
            status=429,
            **{"x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "47"},
        )
    )
    provider = make_provider(api)
    with pytest.raises(RateLimitedError) as info:
        await provider.send_voice(drop())
    assert info.value.retry_after == 47
    assert provider.next_request_in(Operation.CAMPAIGN) == pytest.approx(47)
    assert provider.next_request_in(Operation.TTS) == 0  # another endpoint family


async def test_ratelimit_headers_of_a_success_are_honoured() -> None:
    headers = {"x-ratelimit-limit": "5", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "33"}
    provider = make_provider(Api(ok(**headers)))
    await provider.send_voice(drop())
    assert provider.next_request_in() == pytest.approx(33)


# --------------------------------------------------------------------------- dry run, SMS, info


async def test_dry_run_validates_and_sends_nothing() -> None:
    api = Api(ok())
    receipt = await make_provider(api).send_voice(
        drop(recipients=("+33611223344", "+33612345678")), dry_run=True
    )
    assert api.requests == []
    assert receipt.status is SendStatus.DRY_RUN
    assert [r.status for r in receipt.recipients] == [SendStatus.DRY_RUN] * 2
    with pytest.raises(InputError):
        await make_provider(api).send_voice(drop(email=None), dry_run=True)


async def test_sms_is_refused_as_a_channel() -> None:
    api = Api(ok())
    provider = make_provider(api)
    with pytest.raises(InputError) as info:
        await provider.send_sms(SmsMessage("hello", ("+33611223344",)))
    assert info.value.field == "channel"
    assert info.value.message == "VoicePartner sends voice messages only"
    with pytest.raises(InputError):
        provider.validate_sms(SmsMessage("hello", ("+33611223344",)))
    assert api.requests == []


async def test_info_and_registry() -> None:
    assert provider_info("voicepartner") is INFO
    assert INFO.batch_size == 500
    assert INFO.option("base_url") is not None
    assert INFO.option("base_url").default == BASE  # type: ignore[union-attr]
    provider = create_provider(AccountSettings("a", "voicepartner"), KEY, Api(ok()).transport)
    assert isinstance(provider, VoicePartnerProvider)
    assert provider.kind == "voicepartner"
    await provider.aclose()
    with pytest.raises(InputError):
        VoicePartnerProvider(AccountSettings("a", "voicepartner"), "  ")
    with pytest.raises(InputError):
        VoicePartnerProvider(
            AccountSettings("a", "voicepartner", options={"base_url": "ftp://x"}), KEY
        )


# --------------------------------------------------------------------------- local validation


def _paris_ambiguous_future() -> datetime:
    """An instant of the autumn DST overlap (02:30 happens twice in Paris), in 2099."""
    day = datetime(2099, 10, 31, tzinfo=UTC)
    while day.weekday() != 6:
        day -= timedelta(days=1)
    return day.replace(hour=0, minute=30)  # 02:30 CEST


@pytest.mark.parametrize(
    ("message", "field", "fragment"),
    [
        (drop(tts="hi"), "tts", "not both"),
        (drop(audio_token=None), "audio_token", "choose an audio file"),
        (drop(audio_token="  "), "audio_token", "choose an audio file"),
        (drop(audio_token="bad token"), "audio_token", "letters, digits"),
        (drop(recipients=()), "recipients", "no recipient"),
        (drop(recipients=("+34612345678",)), "recipient", "French numbers only"),
        (drop(recipients=("+262692123456",)), "recipient", "French numbers only"),
        (drop(recipients=("+33611223344", "06 11 22 33 44")), "recipient", "appears twice"),
        (drop(recipients=("+3361122",)), "recipient", ""),
        (drop(email=None), "email", "account option 'email'"),
        (drop(email="not-an-address"), "email", "is not an e-mail"),
        (drop(sender="+33144556677"), "sender", "not a French mobile"),
        (drop(schedule=datetime(2099, 2, 2, 14, 15)), "schedule", "no time zone"),
        (drop(schedule=datetime(2001, 2, 2, 14, 15, tzinfo=UTC)), "schedule", "in the past"),
        (drop(schedule=FUTURE_WINTER.replace(second=30)), "schedule", "has seconds"),
        (drop(schedule=FUTURE_WINTER.replace(microsecond=5)), "schedule", "has seconds"),
        (drop(schedule=_paris_ambiguous_future()), "schedule", "happens twice"),
        (drop(notify_url="javascript:alert(1)"), "notify_url", "absolute http"),
        (drop(notify_url="http://"), "notify_url", "absolute http"),
        (drop(campaign_id="C1"), "campaign_id", "no campaign id"),
        (drop(voice_msg="x"), "voice_msg", "no voice msg"),
        (drop(speech_rate=1.0), "speech_rate", "text-to-speech only"),
        (tts(sender="+33699887766"), "sender", "no call-back number"),
        (tts(email="a@b.fr"), "email", "no notification e-mail"),
        (tts(lang="français"), "lang", "language code"),
        (tts(speech_rate=0.4), "speech_rate", "outside 0.5–2"),
        (tts(speech_rate=2.01), "speech_rate", "outside 0.5–2"),
        (tts(speech_rate=math.nan), "speech_rate", "between 0.5 and 2"),
    ],
)
async def test_invalid_messages_are_refused_before_any_request(
    message: VoiceMessage, field: str, fragment: str
) -> None:
    api = Api(ok())
    provider = make_provider(api)
    with pytest.raises(InputError) as info:
        provider.validate_voice(message)
    assert info.value.field == field
    assert fragment in info.value.message
    with pytest.raises(InputError):
        await provider.send_voice(message)
    assert api.requests == []


async def test_schedule_in_another_zone_is_rendered_in_paris_time() -> None:
    from zoneinfo import ZoneInfo

    api = Api(ok())
    when = datetime(2099, 2, 2, 8, 15, tzinfo=ZoneInfo("America/New_York"))
    await make_provider(api).send_voice(drop(schedule=when))
    assert api.bodies[0]["scheduledDate"] == "2099-02-02 14:15:00"


async def test_notify_url_is_never_echoed_in_errors() -> None:
    provider = make_provider(Api(ok()))
    with pytest.raises(InputError) as info:
        provider.validate_voice(drop(notify_url="htp://host/cb?token=s3cr3t"))
    assert "s3cr3t" not in str(info.value)
