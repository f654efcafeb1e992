"""VoicePartner client against its sandbox over real loopback HTTP, callbacks included."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
import pytest
from aiohttp import web

from providers.base import AccountSettings
from providers.errors import AuthenticationError, ProviderError, RateLimitedError
from providers.models import AudioFile, SendStatus
from providers.ratelimit import LimiterRegistry
from providers.sandbox.common import SANDBOX_SECRET, CallbackSettings, RunningSandbox
from providers.sandbox.voicepartner import VoicePartnerSandbox
from providers.voicepartner.provider import Operation, VoicePartnerProvider
from tests.unit.test_voicepartner import drop, tts


@dataclass
class Receiver:
    """A tiny callback receiver on 127.0.0.1 that queues what it is sent."""

    received: asyncio.Queue[tuple[str, dict[str, str], bytes]] = field(
        default_factory=asyncio.Queue
    )
    url: str = ""

    async def handle(self, request: web.Request) -> web.Response:
        await self.received.put((request.method, dict(request.query), await request.read()))
        return web.Response(text="OK")

    async def next(self) -> tuple[str, dict[str, str], bytes]:
        return await asyncio.wait_for(self.received.get(), timeout=5)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    box = Receiver()
    app = web.Application()
    app.router.add_route("*", "/cb", box.handle)
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    box.url = f"http://127.0.0.1:{port}/cb"
    yield box
    await runner.cleanup()


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[VoicePartnerSandbox, str]]:
    box = VoicePartnerSandbox()
    box.callbacks = CallbackSettings(None, 0.01)
    async with RunningSandbox(box) as running:
        yield box, running.base_url


def provider_for(
    base_url: str, secret: str = SANDBOX_SECRET, **options: str
) -> VoicePartnerProvider:
    settings = AccountSettings(
        "demo",
        "voicepartner",
        "",
        {"base_url": base_url + "/v1", "email": "ops@example.fr", **options},
    )
    return VoicePartnerProvider(settings, secret, registry=LimiterRegistry())


async def test_voicemail_drop_and_campaign_callback(
    sandbox: tuple[VoicePartnerSandbox, str], receiver: Receiver
) -> None:
    box, base = sandbox
    provider = provider_for(base)
    message = drop(
        recipients=("+33611223344", "+33611223300", "+33612345678"), notify_url=receiver.url
    )
    receipt = await provider.send_voice(message)
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.cost == Decimal("0.45")
    assert receipt.currency == "EUR"
    assert receipt.reference in box.campaigns
    method, query, _body = await receiver.next()
    assert method == "GET"
    assert query["campaign_id"] == receipt.reference
    assert query["campaign_token"] == box.campaigns[receipt.reference].token
    assert (query["delivered_quantity"], query["total_quantity"]) == ("2", "3")
    balance = await provider.balance()
    assert balance.lines[0].amount == Decimal("49.55")
    assert balance.lines[0].unit == "EUR"
    await provider.aclose()


async def test_tts_callbacks_one_per_number(
    sandbox: tuple[VoicePartnerSandbox, str], receiver: Receiver
) -> None:
    box, base = sandbox
    box.callbacks = CallbackSettings(receiver.url, 0.01)  # the configured URL, no notifyUrl
    provider = provider_for(base)
    text = "Bonjour, votre colis arrive demain."  # 35 characters: 5 + 2 seconds
    receipt = await provider.send_voice(
        tts(tts=text, recipients=("+33611223344", "+33611223300", "+33611223301"), speech_rate=1.2)
    )
    reports = {}
    for _ in range(3):
        method, _query, body = await receiver.next()
        assert method == "POST"
        data = json.loads(body)
        reports[data["phoneNumber"]] = data
    assert set(reports) == {"0611223344", "0611223300", "0611223301"}
    answered = reports["0611223344"]
    assert answered["campaignId"] == receipt.reference
    assert (answered["status"], answered["additionnal_status"]) == ("delivered", "VOICE_ANSWERED")
    assert answered["duration"] == 7
    sent = datetime.strptime(answered["sendAt"], "%Y-%m-%d %H:%M:%S")
    done = datetime.strptime(answered["doneAt"], "%Y-%m-%d %H:%M:%S")
    assert done - sent == timedelta(seconds=7)
    missed = reports["0611223300"]
    assert (missed["status"], missed["additionnal_status"], missed["duration"]) == (
        "undelivered",
        "VOICE_NOT_ANSWERED",
        0,
    )
    machine = reports["0611223301"]
    assert (machine["status"], machine["additionnal_status"]) == ("delivered", "VOICE_NOT_ANSWERED")
    await provider.aclose()


async def test_scheduled_campaign_can_be_cancelled_once(
    sandbox: tuple[VoicePartnerSandbox, str], receiver: Receiver
) -> None:
    box, base = sandbox
    provider = provider_for(base, notify_url=receiver.url)
    when = (datetime.now(UTC) + timedelta(days=2)).replace(second=0, microsecond=0)
    receipt = await provider.send_voice(drop(schedule=when))
    assert receipt.reference is not None
    assert box.credit == Decimal("49.85")
    await provider.cancel_campaign(receipt.reference)
    assert box.credit == Decimal("50.00")
    assert box.campaigns[receipt.reference].cancelled
    with pytest.raises(ProviderError) as info:
        await provider.cancel_campaign(receipt.reference)
    assert info.value.original == "Campagne déjà annulée"
    with pytest.raises(ProviderError) as missing:
        await provider.cancel_campaign("does-not-exist")
    assert missing.value.code == "404"
    now = await provider.send_voice(drop())
    assert now.reference is not None
    with pytest.raises(ProviderError, match="refused") as sent:
        await provider.cancel_campaign(now.reference)
    assert sent.value.original == "Campagne déjà envoyée"
    # Only the campaign sent at once calls back; the cancelled one never will.
    assert (await receiver.next())[1]["campaign_id"] == now.reference
    await asyncio.sleep(0.1)
    assert receiver.received.empty()
    await provider.aclose()


async def test_audio_list_and_rename(sandbox: tuple[VoicePartnerSandbox, str]) -> None:
    _box, base = sandbox
    provider = provider_for(base)
    files = await provider.list_audio()
    assert files == [
        AudioFile("aud-promo", "promo-hiver.wav", "27", "2024-11-04 10:12:00"),
        AudioFile("aud-rappel", "rappel-rdv.wav", "18", "2025-01-15 09:30:00"),
    ]
    await provider.rename_audio("aud-rappel", "rappel-janvier.wav")
    assert (await provider.list_audio())[1].filename == "rappel-janvier.wav"
    with pytest.raises(ProviderError) as info:
        await provider.rename_audio("aud-nope", "x.wav")
    assert info.value.code == "404"
    with pytest.raises(ProviderError) as unknown_audio:
        await provider.send_voice(drop(audio_token="aud-nope"))
    assert unknown_audio.value.original == "Fichier audio introuvable : aud-nope"
    await provider.aclose()


async def test_wrong_key_is_refused_and_never_shown(
    sandbox: tuple[VoicePartnerSandbox, str],
) -> None:
    box, base = sandbox
    wrong = "wrong-key-123"
    provider = provider_for(base, secret=wrong)
    for call in (provider.balance(), provider.list_audio(), provider.send_voice(drop())):
        with pytest.raises(AuthenticationError) as info:
            await call
        assert wrong not in str(info.value) + info.value.original + repr(provider)
    await provider.aclose()
    assert box.credit == Decimal("50.00")


async def test_sandbox_enforces_five_a_minute_and_the_client_learns_it(
    sandbox: tuple[VoicePartnerSandbox, str],
) -> None:
    box, base = sandbox
    body = {
        "apiKey": SANDBOX_SECRET,
        "tokenAudio": "aud-promo",
        "emailForNotification": "ops@example.fr",
        "phoneNumbers": "0611223344",
    }
    async with httpx.AsyncClient(base_url=base, trust_env=False) as raw:
        remaining = []
        for _ in range(3):
            reply = await raw.post("/v1/campaign/send", json=body)
            assert reply.status_code == 200
            remaining.append(reply.headers["x-ratelimit-remaining"])
        assert remaining == ["4", "3", "2"]
        # Another client (this provider) now sends: the server's count is adopted.
        provider = provider_for(base)
        await provider.send_voice(drop())
        assert provider.limiter(Operation.CAMPAIGN).remaining() == 1
        reply = await raw.post("/v1/campaign/send", json=body)
        assert reply.headers["x-ratelimit-remaining"] == "0"
        refused = await raw.post("/v1/campaign/send", json=body)
        assert refused.status_code == 429
        assert (refused.json()["success"], refused.json()["code"]) == (False, 429)
        assert refused.headers["x-ratelimit-remaining"] == "0"
        assert 0 < int(refused.headers["x-ratelimit-reset"]) <= 60
    # The provider's own limiter (it saw 1 left, then the other client took it) lets it try,
    # the sandbox says 429, and from then on the provider waits for the reset.
    with pytest.raises(RateLimitedError) as info:
        await provider.send_voice(drop())
    assert 0 < info.value.retry_after <= 60
    assert provider.next_request_in() == pytest.approx(info.value.retry_after, abs=1)
    assert len(box.campaigns) == 5
    await provider.aclose()


async def test_large_send_partly_refused_for_credit(
    sandbox: tuple[VoicePartnerSandbox, str],
) -> None:
    box, base = sandbox
    box.credit = Decimal("150.00")  # exactly 1000 calls
    provider = provider_for(base)
    numbers = tuple(f"+336100{n:05d}" for n in range(1234))
    receipt = await provider.send_voice(drop(recipients=numbers))
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference is not None and len(receipt.reference.split(",")) == 2
    assert sum(r.status is SendStatus.ACCEPTED for r in receipt.recipients) == 1000
    assert sum(r.status is SendStatus.REJECTED for r in receipt.recipients) == 234
    assert receipt.recipients[-1].error == "402: not enough credit"
    assert box.credit == Decimal("0.00")
    await provider.aclose()


async def test_server_failure_during_a_send_is_unknown(
    sandbox: tuple[VoicePartnerSandbox, str],
) -> None:
    box, base = sandbox
    box.faults.status, box.faults.count = 500, 1
    provider = provider_for(base)
    with pytest.raises(ProviderError) as info:
        await provider.send_voice(drop())
    assert info.value.code == "UNKNOWN"
    await provider.aclose()


async def test_sandbox_refuses_bad_requests(sandbox: tuple[VoicePartnerSandbox, str]) -> None:
    box, base = sandbox
    good = {
        "apiKey": SANDBOX_SECRET,
        "text": "Bonjour",
        "lang": "fr",
        "phoneNumbers": "0611223344",
    }
    cases = [
        ({**good, "phoneNumbers": "+34612345678"}, 400),
        ({**good, "phoneNumbers": ",".join(["0611223344"] * 501)}, 400),
        ({**good, "speechRate": 3}, 400),
        ({**good, "scheduledDate": "2001-01-01 10:00:00"}, 400),
        ({**good, "scheduledDate": "2099-01-01 10:00:30"}, 400),
        ({k: v for k, v in good.items() if k != "text"}, 400),
        ({**good, "apiKey": "nope"}, 401),
    ]
    async with httpx.AsyncClient(base_url=base, trust_env=False) as raw:
        for body, status in cases:
            reply = await raw.post("/v1/tts/send", json=body)
            assert reply.status_code == status, body
            assert reply.json()["success"] is False
        assert (await raw.post("/v1/tts/send", content=b"{not json")).status_code == 400
        assert (await raw.get("/v1/me/nope")).status_code == 401
    assert box.credit == Decimal("50.00")


async def test_campaign_ids_differ_between_runs() -> None:
    """Each run used to count from the same seed, so a restarted demo handed out the previous
    run's campaign ids and tokens: its reports looked like the old campaigns'."""
    body = {
        "apiKey": SANDBOX_SECRET,
        "tokenAudio": "aud-promo",
        "emailForNotification": "ops@example.fr",
        "phoneNumbers": "0611223344",
    }
    seen: list[tuple[str, str]] = []
    for _ in range(2):
        box = VoicePartnerSandbox()
        async with (
            RunningSandbox(box) as running,
            httpx.AsyncClient(base_url=running.base_url, trust_env=False) as raw,
        ):
            reply = await raw.post("/v1/campaign/send", json=body)
            campaign_id = reply.json()["campaignId"]
            seen.append((campaign_id, box.campaigns[campaign_id].token))
    assert seen[0][0] != seen[1][0] and seen[0][1] != seen[1][1]
