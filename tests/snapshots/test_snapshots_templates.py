"""Snapshots of the Templates screen (F4): the list, and a voice template's details, at 80×24 and
120×40. The demo's templates are dated relative to today: they are given fixed dates first, so
that the pictures do not change from one day to the next.

Regenerate after a deliberate change with ``pytest tests/snapshots --snapshot-update`` and look
at the report before committing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from screens.compose.sms import ComposeSmsScreen
from screens.templates.detail import TemplateDetail
from screens.templates.screen import TemplatesScreen
from tests.functional.templates_helpers import ecampaign_state
from tui.app import PorteVoixApp
from tui.session import Session

SIZES = [(80, 24), (120, 40)]
FIXED = datetime(2026, 3, 2, 9, 30)


def _app() -> PorteVoixApp:
    session = Session.open(demo=True)
    session.callback_delay = 0.1
    return PorteVoixApp(session)


async def _until(pilot: Pilot[Any], ready: Any) -> None:
    for _ in range(400):
        if ready():
            return
        await pilot.pause(0.05)
    raise AssertionError("the screen never got ready")


async def _templates_listed(pilot: Pilot[Any]) -> TemplatesScreen:
    app = pilot.app
    assert isinstance(app, PorteVoixApp)
    await _until(pilot, lambda: isinstance(app.screen, ComposeSmsScreen) and app.screen.is_mounted)
    for template in ecampaign_state(app).templates.values():
        template.created = template.updated = FIXED
    await pilot.press("f4")
    await _until(pilot, lambda: isinstance(app.screen, TemplatesScreen) and app.screen.is_mounted)
    screen = app.screen
    assert isinstance(screen, TemplatesScreen)
    table = screen.query_one("#templates-table", DataTable)
    await _until(pilot, lambda: table.row_count == 5)
    return screen


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    pilot.app.clear_notifications()
    pilot.app.screen.set_focus(None)  # no blinking cursor in the picture
    await pilot.pause(0.1)


@pytest.mark.parametrize("size", SIZES)
def test_templates_list(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _templates_listed(pilot)
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_voice_template_detail(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        screen = await _templates_listed(pilot)
        table = screen.query_one("#templates-table", DataTable)
        table.move_cursor(row=table.get_row_index("2"))
        table.focus()
        await pilot.press("enter")
        app = pilot.app
        await _until(
            pilot, lambda: isinstance(app.screen, TemplateDetail) and app.screen.is_mounted
        )
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)
