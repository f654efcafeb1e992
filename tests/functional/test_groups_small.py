"""Every Groups dialog at 80×24: each button it shows is on the screen, whole (Pilot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select

from screens.dialogs.common import ConfirmDialog
from screens.groups.forms import FieldsDialog, GroupForm, LocksDialog, RenameDialog
from screens.groups.import_dialog import ImportDialog
from screens.groups.member_form import MemberForm
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.groups_helpers import open_group, open_groups
from tui.app import PorteVoixApp

SMALL = (80, 24)


def assert_buttons_on_screen(pilot: Pilot[Any]) -> None:
    screen = Region(0, 0, *SMALL)
    shown = [b for b in pilot.app.screen.query(Button) if b.display]
    assert shown, "no button"
    for button in shown:
        assert button.region.area > 0 and screen.contains_region(button.region), (
            button.id,
            button.region,
        )


async def dialog(pilot: Pilot[Any], key: str, kind: type[Any]) -> None:
    """Open with ``key``, check the buttons, leave with Escape."""
    await pilot.press(key)
    await wait_for_screen(pilot, kind)
    await pilot.pause(0.2)
    assert_buttons_on_screen(pilot)
    await pilot.press("escape")
    await pilot.pause(0.1)


async def test_the_group_dialogs_fit_80x24(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=SMALL) as pilot:
        await open_groups(pilot)
        await dialog(pilot, "n", GroupForm)
        await dialog(pilot, "delete", ConfirmDialog)  # delete, after counting the members
        await open_group(pilot, "1")
        for key, kind in (
            ("a", MemberForm),
            ("enter", MemberForm),
            ("f", FieldsDialog),
            ("r", RenameDialog),
            ("l", LocksDialog),
            ("E", ConfirmDialog),
            ("D", ConfirmDialog),
            ("delete", ConfirmDialog),
        ):
            await dialog(pilot, key, kind)


async def test_each_stage_of_an_import_fits_80x24(demo_app: PorteVoixApp, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text(
        "nom,mobile,ville,a,b,c,d,e\n"
        + "".join(f"N{i},06 98 00 00 {i:02d},Paris,1,2,3,4,5\n" for i in range(10, 40))
        + "Bad,12,Paris,1,2,3,4,5\n",
        encoding="utf-8",
    )
    async with demo_app.run_test(size=SMALL) as pilot:
        await open_group(pilot, "1")
        await pilot.press("i")
        await wait_for_screen(pilot, ImportDialog)
        screen = pilot.app.screen
        assert isinstance(screen, ImportDialog)
        assert_buttons_on_screen(pilot)
        screen.query_one("#csv-path", Input).value = str(path)
        screen.query_one("#csv-path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: not screen.query_one("#check", Button).disabled)
        await pilot.pause(0.2)
        assert_buttons_on_screen(pilot)  # eight columns to map
        assert len(screen.query(Select)) == 8
        await click(pilot, "#check")
        await wait_for(pilot, lambda: screen.plan is not None, what="the preview")
        await pilot.pause(0.2)
        assert_buttons_on_screen(pilot)
        await click(pilot, "#start")
        await wait_for(pilot, lambda: screen.report is not None, what="the report")
        await pilot.pause(0.2)
        assert_buttons_on_screen(pilot)
        assert screen.report is not None and screen.report.imported == 30
