"""eCampaign getMember without criteria: a whole group's members, however many there are."""

from __future__ import annotations

import pytest

from providers.ecampaign.groups import MEMBERS_MAX_BYTES
from providers.errors import InputError, ProviderError
from providers.http import MAX_REPLY_BYTES
from providers.models import Member
from tests.unit.test_ecampaign_support import Recorder, assert_post, make, reply


async def test_list_members_asks_for_the_whole_group() -> None:
    recorder = Recorder(
        reply(
            '<member id="501"><tags><item id="nom">Dupont &amp; fils</item>'
            '<item id="mobile">612345678</item></tags></member>'
            '<member id="502"><tags><item id="nom"/><item id="mobile">612345679</item></tags>'
            "</member>"
        )
    )
    members = await make(recorder).list_members("7")
    assert_post(
        recorder.only, "/manageGroup/7/getMember", "<manageGroup><getMember/></manageGroup>"
    )
    assert members == (
        Member("501", {"nom": "Dupont & fils", "mobile": "612345678"}),
        Member("502", {"nom": "", "mobile": "612345679"}),
    )


async def test_list_members_searches_by_field_values() -> None:
    recorder = Recorder(reply('<member id="7"><tags><item id="ville">Lyon</item></tags></member>'))
    members = await make(recorder).list_members("7", tags={"ville": "Lyon", "nom": "A & B"})
    assert_post(
        recorder.only,
        "/manageGroup/7/getMember",
        '<manageGroup><getMember><tags><item id="ville">Lyon</item>'
        '<item id="nom">A &amp; B</item></tags></getMember></manageGroup>',
    )
    assert members == (Member("7", {"ville": "Lyon"}),)


async def test_an_empty_group_has_no_member() -> None:
    # The platform answers "member not found" when nothing matches: for a listing, no member.
    assert await make(Recorder(reply(code=22, message="Impossible"))).list_members("7") == ()


async def test_other_refusals_are_errors() -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=27, message="Groupe non trouvé"))).list_members("7")
    assert caught.value.code == "27"


async def test_a_group_larger_than_the_usual_reply_cap_is_read() -> None:
    member = '<member id="{}"><tags><item id="mobile">6{:08d}</item></tags></member>'
    count = MAX_REPLY_BYTES // 60 + 1000  # ~66 bytes a member: beyond the usual cap
    body = reply("".join(member.format(900_000 + i, i) for i in range(count)))
    assert MAX_REPLY_BYTES < len(body) < MEMBERS_MAX_BYTES
    members = await make(Recorder(body)).list_members("7")
    assert len(members) == count
    assert members[-1] == Member(str(900_000 + count - 1), {"mobile": f"6{count - 1:08d}"})


async def test_a_bad_group_id_sends_nothing() -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await make(recorder).list_members("7/delGroup")
    assert caught.value.field == "group_id"
    assert recorder.requests == []
