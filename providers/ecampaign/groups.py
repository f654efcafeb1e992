"""manageGroup: sending groups, their fields (tags) and their members."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import httpx
from lxml import etree

from providers.ecampaign.codes import OK
from providers.ecampaign.core import EcampaignCore, attr, el, text, to_bool
from providers.ecampaign.rules import FIELD_TYPES, choice, http_url, numeric_id, required_text
from providers.errors import InputError
from providers.models import Group, GroupField, Member, MemberValue

#: getMember has no paging: a whole group comes in one reply, about 250 bytes a member (a group
#: of 50,000 members with six fields is some 12 MB). Read up to this size, parsed in a thread.
MEMBERS_MAX_BYTES = 64 * 1024 * 1024
#: "Member not found": what a search without a match, or an empty group, answers.
NO_MEMBER = 22


def _path(group_id: str | int, operation: str) -> str:
    return f"/manageGroup/{numeric_id('group_id', group_id)}/{operation}"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _field_items(parent: etree._Element, fields: Sequence[GroupField]) -> None:
    """``<item type="mobile" unique="true">NAME</item>`` per field (addGroup, addTags)."""
    if not fields:
        raise InputError("fields", "give at least one field")
    for spec in fields:
        attrs = {"type": choice("field type", spec.type, FIELD_TYPES)}
        if spec.unique is not None:
            attrs["unique"] = _bool(spec.unique)
        el(parent, "item", required_text("field name", spec.name).strip(), **attrs)


def _value_items(parent: etree._Element, values: Sequence[MemberValue]) -> None:
    """``<tags><item id="NAME" code="33">VALUE</item></tags>`` (addMember, modMember)."""
    if not values:
        raise InputError("values", "give at least one field value")
    tags = el(parent, "tags")
    for value in values:
        attrs = {"id": required_text("field name", value.name).strip()}
        if value.code is not None:
            code = value.code.strip().lstrip("+")
            if not code.isdigit() or len(code) > 4:
                raise InputError("code", f"{value.code!r} is not a dialling code (33, 34...)")
            attrs["code"] = code
        el(tags, "item", value.value, field=value.name, **attrs)


def _group_from_list(element: etree._Element) -> Group:
    return Group(
        id=attr(element, "id") or "",
        name=(element.text or "").strip(),
        created=attr(element, "date"),
        locked_structure=to_bool(attr(element, "locked_structure")) or False,
        locked_content=to_bool(attr(element, "locked_content")) or False,
    )


def _member(element: etree._Element) -> Member:
    values = {
        item.get("id", ""): (item.text or "").strip() for item in element.iterfind("tags/item")
    }
    return Member(id=attr(element, "id") or "", values=values)


class GroupsMixin:
    _core: EcampaignCore

    def _request(self) -> tuple[etree._Element, etree._Element]:
        root = self._core.envelope()
        return root, el(root, "manageGroup")

    async def list_groups(self) -> tuple[Group, ...]:
        root, _ = self._request()
        reply = await self._core.call("/manageGroup/listGroups", root, sends=False)
        return tuple(_group_from_list(item) for item in reply.root.iterfind("groups/group"))

    async def get_group(self, group_id: str) -> Group:
        root, _ = self._request()
        reply = await self._core.call(_path(group_id, "getGroup"), root, sends=False)
        group = reply.root.find("group")
        if group is None:
            raise self._core.bad_reply("the reply describes no group")
        fields = tuple(
            GroupField(name=(tag.text or "").strip(), type=tag.get("type", "").strip())
            for tag in group.iterfind("tags/tag")
        )
        return Group(
            id=str(group_id).strip(),
            name=text(group, "name") or "",
            created=text(group, "date"),
            locked_structure=to_bool(text(group, "locked_structure")) or False,
            locked_content=to_bool(text(group, "locked_content")) or False,
            fields=fields,
        )

    async def add_group(
        self,
        name: str,
        fields: Sequence[GroupField],
        *,
        locked_structure: bool = False,
        locked_content: bool = False,
    ) -> str:
        """Create a group; returns its numeric id."""
        root, manage = self._request()
        add = el(manage, "addGroup")
        el(add, "name", required_text("name", name).strip())
        el(add, "locked_structure", _bool(locked_structure))
        el(add, "locked_content", _bool(locked_content))
        _field_items(el(add, "tags"), fields)
        reply = await self._core.call("/manageGroup/addGroup", root, sends=True)
        group_id = text(reply.root, "id_group")
        if group_id is None:
            raise self._core.bad_reply("the group was created but its id is missing", sends=True)
        return group_id

    async def mod_group(
        self,
        group_id: str,
        *,
        name: str | None = None,
        locked_structure: bool | None = None,
        locked_content: bool | None = None,
    ) -> None:
        """Change what is given, and only that."""
        if name is None and locked_structure is None and locked_content is None:
            raise InputError("group", "nothing to change")
        path = _path(group_id, "modGroup")
        root, manage = self._request()
        mod = el(manage, "modGroup")
        if name is not None:
            el(mod, "name", required_text("name", name).strip())
        if locked_structure is not None:
            el(mod, "locked_structure", _bool(locked_structure))
        if locked_content is not None:
            el(mod, "locked_content", _bool(locked_content))
        await self._core.call(path, root, sends=True)

    async def del_group(self, group_id: str) -> None:
        await self._simple(group_id, "delGroup")

    async def empty_group(self, group_id: str) -> None:
        """Delete every member of the group (the group and its fields stay)."""
        await self._simple(group_id, "emptyGroup")

    async def _simple(self, group_id: str, operation: str) -> None:
        path = _path(group_id, operation)
        root, _ = self._request()
        await self._core.call(path, root, sends=True)

    # -- members ------------------------------------------------------------------------------
    async def get_members(
        self,
        group_id: str,
        *,
        member_id: str | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> tuple[Member, ...]:
        """Members matching ``member_id`` and/or field values (``{"ville": "Paris"}``)."""
        if member_id is None and not tags:
            raise InputError("member", "give a member id or field values to search for")
        path = _path(group_id, "getMember")
        root, manage = self._request()
        search = el(manage, "getMember")
        if member_id is not None:
            el(search, "id", numeric_id("member_id", member_id))
        if tags:
            items = el(search, "tags")
            for name, value in tags.items():
                el(items, "item", value, field=name, id=required_text("field name", name).strip())
        reply = await self._core.call(path, root, sends=False)
        return tuple(_member(element) for element in reply.root.iterfind("member"))

    async def list_members(
        self, group_id: str, tags: Mapping[str, str] | None = None
    ) -> tuple[Member, ...]:
        """Every member of the group (getMember with neither an id nor field values), or every
        member whose fields equal ``tags``: however many, in one reply.

        The reply is parsed in a thread: a large group must not stall the caller's event loop.
        No member matching answers "member not found" (22): no member, not an error.
        """
        path = _path(group_id, "getMember")
        root, manage = self._request()
        search = el(manage, "getMember")
        if tags:
            items = el(search, "tags")
            for name, value in tags.items():
                el(items, "item", value, field=name, id=required_text("field name", name).strip())
        response = await self._core.post(path, root, sends=False, max_bytes=MEMBERS_MAX_BYTES)
        return await asyncio.to_thread(self._read_members, response)

    def _read_members(self, response: httpx.Response) -> tuple[Member, ...]:
        reply = self._core.read_reply(response, sends=False, max_bytes=MEMBERS_MAX_BYTES)
        if reply.code == NO_MEMBER:
            return ()
        if reply.code != OK:
            raise self._core.refusal(reply)
        return tuple(_member(element) for element in reply.root.iterfind("member"))

    async def add_member(self, group_id: str, values: Sequence[MemberValue]) -> str:
        """Add a member; returns its id. Phone values take their dialling code in ``code``."""
        path = _path(group_id, "addMember")
        root, manage = self._request()
        _value_items(el(manage, "addMember"), values)
        reply = await self._core.call(path, root, sends=True)
        member_id = text(reply.root, "idMember")
        if member_id is None:
            raise self._core.bad_reply("the member was added but its id is missing", sends=True)
        return member_id

    async def mod_member(
        self, group_id: str, member_id: str, values: Sequence[MemberValue]
    ) -> None:
        """Change the fields given (the others keep their values)."""
        path = _path(group_id, "modMember")
        root, manage = self._request()
        mod = el(manage, "modMember")
        el(mod, "idMember", numeric_id("member_id", member_id))
        _value_items(mod, values)
        await self._core.call(path, root, sends=True)

    async def del_member(self, group_id: str, member_id: str) -> None:
        path = _path(group_id, "delMember")
        root, manage = self._request()
        el(manage, "delMember", numeric_id("member_id", member_id))
        await self._core.call(path, root, sends=True)

    # -- fields -------------------------------------------------------------------------------
    async def add_tags(self, group_id: str, fields: Sequence[GroupField]) -> None:
        path = _path(group_id, "addTags")
        root, manage = self._request()
        _field_items(el(manage, "addTags"), fields)
        await self._core.call(path, root, sends=True)

    async def del_tags(self, group_id: str, names: Sequence[str]) -> None:
        path = _path(group_id, "delTags")
        if not names:
            raise InputError("fields", "give at least one field to delete")
        root, manage = self._request()
        items = el(manage, "delTags")
        for name in names:
            el(items, "item", required_text("field name", name).strip())
        await self._core.call(path, root, sends=True)

    async def import_members(
        self, group_id: str, xml_url: str, callback_url: str | None = None
    ) -> None:
        """Ask eCampaign to import members from an XML file at ``xml_url``.

        The import runs later; its report is posted to ``callback_url`` (field ``xml``).
        """
        path = _path(group_id, "importMembers")
        root, manage = self._request()
        job = el(manage, "importMembers")
        el(job, "xmlUrl", http_url("xml_url", xml_url))
        if callback_url is not None:
            el(job, "callbackUrl", http_url("callback_url", callback_url))
        await self._core.call(path, root, sends=True)
