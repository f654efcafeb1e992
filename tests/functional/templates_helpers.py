"""Shared steps of the Templates screen's Pilot tests: open F4, reach the sandbox behind it."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, DataTable, Static

from providers.sandbox.ecampaign import EcampaignState
from screens.compose.sms import ComposeSmsScreen
from screens.templates.pane import AccountPane
from screens.templates.screen import TemplatesScreen
from tests.functional.conftest import wait_for, wait_for_screen
from tui.app import PorteVoixApp

ACCOUNT = "demo-ecampaign"


def ecampaign_state(app: PorteVoixApp) -> EcampaignState:
    cluster = app.session.cluster
    assert cluster is not None
    state: EcampaignState = cluster.sandboxes["ecampaign"].state  # type: ignore[attr-defined]
    return state


def ecampaign_paths(app: PorteVoixApp) -> list[str]:
    cluster = app.session.cluster
    assert cluster is not None
    return [request.path for request in cluster.sandboxes["ecampaign"].requests]


async def open_templates(pilot: Pilot[Any]) -> TemplatesScreen:
    """F4, once the composer is up; returns the screen when the templates are listed."""
    await wait_for_screen(pilot, ComposeSmsScreen)
    await pilot.press("f4")
    await wait_for_screen(pilot, TemplatesScreen)
    screen = pilot.app.screen
    assert isinstance(screen, TemplatesScreen)
    table = screen.query_one("#templates-table", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0, what="the templates listed")
    return screen


def rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(index)] for index in range(table.row_count)]


def status_of(pane: AccountPane) -> str:
    rendered = pane.query_one(".pane-status", Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


def shown(widget: Widget) -> str:
    """What ``widget`` draws, as plain text (lines joined), whatever it renders with."""
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    return "\n".join(strip.text.rstrip() for strip in strips)


def select_row(table: DataTable[Any], key: str) -> None:
    table.move_cursor(row=table.get_row_index(key))
    table.focus()


def toasts(app: PorteVoixApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def assert_buttons_on_screen(pilot: Pilot[Any]) -> None:
    """Every button of the current screen is drawn whole inside the terminal (80×24 and up)."""
    screen = pilot.app.screen
    size = Region(0, 0, *pilot.app.size)
    buttons = list(screen.query(Button))
    assert buttons
    for button in buttons:
        if button.display:
            region = button.region
            assert region.area > 0 and size.contains_region(region), (button.id, region)
