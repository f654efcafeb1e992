"""The changes a group's detail screen makes: each asks first, then calls the provider in a
worker of that screen, and posts what happened (``MemberChanged``, ``GroupChanged``).

Confirmations name the group and, for what deletes members, how many it holds. A failure is
worded by ``tui.errors.describe`` on the screen's status line and in a notification.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from providers.models import Member, MemberValue
from screens.dialogs.common import ConfirmDialog
from screens.groups import common
from screens.groups.forms import FieldChanges, FieldsDialog, LocksDialog, RenameDialog
from screens.groups.member_form import MemberForm
from screens.groups.messages import GroupChanged, MemberChanged
from screens.widgets.account_bar import AccountBar
from tui.errors import visible
from tui.groups.service import GroupService, fetch_members

if TYPE_CHECKING:
    from screens.groups.detail import GroupDetailScreen


def member_line(member: Member) -> str:
    """The member's id and first values, to name it in a confirmation."""
    values = [v for v in member.values.values() if v][:3]
    return " · ".join([f"#{member.id}", *values])


class GroupChanges:
    """What the detail screen ``screen`` changes in its group."""

    def __init__(self, screen: GroupDetailScreen) -> None:
        self.screen = screen

    def _run(self, what: str, change: Callable[[GroupService], Awaitable[None]]) -> None:
        """``change`` in a worker of the screen; a failure says ``what`` did not happen."""
        screen = self.screen

        async def work() -> None:
            try:
                await change(await common.service_for(screen.session, screen.account))
            except Exception as exc:  # a worker's exception would close the console
                screen.status(common.failure(screen, what, exc))

        screen.run_worker(work(), group="group-change")

    # -- members ----------------------------------------------------------------------------------
    def add_member(self) -> None:
        def chosen(values: tuple[MemberValue, ...] | None) -> None:
            if values is not None:
                self._run("Member not added", lambda service: self._save(service, None, values))

        self.screen.app.push_screen(MemberForm(self.screen.group), chosen)

    def edit_member(self, member: Member) -> None:
        def chosen(values: tuple[MemberValue, ...] | None) -> None:
            if values is not None:
                self._run("Member not saved", lambda service: self._save(service, member, values))

        self.screen.app.push_screen(MemberForm(self.screen.group, member), chosen)

    async def _save(
        self, service: GroupService, member: Member | None, values: tuple[MemberValue, ...]
    ) -> None:
        group_id = self.screen.group.id
        if member is None:
            member_id = await service.add_member(group_id, values)
        else:
            member_id = member.id
            await service.mod_member(group_id, member_id, values)
        # Read back: the member as the provider stored it (phone numbers in its form).
        saved = await service.get_members(group_id, member_id=member_id)
        if saved:
            self.screen.post_message(MemberChanged(saved[0]))
        self.screen.status(f"Member {member_id} {'added' if member is None else 'saved'}.", "green")

    def delete_member(self, member: Member) -> None:
        group = self.screen.group

        async def delete(service: GroupService) -> None:
            dialog = ConfirmDialog(
                "Delete this member?",
                [("Member", member_line(member)), ("Group", common.named(group))],
                [("delete", "Delete the member", "error")],
            )
            if await self.screen.app.push_screen_wait(dialog) != "delete":
                return
            await service.del_member(group.id, member.id)
            self.screen.post_message(MemberChanged(member, gone=True))
            self.screen.status(f"Member {member.id} deleted.", "green")

        self._run("Member not deleted", delete)

    # -- the group --------------------------------------------------------------------------------
    def rename(self) -> None:
        group = self.screen.group

        def chosen(name: str | None) -> None:
            async def rename(service: GroupService) -> None:
                await service.mod_group(group.id, name=name)
                bar = self.screen.query_one(AccountBar)
                bar.mode_title = visible(f"Groups › {name}")
                bar.refresh_bar()
                self.screen.post_message(GroupChanged(f"{common.named(group)} renamed {name}."))

            if name is not None and name != group.name:
                self._run("Group not renamed", rename)

        self.screen.app.push_screen(RenameDialog(group), chosen)

    def locks(self) -> None:
        group = self.screen.group

        def chosen(locks: tuple[bool, bool] | None) -> None:
            async def lock(service: GroupService) -> None:
                assert locks is not None
                structure, content = locks
                await service.mod_group(
                    group.id, locked_structure=structure, locked_content=content
                )
                self.screen.post_message(GroupChanged(f"Locks of {common.named(group)} changed."))

            if locks is not None:
                self._run("Locks not changed", lock)

        self.screen.app.push_screen(LocksDialog(group), chosen)

    def fields(self) -> None:
        group = self.screen.group

        def chosen(changes: FieldChanges | None) -> None:
            if changes is not None:
                self._run("Fields not changed", lambda service: self._fields(service, changes))

        self.screen.app.push_screen(FieldsDialog(group), chosen)

    async def _fields(self, service: GroupService, changes: FieldChanges) -> None:
        group = self.screen.group
        if changes.removed:
            count = await self._count(service)
            dialog = ConfirmDialog(
                f"Remove fields from {group.name}?",
                [
                    ("Group", common.named(group)),
                    ("Fields", ", ".join(changes.removed)),
                    ("Members", f"{count:,}"),
                ],
                [("remove", "Remove the fields", "error")],
                warning="The values of these fields are deleted from every member.",
            )
            if await self.screen.app.push_screen_wait(dialog) != "remove":
                return
        # Added first: removing every old field is refused while the new ones are missing.
        if changes.added:
            await service.add_tags(group.id, changes.added)
        if changes.removed:
            await service.del_tags(group.id, changes.removed)
        words = [f"{len(changes.added)} added"] * bool(changes.added)
        words += [f"{len(changes.removed)} removed"] * bool(changes.removed)
        self.screen.post_message(GroupChanged(f"Fields of {group.name}: {', '.join(words)}."))

    async def _count(self, service: GroupService) -> int:
        known = self.screen.all_members
        if known is not None:
            return len(known)
        self.screen.status(f"Counting the members of {common.named(self.screen.group)}…")
        return len(await fetch_members(service, self.screen.group))

    def destroy(self, action: str) -> None:
        group = self.screen.group
        change = common.delete_group if action == "delete" else common.empty_group

        async def destroy(service: GroupService) -> None:
            count = await self._count(service)
            done = await change(self.screen.app, service, group, count)
            if done is not None:
                self.screen.post_message(GroupChanged(done, group_gone=action == "delete"))

        self._run("Group not deleted" if action == "delete" else "Group not emptied", destroy)
