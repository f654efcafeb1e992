"""VoicePartner credit, audio files, rename, cancel; and the API key never leaking."""

from __future__ import annotations

import logging
from decimal import Decimal

import httpx
import pytest

from providers.errors import (
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitedError,
)
from providers.models import AudioFile, BalanceLine
from providers.voicepartner.provider import Operation
from tests.unit.test_voicepartner import BASE, KEY, Api, FakeClock, drop, make_provider, ok

# A key with characters that must be escaped in a URL path.
ODD_KEY = "k/1 é?x"
ODD_KEY_PATH = "k%2F1%20%C3%A9%3Fx"


# --------------------------------------------------------------------------- balance


@pytest.mark.parametrize(
    ("reply", "amount", "unit"),
    [
        ({"credit": 12.5, "currency": "EUR"}, Decimal("12.5"), "EUR"),
        ({"success": True, "credits": 30}, Decimal(30), "credits"),
        ({"success": True, "data": {"solde": "7,20", "devise": "EUR"}}, Decimal("7.20"), "EUR"),
        ({"user": {"email": "x@y.fr", "balance": "1 234.50"}}, Decimal("1234.50"), "credits"),
        ({"currency": "EUR", "account": {"amount": 0}}, Decimal(0), "EUR"),
    ],
)
async def test_balance_reads_any_credit_field(reply: object, amount: Decimal, unit: str) -> None:
    api = Api(ok(reply))
    balance = await make_provider(api).balance()
    (request,) = api.requests
    assert request.method == "GET"
    assert str(request.url) == f"{BASE}/me/{KEY}"
    assert request.content == b""
    assert balance.provider == "voicepartner"
    assert balance.lines == (BalanceLine("credit", amount, unit),)
    assert balance.as_of is not None


async def test_balance_escapes_the_key_in_the_path() -> None:
    api = Api(ok({"credit": 1}))
    await make_provider(api, key=ODD_KEY).balance()
    assert api.requests[0].url.raw_path == f"/v1/me/{ODD_KEY_PATH}".encode()


@pytest.mark.parametrize(
    ("response", "error", "code"),
    [
        (ok({"success": True, "email": "x@y.fr"}), ProviderError, "BAD_REPLY"),
        (ok({"credit": True}), ProviderError, "BAD_REPLY"),
        (ok({"success": False, "message": "Compte suspendu"}), ProviderError, "REFUSED"),
        (ok({"success": False, "code": 401, "message": "Clé"}, 401), AuthenticationError, "401"),
        (httpx.Response(200, text="nope"), ProviderError, "BAD_REPLY"),
        (httpx.Response(502, text="bad gateway"), ProviderError, "HTTP 502"),
    ],
)
async def test_balance_failures(
    response: httpx.Response, error: type[ProviderError], code: str
) -> None:
    with pytest.raises(error) as info:
        await make_provider(Api(response)).balance()
    assert info.value.code == code
    assert not isinstance(info.value, OutcomeUnknownError)  # a read is never "unknown"


async def test_balance_is_limited_to_five_a_minute() -> None:
    clock = FakeClock()
    provider = make_provider(Api(ok({"credit": 1})), clock=clock)
    for _ in range(5):
        await provider.balance()
    assert clock.sleeps == []
    await provider.balance()
    assert clock.sleeps == [pytest.approx(60.0)]


# --------------------------------------------------------------------------- audio files


async def test_list_audio_documented_like_shape() -> None:
    reply = {
        "success": True,
        "data": [
            {
                "tokenAudio": "aud-promo",
                "filename": "promo-hiver.wav",
                "duration": 27,
                "createdAt": "2024-11-04 10:12:00",
            },
            {"tokenAudio": "aud-rappel", "filename": "rappel.wav"},
            {"filename": "no-token.wav"},
            "garbage",
        ],
    }
    api = Api(ok(reply))
    files = await make_provider(api).list_audio()
    assert str(api.requests[0].url) == f"{BASE}/audios/{KEY}"
    assert api.requests[0].method == "GET"
    assert files == [
        AudioFile("aud-promo", "promo-hiver.wav", "27", "2024-11-04 10:12:00"),
        AudioFile("aud-rappel", "rappel.wav"),
    ]


@pytest.mark.parametrize(
    "reply",
    [
        [{"token": "t1", "name": "a.wav", "created_at": "2024"}],
        {"audios": [{"id": 7, "fileName": "a.wav"}]},
        {"success": True, "audioFiles": [{"token_audio": "t1", "file_name": "a.wav"}]},
    ],
)
async def test_list_audio_other_shapes(reply: object) -> None:
    (audio,) = await make_provider(Api(ok(reply))).list_audio()
    assert audio.token in ("t1", "7")
    assert audio.filename == "a.wav"


async def test_list_audio_empty_and_bad() -> None:
    assert await make_provider(Api(ok({"success": True}))).list_audio() == []
    with pytest.raises(ProviderError, match="no list"):
        await make_provider(Api(ok({"data": "x"}))).list_audio()
    with pytest.raises(RateLimitedError):
        await make_provider(
            Api(httpx.Response(429, headers={"x-ratelimit-reset": "5"}))
        ).list_audio()


async def test_rename_audio_request_is_exact() -> None:
    api = Api(ok({"success": True}))
    await make_provider(api).rename_audio(" aud-promo ", "Promo été.wav")
    (request,) = api.requests
    assert request.method == "POST"
    assert str(request.url) == f"{BASE}/audio-file/rename"
    assert request.content == (
        b'{"apiKey":"vp-KEY-7f3a9c","tokenAudio":"aud-promo",'
        b'"filename":"Promo \\u00e9t\\u00e9.wav"}'
    )


@pytest.mark.parametrize(
    ("token", "filename", "field"),
    [
        ("", "a.wav", "audio_token"),
        ("a b", "a.wav", "audio_token"),
        ("aud", "  ", "filename"),
        ("aud", "../x.wav", "filename"),
        ("aud", "a\nb.wav", "filename"),
        ("aud", "x" * 256, "filename"),
    ],
)
async def test_rename_audio_validates(token: str, filename: str, field: str) -> None:
    api = Api(ok({"success": True}))
    with pytest.raises(InputError) as info:
        await make_provider(api).rename_audio(token, filename)
    assert info.value.field == field
    assert api.requests == []


async def test_rename_audio_refused() -> None:
    reply = ok({"success": False, "code": 404, "message": "Fichier audio introuvable"}, 404)
    with pytest.raises(ProviderError) as info:
        await make_provider(Api(reply)).rename_audio("aud-x", "b.wav")
    assert (info.value.code, info.value.original) == ("404", "Fichier audio introuvable")


# --------------------------------------------------------------------------- cancel


async def test_cancel_campaign_request_is_exact() -> None:
    api = Api(ok({"success": True}))
    await make_provider(api, key=ODD_KEY).cancel_campaign("6f1c2a9b")
    (request,) = api.requests
    assert request.method == "DELETE"
    assert request.url.raw_path == f"/v1/campaign/cancel/{ODD_KEY_PATH}/6f1c2a9b".encode()
    assert request.content == b""


async def test_cancel_campaign_refusals_and_unknowns() -> None:
    refused = ok({"success": False, "error": "Campagne déjà envoyée"}, 400)
    with pytest.raises(ProviderError) as info:
        await make_provider(Api(refused)).cancel_campaign("c1")
    assert (info.value.code, info.value.original) == ("HTTP 400", "Campagne déjà envoyée")
    with pytest.raises(OutcomeUnknownError):
        await make_provider(Api(httpx.ReadTimeout("slow"))).cancel_campaign("c1")
    with pytest.raises(OutcomeUnknownError):
        await make_provider(Api(ok({"deleted": "maybe"}))).cancel_campaign("c1")


@pytest.mark.parametrize("campaign_id", ["", "../me", "a/b", "x" * 129, "c 1"])
async def test_cancel_campaign_validates_the_id(campaign_id: str) -> None:
    api = Api(ok({"success": True}))
    with pytest.raises(InputError):
        await make_provider(api).cancel_campaign(campaign_id)
    assert api.requests == []


# --------------------------------------------------------------------------- the key never leaks


async def test_the_key_never_appears_in_errors_reprs_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"success": False, "code": 401, "message": f"Clé API {KEY} invalide"}
    failures: list[tuple[Api, str]] = [
        (Api(httpx.ReadTimeout("slow")), "balance"),
        (Api(httpx.ConnectError("refused")), "balance"),
        (Api(httpx.Response(500, text=f"error for /v1/me/{KEY}")), "balance"),
        (Api(httpx.Response(200, text=f"<p>{KEY}</p>")), "list_audio"),
        (Api(ok(echo, 401)), "list_audio"),
        (Api(ok(echo, 200)), "send"),
        (Api(httpx.Response(200, text=f"<p>{KEY}</p>")), "send"),
        (Api(httpx.Response(429, text=KEY)), "send"),
        (Api(ok({"success": False, "error": {"apiKey": KEY}}, 400)), "cancel"),
        (Api(httpx.ReadTimeout("slow")), "cancel"),
    ]
    seen: list[str] = []
    for api, operation in failures:
        provider = make_provider(api)
        with pytest.raises(ProviderError) as info:
            if operation == "balance":
                await provider.balance()
            elif operation == "list_audio":
                await provider.list_audio()
            elif operation == "send":
                await provider.send_voice(drop())
            else:
                await provider.cancel_campaign("c1")
        exc = info.value
        seen.append(exc.code)
        for text in (str(exc), repr(exc), exc.meaning, exc.original, exc.code):
            assert KEY not in text
        assert KEY not in repr(provider)
        assert all(KEY not in repr(provider.limiter(op)) for op in Operation)
        await provider.aclose()
    assert seen == [
        "NO_ANSWER",
        "CONNECTION_FAILED",
        "HTTP 500",
        "BAD_REPLY",
        "401",
        "401",
        "UNKNOWN",
        "RATE_LIMITED",
        "HTTP 400",
        "UNKNOWN",
    ]
    assert all(KEY not in record.getMessage() for record in caplog.records)


async def test_provider_text_echoing_the_key_is_scrubbed() -> None:
    echo = {"success": False, "code": 400, "message": f"apiKey {KEY} inconnue"}
    with pytest.raises(ProviderError) as info:
        await make_provider(Api(ok(echo, 400))).send_voice(drop())
    assert info.value.original == "apiKey *** inconnue"
