"""eCampaign tracking: getCDR (both reply shapes, code 81) and getMailEvents."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from providers.errors import InputError, ProviderError
from providers.models import CdrCampaign, CdrRecord, CdrReport, DeliveryState, MailEvent
from tests.unit.test_ecampaign_support import Recorder, assert_post, make, reply

START, STOP = date(2016, 5, 1), date(2016, 5, 31)

# Well-formed versions of the document's samples (which leave the opening tags unclosed).
LIST_SHAPE = reply(
    "<getCDR>"
    '<message id="1001" channel="sms">'
    "<date_init>2016-05-02 10:00:00</date_init><sender>Boutique</sender>"
    "<from_api>true</from_api><credits>1</credits><message_ref>ABC123</message_ref>"
    "<phone_code>33</phone_code><phone_number>612345678</phone_number>"
    "<mail_recipient></mail_recipient><mail_subject></mail_subject>"
    "<status_id>4</status_id><status_date>2016-05-02 10:00:09</status_date>"
    "<content>Bonjour &amp; merci</content></message>"
    '<campaign id="2002" Channel="voice" recipients_count="250">'
    "<date_init>2016-05-03 09:00:00</date_init><sender>0170000000</sender>"
    "<from_api>false</from_api><credits>312.5</credits><group_id>7</group_id>"
    "<template_id>55</template_id></campaign>"
    '<message id="1003" channel="mail">'
    "<date_init>2016-05-04 11:00:00</date_init><sender>news@example.fr</sender>"
    "<from_api>true</from_api><credits>1</credits><message_ref>M-3</message_ref>"
    "<mail_recipient>jean@example.fr</mail_recipient><mail_subject>Soldes</mail_subject>"
    "<status_id>58</status_id><status_date>2016-05-04 12:00:00</status_date></message>"
    "</getCDR>"
)
CAMPAIGN_SHAPE = reply(
    "<getCDR>"
    '<message id="3001"><date_init>2016-05-03 09:00:01</date_init><credits>1</credits>'
    "<message_ref>V-1</message_ref><group_member_id>501</group_member_id>"
    "<phone_code>33</phone_code><phone_number>612345678</phone_number>"
    "<status_id>13</status_id><status_date>2016-05-03 09:01:00</status_date></message>"
    '<message id="3002"><date_init>2016-05-03 09:00:02</date_init><credits>1</credits>'
    "<group_member_id>502</group_member_id>"
    "<phone_code>33</phone_code><phone_number>198765432</phone_number>"
    "<status_id>43</status_id><status_date>2016-05-03 09:01:30</status_date></message>"
    "</getCDR>"
)


async def test_get_cdr_minimal_request() -> None:
    recorder = Recorder(reply("<getCDR/>"))
    assert await make(recorder).get_cdr(START, STOP) == CdrReport()
    assert_post(
        recorder.only,
        "/tracking/getCDR",
        "<tracking><getCDR><startdate>2016-05-01</startdate><stopdate>2016-05-31</stopdate>"
        "</getCDR></tracking>",
    )


async def test_get_cdr_every_parameter() -> None:
    recorder = Recorder(reply("<getCDR/>"))
    await make(recorder).get_cdr(
        START,
        STOP,
        channel="voice",
        campaign_only=False,
        api_only=True,
        campaign_id="2002",
        show_content=True,
    )
    assert_post(
        recorder.only,
        "/tracking/getCDR",
        "<tracking><getCDR><startdate>2016-05-01</startdate><stopdate>2016-05-31</stopdate>"
        "<channel>voice</channel><campaignonly>false</campaignonly><apionly>true</apionly>"
        "<campaignid>2002</campaignid><showcontent>true</showcontent></getCDR></tracking>",
    )


async def test_get_cdr_campaigns_and_single_messages() -> None:
    report = await make(Recorder(LIST_SHAPE)).get_cdr(START, STOP)
    sms, mail = report.messages
    assert sms == CdrRecord(
        id="1001",
        channel="sms",
        date_init="2016-05-02 10:00:00",
        sender="Boutique",
        from_api=True,
        credits=Decimal(1),
        message_ref="ABC123",
        number="+33612345678",
        status_code="4",
        state=DeliveryState.DELIVERED,
        status_date="2016-05-02 10:00:09",
        content="Bonjour & merci",
        status_meaning="message delivered to the recipient",
    )
    assert (mail.channel, mail.mail_recipient, mail.mail_subject, mail.number) == (
        "mail",
        "jean@example.fr",
        "Soldes",
        None,
    )
    assert (mail.status_code, mail.state) == ("58", DeliveryState.CLICKED)
    assert report.campaigns == (
        CdrCampaign(
            id="2002",
            channel="voice",
            recipients_count=250,
            date_init="2016-05-03 09:00:00",
            sender="0170000000",
            from_api=False,
            credits=Decimal("312.5"),
            group_id="7",
            template_id="55",
        ),
    )


async def test_get_cdr_messages_of_one_campaign() -> None:
    report = await make(Recorder(CAMPAIGN_SHAPE)).get_cdr(
        START, STOP, channel="voice", campaign_id="2002"
    )
    assert report.campaigns == ()
    first, second = report.messages
    assert (first.id, first.group_member_id, first.number, first.message_ref) == (
        "3001",
        "501",
        "+33612345678",
        "V-1",
    )
    # No channel attribute in this shape: the channel asked for stands in.
    assert first.channel == "voice"
    assert (first.status_code, first.state) == ("13", DeliveryState.VOICEMAIL)
    assert (second.number, second.state) == ("+33198765432", DeliveryState.BUSY)


async def test_get_cdr_unknown_status_is_kept() -> None:
    answer = reply('<getCDR><message id="9"><status_id>99</status_id></message></getCDR>')
    (record,) = (await make(Recorder(answer)).get_cdr(START, STOP)).messages
    assert (record.status_code, record.state) == ("99", DeliveryState.UNKNOWN)
    assert record.number is None and record.credits is None


async def test_get_cdr_code_81_is_an_empty_report() -> None:
    answer = reply(code=81, message="Aucun résultat")
    assert await make(Recorder(answer)).get_cdr(START, STOP) == CdrReport()


@pytest.mark.parametrize(
    ("code", "meaning"),
    [
        (80, "the period between start and stop dates is too long or invalid"),
        (82, "campaign not found"),
    ],
)
async def test_get_cdr_errors(code: int, meaning: str) -> None:
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=code))).get_cdr(START, STOP)
    assert (caught.value.code, caught.value.meaning) == (str(code), meaning)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "vsms"}, "channel"),
        ({"campaign_id": "12-3"}, "campaign_id"),
    ],
)
async def test_get_cdr_invalid_input(kwargs: dict[str, str], field: str) -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await make(recorder).get_cdr(START, STOP, **kwargs)  # type: ignore[arg-type]
    assert caught.value.field == field
    assert recorder.requests == []


async def test_get_cdr_stop_before_start() -> None:
    recorder = Recorder()
    with pytest.raises(InputError) as caught:
        await make(recorder).get_cdr(STOP, START)
    assert caught.value.field == "stop"
    assert recorder.requests == []


async def test_get_mail_events() -> None:
    recorder = Recorder(
        reply(
            "<getMailEvents>"
            '<event id="1" type="click"><date>2016-05-04 12:00:00</date>'
            "<mail_recipient>jean@example.fr</mail_recipient><message_id>1003</message_id>"
            "<value>https://shop.example.fr/?a=1&amp;b=2</value>"
            "<user_agent>Mozilla/5.0</user_agent><ip>192.0.2.7</ip><lang>fr</lang></event>"
            '<event id="2" type="open"><date>2016-05-04 11:59:00</date></event>'
            "</getMailEvents>"
        )
    )
    events = await make(recorder).get_mail_events("2002")
    assert_post(
        recorder.only,
        "/tracking/2002/getMailEvents",
        "<tracking><getMailEvents/></tracking>",
    )
    assert events == (
        MailEvent(
            id="1",
            type="click",
            date="2016-05-04 12:00:00",
            mail_recipient="jean@example.fr",
            message_id="1003",
            value="https://shop.example.fr/?a=1&b=2",
            user_agent="Mozilla/5.0",
            ip="192.0.2.7",
            lang="fr",
        ),
        MailEvent(id="2", type="open", date="2016-05-04 11:59:00"),
    )


async def test_get_mail_events_no_result_and_errors() -> None:
    assert await make(Recorder(reply(code=81))).get_mail_events("2002") == ()
    with pytest.raises(ProviderError) as caught:
        await make(Recorder(reply(code=82))).get_mail_events("2002")
    assert caught.value.code == "82"
    recorder = Recorder()
    with pytest.raises(InputError):
        await make(recorder).get_mail_events("../2002")
    assert recorder.requests == []
