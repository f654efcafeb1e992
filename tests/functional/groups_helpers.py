"""Helpers for the Groups Pilot tests (this module holds no tests): the demo console on F3."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from providers.sandbox.ecampaign import EcampaignSandbox, EcampaignState
from screens.dialogs.common import ConfirmDialog
from screens.groups.detail import GroupDetailScreen
from screens.groups.members_table import MembersTable
from screens.groups.screen import GroupsScreen
from tests.functional.conftest import wait_for, wait_for_screen
from tui.app import PorteVoixApp


def sandbox(app: PorteVoixApp) -> EcampaignSandbox:
    cluster = app.session.cluster
    assert cluster is not None
    found = cluster.sandboxes["ecampaign"]
    assert isinstance(found, EcampaignSandbox)
    return found


def state(app: PorteVoixApp) -> EcampaignState:
    return sandbox(app).state


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def confirmation(app: Any) -> dict[str, str]:
    """The summary lines of the confirmation on screen, and its title (key ``title``)."""
    dialog = app.screen
    assert isinstance(dialog, ConfirmDialog), dialog
    return {"title": dialog.title_text, **dict(dialog.lines)}


def rows(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


async def open_groups(pilot: Pilot[Any]) -> GroupsScreen:
    await pilot.pause(0.2)
    await pilot.press("f3")
    await wait_for_screen(pilot, GroupsScreen)
    screen = pilot.app.screen
    assert isinstance(screen, GroupsScreen)
    table = screen.query_one("#groups-table", DataTable)
    await wait_for(pilot, lambda: table.row_count > 0, what="the groups")
    return screen


async def open_group(pilot: Pilot[Any], group_id: str, *, loaded: bool = True) -> GroupDetailScreen:
    """Open ``group_id`` from the list (F3) with the keyboard; wait for its members."""
    current = pilot.app.screen
    groups = current if isinstance(current, GroupsScreen) else await open_groups(pilot)
    table = groups.query_one("#groups-table", DataTable)
    table.focus()
    table.move_cursor(row=table.get_row_index(group_id))
    await pilot.press("enter")
    await wait_for_screen(pilot, GroupDetailScreen)
    detail = pilot.app.screen
    assert isinstance(detail, GroupDetailScreen)
    if loaded:
        await members_loaded(pilot, detail)
    return detail


async def members_loaded(pilot: Pilot[Any], detail: GroupDetailScreen) -> None:
    def done() -> bool:
        return detail.all_members is not None and not detail.fetching

    await wait_for(pilot, done, timeout=60, what="the members")
    await pilot.pause(0.05)


def member_rows(detail: GroupDetailScreen) -> list[list[str]]:
    return rows(detail.query_one(MembersTable))
