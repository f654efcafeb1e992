"""Snapshots of a group's detail (Groups, F3) at 80×24 and 120×40.

Regenerate after a deliberate change with
``pytest tests/snapshots/test_groups_snapshots.py --snapshot-update`` and look at the report.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from providers.sandbox.ecampaign import EcampaignSandbox
from screens.groups.detail import GroupDetailScreen
from screens.groups.screen import GroupsScreen
from tui.app import PorteVoixApp
from tui.session import Session

SIZES = [(80, 24), (120, 40)]
#: The sandbox dates its demo groups from today: a fixed date keeps the picture stable.
CREATED = datetime(2025, 1, 15, 8, 30, tzinfo=UTC)


def _app() -> PorteVoixApp:
    session = Session.open(demo=True)
    session.callback_delay = 0.1
    return PorteVoixApp(session)


async def _wait(pilot: Pilot[Any], condition: Any) -> None:
    for _ in range(600):
        if condition():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("size", SIZES)
def test_group_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, PorteVoixApp) and app.session.cluster is not None
        await pilot.pause(0.3)
        sandbox = app.session.cluster.sandboxes["ecampaign"]
        assert isinstance(sandbox, EcampaignSandbox)
        sandbox.state.groups[1].created = CREATED
        await pilot.press("f3")
        await _wait(pilot, lambda: isinstance(app.screen, GroupsScreen))
        table = app.screen.query_one("#groups-table", DataTable)
        await _wait(pilot, lambda: table.row_count > 0)
        await pilot.press("enter")  # the first group: Clients Paris
        await _wait(pilot, lambda: isinstance(app.screen, GroupDetailScreen))
        detail = app.screen
        assert isinstance(detail, GroupDetailScreen)
        await _wait(pilot, lambda: detail.all_members is not None and not detail.fetching)
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        app.screen.set_focus(None)  # no blinking cursor in the picture
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)
