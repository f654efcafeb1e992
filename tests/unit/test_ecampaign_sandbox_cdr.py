"""eCampaign iter_cdr against the sandbox over 127.0.0.1: a quarter read through the sandbox's
code 80 (over 31 days), and the sandbox's generated campaigns, streamed."""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from providers.base import AccountSettings
from providers.ecampaign import EcampaignProvider
from providers.ecampaign.cdr import CdrRow
from providers.models import CdrRecord, DeliveryState
from providers.sandbox.common import SANDBOX_LOGIN, SANDBOX_SECRET, RunningSandbox
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.sandbox.ecampaign.tracking import MAX_PERIOD, SYNTHETIC_CAMPAIGNS

TODAY = datetime.now(ZoneInfo("Europe/Paris")).date()


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[EcampaignSandbox, EcampaignProvider]]:
    simulated = EcampaignSandbox()
    async with RunningSandbox(simulated) as running:
        options = {"base_url": running.base_url, "route": "1"}
        settings = AccountSettings("sandbox", "ecampaign", SANDBOX_LOGIN, options)
        provider = EcampaignProvider(settings, SANDBOX_SECRET)
        try:
            yield simulated, provider
        finally:
            await provider.aclose()


async def rows_of(provider: EcampaignProvider, *args: date, **kwargs: object) -> list[CdrRow]:
    async with contextlib.aclosing(provider.iter_cdr(*args, **kwargs)) as rows:  # type: ignore[arg-type]
        return [row async for row in rows]


async def test_a_quarter_through_code_80_gives_each_row_once(
    sandbox: tuple[EcampaignSandbox, EcampaignProvider],
) -> None:
    simulated, provider = sandbox
    recent = await provider.get_cdr(TODAY - timedelta(days=30), TODAY)
    assert recent.messages and recent.campaigns  # the demo's history of the last days
    simulated.requests.clear()

    periods: list[tuple[date, date]] = []
    start = TODAY - timedelta(days=91)
    rows = await rows_of(provider, start, TODAY, on_period=lambda a, b: periods.append((a, b)))

    assert rows == [*recent.messages, *recent.campaigns]  # no row lost, none twice
    # The sandbox refused the quarter and its halves; the periods read tile it day by day.
    assert len(simulated.requests) > len(periods) > 1
    assert all(last - first <= MAX_PERIOD for first, last in periods)
    assert periods[0][0] == start and periods[-1][1] == TODAY
    assert all(b[0] == a[1] + timedelta(days=1) for a, b in itertools.pairwise(periods))


async def test_a_generated_campaign_streams_its_messages(
    sandbox: tuple[EcampaignSandbox, EcampaignProvider],
) -> None:
    _, provider = sandbox
    count = 12_345
    campaign = str(SYNTHETIC_CAMPAIGNS + count)
    start = TODAY - timedelta(days=9)
    rows = await rows_of(provider, start, TODAY, campaign=campaign, channel="sms", content=True)

    assert len(rows) == count and all(isinstance(row, CdrRecord) for row in rows)
    records = [row for row in rows if isinstance(row, CdrRecord)]
    assert len({row.id for row in records}) == count
    assert {row.date_init[:10] for row in records if row.date_init} == {
        str(start + timedelta(days=n)) for n in range(10)
    }
    assert records == sorted(records, key=lambda row: row.date_init or "")
    first = records[0]
    assert (first.channel, first.group_member_id, first.number) == ("sms", "1", "+33600000000")
    assert first.content is not None and "prête & vous attend" in first.content
    states = Counter(row.state for row in records)
    assert set(states) == {
        DeliveryState.DELIVERED,
        DeliveryState.FAILED,
        DeliveryState.SENT,
        DeliveryState.QUEUED,
    }
    assert all(row.status_meaning for row in records)

    (bare,) = await rows_of(provider, TODAY, TODAY, campaign=str(SYNTHETIC_CAMPAIGNS + 1))
    assert isinstance(bare, CdrRecord) and bare.content is None
