"""eCampaign sandbox: manageGroup, every route with its reply shape and its error codes."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import httpx
import pytest
from aiohttp import web
from lxml import etree

from providers.sandbox.common import (
    SANDBOX_LOGIN,
    SANDBOX_SECRET,
    CallbackSettings,
    RunningSandbox,
)
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.xml import parse

# One TLS context for the module: building one per client costs ~0.1 s (the CA bundle).
TLS = ssl.create_default_context()


def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, tag, attrs)
    child.text = text
    return child


def manage(*path: str) -> tuple[etree._Element, etree._Element]:
    """A request with login; returns (root, innermost element of ``manageGroup/<path>``)."""
    root = etree.Element("ecampaign")
    login = add(root, "login")
    add(login, "user", SANDBOX_LOGIN)
    add(login, "password", SANDBOX_SECRET)
    inner = add(root, "manageGroup")
    for tag in path:
        inner = add(inner, tag)
    return root, inner


def items(parent: etree._Element, *pairs: tuple[str, str], **attrs: str) -> None:
    for name, value in pairs:
        add(parent, "item", value, id=name, **attrs)


class Api:
    def __init__(self, sandbox: EcampaignSandbox, client: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.client = client

    async def post(self, path: str, root: etree._Element) -> etree._Element:
        response = await self.client.post(
            path, data={"xml": etree.tostring(root, encoding="unicode")}
        )
        assert response.status_code == 200
        return parse(response.content)

    async def code(self, path: str, root: etree._Element) -> int:
        return int((await self.post(path, root)).findtext("code") or "-1")


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    sandbox = EcampaignSandbox()
    async with (
        RunningSandbox(sandbox) as running,
        httpx.AsyncClient(base_url=running.base_url, trust_env=False, verify=TLS) as client,
    ):
        yield Api(sandbox, client)


def new_group(
    name: str = "Clients Lille", fields: tuple[tuple[str, str, str], ...] | None = None
) -> etree._Element:
    root, body = manage("addGroup")
    add(body, "name", name)
    add(body, "locked_structure", "true")
    add(body, "locked_content", "false")
    tags = add(body, "tags")
    for field, kind, unique in fields or (("mobile", "mobile", "true"), ("ville", "custom", "")):
        attrs = {"type": kind} | ({"unique": unique} if unique else {})
        add(tags, "item", field, **attrs)
    return root


# --------------------------------------------------------------------------- groups


async def test_add_group_then_list_and_get_it(api: Api) -> None:
    created = await api.post("/manageGroup/addGroup", new_group())
    assert [c.tag for c in created] == ["code", "message", "id_group"]
    group_id = created.findtext("id_group")
    assert group_id == "5"

    listing = await api.post("/manageGroup/listGroups", manage()[0])
    groups = listing.findall("groups/group")
    assert [(g.get("id"), g.text) for g in groups] == [
        ("1", "Clients Paris"),
        ("2", "Prospects Lyon"),
        ("4", "Abonnés newsletter"),
        ("5", "Clients Lille"),
    ]  # group 3 belongs to another account
    assert (groups[3].get("locked_structure"), groups[3].get("locked_content")) == ("true", "false")
    assert len(groups[3].get("date") or "") == len("2024-01-31 12:00:00")

    info = await api.post(f"/manageGroup/{group_id}/getGroup", manage()[0])
    group = info.find("group")
    assert group is not None
    assert [c.tag for c in group] == ["name", "date", "locked_structure", "locked_content", "tags"]
    assert [(t.get("type"), t.text) for t in group.findall("tags/tag")] == [
        ("mobile", "mobile"),
        ("custom", "ville"),
    ]


@pytest.mark.parametrize(
    ("name", "fields", "expected"),
    [
        ("", None, 52),
        ("Vide", (), 50),
        ("Mauvais type", (("tel", "phone", ""),), 29),
        ("Nom vide", (("", "custom", ""),), 29),
        ("Doublon", (("ville", "custom", ""), ("Ville", "custom", "")), 28),
        ("Réservé", (("id", "custom", ""),), 51),
    ],
)
async def test_add_group_errors(
    api: Api, name: str, fields: tuple[tuple[str, str, str], ...] | None, expected: int
) -> None:
    root = new_group(name, fields)
    if fields == ():
        tags = root.find("manageGroup/addGroup/tags")
        assert tags is not None
        for item in list(tags):
            tags.remove(item)
    assert await api.code("/manageGroup/addGroup", root) == expected


@pytest.mark.parametrize(("group", "expected"), [("99", 27), ("x", 27), ("3", 21)])
async def test_unknown_and_foreign_groups(api: Api, group: str, expected: int) -> None:
    for action in ("getGroup", "delGroup", "emptyGroup"):
        assert await api.code(f"/manageGroup/{group}/{action}", manage()[0]) == expected


async def test_mod_group(api: Api) -> None:
    root, body = manage("modGroup")
    add(body, "name", "Clients Paris et banlieue")
    add(body, "locked_content", "true")
    assert await api.code("/manageGroup/1/modGroup", root) == 0
    group = api.sandbox.state.groups[1]
    assert (group.name, group.locked_content, group.locked_structure) == (
        "Clients Paris et banlieue",
        True,
        False,
    )
    assert await api.code("/manageGroup/1/modGroup", manage("modGroup")[0]) == 53
    root, body = manage("modGroup")
    add(body, "name", " ")
    assert await api.code("/manageGroup/1/modGroup", root) == 54


async def test_del_group_and_empty_group(api: Api) -> None:
    assert await api.code("/manageGroup/2/delGroup", manage()[0]) == 0
    assert await api.code("/manageGroup/2/getGroup", manage()[0]) == 27
    assert await api.code("/manageGroup/1/emptyGroup", manage()[0]) == 0
    assert api.sandbox.state.groups[1].members == {}
    assert await api.code("/manageGroup/1/getMember", manage()[0]) == 22


async def test_add_and_del_tags(api: Api) -> None:
    root, body = manage("addTags")
    add(body, "item", "rappel", type="planif")
    add(body, "item", "code_client", type="custom", unique="true")
    assert await api.code("/manageGroup/1/addTags", root) == 0
    fields = api.sandbox.state.groups[1].fields
    assert [(f.name, f.type, f.unique) for f in fields[-2:]] == [
        ("rappel", "planif", False),
        ("code_client", "custom", True),
    ]
    root, body = manage("addTags")
    add(body, "item", "VILLE", type="custom")
    assert await api.code("/manageGroup/1/addTags", root) == 28
    root, body = manage("addTags")
    add(body, "item", "x", type="date")
    assert await api.code("/manageGroup/1/addTags", root) == 29
    assert await api.code("/manageGroup/1/addTags", manage("addTags")[0]) == 50

    root, body = manage("delTags")
    add(body, "item", "ville")
    assert await api.code("/manageGroup/1/delTags", root) == 0
    assert api.sandbox.state.groups[1].field("ville") is None
    assert all("ville" not in m.values for m in api.sandbox.state.groups[1].members.values())
    root, body = manage("delTags")
    add(body, "item", "ville")
    assert await api.code("/manageGroup/1/delTags", root) == 55
    assert await api.code("/manageGroup/1/delTags", manage("delTags")[0]) == 50
    root, body = manage("delTags")
    for field in ("mobile", "fax", "ville"):
        add(body, "item", field)
    assert await api.code("/manageGroup/2/delTags", root) == 55  # a group keeps one field


# --------------------------------------------------------------------------- members


async def test_add_member_then_find_modify_and_delete_it(api: Api) -> None:
    root, tags = manage("addMember", "tags")
    add(tags, "item", "0698765499", id="mobile", code="33")
    items(tags, ("ville", "Lyon"))
    created = await api.post("/manageGroup/2/addMember", root)
    assert [c.tag for c in created] == ["code", "message", "idMember"]
    member_id = created.findtext("idMember") or ""
    assert api.sandbox.state.groups[2].members[int(member_id)].values["mobile"] == "698765499"

    root, query = manage("getMember")
    add(query, "id", member_id)
    found = await api.post("/manageGroup/2/getMember", root)
    [member] = found.findall("member")
    assert member.get("id") == member_id
    assert [(i.get("id"), i.text or "") for i in member.findall("tags/item")] == [
        ("mobile", "698765499"),
        ("fax", ""),
        ("ville", "Lyon"),
    ]

    root, body = manage("modMember")
    add(body, "idMember", member_id)
    items(add(body, "tags"), ("ville", "Villeurbanne"))
    assert await api.code("/manageGroup/2/modMember", root) == 0
    assert api.sandbox.state.groups[2].members[int(member_id)].values["ville"] == "Villeurbanne"

    root, body = manage("delMember")
    body.text = member_id
    assert await api.code("/manageGroup/2/delMember", root) == 0
    assert await api.code("/manageGroup/2/delMember", root) == 22


async def test_get_member_by_tags(api: Api) -> None:
    root, query = manage("getMember", "tags")
    items(query, ("ville", "paris"))
    reply = await api.post("/manageGroup/1/getMember", root)
    assert [m.get("id") for m in reply.findall("member")] == ["101", "105"]
    root, query = manage("getMember", "tags")
    add(query, "item", "0612345603", id="mobile")
    assert [
        m.get("id") for m in (await api.post("/manageGroup/1/getMember", root)).findall("member")
    ] == ["103"]
    root, query = manage("getMember", "tags")
    items(query, ("ville", "Nice"))
    assert await api.code("/manageGroup/1/getMember", root) == 22


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("mobile", "06 12 34 56 01", 24),  # unique field, already member 101's
        ("mobile", "+33 6 99 88 77 66", 0),
        ("mobile", "06-AB", 23),
        ("email", "pas une adresse", 23),
        ("inconnu", "x", 23),
        ("ville", "x" * 256, 23),
    ],
)
async def test_add_member_errors(api: Api, field: str, value: str, expected: int) -> None:
    root, tags = manage("addMember", "tags")
    items(tags, (field, value))
    assert await api.code("/manageGroup/1/addMember", root) == expected


async def test_add_member_without_tags_is_code_23(api: Api) -> None:
    assert await api.code("/manageGroup/1/addMember", manage("addMember")[0]) == 23


async def test_member_of_another_group_is_code_56(api: Api) -> None:
    lyon_member = str(min(api.sandbox.state.groups[2].members))
    root, body = manage("modMember")
    add(body, "idMember", lyon_member)
    items(add(body, "tags"), ("ville", "x"))
    assert await api.code("/manageGroup/1/modMember", root) == 56
    root, body = manage("delMember")
    body.text = lyon_member
    assert await api.code("/manageGroup/1/delMember", root) == 56
    root, query = manage("getMember")
    add(query, "id", lyon_member)
    assert await api.code("/manageGroup/1/getMember", root) == 56
    root, body = manage("modMember")
    add(body, "idMember", "999999")
    items(add(body, "tags"), ("ville", "x"))
    assert await api.code("/manageGroup/1/modMember", root) == 22


async def test_mod_member_is_all_or_nothing(api: Api) -> None:
    root, body = manage("modMember")
    add(body, "idMember", "101")
    items(add(body, "tags"), ("ville", "Lyon"), ("mobile", "612345602"))  # 102's: duplicate
    assert await api.code("/manageGroup/1/modMember", root) == 24
    assert api.sandbox.state.groups[1].members[101].values["ville"] == "Paris"
    root, body = manage("modMember")
    add(body, "idMember", "101")
    assert await api.code("/manageGroup/1/modMember", root) == 53


# --------------------------------------------------------------------------- import (loopback only;
# the fetch itself: test_import_members_sandbox.py)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, asyncio.Queue[str]]]:
    received: asyncio.Queue[str] = asyncio.Queue()

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        await received.put(str(form["xml"]))
        return web.Response(text="OK")

    app = web.Application()
    app.router.add_post("/import", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield f"http://127.0.0.1:{port}/import", received
    await runner.cleanup()


async def test_import_members_from_outside_loopback_answers_0_and_imports_nothing(
    api: Api, receiver: tuple[str, asyncio.Queue[str]]
) -> None:
    url, received = receiver
    api.sandbox.callbacks = CallbackSettings(None, 0.05)
    root, body = manage("importMembers")
    add(body, "xmlUrl", "https://files.example.com/contacts.xml")
    add(body, "callbackUrl", url)
    before = dict(api.sandbox.state.groups[1].members)
    assert await api.code("/manageGroup/1/importMembers", root) == 0
    report = parse(await asyncio.wait_for(received.get(), 5))
    assert report.tag == "ecampaign"
    assert report.findtext("importFromXml/state") == "KO"
    assert report.findtext("importFromXml/imported") == "0"
    errors = [e.text or "" for e in report.findall("importFromXml/errors/error")]
    assert len(errors) == 1 and "https://files.example.com/contacts.xml" in errors[0]
    assert api.sandbox.state.groups[1].members == before


@pytest.mark.parametrize(
    ("xml_url", "callback_url"),
    [
        ("", ""),
        ("ftp://files.example.com/c.xml", ""),
        ("contacts.xml", ""),
        ("https://ok.example/c.xml", "mailto:x"),
    ],
)
async def test_import_members_with_bad_urls_is_code_25(
    api: Api, xml_url: str, callback_url: str
) -> None:
    root, body = manage("importMembers")
    add(body, "xmlUrl", xml_url)
    add(body, "callbackUrl", callback_url)
    assert await api.code("/manageGroup/1/importMembers", root) == 25
