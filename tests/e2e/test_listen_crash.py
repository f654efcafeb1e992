"""The daemon killed (SIGKILL) in the middle of a burst of 2,000 callbacks, from a client that
retries each until it gets a 200, as providers do: afterwards every acknowledged callback is
stored exactly once. Persist, then acknowledge: a 200 is only ever a commit. On 127.0.0.1,
bounded in time."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
from collections import Counter

import httpx

from tests.e2e.conftest import Cli
from tests.e2e.listen_helpers import RunningDaemon, start_daemon, token_env

CALLBACKS = 2_000
KILL_AFTER = 600
CONCURRENCY = 32
DEADLINE = 180.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_sigkill_mid_burst_loses_and_doubles_nothing(
    porte_voix: Cli, accounts: dict[str, str]
) -> None:
    env = {**porte_voix.env(), **token_env(*accounts.values())}
    port = free_port()
    daemons: list[RunningDaemon] = [start_daemon(porte_voix.home, env, port=port, log_name="1")]
    numbers = [f"3361{n:07d}" for n in range(CALLBACKS)]
    acknowledged: list[str] = []
    killed = asyncio.Event()

    async def deliver(client: httpx.AsyncClient, number: str, slots: asyncio.Semaphore) -> None:
        url = daemons[0].url("capitole", "demo-capitole")
        params = {"id": "PVKILL", "gsm": number, "status": "DELIVERED"}
        while True:
            async with slots:
                try:
                    answer = await client.get(url, params=params)
                except httpx.HTTPError:
                    answer = None
            if answer is not None and answer.status_code == 200:
                acknowledged.append(number)
                return
            await asyncio.sleep(0.05)  # the provider's retry, shortened

    async def killer() -> None:
        while len(acknowledged) < KILL_AFTER:
            await asyncio.sleep(0.005)
        daemons[0].kill()  # SIGKILL: no goodbye, requests in flight cut
        killed.set()
        await asyncio.sleep(0.5)
        # Started from this thread, which outlives it: the parent-death signal of a child is
        # tied to the thread that started it (asyncio.to_thread would have it killed).
        daemons.append(start_daemon(porte_voix.home, env, port=port, log_name="2"))

    async def burst() -> None:
        slots = asyncio.Semaphore(CONCURRENCY)
        limits = httpx.Limits(max_connections=CONCURRENCY)
        async with httpx.AsyncClient(timeout=5, limits=limits) as client:
            await asyncio.wait_for(
                asyncio.gather(killer(), *(deliver(client, n, slots) for n in numbers)),
                DEADLINE,
            )

    try:
        asyncio.run(burst())
    finally:
        daemons[0].kill()
        assert daemons[-1].stop() == 0, daemons[-1].output()
    assert killed.is_set() and len(daemons) == 2
    assert len(acknowledged) == CALLBACKS
    with sqlite3.connect(porte_voix.home / "data" / "porte-voix.db") as conn:
        rows = conn.execute("SELECT number FROM events WHERE campaign_id = 'PVKILL'").fetchall()
    stored = Counter(row[0] for row in rows)
    assert set(stored) == {"+" + n for n in numbers}  # every acknowledged one is there
    assert max(stored.values()) == 1  # and none twice
