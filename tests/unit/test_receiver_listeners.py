"""The receiver tells its listeners what it stored, after the commit: the console refreshes on
that instead of polling the outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx
import pytest

from providers.models import DeliveryEvent
from tui.outbox.store import Store
from tui.receiver import Receiver, serve

QUERY = {"id": "PVNOSUCHREF", "gsm": "33611223344", "status": "DELIVERED"}


@pytest.fixture
async def receiver(tmp_path: Path) -> AsyncIterator[tuple[Receiver, str]]:
    store = Store(tmp_path / "outbox.db")
    receiver = Receiver(store)
    runner, port = await serve(receiver.build_app())
    try:
        yield receiver, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        store.close()


async def test_listeners_hear_what_was_stored_once(receiver: tuple[Receiver, str]) -> None:
    rx, base = receiver
    token = rx.register("shop", "capitole")
    heard: list[tuple[str, int, int]] = []

    def listener(account: str, events: Sequence[DeliveryEvent]) -> None:
        # Told after the commit: the event is already readable from the outbox.
        heard.append((account, len(events), len(rx.store.events_since(0))))

    rx.listeners.append(listener)
    async with httpx.AsyncClient() as client:
        url = f"{base}/capitole/shop/{token}"
        assert (await client.get(url, params=QUERY)).status_code == 200
        assert (await client.get(url, params=QUERY)).status_code == 200  # a duplicate
    assert heard == [("shop", 1, 1)]


async def test_a_failing_listener_costs_the_provider_nothing(
    receiver: tuple[Receiver, str],
) -> None:
    rx, base = receiver
    token = rx.register("shop", "capitole")
    heard: list[str] = []

    def broken(account: str, events: Sequence[DeliveryEvent]) -> None:
        raise RuntimeError("screen gone")

    rx.listeners.extend([broken, lambda account, events: heard.append(account)])
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{base}/capitole/shop/{token}", params=QUERY)
    assert response.status_code == 200
    assert heard == ["shop"]
    assert len(rx.store.events_since(0)) == 1
