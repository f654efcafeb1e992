"""Snapshots of Credits (F5) and History (F6) and their dialogs, at 80×24 and 120×40.

The pictures must not depend on when they are taken: balances are dated, and sends seeded, at
fixed moments, the getCDR form asks for a fixed day, and times show in UTC. Regenerate after a
deliberate change with ``pytest tests/snapshots/test_history_snapshots.py --snapshot-update``
and look at the report.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from screens.credits.screen import CreditsScreen
from screens.history.cdr import CdrHistory
from screens.history.local import LocalHistory
from tests.functional.history_helpers import seed
from tui.app import PorteVoixApp
from tui.session import Session

SIZES = [(80, 24), (120, 40)]
SEEN = "2026-03-02T08:15:00.000000+00:00"


@pytest.fixture(autouse=True)
def _utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _app() -> PorteVoixApp:
    session = Session.open(demo=True)
    session.callback_delay = 0.1
    return PorteVoixApp(session)


async def _until(pilot: Pilot[Any], condition: Any) -> None:
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    pilot.app.screen.set_focus(None)  # no blinking cursor in the picture
    await pilot.pause(0.2)


async def _credits(pilot: Pilot[Any]) -> CreditsScreen:
    app = pilot.app
    assert isinstance(app, PorteVoixApp)
    await pilot.pause(0.3)
    await pilot.press("f5")
    await _until(pilot, lambda: isinstance(app.screen, CreditsScreen) and not app.screen.asking)
    screen = app.screen
    assert isinstance(screen, CreditsScreen)
    await app.workers.wait_for_complete()
    with sqlite3.connect(app.session.store.path) as conn:  # every figure seen at one moment
        conn.execute("UPDATE balance_lines SET seen_at = ?", (SEEN,))
        conn.execute("UPDATE balance_history SET seen_at = ?", (SEEN,))
    screen.show_known()
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_credits(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await _credits(pilot)
        screen.query_one("#credits-table", DataTable).move_cursor(row=4)  # eCampaign's SMS route
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


def test_credits_threshold_dialog(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await _credits(pilot)
        table = screen.query_one("#credits-table", DataTable)
        table.move_cursor(row=4)
        table.focus()
        await pilot.press("t")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)


async def _history(pilot: Pilot[Any]) -> LocalHistory:
    app = pilot.app
    assert isinstance(app, PorteVoixApp)
    await pilot.pause(0.3)
    seed(app.session.store.path, 30, 40)
    await pilot.press("f6")
    await _until(pilot, lambda: bool(app.screen.query(LocalHistory)))
    local = app.screen.query_one(LocalHistory)
    await _until(pilot, lambda: local.count == 1200 and local.page is not None)
    return local


@pytest.mark.parametrize("size", SIZES)
def test_history(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _history(pilot)
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


def test_history_detail(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _history(pilot)
        pilot.app.screen.query_one("#history-table").focus()
        await pilot.press("down", "down", "enter")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)


def test_history_filter_dialog(snap_compare: Any) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _history(pilot)
        pilot.app.screen.query_one("#history-table").focus()
        await pilot.press("f")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_history_getcdr(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await pilot.pause(0.3)
        await pilot.press("f6")
        await _until(pilot, lambda: bool(pilot.app.screen.query(CdrHistory)))
        await pilot.press("2")
        cdr = pilot.app.screen.query_one(CdrHistory)
        for selector, value in (
            ("#cdr-from", "2026-01-05"),
            ("#cdr-to", "2026-01-05"),
            ("#cdr-campaign", "9000000250"),
        ):
            cdr.query_one(selector, Input).value = value
        cdr.action_read()
        await _until(pilot, lambda: cdr.stored == 250 and not cdr.reading and not cdr.loading)
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)
