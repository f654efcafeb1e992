"""One group: its fields and its members, a page at a time; every change to it starts here.

eCampaign's member search has no paging: the members come in one reply, parsed in a thread by
the provider, while this screen stays live (the worker posts ``MembersLoaded``). The table then
shows a hundred of them at a time (``MembersTable``): keys move through pages instantly,
whatever the group's size. A member added, edited or deleted is changed in place, so a big group
is not fetched again for one member. Searches are the provider's (field = value, all must match).

Everything shown from the provider (names, values) is ``Text`` with controls visible.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Input, Static

from providers.errors import InputError, ProviderError
from providers.models import FilterCriterion, Group, GroupTarget, Member
from screens.base import ModeScreen
from screens.compose.form import ComposeForm
from screens.groups import common
from screens.groups.changes import GroupChanges
from screens.groups.import_dialog import ImportDialog
from screens.groups.members_table import MembersTable
from screens.groups.messages import (
    GroupChanged,
    GroupLoaded,
    ImportFinished,
    MemberChanged,
    MembersLoaded,
)
from tui.errors import describe_text, visible
from tui.groups.import_spool import FINISHED, ImportRecord
from tui.groups.importer import ImportReport
from tui.groups.provider_import import record_text
from tui.groups.service import GROUP_NOT_FOUND, MemberList, fetch_members, locks_text
from tui.groups.values import field_named, phone_fields, search_value

KEYS = (
    "[b]/[/b] search  [b]n[/b] [b]p[/b] pages  [b]a[/b] add  [b]Enter[/b] edit  "
    "[b]Del[/b] remove  [b]i[/b] import CSV  [b]s[/b] send SMS\n"
    "[b]f[/b] fields  [b]r[/b] rename  [b]l[/b] locks  [b]E[/b] empty  [b]D[/b] delete group  "
    "[b]Esc[/b] back"
)
#: ``nom=Martin, ville=Paris``: a comma starts a new pair only before ``name=``.
_PAIRS = re.compile(r",\s*(?=[\w\- ]+=)")


def parse_search(text: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for part in _PAIRS.split(text.strip()):
        name, sep, value = part.partition("=")
        if part.strip():
            if not sep or not name.strip():
                raise ValueError(f"{part.strip()!r}: write field=value")
            pairs.append((name.strip(), value.strip()))
    return tuple(pairs)


class GroupDetailScreen(ModeScreen):
    AUTO_FOCUS = "#members"
    DEFAULT_CSS = """
    GroupDetailScreen #group-header { height: auto; padding: 0 1; }
    GroupDetailScreen #group-keys { height: auto; padding: 0 1; color: $text-muted; }
    GroupDetailScreen #member-search { margin: 0 1; }
    GroupDetailScreen #members { height: 1fr; }
    GroupDetailScreen #members-pager { height: 1; padding: 0 1; color: $text-muted; }
    GroupDetailScreen #group-status { height: auto; max-height: 3; padding: 0 1; }
    """
    BINDINGS = [
        # Out of the footer (the modes keep it): the keys lines and the palette list them.
        Binding("escape", "back", "Back", id="group.back", show=False),
        Binding("slash", "search", "Search", id="group.search", key_display="/", show=False),
        Binding("n", "page(1)", "Next page", id="group.next_page", show=False),
        Binding("p", "page(-1)", "Previous page", id="group.previous_page", show=False),
        Binding("a", "add_member", "Add member", id="group.add_member", show=False),
        Binding("e", "edit_member", "Edit member", id="group.edit_member", show=False),
        Binding(
            "delete",
            "delete_member",
            "Delete member",
            id="group.delete_member",
            key_display="Del",
            show=False,
        ),
        Binding("i", "import_csv", "Import CSV", id="group.import", show=False),
        Binding("s", "send_to_group", "Send to group", id="group.send", show=False),
        Binding("f", "fields", "Fields", id="group.fields", show=False),
        Binding("r", "rename", "Rename", id="group.rename", show=False),
        Binding("l", "locks", "Locks", id="group.locks", show=False),
        Binding("E", "empty_group", "Empty group", id="group.empty", show=False),
        Binding("D", "delete_group", "Delete group", id="group.delete", show=False),
        Binding("ctrl+r", "reload", "Reload", id="group.reload", show=False),
    ]

    def __init__(self, account: str, group: Group) -> None:
        super().__init__()
        self.account = account
        self.group = group
        self.MODE_TITLE = visible(f"Groups › {group.name}")
        self.all_members: MemberList | None = None  # the whole group, once fetched
        self.where: tuple[tuple[str, str], ...] = ()
        self.fetching = False
        self.changes = GroupChanges(self)

    def compose_body(self) -> ComposeResult:
        yield Static("", id="group-header")
        yield Static(Text.from_markup(KEYS), id="group-keys")
        yield Input(placeholder="search: field=value, field=value (Enter)", id="member-search")
        yield MembersTable(id="members")
        yield Static("", id="members-pager")
        yield Static("", id="group-status")

    def on_mount(self) -> None:
        self.show_header()
        self.reload()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [
            ("Search members", "By field values (field=value)", self.action_search),
            ("Next page of members", "The next hundred", lambda: self.action_page(1)),
            ("Previous page of members", "The previous hundred", lambda: self.action_page(-1)),
            ("Add member", "A new member of this group", self.action_add_member),
            ("Edit member", "Change the selected member", self.action_edit_member),
            ("Delete member", "Delete the selected member", self.action_delete_member),
            ("Import members from CSV", "Map columns, check, import", self.action_import_csv),
            ("Send to this group", "Compose an SMS to it (and the search)", self.send_to_group),
            ("Group fields", "Add or remove fields", self.action_fields),
            ("Rename group", "Give it another name", self.action_rename),
            ("Group locks", "Lock its structure or content", self.action_locks),
            ("Empty group", "Delete all its members", self.action_empty_group),
            ("Delete group", "Delete it and its members", self.action_delete_group),
            ("Back to the groups", "The list of groups", self.action_back),
        ]

    # -- display ----------------------------------------------------------------------------------
    def status(self, message: Text | str, style: str = "") -> None:
        text = message if isinstance(message, Text) else common.plain(message, style)
        self.query_one("#group-status", Static).update(text)

    @property
    def members(self) -> MemberList:
        return self.query_one(MembersTable).members

    def show_header(self) -> None:
        group = self.group
        count = "…" if self.all_members is None else f"{len(self.all_members):,}"
        created = (group.created or "?")[:10]
        header = Text(visible(group.name), style="bold")
        header.append(f" #{group.id} · {count} member(s) · created {created}")
        header.append(f" · locked: {locks_text(group)}")
        fields = ", ".join(
            f.name if f.type == "custom" else f"{f.name} ({f.type})" for f in group.fields
        )
        header.append("\nFields: " + visible(fields or "…"), style="dim")
        self.query_one("#group-header", Static).update(header)

    def show_pager(self) -> None:
        table = self.query_one(MembersTable)
        pager = self.query_one("#members-pager", Static)
        if self.fetching:
            pager.update("Loading the members…")
            return
        first, last = table.bounds()
        search = ", ".join(f"{n}={v}" for n, v in self.where)
        words = f"Members {first:,}–{last:,} of {len(self.members):,}"
        if len(self.members) > table.row_count:
            words += f" · page {table.page_index + 1:,}/{table.page_count:,}"
        pager.update(Text(visible(words + (f" · search: {search}" if search else ""))))

    # -- loading ----------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def reload(self) -> None:
        self.all_members = None
        self.load_group()

    @work(exclusive=True, group="group-detail")
    async def load_group(self) -> None:
        try:
            service = await common.service_for(self.session, self.account)
            group = await service.get_group(self.group.id)
        except Exception as exc:  # a worker's exception would close the console
            self.post_message(GroupLoaded(None, exc))
            return
        self.post_message(GroupLoaded(group))

    def on_group_loaded(self, message: GroupLoaded) -> None:
        if message.group is None:
            assert message.error is not None
            self.status(common.failure(self, "Group not loaded", message.error))
            gone = (
                isinstance(message.error, ProviderError) and message.error.code == GROUP_NOT_FOUND
            )
            if gone:
                self.dismiss()
            return
        self.group = message.group
        self.show_header()
        self.load_members(self.where)

    def load_members(self, where: tuple[tuple[str, str], ...]) -> None:
        if not where and self.all_members is not None:
            self.post_message(MembersLoaded(self.all_members))
            return
        self.fetching = True
        self.show_pager()
        self.fetch(where)

    @work(exclusive=True, group="group-members")
    async def fetch(self, where: tuple[tuple[str, str], ...]) -> None:
        try:
            service = await common.service_for(self.session, self.account)
            found = await fetch_members(service, self.group, dict(where))
        except Exception as exc:
            self.post_message(MembersLoaded(None, where, exc))
            return
        fields = tuple(f.name for f in self.group.fields)
        self.post_message(MembersLoaded(MemberList(fields, found), where))

    def on_members_loaded(self, message: MembersLoaded) -> None:
        self.fetching = False
        if message.members is None:
            assert message.error is not None
            self.status(common.failure(self, "Members not loaded", message.error))
            self.show_pager()
            return
        if not message.where:
            self.all_members = message.members
            self.show_header()
        self.where = message.where
        self.query_one(MembersTable).show(message.members)
        self.show_pager()

    def on_group_changed(self, message: GroupChanged) -> None:
        self.status(message.done, "green")
        if message.group_gone:
            self.dismiss()
        else:
            self.reload()

    # -- pages and search -------------------------------------------------------------------------
    def on_members_table_page_requested(self, message: MembersTable.PageRequested) -> None:
        self.action_page(message.delta)

    def action_page(self, delta: int) -> None:
        if self.query_one(MembersTable).turn(delta):
            self.show_pager()

    def action_search(self) -> None:
        self.query_one("#member-search", Input).focus()

    @on(Input.Submitted, "#member-search")
    def _search(self, event: Input.Submitted) -> None:
        try:
            where = tuple(
                (
                    field_named(self.group, name).name,
                    search_value(field_named(self.group, name), value),
                )
                for name, value in parse_search(event.value)
            )
        except InputError as exc:
            self.status(f"Search: {describe_text(exc)}", "red")
            return
        except ValueError as exc:
            self.status(f"Search: {exc}", "red")
            return
        self.status("")
        self.query_one(MembersTable).focus()
        self.load_members(where)

    def action_back(self) -> None:
        search = self.query_one("#member-search", Input)
        if search.has_focus:
            if search.value:  # a first Escape clears the search, and the whole group is back
                search.value = ""
                self.load_members(())
            self.query_one(MembersTable).focus()
        else:
            self.dismiss()

    # -- members ----------------------------------------------------------------------------------
    def selected_member(self) -> Member | None:
        wanted = self.query_one(MembersTable).selected_id()
        member = next((m for m in self.members.members if m.id == wanted), None)
        if member is None:
            self.notify("Select a member first.", severity="warning")
        return member

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        if isinstance(event.data_table, MembersTable):
            self.action_edit_member()

    def action_add_member(self) -> None:
        self.changes.add_member()

    def action_edit_member(self) -> None:
        member = self.selected_member()
        if member is not None:
            self.changes.edit_member(member)

    def action_delete_member(self) -> None:
        member = self.selected_member()
        if member is not None:
            self.changes.delete_member(member)

    def on_member_changed(self, message: MemberChanged) -> None:
        self.member_changed(message.member, gone=message.gone)

    def member_changed(self, member: Member, *, gone: bool = False) -> None:
        """Change one member in place (the list shown and the whole group's)."""
        table = self.query_one(MembersTable)
        lists = [table.members, *([self.all_members] if self.all_members else [])]
        updated = []
        for members in lists:
            if gone:
                updated.append(members.without(member.id))
            elif any(m.id == member.id for m in members.members):
                updated.append(members.replaced(member))
            else:
                updated.append(MemberList(members.fields, (*members.members, member)))
        if self.all_members is not None:
            self.all_members = updated[-1]
        table.show(updated[0], table.page_index)
        if not gone and member.id in table.rows:
            table.move_cursor(row=table.get_row_index(member.id))
        self.show_header()
        self.show_pager()

    # -- the group --------------------------------------------------------------------------------
    def action_import_csv(self) -> None:
        self.app.push_screen(ImportDialog(self.session, self.account, self.group), self._imported)

    def _imported(self, report: ImportReport | ImportRecord | None) -> None:
        if isinstance(report, ImportRecord):  # eCampaign's own import: its report, if in
            self.status(record_text(report), "green" if report.state == FINISHED else "")
            if (report.report or {}).get("imported"):
                self.reload()
        elif report is not None:
            self.post_message(ImportFinished(report))

    def on_import_finished(self, message: ImportFinished) -> None:
        self.status(message.report.summary(), "green" if message.report.complete else "yellow")
        if message.report.imported:
            self.reload()

    def action_fields(self) -> None:
        self.changes.fields()

    def action_rename(self) -> None:
        self.changes.rename()

    def action_locks(self) -> None:
        self.changes.locks()

    def action_empty_group(self) -> None:
        self.changes.destroy("empty")

    def action_delete_group(self) -> None:
        self.changes.destroy("delete")

    async def action_send_to_group(self) -> None:
        await self.send_to_group()

    async def send_to_group(self) -> None:
        """Compose an SMS to this group (to the members the search found, if one is shown)."""
        phones = phone_fields(self.group)
        if not phones:
            self.notify("This group has no phone field to send an SMS to.", severity="warning")
            return
        criteria = tuple(FilterCriterion(name, "=", value) for name, value in self.where)
        target = GroupTarget(
            self.group.id, (phones[0].name,), "AND" if criteria else None, criteria
        )
        await self.app.switch_mode("sms")
        composer = self.app.screen
        if isinstance(composer, ComposeForm):
            composer.preset_group(self.account, target)
