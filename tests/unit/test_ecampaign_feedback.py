"""eCampaign manageFeedback: blacklists and replies per channel, and credits (getCredit)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from providers.errors import InputError, ProviderError
from providers.models import BalanceLine, BlacklistEntry, InboundReply
from tests.unit.test_ecampaign_support import Recorder, assert_post, make, reply

# --------------------------------------------------------------------------- blacklists


@pytest.mark.parametrize("channel", ["sms", "fax", "mail"])
async def test_get_blacklist_request(channel: str) -> None:
    recorder = Recorder(reply())
    assert await make(recorder).get_blacklist(channel) == ()
    assert_post(recorder.only, f"/manageFeedback/{channel}/getBlacklist", "")


async def test_get_blacklist_reply() -> None:
    recorder = Recorder(
        reply(
            "<blacklist>"
            "<member><date>2016-05-02 10:00:00</date><code>33</code>"
            "<number>612345678</number><reason>STOP</reason></member>"
            "<member><date>2016-05-03 11:00:00</date><code>34</code>"
            "<number>612345678</number><reason></reason></member>"
            "</blacklist>"
        )
    )
    assert await make(recorder).get_blacklist("sms") == (
        BlacklistEntry("2016-05-02 10:00:00", "+33612345678", None, "STOP"),
        BlacklistEntry("2016-05-03 11:00:00", "+34612345678", None, None),
    )


async def test_get_mail_blacklist_reply() -> None:
    recorder = Recorder(
        reply(
            "<blacklist><member><date>2016-05-02</date><mail>jean@example.fr</mail>"
            "<reason>Désinscription</reason></member></blacklist>"
        )
    )
    assert await make(recorder).get_blacklist("mail") == (
        BlacklistEntry("2016-05-02", None, "jean@example.fr", "Désinscription"),
    )


async def test_del_blacklist_member_phone() -> None:
    recorder = Recorder(reply())
    await make(recorder).del_blacklist_member("sms", "06 12 34 56 78")
    assert_post(
        recorder.only,
        "/manageFeedback/sms/delBlacklistMember",
        "<delBlacklistMember><code>33</code><number>612345678</number></delBlacklistMember>",
    )


async def test_del_blacklist_member_mail() -> None:
    recorder = Recorder(reply())
    await make(recorder).del_blacklist_member("mail", "jean@example.fr")
    assert_post(
        recorder.only,
        "/manageFeedback/mail/delBlacklistMember",
        "<delBlacklistMember><mail>jean@example.fr</mail></delBlacklistMember>",
    )


@pytest.mark.parametrize(
    ("channel", "recipient", "field"),
    [
        ("voice", "+33612345678", "channel"),
        ("sms", "jean@example.fr", "recipient"),
        ("fax", "12", "recipient"),
        ("mail", "+33612345678", "recipient"),
        ("../sms", "+33612345678", "channel"),
    ],
)
async def test_del_blacklist_member_invalid(channel: str, recipient: str, field: str) -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await make(recorder).del_blacklist_member(channel, recipient)
    assert caught.value.field == field
    assert recorder.requests == []


# --------------------------------------------------------------------------- replies


async def test_get_responses_as_documented() -> None:
    recorder = Recorder(
        reply(
            "<responses><date>2016-05-02 10:05:00</date><code>33</code>"
            "<number>612345678</number><message>Oui &lt;merci&gt; à demain</message></responses>"
        )
    )
    responses = await make(recorder).get_responses("sms")
    assert_post(recorder.only, "/manageFeedback/sms/getResponses", "")
    assert responses == (
        InboundReply("2016-05-02 10:05:00", "+33612345678", "Oui <merci> à demain"),
    )


async def test_get_responses_several() -> None:
    recorder = Recorder(
        reply(
            "<responses><date>d1</date><code>33</code><number>612345678</number>"
            "<message>Un</message><date>d2</date><code>33</code><number>698765432</number>"
            "<message>Deux</message></responses>"
            "<responses><date>d3</date><code>33</code><number>611111111</number>"
            "<message>Trois</message></responses>"
        )
    )
    assert await make(recorder).get_responses("sms") == (
        InboundReply("d1", "+33612345678", "Un"),
        InboundReply("d2", "+33698765432", "Deux"),
        InboundReply("d3", "+33611111111", "Trois"),
    )


async def test_get_responses_none() -> None:
    assert await make(Recorder(reply())).get_responses("fax") == ()


# --------------------------------------------------------------------------- credits


async def test_balance() -> None:
    recorder = Recorder(
        reply(
            "<credits>"
            '<route id="12" name="SMS Premium" type="SMS" expire="2017-12-31" '
            'allownegative="100">1520</route>'
            '<route id="31" name="Appels" type="Voice" expire="" allownegative="0">'
            "42.5</route>"
            "</credits>"
        )
    )
    balance = await make(recorder).balance()
    assert_post(recorder.only, "/manageCredit/getCredit", "")
    assert balance.provider == "ecampaign"
    assert balance.as_of is not None and balance.as_of.tzinfo is not None
    assert balance.lines == (
        BalanceLine(
            "SMS Premium",
            Decimal(1520),
            "credits",
            route_id="12",
            channel="SMS",
            expires="2017-12-31",
            overdraft=Decimal(100),
        ),
        BalanceLine(
            "Appels",
            Decimal("42.5"),
            "credits",
            route_id="31",
            channel="Voice",
            expires=None,
            overdraft=Decimal(0),
        ),
    )


async def test_balance_code_31_is_an_empty_balance() -> None:
    balance = await make(Recorder(reply(code=31, message="Aucun crédit"))).balance()
    assert balance.lines == ()


async def test_balance_unreadable_amount() -> None:
    answer = reply('<credits><route id="12" name="SMS">beaucoup</route></credits>')
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(answer)).balance()
    assert caught.value.code == "BAD_REPLY"
    assert "12" in caught.value.meaning


async def test_balance_needs_no_route_option() -> None:
    recorder = Recorder(reply("<credits/>"))
    assert (await make(recorder, route="").balance()).lines == ()
