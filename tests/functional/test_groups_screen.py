"""Groups (F3) driven with Pilot on the demo console: the list, a group's detail, its members.

The demo's eCampaign sandbox runs in the app's loop, as in ``porte-voix --demo``; the sandbox's
state is read directly to check what the provider now holds.
"""

from __future__ import annotations

from typing import Any

from textual.widgets import DataTable, Input

from screens.compose.sms import ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.groups.detail import GroupDetailScreen
from screens.groups.member_form import MemberForm
from screens.groups.screen import GroupsScreen
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.groups_helpers import (
    confirmation,
    member_rows,
    members_loaded,
    open_group,
    open_groups,
    rows,
    state,
    text_of,
)
from tui.app import PorteVoixApp

SIZE = (100, 30)


async def test_the_list_shows_the_ecampaign_accounts_groups_and_searches(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_groups(pilot)
        # The demo's current account is CapitoleMobile's, which has no groups: said.
        assert "Groups of demo-ecampaign" in text_of(screen, "#groups-notice")
        table = screen.query_one("#groups-table", DataTable)
        assert [r[:2] for r in rows(table)] == [
            ["1", "Clients Paris"],
            ["2", "Prospects Lyon"],
            ["4", "Abonnés newsletter"],
        ]
        assert rows(table)[1][3] == "structure"
        search = screen.query_one("#groups-search", Input)
        await pilot.press("slash")
        assert search.has_focus
        await pilot.press(*"lyon")
        assert [r[1] for r in rows(table)] == ["Prospects Lyon"]
        await pilot.press("enter")
        assert table.has_focus


async def test_a_hostile_group_name_is_shown_as_text(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        # An 8-bit CSI (XML can carry it, unlike ESC) and Rich markup.
        state(demo_app).groups[2].name = "\x9b2J[b]Lyon[/b]"
        screen = await open_groups(pilot)
        cell = rows(screen.query_one("#groups-table", DataTable))[1][1]
        assert cell == "\\x9b2J[b]Lyon[/b]"


async def test_a_groups_detail_searches_and_pages(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        detail = await open_group(pilot, "1")
        header = text_of(detail, "#group-header")
        assert "Clients Paris #1 · 5 member(s)" in header
        assert "mobile (mobile)" in header and "email (mail)" in header
        assert [r[2] for r in member_rows(detail)] == ["Claire", "Hugo", "Léa", "Louis", "Inès"]
        assert text_of(detail, "#members-pager") == "Members 1–5 of 5"
        # Working in the group made its account the current one.
        assert demo_app.current_account == "demo-ecampaign"

        await pilot.press("slash", *"ville=Paris", "enter")
        await wait_for(pilot, lambda: len(member_rows(detail)) == 2, what="the search")
        assert "search: ville=Paris" in text_of(detail, "#members-pager")
        await pilot.press("slash", "escape")  # Escape in a filled search clears it
        await wait_for(pilot, lambda: len(member_rows(detail)) == 5, what="all again")

        await pilot.press("slash", *"pays=FR", "enter")
        assert "no field 'pays'" in text_of(detail, "#group-status")
        await pilot.press("escape", "escape")
        await wait_for_screen(pilot, GroupsScreen)


async def test_members_are_added_edited_and_deleted_in_place(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        detail = await open_group(pilot, "1")
        group = state(demo_app).groups[1]

        await pilot.press("a")
        await wait_for_screen(pilot, MemberForm)
        form = pilot.app.screen
        form.query_one("#member-value-0", Input).value = "Roux"
        form.query_one("#member-value-2", Input).value = "01 45 00 00 00"  # a landline
        await click(pilot, "#ok")
        assert "landline" in text_of(form, "#form-error")  # refused here, nothing sent
        form.query_one("#member-value-2", Input).value = "+33 6 98 76 54 32"
        await pilot.pause(0.3)  # a button ignores a second press while it shows the first
        await click(pilot, "#ok")
        await wait_for(pilot, lambda: len(member_rows(detail)) == 6, what="the new member")
        added = max(group.members.values(), key=lambda m: m.id)
        assert (added.values["nom"], added.values["mobile"]) == ("Roux", "698765432")
        assert "6 member(s)" in text_of(detail, "#group-header")

        await pilot.press("enter")  # the cursor is on the new member: edit it
        await wait_for_screen(pilot, MemberForm)
        pilot.app.screen.query_one("#member-value-5", Input).value = "Lille"
        await click(pilot, "#ok")
        await wait_for(pilot, lambda: added.values.get("ville") == "Lille", what="the edit")
        await wait_for(pilot, lambda: member_rows(detail)[-1][-1] == "Lille", what="the row")

        await pilot.press("delete")
        await wait_for_screen(pilot, ConfirmDialog)
        lines = confirmation(pilot.app)
        assert lines["Member"].startswith(f"#{added.id} · Roux")
        assert lines["Group"] == "Clients Paris (#1)"
        await click(pilot, "#delete")
        await wait_for(pilot, lambda: len(member_rows(detail)) == 5, what="the deletion")
        assert added.id not in group.members


async def test_create_rename_lock_and_change_fields(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_groups(pilot)
        await pilot.press("n")
        await pilot.pause(0.2)
        form = pilot.app.screen
        form.query_one("#group-name", Input).value = "Clients Lille"
        form.query_one("#field-name-1", Input).value = "ville"
        await click(pilot, "#ok")
        await wait_for(pilot, lambda: pilot.app.screen is screen, what="back on the list")
        table = screen.query_one("#groups-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 4, what="the new group")
        created = max(state(demo_app).groups.values(), key=lambda g: g.id)
        assert created.name == "Clients Lille"
        assert [(f.name, f.type, f.unique) for f in created.fields] == [
            ("mobile", "mobile", True),
            ("ville", "custom", False),
        ]

        detail = await open_group(pilot, str(created.id))
        await pilot.press("r")
        await pilot.pause(0.2)
        pilot.app.screen.query_one("#group-name", Input).value = "Clients Lille Nord"
        await pilot.press("enter")
        await wait_for(pilot, lambda: created.name == "Clients Lille Nord", what="the rename")
        await wait_for(pilot, lambda: "Lille Nord" in text_of(detail, "#group-header"))

        await pilot.press("l")
        await pilot.pause(0.2)
        await click(pilot, "#lock-content")
        await click(pilot, "#ok")
        await wait_for(pilot, lambda: created.locked_content, what="the lock")

        await pilot.press("f")
        await pilot.pause(0.2)
        fields = pilot.app.screen
        fields.query_one("#field-name-0", Input).value = "email"
        fields.query_one("#field-type-0").value = "mail"  # type: ignore[attr-defined]
        fields.query_one("#remove-fields").select("ville")  # type: ignore[attr-defined]
        await pilot.pause(0.3)  # laid out again after the changes
        await click(pilot, "#ok")
        await wait_for_screen(pilot, ConfirmDialog)
        lines = confirmation(pilot.app)
        assert (lines["Fields"], lines["Group"]) == ("ville", f"Clients Lille Nord (#{created.id})")
        assert lines["Members"] == "0"
        await click(pilot, "#remove")
        await wait_for(pilot, lambda: [f.name for f in created.fields] == ["mobile", "email"])
        await wait_for(pilot, lambda: "email (mail)" in text_of(detail, "#group-header"))


async def test_empty_then_delete_name_the_group_and_its_member_count(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_group(pilot, "2")
        await pilot.press("E")
        await wait_for_screen(pilot, ConfirmDialog)
        lines = confirmation(pilot.app)
        assert (lines["Group"], lines["Members"]) == ("Prospects Lyon (#2)", "2")
        assert "Prospects Lyon" in lines["title"]
        assert pilot.app.focused is not None and pilot.app.focused.id == "cancel"
        await click(pilot, "#empty")
        lyon = state(demo_app).groups[2]
        await wait_for(pilot, lambda: not lyon.members, what="emptied")

        await wait_for_screen(pilot, GroupDetailScreen)
        await members_loaded(pilot, pilot.app.screen)  # type: ignore[arg-type]
        await pilot.press("D")
        await wait_for_screen(pilot, ConfirmDialog)
        assert confirmation(pilot.app)["Members"] == "0"
        await click(pilot, "#delete")
        await wait_for_screen(pilot, GroupsScreen)
        assert 2 not in state(demo_app).groups


async def test_send_to_the_group_opens_compose_with_the_group_and_its_search(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        detail = await open_group(pilot, "1")
        await pilot.press("slash", *"ville=Paris", "enter")
        await wait_for(pilot, lambda: len(member_rows(detail)) == 2, what="the search")
        await pilot.press("s")
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = pilot.app.screen
        assert isinstance(compose, ComposeSmsScreen)
        assert compose.account is not None and compose.account.name == "demo-ecampaign"
        assert compose.group is not None
        assert (compose.group.group_id, compose.group.fields) == ("1", ("mobile",))
        assert [(c.field, c.operator, c.value) for c in compose.group.criteria] == [
            ("ville", "=", "Paris")
        ]
        assert "where ville = Paris" in text_of(compose, "#target-info")


async def test_every_action_is_in_the_palette(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        screen = await open_groups(pilot)
        titles = {title for title, _help, _call in screen.palette_commands()}
        assert {"New group", "Delete group", "Empty group", "Search groups"} <= titles
        detail = await open_group(pilot, "1")
        titles = {title for title, _help, _call in detail.palette_commands()}
        assert {"Import members from CSV", "Send to this group", "Group fields"} <= titles
        bindings: list[Any] = list(detail.BINDINGS)
        ids = {b.id for b in bindings}
        assert {"group.import", "group.send", "group.delete", "group.empty"} <= ids
        assert all(b.description for b in bindings)
