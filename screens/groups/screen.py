"""Groups (F3): the account's eCampaign sending groups; open one to see its fields and members.

The list comes from one provider call, fetched by a worker that posts ``GroupsLoaded``; the
search filters it here, by name or id. Groups are an eCampaign feature: when the current account
has none, the screen shows the first account that has them, and says so. Group names come from
the provider: every cell and status is ``Text`` with control characters visible, never markup.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from providers.models import Group
from screens.base import ModeScreen
from screens.groups import common
from screens.groups.detail import GroupDetailScreen
from screens.groups.forms import GroupForm, NewGroup
from screens.groups.messages import GroupChanged, GroupsLoaded
from tui.errors import visible
from tui.groups.service import fetch_members, locks_text

COLUMNS = ("Id", "Name", "Created", "Locked")
KEYS = (
    "Keys: Enter open · [b]n[/b] new · [b]/[/b] search · [b]Del[/b] delete · [b]E[/b] empty · "
    "ctrl+r reload"
)


class GroupsScreen(ModeScreen):
    MODE_TITLE = "Groups"
    AUTO_FOCUS = "#groups-table"
    DEFAULT_CSS = """
    GroupsScreen #groups-notice { height: auto; padding: 0 1; color: $text-muted; }
    GroupsScreen #groups-search { margin: 0 1; }
    GroupsScreen #groups-table { height: 1fr; }
    GroupsScreen #groups-status { height: auto; max-height: 3; padding: 0 1; }
    """
    BINDINGS = [
        # Out of the footer, which keeps its 80 columns for the modes: the keys line above the
        # table and the palette list them.
        Binding("n", "new_group", "New group", id="groups.new", show=False),
        Binding("slash", "search", "Search", id="groups.search", key_display="/", show=False),
        Binding("ctrl+r", "reload", "Reload", id="groups.reload", show=False),
        Binding(
            "delete", "delete_group", "Delete", id="groups.delete", key_display="Del", show=False
        ),
        Binding("E", "empty_group", "Empty", id="groups.empty", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.groups: tuple[Group, ...] = ()
        self.account: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("", id="groups-notice")
        yield Input(placeholder="search by name or id (/)", id="groups-search")
        yield DataTable[Text](id="groups-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="groups-status")

    def on_mount(self) -> None:
        table = self.query_one("#groups-table", DataTable)
        for label in COLUMNS:
            table.add_column(label, key=label.lower())
        self.watch(self.porte_voix, "current_account", self._account_changed)

    def on_screen_resume(self) -> None:
        self.reload()

    def _account_changed(self, _name: str | None) -> None:
        self.reload()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [
            ("Open group", "Its fields and members", self.action_open_group),
            ("New group", "Create an eCampaign group", self.action_new_group),
            ("Search groups", "Filter the list by name", self.action_search),
            ("Delete group", "Delete the selected group", self.action_delete_group),
            ("Empty group", "Delete the members of the selected group", self.action_empty_group),
            ("Reload groups", "Ask the provider again", self.action_reload),
        ]

    # -- display ----------------------------------------------------------------------------------
    def status(self, message: Text | str, style: str = "") -> None:
        text = message if isinstance(message, Text) else common.plain(message, style)
        self.query_one("#groups-status", Static).update(text)

    def show_notice(self) -> None:
        current = self.porte_voix.current_account
        if self.account is None:
            notice = Text(
                "No account has sending groups (an eCampaign feature): add one with F8.",
            )
        else:
            notice = Text(visible(f"Groups of {self.account}"))
            if self.account != current:
                notice.append(visible(f" (the current account, {current}, has none)"))
            notice.append("\n")
            notice.append_text(Text.from_markup(KEYS))
        self.query_one("#groups-notice", Static).update(notice)

    def fill(self, select: str | None = None) -> None:
        table = self.query_one("#groups-table", DataTable)
        search = self.query_one("#groups-search", Input).value.strip().casefold()
        shown = [g for g in self.groups if search in g.name.casefold() or search == g.id]
        previous = select or self.selected_id()
        table.clear()
        for group in shown:
            table.add_row(
                Text(group.id),
                Text(visible(group.name)),
                Text(visible(group.created or "")),
                Text(locks_text(group)),
                key=group.id,
            )
        ids = [g.id for g in shown]
        if previous in ids:
            table.move_cursor(row=ids.index(previous))
        # The table measures its new rows when its own queue is idle: filled from this
        # screen's handler, nothing would wake it, and the columns would keep their old widths.
        table.check_idle()

    def selected_id(self) -> str | None:
        table = self.query_one("#groups-table", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def selected(self) -> Group | None:
        wanted = self.selected_id()
        group = next((g for g in self.groups if g.id == wanted), None)
        if group is None:
            self.notify("Select a group first.", severity="warning")
        return group

    # -- loading ----------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.account = common.groups_account(self.session, self.porte_voix.current_account)
        self.show_notice()
        if self.account is None:
            self.groups = ()
            self.fill()
            return
        self.status("Loading the groups…")
        self.load(self.account)

    @work(exclusive=True, group="groups-list")
    async def load(self, account: str) -> None:
        try:
            groups = await (await common.service_for(self.session, account)).list_groups()
        except Exception as exc:  # a worker's exception would close the console
            self.post_message(GroupsLoaded(account, error=exc))
            return
        self.post_message(GroupsLoaded(account, groups))

    def on_groups_loaded(self, message: GroupsLoaded) -> None:
        if message.account != self.account:
            return  # the account changed while this list was on its way
        if message.error is not None:
            self.status(common.failure(self, "Groups not loaded", message.error))
            return
        self.groups = message.groups
        self.fill()
        count = len(self.groups)
        self.status(f"{count} group(s)." if count else "This account has no group: n creates one.")

    def on_group_changed(self, message: GroupChanged) -> None:
        self.status(message.done, "green")
        self.reload()

    # -- actions ----------------------------------------------------------------------------------
    @on(Input.Changed, "#groups-search")
    def _search_changed(self) -> None:
        self.fill()

    @on(Input.Submitted, "#groups-search")
    def _search_done(self) -> None:
        self.query_one("#groups-table", DataTable).focus()

    def action_search(self) -> None:
        self.query_one("#groups-search", Input).focus()

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_group()

    def action_open_group(self) -> None:
        group = self.selected()
        if group is not None and self.account is not None:
            # Working in a group is using its account: the bar on top says so from now on.
            self.porte_voix.current_account = self.account
            self.app.push_screen(GroupDetailScreen(self.account, group))

    def action_new_group(self) -> None:
        if self.account is None:
            self.notify("No account has sending groups.", severity="warning")
            return
        self.app.push_screen(GroupForm(), self._create)

    def _create(self, new: NewGroup | None) -> None:
        if new is not None and self.account is not None:
            self.create(self.account, new)

    @work(group="groups-change")
    async def create(self, account: str, new: NewGroup) -> None:
        self.status(f"Creating {new.name}…")
        try:
            service = await common.service_for(self.session, account)
            group_id = await service.add_group(
                new.name,
                new.fields,
                locked_structure=new.locked_structure,
                locked_content=new.locked_content,
            )
        except Exception as exc:
            self.status(common.failure(self, "Group not created", exc))
            return
        self.post_message(GroupChanged(f"Group {new.name} (#{group_id}) created."))

    def action_delete_group(self) -> None:
        self._destroy("delete")

    def action_empty_group(self) -> None:
        self._destroy("empty")

    def _destroy(self, action: str) -> None:
        group = self.selected()
        if group is not None and self.account is not None:
            self.destroy(self.account, group, action)

    @work(group="groups-change")
    async def destroy(self, account: str, group: Group, action: str) -> None:
        self.status(f"Counting the members of {common.named(group)}…")
        change = common.delete_group if action == "delete" else common.empty_group
        try:
            service = await common.service_for(self.session, account)
            count = len(await fetch_members(service, group))
            self.status("")
            done = await change(self.app, service, group, count)
        except Exception as exc:
            what = "Group not deleted" if action == "delete" else "Group not emptied"
            self.status(common.failure(self, what, exc))
            return
        if done is not None:
            self.post_message(GroupChanged(done))
