"""The receiver's writer: callbacks that arrive together share one commit; a failure costs only
the callback that caused it; nothing is acknowledged before it is committed."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from providers.models import DeliveryEvent, DeliveryState, EventKind
from tui.listen.writer import GroupWriter, WriterBusy, WriterClosed
from tui.outbox.store import Store
from tui.outbox.tracking import Callback, StoredHook


def report(n: int) -> DeliveryEvent:
    return DeliveryEvent(
        "capitole",
        EventKind.DELIVERY,
        DeliveryState.DELIVERED,
        "DELIVERED",
        campaign_id="PVNOSUCH",
        number=f"+336{n:08d}",
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def stored_count(store: Store) -> int:
    with sqlite3.connect(store.path) as conn:
        return int(conn.execute("SELECT count(*) FROM events").fetchone()[0])


async def test_a_burst_shares_a_few_commits_and_each_caller_hears_its_own(store: Store) -> None:
    writer = GroupWriter(store)
    results = await asyncio.gather(
        *(writer.submit("shop", [report(n)], f"GET /{n}".encode()) for n in range(300))
    )
    assert [len(r) for r in results] == [1] * 300
    assert [r[0].number for r in results] == [f"+336{n:08d}" for n in range(300)]
    assert stored_count(store) == 300
    assert writer.written == 300 and 1 <= writer.commits < 300
    await writer.close()


async def test_a_duplicate_is_acknowledged_as_nothing_new(store: Store) -> None:
    writer = GroupWriter(store)
    first, again = await asyncio.gather(
        writer.submit("shop", [report(1)], b"GET /1"), writer.submit("shop", [report(1)], b"GET /1")
    )
    assert len(first) + len(again) == 1  # one of them stored it, the other found it there
    assert stored_count(store) == 1
    await writer.close()


class BrokenStore(Store):
    """Refuses any batch holding the poisoned number, as a full disk would refuse them all."""

    poisoned = "+33600000013"

    def record_batch(
        self, callbacks: Sequence[Callback], on_stored: StoredHook | None = None
    ) -> list[list[DeliveryEvent]]:
        if any(e.number == self.poisoned for c in callbacks for e in c.events):
            raise sqlite3.OperationalError("disk I/O error")
        return super().record_batch(callbacks, on_stored)


async def test_a_failed_write_fails_only_its_own_callback(tmp_path: Path) -> None:
    with BrokenStore(tmp_path / "outbox.db") as store:
        writer = GroupWriter(store)
        results = await asyncio.gather(
            *(writer.submit("shop", [report(n)], b"GET /") for n in range(20)),
            return_exceptions=True,
        )
        failed = [n for n, r in enumerate(results) if isinstance(r, Exception)]
        assert failed == [13]
        assert isinstance(results[13], sqlite3.OperationalError)
        assert stored_count(store) == 19
        await writer.close()


async def test_close_writes_what_waits_then_refuses(store: Store) -> None:
    writer = GroupWriter(store)
    pending = [
        asyncio.ensure_future(writer.submit("shop", [report(n)], b"GET /")) for n in range(50)
    ]
    await asyncio.sleep(0)  # queued, not yet written
    await writer.close()
    assert all(len(task.result()) == 1 for task in pending)
    assert stored_count(store) == 50
    with pytest.raises(WriterClosed):
        await writer.submit("shop", [report(99)], b"GET /")


async def test_a_flood_beyond_the_bound_is_refused_at_once(store: Store) -> None:
    writer = GroupWriter(store, max_waiting=10)
    tasks = [asyncio.ensure_future(writer.submit("s", [report(n)], b"x")) for n in range(30)]
    results = await asyncio.gather(*tasks, return_exceptions=True)
    refused = [r for r in results if isinstance(r, WriterBusy)]
    assert refused and len(refused) <= 20
    assert stored_count(store) == 30 - len(refused)
    await writer.close()


async def test_the_hook_runs_inside_the_commit(store: Store) -> None:
    seen: list[str | None] = []

    def hook(conn: sqlite3.Connection, account: str | None, event: DeliveryEvent, now: object):  # type: ignore[no-untyped-def]
        # Inside the transaction: the event's own row is visible to this connection only.
        rows = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        seen.append(f"{account}:{event.number}:{rows}")

    writer = GroupWriter(store, on_stored=hook)
    await writer.submit("shop", [report(1), report(1), report(2)], b"GET /")
    assert seen == ["shop:+33600000001:2", "shop:+33600000002:2"]
    await writer.close()
