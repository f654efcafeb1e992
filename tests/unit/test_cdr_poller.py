"""eCampaign states read through getCDR where no callback can arrive: against the sandbox over
loopback, a campaign's messages reach their states in the outbox, marked as polled, once."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.base import Provider, create_provider
from providers.models import SendStatus, SmsMessage
from providers.sandbox import SANDBOX_SECRET, SandboxCluster
from tui.listen.live import LiveReader
from tui.listen.poller import CdrPoller
from tui.listen.writer import GroupWriter
from tui.outbox.store import Store, new_reference

NUMBERS = ("+33611223344", "+33622334400", "+33633445599")


@pytest.fixture
async def ecampaign() -> AsyncIterator[Provider]:
    async with SandboxCluster(callback_delay=0.05) as cluster:
        (demo,) = [d for d in cluster.demo_accounts() if d.settings.provider == "ecampaign"]
        provider = create_provider(demo.settings, SANDBOX_SECRET)
        try:
            yield provider
        finally:
            await provider.aclose()


async def test_a_campaign_is_polled_to_its_states_once(ecampaign: Provider, tmp_path: Path) -> None:
    store = Store(tmp_path / "outbox.db")
    message = SmsMessage("Bonjour", NUMBERS)
    reference = new_reference()
    store.begin_send("eco", "ecampaign", "sms", message, NUMBERS, reference=reference)
    store.mark_batch_sending(reference, 0, NUMBERS)
    receipt = await ecampaign.send_sms(message)
    assert {r.status for r in receipt.recipients} == {SendStatus.ACCEPTED}
    store.record_batch_result(reference, receipt, batch=0)
    store.finish_send(reference, "accepted")
    writer = GroupWriter(store)
    reader = LiveReader(store.path)
    asked: list[str] = []

    async def provider_of(account: str) -> Provider:
        asked.append(account)
        return ecampaign

    poller = CdrPoller(reader, provider_of, writer.submit, interval=60)
    try:
        await asyncio.sleep(0.4)  # the sandbox's messages go through their states meanwhile
        assert await poller.poll_once() >= 3
        states = {r.number: str(r.delivery_state) for r in store.recipients(reference)}
        assert states == {NUMBERS[0]: "delivered", NUMBERS[1]: "failed", NUMBERS[2]: "queued"}
        assert await poller.poll_once() == 0  # the same states again: nothing new
        assert asked == ["eco", "eco"] and poller.last_error is None
        (send,) = reader.recent_sends(datetime.now(UTC) - timedelta(days=1))
        assert send.via == "getCDR"
        assert dict(send.counts) == {"delivered": 1, "failed": 1, "queued": 1}
        # The one message never final keeps the campaign polled; the others are settled.
        waiting = reader.unsettled_sends("ecampaign", datetime.now(UTC) - timedelta(days=1))
        assert [ref for _a, ref, _t in waiting] == [reference]
    finally:
        await writer.close()
        reader.close()
        store.close()


async def test_a_failing_account_is_said_and_tried_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "outbox.db")
    message = SmsMessage("Bonjour", NUMBERS[:1])
    reference = new_reference()
    store.begin_send("eco", "ecampaign", "sms", message, NUMBERS[:1], reference=reference)
    store.mark_batch_sending(reference, 0, NUMBERS[:1])
    store.finish_send(reference, "accepted")
    with store._write() as conn:  # accepted without a provider: the poll is what fails
        conn.execute("UPDATE sends SET accepted = 1 WHERE reference = ?", (reference,))
        conn.execute("UPDATE send_recipients SET state = 'accepted'")

    async def provider_of(account: str) -> Provider:
        raise ConnectionError("no route to host")

    reader = LiveReader(store.path)
    writer = GroupWriter(store)
    poller = CdrPoller(reader, provider_of, writer.submit, interval=60)
    try:
        assert await poller.poll_once() == 0
        assert poller.last_error is not None and "eco" in poller.last_error
        assert poller.rounds == 1
    finally:
        await writer.close()
        reader.close()
        store.close()
