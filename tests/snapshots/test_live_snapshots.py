"""Snapshots of Live (F7) and one send's recipients at 80×24 and 120×40.

The outbox is filled beforehand with two sends dated today at midnight (local time), so that the
times shown do not move (run between midnight and one o'clock, the chart of the last hour would
count their deliveries); no daemon runs, and the screen says so. Regenerate after a deliberate
change with ``pytest tests/snapshots/test_live_snapshots.py --snapshot-update``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from providers.models import (
    DeliveryEvent,
    DeliveryState,
    EventKind,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
)
from screens.live.detail import SendDetailScreen
from screens.live.screen import LiveScreen
from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.app import PorteVoixApp
from tui.outbox.store import Store
from tui.session import DB_NAME, Session

SIZES = [(80, 24), (120, 40)]
MIDNIGHT = datetime.now().astimezone().replace(hour=0, minute=0, second=0, microsecond=0)
NUMBERS = tuple(f"+336110000{n:02d}" for n in range(6))


def _fill(store: Store) -> None:
    for reference, numbers in (("PVSNAPA001", NUMBERS), ("PVSNAPB002", NUMBERS[:3])):
        message = SmsMessage("Soldes d'hiver : -20 % ce week-end", numbers)
        store.begin_send("shop", "capitole", "sms", message, numbers, reference=reference,
                         campaign_id=reference)  # fmt: skip
        store.mark_batch_sending(reference, 0, numbers)
        results = tuple(
            RecipientResult(n, SendStatus.REJECTED if n.endswith("05") else SendStatus.ACCEPTED)
            for n in numbers
        )
        receipt = SendReceipt("capitole", SendStatus.ACCEPTED, results, reference=reference)
        store.record_batch_result(reference, receipt, batch=0)
        store.finish_send(reference, "partial" if len(numbers) > 5 else "accepted")
    for n, state in enumerate((DeliveryState.DELIVERED,) * 3 + (DeliveryState.FAILED,)):
        code = "DELIVERED" if state is DeliveryState.DELIVERED else "INVALID_DESTINATION_ADDRESS"
        event = DeliveryEvent(
            "capitole", EventKind.DELIVERY, state, code, campaign_id="PVSNAPA001",
            number=NUMBERS[n], occurred_at=MIDNIGHT + timedelta(seconds=5 + n),
        )  # fmt: skip
        store.record_event(event, f"GET /capitole/shop/<token>?n={n}")


def _app() -> PorteVoixApp:
    config_module.save(
        config_module.with_account(
            config_module.Config(), Account("shop", "capitole", "me", {}, secret_store="env")
        )
    )
    data = config_module.data_dir()
    data.mkdir(parents=True, exist_ok=True)
    with Store(data / DB_NAME, clock=lambda: MIDNIGHT) as store:
        _fill(store)
    return PorteVoixApp(Session.open(demo=False))


async def _wait(pilot: Pilot[Any], condition: Any) -> None:
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def _live(pilot: Pilot[Any]) -> LiveScreen:
    app = pilot.app
    await pilot.pause(0.3)
    await pilot.press("f7")
    await _wait(pilot, lambda: isinstance(app.screen, LiveScreen))
    live = app.screen
    assert isinstance(live, LiveScreen)
    table = live.query_one("#live-sends", DataTable)
    await _wait(pilot, lambda: table.row_count == 2)
    await pilot.pause(0.3)
    return live


@pytest.mark.parametrize("size", SIZES)
def test_live_sends(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _live(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_live_one_send(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        live = await _live(pilot)
        live.query_one("#live-sends", DataTable).move_cursor(row=1)  # the older: PVSNAPA001
        await pilot.press("enter")
        app = pilot.app
        await _wait(pilot, lambda: isinstance(app.screen, SendDetailScreen))
        rows = app.screen.query_one("#detail-table", DataTable)
        await _wait(pilot, lambda: rows.row_count == 6)
        await pilot.pause(0.3)
        app.screen.set_focus(None)
        await pilot.pause(0.1)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)
