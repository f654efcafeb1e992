"""eCampaign manageGroup: every operation's exact request and the parsing of its reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from providers.ecampaign import EcampaignProvider
from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import Group, GroupField, Member, MemberValue
from tests.unit.test_ecampaign_support import Recorder, assert_post, make, reply


async def test_list_groups() -> None:
    recorder = Recorder(
        reply(
            "<groups>"
            '<group id="7" date="2016-05-02 10:11:12" locked_structure="false" '
            'locked_content="true">Clients Paris</group>'
            '<group id="8" date="2016-06-01 08:00:00" locked_structure="true" '
            'locked_content="false">Fournisseurs &amp; co</group>'
            "</groups>"
        )
    )
    groups = await make(recorder).list_groups()
    assert_post(recorder.only, "/manageGroup/listGroups", "<manageGroup/>")
    assert groups == (
        Group("7", "Clients Paris", "2016-05-02 10:11:12", False, True),
        Group("8", "Fournisseurs & co", "2016-06-01 08:00:00", True, False),
    )


async def test_list_groups_empty() -> None:
    assert await make(Recorder(reply("<groups/>"))).list_groups() == ()
    assert await make(Recorder(reply())).list_groups() == ()


async def test_get_group() -> None:
    recorder = Recorder(
        reply(
            "<group><name>Clients</name><date>2016-05-02 10:11:12</date>"
            "<locked_structure>true</locked_structure><locked_content>false</locked_content>"
            '<tags><tag type="mobile">portable</tag><tag type="custom">ville</tag></tags>'
            "</group>"
        )
    )
    group = await make(recorder).get_group("7")
    assert_post(recorder.only, "/manageGroup/7/getGroup", "<manageGroup/>")
    assert group == Group(
        "7",
        "Clients",
        "2016-05-02 10:11:12",
        locked_structure=True,
        locked_content=False,
        fields=(GroupField("portable", "mobile"), GroupField("ville", "custom")),
    )


async def test_get_group_without_group_element() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply())).get_group("7")
    assert caught.value.code == "BAD_REPLY"


async def test_get_group_not_found() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=27, message="Groupe introuvable"))).get_group("7")
    assert (caught.value.code, caught.value.meaning) == ("27", "group not found")


async def test_add_group() -> None:
    recorder = Recorder(reply("<id_group>123</id_group>"))
    group_id = await make(recorder).add_group(
        'Clients <VIP> & "amis"',
        [GroupField("portable", "mobile", unique=True), GroupField("ville", "custom")],
        locked_content=True,
    )
    assert group_id == "123"
    assert_post(
        recorder.only,
        "/manageGroup/addGroup",
        '<manageGroup><addGroup><name>Clients &lt;VIP&gt; &amp; "amis"</name>'
        "<locked_structure>false</locked_structure><locked_content>true</locked_content>"
        '<tags><item type="mobile" unique="true">portable</item>'
        '<item type="custom">ville</item></tags></addGroup></manageGroup>',
    )


async def test_add_group_reply_without_id_is_unknown() -> None:
    with pytest.raises(OutcomeUnknownError):
        await make(Recorder(reply())).add_group("G", [GroupField("m", "mobile")])


async def test_mod_group_sends_only_what_changes() -> None:
    recorder = Recorder(reply())
    await make(recorder).mod_group("7", name="Nouveau nom")
    assert_post(
        recorder.only,
        "/manageGroup/7/modGroup",
        "<manageGroup><modGroup><name>Nouveau nom</name></modGroup></manageGroup>",
    )
    recorder = Recorder(reply())
    await make(recorder).mod_group("7", locked_structure=True, locked_content=False)
    assert_post(
        recorder.only,
        "/manageGroup/7/modGroup",
        "<manageGroup><modGroup><locked_structure>true</locked_structure>"
        "<locked_content>false</locked_content></modGroup></manageGroup>",
    )


async def test_del_and_empty_group() -> None:
    recorder = Recorder(reply())
    provider = make(recorder)
    await provider.del_group("7")
    await provider.empty_group("8")
    assert_post(recorder.requests[0], "/manageGroup/7/delGroup", "<manageGroup/>")
    assert_post(recorder.requests[1], "/manageGroup/8/emptyGroup", "<manageGroup/>")


async def test_get_members_by_id_and_tags() -> None:
    recorder = Recorder(
        reply(
            '<member id="501"><tags><item id="nom">Dupont &amp; fils</item>'
            '<item id="ville">Paris</item></tags></member>'
            '<member id="502"><tags><item id="nom">Zoé</item></tags></member>'
        )
    )
    members = await make(recorder).get_members(
        "7", member_id="501", tags={"ville": "Paris", "nom": "O'Brien"}
    )
    assert_post(
        recorder.only,
        "/manageGroup/7/getMember",
        "<manageGroup><getMember><id>501</id><tags>"
        '<item id="ville">Paris</item><item id="nom">O\'Brien</item>'
        "</tags></getMember></manageGroup>",
    )
    assert members == (
        Member("501", {"nom": "Dupont & fils", "ville": "Paris"}),
        Member("502", {"nom": "Zoé"}),
    )


async def test_get_members_by_tag_only() -> None:
    recorder = Recorder(reply())
    assert await make(recorder).get_members("7", tags={"ville": "Lyon"}) == ()
    assert_post(
        recorder.only,
        "/manageGroup/7/getMember",
        '<manageGroup><getMember><tags><item id="ville">Lyon</item></tags></getMember>'
        "</manageGroup>",
    )


async def test_add_member() -> None:
    recorder = Recorder(reply("<idMember>9001</idMember>"))
    member_id = await make(recorder).add_member(
        "7",
        [MemberValue("portable", "612345678", code="+33"), MemberValue("nom", "Le Bihan & Cie")],
    )
    assert member_id == "9001"
    assert_post(
        recorder.only,
        "/manageGroup/7/addMember",
        "<manageGroup><addMember><tags>"
        '<item id="portable" code="33">612345678</item>'
        '<item id="nom">Le Bihan &amp; Cie</item>'
        "</tags></addMember></manageGroup>",
    )


async def test_add_member_duplicate() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=24))).add_member("7", [MemberValue("a", "b")])
    assert caught.value.code == "24"


async def test_mod_member() -> None:
    recorder = Recorder(reply())
    await make(recorder).mod_member("7", "9001", [MemberValue("ville", "Besançon")])
    assert_post(
        recorder.only,
        "/manageGroup/7/modMember",
        "<manageGroup><modMember><idMember>9001</idMember>"
        '<tags><item id="ville">Besançon</item></tags></modMember></manageGroup>',
    )


async def test_del_member() -> None:
    recorder = Recorder(reply())
    await make(recorder).del_member("7", "9001")
    assert_post(
        recorder.only,
        "/manageGroup/7/delMember",
        "<manageGroup><delMember>9001</delMember></manageGroup>",
    )


async def test_add_and_del_tags() -> None:
    recorder = Recorder(reply())
    provider = make(recorder)
    await provider.add_tags("7", [GroupField("fax", "fax"), GroupField("mel", "mail", False)])
    await provider.del_tags("7", ["fax", "ancien champ"])
    assert_post(
        recorder.requests[0],
        "/manageGroup/7/addTags",
        '<manageGroup><addTags><item type="fax">fax</item>'
        '<item type="mail" unique="false">mel</item></addTags></manageGroup>',
    )
    assert_post(
        recorder.requests[1],
        "/manageGroup/7/delTags",
        "<manageGroup><delTags><item>fax</item><item>ancien champ</item></delTags></manageGroup>",
    )


async def test_import_members() -> None:
    recorder = Recorder(reply())
    await make(recorder).import_members(
        "7", "https://files.example.fr/membres.xml?a=1&b=2", "https://hooks.example.fr/import"
    )
    assert_post(
        recorder.only,
        "/manageGroup/7/importMembers",
        "<manageGroup><importMembers>"
        "<xmlUrl>https://files.example.fr/membres.xml?a=1&amp;b=2</xmlUrl>"
        "<callbackUrl>https://hooks.example.fr/import</callbackUrl>"
        "</importMembers></manageGroup>",
    )


async def test_import_members_without_callback() -> None:
    recorder = Recorder(reply())
    await make(recorder).import_members("7", "http://files.example.fr/m.xml")
    assert_post(
        recorder.only,
        "/manageGroup/7/importMembers",
        "<manageGroup><importMembers><xmlUrl>http://files.example.fr/m.xml</xmlUrl>"
        "</importMembers></manageGroup>",
    )


Call = Callable[[EcampaignProvider], Awaitable[Any]]
INVALID: list[tuple[Call, str]] = [
    (lambda p: p.get_group("../7"), "group_id"),
    (lambda p: p.get_group("7/delGroup"), "group_id"),
    (lambda p: p.del_group(""), "group_id"),
    (lambda p: p.add_group("", [GroupField("a", "mobile")]), "name"),
    (lambda p: p.add_group("G", []), "fields"),
    (lambda p: p.add_group("G", [GroupField("a", "telephone")]), "field type"),
    (lambda p: p.add_group("G", [GroupField(" ", "mobile")]), "field name"),
    (lambda p: p.mod_group("7"), "group"),
    (lambda p: p.get_members("7"), "member"),
    (lambda p: p.get_members("7", member_id="x1"), "member_id"),
    (lambda p: p.add_member("7", []), "values"),
    (lambda p: p.add_member("7", [MemberValue("tel", "6", code="FR")]), "code"),
    (lambda p: p.mod_member("7", "abc", [MemberValue("a", "b")]), "member_id"),
    (lambda p: p.del_member("7", "1 OR 1"), "member_id"),
    (lambda p: p.del_tags("7", []), "fields"),
    (lambda p: p.import_members("7", "file:///etc/passwd"), "xml_url"),
    (lambda p: p.import_members("7", "http://x.fr/a.xml", "javascript:x"), "callback_url"),
]


@pytest.mark.parametrize(("call", "field"), INVALID)
async def test_invalid_input_sends_nothing(call: Call, field: str) -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await call(make(recorder))
    assert caught.value.field == field
    assert recorder.requests == []


async def test_quotes_and_ampersands_in_attributes_are_escaped() -> None:
    recorder = Recorder(reply("<idMember>1</idMember>"))
    await make(recorder).add_member("7", [MemberValue('champ "A" & <B>', "v")])
    assert_post(
        recorder.only,
        "/manageGroup/7/addMember",
        '<manageGroup><addMember><tags><item id="champ &quot;A&quot; &amp; &lt;B&gt;">v</item>'
        "</tags></addMember></manageGroup>",
    )
