"""The demo's big eCampaign group: 50,000 members, made on first use, served in chunks."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from providers.base import AccountSettings
from providers.ecampaign import EcampaignProvider
from providers.sandbox.common import SANDBOX_LOGIN, SANDBOX_SECRET, RunningSandbox
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.sandbox.ecampaign.demo import BIG_GROUP_SIZE, GeneratedMembers, demo_state

BIG = "4"


@pytest.fixture
async def provider() -> AsyncIterator[tuple[EcampaignSandbox, EcampaignProvider]]:
    sandbox = EcampaignSandbox()
    async with RunningSandbox(sandbox) as running:
        settings = AccountSettings(
            "demo", "ecampaign", SANDBOX_LOGIN, {"base_url": running.base_url, "route": "1"}
        )
        client = EcampaignProvider(settings, SANDBOX_SECRET)
        try:
            yield sandbox, client
        finally:
            await client.aclose()


def test_the_members_are_made_only_when_looked_at() -> None:
    state = demo_state()
    members = state.groups[int(BIG)].members
    assert isinstance(members, GeneratedMembers)
    assert dict.__len__(members) == 0  # nothing made yet
    assert len(members) == BIG_GROUP_SIZE
    ids = list(members)
    assert ids == list(range(ids[0], ids[0] + BIG_GROUP_SIZE))
    # The ids were reserved: the next member added anywhere gets a fresh one.
    assert state.next_id("member") == ids[-1] + 1


async def test_the_whole_group_is_listed(
    provider: tuple[EcampaignSandbox, EcampaignProvider],
) -> None:
    _sandbox, client = provider
    group = await client.get_group(BIG)
    assert [f.name for f in group.fields] == ["nom", "prenom", "mobile", "ville"]
    members = await client.list_members(BIG)
    assert len(members) == BIG_GROUP_SIZE
    assert len({m.values["mobile"] for m in members}) == BIG_GROUP_SIZE  # an anti-duplicate field
    assert set(members[0].values) == {"nom", "prenom", "mobile", "ville"}


async def test_the_loop_is_served_while_the_group_is_sent(
    provider: tuple[EcampaignSandbox, EcampaignProvider],
) -> None:
    """The demo console shares the sandbox's loop: a tick every 20 ms must keep coming."""
    sandbox, client = provider
    len(sandbox.state.groups[int(BIG)].members)  # made beforehand: only the reply is timed
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.02)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticking = asyncio.create_task(ticker())
    try:
        assert len(await client.list_members(BIG)) == BIG_GROUP_SIZE
    finally:
        ticking.cancel()
    # Ticks kept coming while the reply was being sent: the loop was served between chunks
    # (the whole reply unchunked blocks it from start to end). Counted, not timed.
    assert len(gaps) > 5


async def test_a_search_and_a_removal_in_the_big_group(
    provider: tuple[EcampaignSandbox, EcampaignProvider],
) -> None:
    _sandbox, client = provider
    found = await client.get_members(BIG, tags={"mobile": "0610000007"})
    assert [m.values["mobile"] for m in found] == ["610000007"]
    await client.del_member(BIG, found[0].id)
    assert len(await client.list_members(BIG)) == BIG_GROUP_SIZE - 1
