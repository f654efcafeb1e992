"""VoicePartner sends larger than one request: splitting, partial failure, rate limits."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal

import httpx
import pytest

import providers.voicepartner.provider as vp
from providers.base import AccountSettings
from providers.errors import ProviderError, RateLimitedError
from providers.models import SendStatus
from providers.ratelimit import LimiterRegistry
from tests.unit.test_voicepartner import KEY, Api, FakeClock, drop, make_provider, ok, tts

NUMBERS = tuple(f"+336100{n:05d}" for n in range(1234))


def numbered_replies(request: httpx.Request) -> httpx.Response:
    """Campaign ids c1, c2, ... and a cost of 0.15 per number."""
    body = json.loads(request.content)
    count = len(body["phoneNumbers"].split(","))
    numbered_replies.calls += 1  # type: ignore[attr-defined]
    return ok(
        {
            "success": True,
            "campaignId": f"c{numbered_replies.calls}",  # type: ignore[attr-defined]
            "cost": float(Decimal("0.15") * count),
            "currency": "EUR",
            "nbSms": count,
        }
    )


@pytest.fixture(autouse=True)
def _reset_counter() -> None:
    numbered_replies.calls = 0  # type: ignore[attr-defined]


async def test_1234_numbers_go_as_500_500_234_in_order() -> None:
    api = Api(numbered_replies)
    clock = FakeClock()
    receipt = await make_provider(api, clock=clock).send_voice(drop(recipients=NUMBERS))
    sent = [body["phoneNumbers"].split(",") for body in api.bodies]
    assert [len(chunk) for chunk in sent] == [500, 500, 234]
    assert [n for chunk in sent for n in chunk] == ["0" + n[3:] for n in NUMBERS]
    # Every request is whole: same key, audio, e-mail.
    assert {(b["apiKey"], b["tokenAudio"], b["emailForNotification"]) for b in api.bodies} == {
        (KEY, "aud-promo", "ops@example.fr")
    }
    assert clock.sleeps == []  # 3 requests fit in 5 per minute
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference == "c1,c2,c3"
    assert receipt.cost == Decimal("185.10")
    assert receipt.currency == "EUR"
    assert receipt.warnings == ()
    assert [r.number for r in receipt.recipients] == list(NUMBERS)
    ids = [r.message_id for r in receipt.recipients]
    assert ids == ["c1"] * 500 + ["c2"] * 500 + ["c3"] * 234


async def test_tts_is_split_too() -> None:
    api = Api(numbered_replies)
    receipt = await make_provider(api).send_voice(tts(recipients=NUMBERS[:501]))
    assert [len(b["phoneNumbers"].split(",")) for b in api.bodies] == [500, 1]
    assert all(str(r.url).endswith("/tts/send") for r in api.requests)
    assert receipt.reference == "c1,c2"


async def test_refused_third_request_keeps_the_accepted_campaigns() -> None:
    refusal = ok({"success": False, "code": 402, "message": "Crédit insuffisant"}, 402)
    api = Api(numbered_replies, numbered_replies, refusal)
    receipt = await make_provider(api).send_voice(drop(recipients=NUMBERS))
    assert len(api.requests) == 3
    assert receipt.status is SendStatus.ACCEPTED
    assert receipt.reference == "c1,c2"
    assert receipt.cost == Decimal("150.00")
    statuses = [r.status for r in receipt.recipients]
    assert statuses == [SendStatus.ACCEPTED] * 1000 + [SendStatus.REJECTED] * 234
    assert receipt.recipients[1000].error == "402: not enough credit"
    assert receipt.recipients[1000].message_id is None
    assert receipt.warnings == (
        "request 3 of 3 failed (402: not enough credit); its 234 recipients are rejected",
    )


async def test_unknown_second_request_makes_the_receipt_unknown_and_stops() -> None:
    api = Api(numbered_replies, httpx.ReadTimeout("slow"), numbered_replies)
    receipt = await make_provider(api).send_voice(drop(recipients=NUMBERS))
    assert len(api.requests) == 2  # the third is never sent after an unknown outcome
    assert receipt.status is SendStatus.UNKNOWN
    assert receipt.reference == "c1"
    statuses = [r.status for r in receipt.recipients]
    assert (
        statuses
        == [SendStatus.ACCEPTED] * 500 + [SendStatus.UNKNOWN] * 500 + [SendStatus.REJECTED] * 234
    )
    assert receipt.recipients[500].error is not None
    assert receipt.recipients[500].error.startswith("UNKNOWN: ")
    assert receipt.recipients[1000].error == "not sent: an earlier request of this send failed"
    assert "234 later recipients were not sent" in receipt.warnings[0]


async def test_a_defect_in_a_later_request_keeps_the_accepted_work() -> None:
    def broken(_request: httpx.Request) -> httpx.Response:
        raise RuntimeError("bug")

    api = Api(numbered_replies, broken)
    receipt = await make_provider(api).send_voice(drop(recipients=NUMBERS[:600]))
    assert receipt.status is SendStatus.UNKNOWN
    assert receipt.reference == "c1"
    assert receipt.recipients[599].error == "unexpected error (RuntimeError)"


async def test_first_request_failure_raises() -> None:
    refusal = ok({"success": False, "code": 402, "message": "Crédit insuffisant"}, 402)
    api = Api(refusal, numbered_replies)
    with pytest.raises(ProviderError):
        await make_provider(api).send_voice(drop(recipients=NUMBERS))
    assert len(api.requests) == 1


async def test_sixth_request_in_a_minute_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(vp, "MAX_NUMBERS_PER_REQUEST", 2)
    clock = FakeClock()
    api = Api(numbered_replies)
    receipt = await make_provider(api, clock=clock).send_voice(drop(recipients=NUMBERS[:12]))
    assert len(api.requests) == 6
    assert clock.sleeps == [pytest.approx(60.0)]  # the fake clock did not move between 1 and 5
    assert receipt.reference == "c1,c2,c3,c4,c5,c6"


async def test_too_long_a_wait_rejects_the_rest_without_sending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(vp, "MAX_NUMBERS_PER_REQUEST", 2)
    clock = FakeClock()
    api = Api(numbered_replies)
    provider = make_provider(api, clock=clock, max_wait=10)
    receipt = await provider.send_voice(drop(recipients=NUMBERS[:14]))
    assert len(api.requests) == 5
    assert clock.sleeps == []
    assert receipt.status is SendStatus.ACCEPTED
    assert [r.status for r in receipt.recipients] == [SendStatus.ACCEPTED] * 10 + [
        SendStatus.REJECTED
    ] * 4
    assert receipt.recipients[10].error == "RATE_LIMITED: rate limit reached; retry in 60 s"
    # Nothing was sent yet: a single send past the limit raises, with the wait to show.
    with pytest.raises(RateLimitedError) as info:
        await provider.send_voice(drop(recipients=NUMBERS[20:21]))
    assert info.value.retry_after == pytest.approx(60.0)
    assert provider.next_request_in() == pytest.approx(60.0)


async def test_hour_window_of_tts() -> None:
    clock = FakeClock()
    provider = make_provider(Api(numbered_replies), clock=clock, max_wait=10)
    limiter = provider.limiter(vp.Operation.TTS)
    for _ in range(1999):
        assert limiter.try_acquire()
    clock.now += 1800
    await provider.send_voice(tts())
    with pytest.raises(RateLimitedError) as info:
        await provider.send_voice(tts())
    assert info.value.retry_after == pytest.approx(1800.0)


async def test_one_limiter_per_key_shared_by_provider_objects() -> None:
    clock = FakeClock()
    registry = LimiterRegistry(clock=clock, sleep=clock.sleep)
    settings = AccountSettings("vp", "voicepartner", "", {"email": "ops@example.fr"})
    first = vp.VoicePartnerProvider(
        settings, KEY, Api(numbered_replies).transport, registry=registry
    )
    second = vp.VoicePartnerProvider(
        settings, KEY, Api(numbered_replies).transport, registry=registry
    )
    other = vp.VoicePartnerProvider(settings, "other-key", Api(ok()).transport, registry=registry)
    for _ in range(5):
        await first.send_voice(drop())
    assert second.next_request_in() == pytest.approx(60.0)
    assert other.next_request_in() == 0.0
    assert first.limiter(vp.Operation.CAMPAIGN) is second.limiter(vp.Operation.CAMPAIGN)


async def test_cancelling_a_send_while_it_waits_sends_nothing_more(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(vp, "MAX_NUMBERS_PER_REQUEST", 1)
    forever = asyncio.Event()

    async def never_wakes(_seconds: float) -> None:
        await forever.wait()

    clock = FakeClock()
    registry = LimiterRegistry(clock=clock, sleep=never_wakes)
    api = Api(numbered_replies)
    settings = AccountSettings("vp", "voicepartner", "", {"email": "ops@example.fr"})
    provider = vp.VoicePartnerProvider(settings, KEY, api.transport, registry=registry)
    task = asyncio.create_task(provider.send_voice(drop(recipients=NUMBERS[:6])))
    for _ in range(50):
        await asyncio.sleep(0)
        if len(api.requests) == 5:
            break
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(api.requests) == 5
    assert "c1,c2,c3,c4,c5" in caplog.text  # a trace of what was accepted
    clock.now += 60
    assert provider.limiter(vp.Operation.CAMPAIGN).remaining() == 5
