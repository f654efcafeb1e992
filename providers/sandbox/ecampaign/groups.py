"""manageGroup: groups with typed fields, their members, and the XML import (``imports``).

Member values are stored as the platform would use them: phone fields as the national number
without its trunk 0 plus a dialling code (``code`` attribute, 33 by default, or taken from a
``+…`` value), e-mail fields checked, ``planif`` fields as dates. Anything else is code 23.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import datetime

import phonenumbers
from aiohttp import web
from lxml import etree

from providers.sandbox.ecampaign import imports
from providers.sandbox.ecampaign.protocol import (
    Call,
    EcError,
    bool_text,
    fmt,
    is_http_url,
    is_true,
    parse_id,
    reply,
    text_of,
)
from providers.sandbox.ecampaign.state import (
    FIELD_TYPES,
    PHONE_TYPES,
    EcampaignState,
    FieldDef,
    GroupRec,
    MemberRec,
)
from providers.sandbox.ecampaign.targets import MAIL_PATTERN, lookup_group
from providers.xml import sub, to_bytes

FIELD_NAME = re.compile(r"^[\w\- ]{1,64}$")
RESERVED_FIELD_NAMES = frozenset({"id"})  # the platform's own column: code 51
#: Members per chunk of a large getMember reply (see ``_streamed``).
STREAM_CHUNK = 500


def _group(call: Call, state: EcampaignState) -> GroupRec:
    return lookup_group(state, call.params["id"])


def _manage(call: Call, tag: str) -> etree._Element | None:
    return call.root.find(f"manageGroup/{tag}")


# --------------------------------------------------------------------------- fields


def _new_fields(items: list[etree._Element], existing: list[FieldDef]) -> list[FieldDef]:
    if not items:
        raise EcError(50)
    taken = {f.name.casefold() for f in existing}
    fields: list[FieldDef] = []
    for item in items:
        name = (item.text or "").strip()
        kind = (item.get("type") or "").strip().lower()
        if not FIELD_NAME.match(name) or kind not in FIELD_TYPES:
            raise EcError(29)
        if name.casefold() in RESERVED_FIELD_NAMES:
            raise EcError(51)
        if name.casefold() in taken:
            raise EcError(28)
        taken.add(name.casefold())
        fields.append(FieldDef(name, kind, is_true(item.get("unique"))))
    return fields


def add_group(call: Call, state: EcampaignState) -> etree._Element:
    element = _manage(call, "addGroup")
    name = text_of(element, "name")
    if element is None or not name:
        raise EcError(52)
    fields = _new_fields(element.findall("tags/item"), [])
    group = GroupRec(
        state.next_id("group"),
        name,
        call.now,
        fields,
        locked_structure=is_true(text_of(element, "locked_structure")),
        locked_content=is_true(text_of(element, "locked_content")),
    )
    state.groups[group.id] = group
    result = reply()
    sub(result, "id_group", str(group.id))
    return result


def list_groups(call: Call, state: EcampaignState) -> etree._Element:
    result = reply()
    groups = sub(result, "groups")
    for group in state.groups.values():
        if not group.foreign:
            sub(
                groups,
                "group",
                group.name,
                id=str(group.id),
                date=fmt(group.created),
                locked_structure=bool_text(group.locked_structure),
                locked_content=bool_text(group.locked_content),
            )
    return result


def get_group(call: Call, state: EcampaignState) -> etree._Element:
    group = _group(call, state)
    result = reply()
    element = sub(result, "group")
    sub(element, "name", group.name)
    sub(element, "date", fmt(group.created))
    sub(element, "locked_structure", bool_text(group.locked_structure))
    sub(element, "locked_content", bool_text(group.locked_content))
    tags = sub(element, "tags")
    for field in group.fields:
        sub(tags, "tag", field.name, type=field.type)
    return result


def mod_group(call: Call, state: EcampaignState) -> etree._Element:
    group = _group(call, state)
    element = _manage(call, "modGroup")
    asked = (
        []
        if element is None
        else [e for e in element if e.tag in {"name", "locked_structure", "locked_content"}]
    )
    if not asked:
        raise EcError(53)
    for item in asked:
        value = (item.text or "").strip()
        if item.tag == "name":
            if not value:
                raise EcError(54)
            group.name = value
        elif item.tag == "locked_structure":
            group.locked_structure = is_true(value)
        else:
            group.locked_content = is_true(value)
    return reply()


def del_group(call: Call, state: EcampaignState) -> etree._Element:
    del state.groups[_group(call, state).id]
    return reply()


def add_tags(call: Call, state: EcampaignState) -> etree._Element:
    group = _group(call, state)
    group.fields += _new_fields(call.root.findall("manageGroup/addTags/item"), group.fields)
    return reply()


def del_tags(call: Call, state: EcampaignState) -> etree._Element:
    group = _group(call, state)
    names = [(item.text or "").strip() for item in call.root.findall("manageGroup/delTags/item")]
    if not names:
        raise EcError(50)
    doomed = [group.field(name) for name in names]
    if any(f is None for f in doomed) or len({id(f) for f in doomed}) >= len(group.fields):
        raise EcError(55, "unknown field, or every field of the group")
    gone = {f.name for f in doomed if f is not None}
    group.fields = [f for f in group.fields if f.name not in gone]
    for member in group.members.values():
        for name in gone:
            member.values.pop(name, None)
            member.codes.pop(name, None)
    return reply()


def empty_group(call: Call, state: EcampaignState) -> etree._Element:
    _group(call, state).members.clear()
    return reply()


def import_members(call: Call, state: EcampaignState) -> etree._Element:
    """Answer 0, then fetch the file, import it and post the report (``imports``)."""
    group = _group(call, state)
    element = _manage(call, "importMembers")
    xml_url, callback_url = text_of(element, "xmlUrl"), text_of(element, "callbackUrl")
    if not is_http_url(xml_url) or (callback_url and not is_http_url(callback_url)):
        raise EcError(25)
    if call.spawn is not None:
        call.spawn(
            imports.run(
                state, group.id, xml_url, callback_url, call.delay, call.notify, write_values
            )
        )
    return reply()


# --------------------------------------------------------------------------- members


def _normalise(field: FieldDef, raw: str, code: str | None) -> tuple[str, str | None]:
    value = raw.strip()
    if not value:
        return "", None
    if field.type in PHONE_TYPES:
        digits = re.sub(r"[\s.\-()]", "", value)
        if digits.startswith("+"):
            try:
                parsed = phonenumbers.parse(digits, None)
            except phonenumbers.NumberParseException:
                raise EcError(23, "phone value") from None
            code, digits = (
                str(parsed.country_code),
                phonenumbers.national_significant_number(parsed),
            )
        code = (code or "33").strip().lstrip("+")
        digits = digits[1:] if digits.startswith("0") else digits
        if not (digits.isdigit() and code.isdigit() and 4 <= len(digits) <= 14):
            raise EcError(23, "phone value")
        return digits, code
    if field.type == "mail" and not MAIL_PATTERN.match(value):
        raise EcError(23, "mail value")
    if field.type == "planif" and not any(
        _is_date(value, f) for f in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d")
    ):
        raise EcError(23, "planif value")
    if len(value) > 255:
        raise EcError(23, "value too long")
    return value, None


def _is_date(value: str, pattern: str) -> bool:
    try:
        datetime.strptime(value, pattern)
    except ValueError:
        return False
    return True


def _items(items: list[etree._Element]) -> list[tuple[str, str, str | None]]:
    """``tags/item`` elements as ``(field, value, code)``."""
    return [(item.get("id") or "", item.text or "", item.get("code")) for item in items]


def write_values(
    group: GroupRec, member: MemberRec, values: list[tuple[str, str, str | None]]
) -> None:
    """Apply ``(field, value, code)`` values to ``member`` (a copy for a new one): 23 or 24 on
    failure. addMember, modMember and the imported file's members alike."""
    if not values:
        raise EcError(23, "no tags")
    for name, raw, raw_code in values:
        field = group.field(name)
        if field is None:
            raise EcError(23, "unknown field")
        value, code = _normalise(field, raw, raw_code)
        if (
            field.unique
            and value
            and any(
                other.id != member.id
                and other.values.get(field.name, "").casefold() == value.casefold()
                and other.codes.get(field.name) == code
                for other in group.members.values()
            )
        ):
            raise EcError(24)
        member.values[field.name] = value
        if code is None:
            member.codes.pop(field.name, None)
        else:
            member.codes[field.name] = code


def _member(call: Call, state: EcampaignState, group: GroupRec, raw: str) -> MemberRec:
    """The member ``raw`` of ``group``: 22 when it does not exist, 56 when it is elsewhere."""
    member_id = parse_id(raw)
    found = state.find_member(member_id) if member_id is not None else None
    if found is None:
        raise EcError(22)
    owner, member = found
    if owner.id != group.id:
        raise EcError(56)
    return member


def add_member(call: Call, state: EcampaignState) -> etree._Element:
    group = _group(call, state)
    member = MemberRec(0)
    write_values(group, member, _items(call.root.findall("manageGroup/addMember/tags/item")))
    member.id = state.next_id("member")
    group.members[member.id] = member
    result = reply()
    sub(result, "idMember", str(member.id))
    return result


def mod_member(call: Call, state: EcampaignState) -> etree._Element:
    group = _group(call, state)
    member = _member(call, state, group, text_of(call.root, "manageGroup/modMember/idMember"))
    items = call.root.findall("manageGroup/modMember/tags/item")
    if not items:
        raise EcError(53)
    draft = MemberRec(member.id, dict(member.values), dict(member.codes))
    write_values(group, draft, _items(items))  # all or nothing
    member.values, member.codes = draft.values, draft.codes
    return reply()


def del_member(call: Call, state: EcampaignState) -> etree._Element:
    group = _group(call, state)
    member = _member(call, state, group, text_of(call.root, "manageGroup/delMember"))
    del group.members[member.id]
    return reply()


def get_member(call: Call, state: EcampaignState) -> etree._Element | web.Response:
    group = _group(call, state)
    query = call.root.find("manageGroup/getMember")
    wanted = text_of(query, "id")
    candidates = [_member(call, state, group, wanted)] if wanted else list(group.members.values())
    for item in [] if query is None else query.findall("tags/item"):
        field = group.field(item.get("id") or "")
        if field is None:
            raise EcError(22, "unknown field")
        try:
            value, code = _normalise(field, item.text or "", item.get("code"))
        except EcError:
            raise EcError(22) from None
        candidates = [
            m
            for m in candidates
            if m.values.get(field.name, "").casefold() == value.casefold()
            and (code is None or m.codes.get(field.name) == code)
        ]
    if not candidates:
        raise EcError(22)
    if len(candidates) > STREAM_CHUNK:
        return _streamed(group, candidates)
    result = reply()
    _append_members(result, group, candidates)
    return result


def _append_members(parent: etree._Element, group: GroupRec, members: list[MemberRec]) -> None:
    for member in members:
        tags = sub(sub(parent, "member", id=str(member.id)), "tags")
        for field in group.fields:
            sub(tags, "item", member.values.get(field.name, ""), id=field.name)


def _streamed(group: GroupRec, members: list[MemberRec]) -> web.Response:
    """The same document, written a chunk of members at a time with the event loop served in
    between: serialising 50,000 members takes seconds, and in demo mode the console shares the
    sandbox's loop."""
    head, tail = to_bytes(reply()).rsplit(b"</ecampaign>", 1)

    async def body() -> AsyncIterator[bytes]:
        yield head
        for start in range(0, len(members), STREAM_CHUNK):
            await asyncio.sleep(0)
            chunk = etree.Element("chunk")
            _append_members(chunk, group, members[start : start + STREAM_CHUNK])
            yield b"".join(etree.tostring(member, encoding="utf-8") for member in chunk)
        yield b"</ecampaign>" + tail

    return web.Response(body=body(), content_type="text/xml", charset="utf-8")
