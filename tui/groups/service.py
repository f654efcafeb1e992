"""The group web services, typed; which accounts have them; finding a group and its members.

The provider layer has one async method per web service (``providers.ecampaign.groups``);
``GroupService`` names those the console and the command line use, and ``group_service`` hands
them out only for a provider with ``Capability.GROUPS``. eCampaign's member search has no paging:
a group's members (or a search's matches) come in one reply, which the provider parses in a
thread; the screens then show them a page at a time (``MemberList``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol, cast

from providers.base import Capability, Provider, provider_info
from providers.errors import InputError, ProviderError
from providers.models import Group, GroupField, Member, MemberValue
from tui.errors import visible
from tui.groups.values import field_named, search_value

#: "Member not found": what the platform answers for a search without a match.
NO_MEMBER = "22"
#: "Group not found", also used when no group of the account has the name given.
GROUP_NOT_FOUND = "27"


class GroupService(Protocol):
    """The manageGroup web services (``providers.ecampaign.groups.GroupsMixin``)."""

    async def list_groups(self) -> tuple[Group, ...]: ...

    async def get_group(self, group_id: str) -> Group: ...

    async def add_group(
        self,
        name: str,
        fields: Sequence[GroupField],
        *,
        locked_structure: bool = False,
        locked_content: bool = False,
    ) -> str: ...

    async def mod_group(
        self,
        group_id: str,
        *,
        name: str | None = None,
        locked_structure: bool | None = None,
        locked_content: bool | None = None,
    ) -> None: ...

    async def del_group(self, group_id: str) -> None: ...

    async def empty_group(self, group_id: str) -> None: ...

    async def list_members(
        self, group_id: str, tags: Mapping[str, str] | None = None
    ) -> tuple[Member, ...]: ...

    async def get_members(
        self,
        group_id: str,
        *,
        member_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> tuple[Member, ...]: ...

    async def add_member(self, group_id: str, values: Sequence[MemberValue]) -> str: ...

    async def mod_member(
        self, group_id: str, member_id: str, values: Sequence[MemberValue]
    ) -> None: ...

    async def del_member(self, group_id: str, member_id: str) -> None: ...

    async def add_tags(self, group_id: str, fields: Sequence[GroupField]) -> None: ...

    async def del_tags(self, group_id: str, names: Sequence[str]) -> None: ...

    async def import_members(
        self, group_id: str, xml_url: str, callback_url: str | None = None
    ) -> None: ...


class NoGroupsError(Exception):
    """The account's provider has no sending groups."""


class GroupNotFound(ProviderError):
    """No group of the account has the name given: what the provider says (27) for an id."""

    def __init__(self, provider: str, name: str) -> None:
        super().__init__(
            provider,
            GROUP_NOT_FOUND,
            f"group not found: no group of this account is named {name!r}",
        )


def has_groups(kind: str) -> bool:
    return bool(provider_info(kind).capabilities & Capability.GROUPS)


def group_service(provider: Provider) -> GroupService:
    """``provider`` as a ``GroupService``; ``NoGroupsError`` when its kind has no groups."""
    info = provider_info(provider.kind)
    if not info.capabilities & Capability.GROUPS:
        raise NoGroupsError(f"{info.label} has no sending groups (an eCampaign feature)")
    return cast(GroupService, provider)


async def find_group(service: GroupService, ref: str) -> Group:
    """The group ``ref`` names, with its fields: an id, or a name (exact, else ignoring case)."""
    ref = ref.strip()
    if ref.isdigit():
        return await service.get_group(ref)
    groups = await service.list_groups()
    matches = [g for g in groups if g.name == ref] or [
        g for g in groups if g.name.casefold() == ref.casefold()
    ]
    if not matches:
        raise GroupNotFound(str(getattr(service, "kind", "provider")), ref)
    if len(matches) > 1:
        ids = ", ".join(g.id for g in matches)
        raise InputError("group", f"several groups are named {ref!r} (ids {ids}): give the id")
    return await service.get_group(matches[0].id)


async def fetch_members(
    service: GroupService, group: Group, where: Mapping[str, str] | None = None
) -> tuple[Member, ...]:
    """The group's members, or those whose fields equal ``where`` (the provider searches).

    Field names are checked against the group first (``InputError``); phone values are searched
    in the provider's form, so ``06 10 00 00 07`` finds ``610000007``. No match is no member.
    """
    tags = {
        field_named(group, name).name: search_value(field_named(group, name), value)
        for name, value in (where or {}).items()
    }
    try:
        return await service.list_members(group.id, tags)
    except ProviderError as exc:  # "member not found" is no member, whoever answers it
        if exc.code == NO_MEMBER:
            return ()
        raise


@dataclass(frozen=True)
class MemberList:
    """Members as fetched, served a page at a time (never all of them to a widget)."""

    fields: tuple[str, ...]
    members: tuple[Member, ...] = ()

    def __len__(self) -> int:
        return len(self.members)

    def page_count(self, size: int) -> int:
        return max(1, -(-len(self.members) // size))

    def page(self, index: int, size: int) -> tuple[Member, ...]:
        start = max(0, index) * size
        return self.members[start : start + size]

    def row(self, member: Member) -> tuple[str, ...]:
        """The member's id and values in field order, control characters made visible."""
        return (member.id, *(visible(member.values.get(name, "")) for name in self.fields))

    def without(self, member_id: str) -> MemberList:
        return MemberList(self.fields, tuple(m for m in self.members if m.id != member_id))

    def replaced(self, member: Member) -> MemberList:
        return MemberList(
            self.fields, tuple(member if m.id == member.id else m for m in self.members)
        )


def locks_text(group: Group) -> str:
    locks = [
        name
        for name, locked in (
            ("structure", group.locked_structure),
            ("content", group.locked_content),
        )
        if locked
    ]
    return ", ".join(locks) or "none"
