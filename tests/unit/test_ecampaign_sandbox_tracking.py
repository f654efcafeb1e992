"""eCampaign sandbox: getCDR (both shapes), getMailEvents, delivery progress and the delivery
callbacks, received by a small aiohttp server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

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
from providers.sandbox.ecampaign import EcampaignSandbox, demo_state
from providers.xml import parse

# One TLS context for the module: building one per client costs ~0.1 s (the CA bundle).
TLS = ssl.create_default_context()

PARIS = ZoneInfo("Europe/Paris")
TODAY = datetime.now(PARIS).date()
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")


def fmt(moment: datetime) -> str:
    """The spec's date form, in Paris time."""
    return moment.astimezone(PARIS).strftime("%Y-%m-%d %H:%M:%S")


def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def login() -> etree._Element:
    root = etree.Element("ecampaign")
    element = add(root, "login")
    add(element, "user", SANDBOX_LOGIN)
    add(element, "password", SANDBOX_SECRET)
    return root


def send(channel: str, *recipients: str, **fields: str) -> etree._Element:
    root = login()
    body = add(root, f"send{channel}")
    for tag, text in fields.items():
        add(body, tag, text)
    listing = add(body, "recipients")
    for recipient in recipients:
        if recipient.startswith("group:"):
            add(listing, "groupID", recipient[6:])
            add(add(listing, "groupFields"), "field", "mobile")
        elif "@" in recipient:
            add(add(listing, "mail"), "mail", recipient)
        else:
            phone = add(listing, "phone")
            add(phone, "code", "33")
            add(phone, "number", recipient)
    return root


def cdr(**params: str) -> etree._Element:
    root = login()
    query = add(add(root, "tracking"), "getCDR")
    for tag in (
        "startdate",
        "stopdate",
        "channel",
        "campaignonly",
        "apionly",
        "campaignid",
        "showcontent",
    ):
        add(query, tag, params.get(tag, ""))
    return root


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Api:
    def __init__(self, sandbox: EcampaignSandbox, client: httpx.AsyncClient, clock: Clock) -> None:
        self.sandbox, self.client, self.clock = sandbox, client, clock

    async def post(self, path: str, root: etree._Element) -> etree._Element:
        response = await self.client.post(
            path, data={"xml": etree.tostring(root, encoding="unicode")}
        )
        assert response.status_code == 200
        return parse(response.content)

    async def msgids(self, root: etree._Element, path: str = "/sendSMS") -> list[str]:
        reply = await self.post(path, root)
        assert reply.findtext("code") == "0", reply.findtext("message")
        return [d.findtext("msgid") or "" for d in reply.findall("recipients/destination")]

    async def status(self, msgid: str) -> str:
        """status_id of the unit message ``msgid`` in today's CDR."""
        reply = await self.post("/tracking/getCDR", cdr())
        [message] = [
            m for m in reply.findall("getCDR/message") if m.findtext("message_ref") == msgid
        ]
        return message.findtext("status_id") or ""


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    clock = Clock()
    sandbox = EcampaignSandbox(state=demo_state(clock.now), clock=clock)
    async with (
        RunningSandbox(sandbox) as running,
        httpx.AsyncClient(base_url=running.base_url, trust_env=False, verify=TLS) as client,
    ):
        yield Api(sandbox, client, clock)


# --------------------------------------------------------------------------- getCDR


async def test_cdr_lists_a_unit_send_with_the_documented_elements(api: Api) -> None:
    [msgid] = await api.msgids(
        send("SMS", "612345678", route="1", senderID="BOUTIQUE", message="Bonjour")
    )
    reply = await api.post("/tracking/getCDR", cdr(showcontent="true"))
    assert reply.findtext("code") == "0"
    [message] = [m for m in reply.findall("getCDR/message") if m.findtext("message_ref") == msgid]
    assert set(message.attrib) == {"id", "channel"} and message.get("channel") == "sms"
    assert [c.tag for c in message] == [
        "date_init", "sender", "from_api", "credits", "message_ref", "phone_code", "phone_number",
        "mail_recipient", "mail_subject", "status_id", "status_date", "content",
    ]  # fmt: skip
    assert TIMESTAMP.match(message.findtext("date_init") or "")
    values = {c.tag: c.text or "" for c in message}
    assert values == {
        "date_init": fmt(api.clock.now), "sender": "BOUTIQUE", "from_api": "true", "credits": "1",
        "message_ref": msgid, "phone_code": "33", "phone_number": "612345678", "mail_recipient": "",
        "mail_subject": "", "status_id": "", "status_date": "", "content": "Bonjour",
    }  # fmt: skip
    hidden = await api.post("/tracking/getCDR", cdr())
    [same] = [m for m in hidden.findall("getCDR/message") if m.findtext("message_ref") == msgid]
    assert same.findtext("content") == ""


async def test_cdr_lists_a_group_send_as_a_campaign_then_its_messages(api: Api) -> None:
    await api.msgids(send("SMS", "group:1", route="1", message="Soldes"))
    reply = await api.post("/tracking/getCDR", cdr(campaignonly="true", apionly="true"))
    [campaign] = reply.findall("getCDR/campaign")
    assert reply.findall("getCDR/message") == []
    assert campaign.get("channel") == "sms" and campaign.get("recipients_count") == "5"
    assert [c.tag for c in campaign] == [
        "date_init",
        "sender",
        "from_api",
        "credits",
        "group_id",
        "template_id",
    ]
    tags = ("sender", "from_api", "credits", "group_id", "template_id")
    assert [campaign.findtext(t) for t in tags] == ["PORTEVOIX", "true", "5", "1", ""]

    detail = await api.post(
        "/tracking/getCDR", cdr(campaignid=campaign.get("id") or "", showcontent="true")
    )
    messages = detail.findall("getCDR/message")
    assert [m.findtext("group_member_id") for m in messages] == ["101", "102", "103", "104", "105"]
    assert set(messages[0].attrib) == {"id"}
    assert [c.tag for c in messages[0]] == [
        "date_init", "credits", "message_ref", "group_member_id", "phone_code", "phone_number",
        "mail_recipient", "mail_subject", "status_id", "status_date", "content",
    ]  # fmt: skip
    assert messages[4].findtext("phone_number") == "612345600"
    assert messages[4].findtext("content") == "Soldes"


async def test_cdr_filters(api: Api) -> None:
    await api.msgids(send("SMS", "145000001", route="1", message="x"))  # landline: vsms
    await api.msgids(send("Voice", "612345601", route="2", templateID="2"), "/sendVoice")
    everything = await api.post("/tracking/getCDR", cdr())
    channels = [m.get("channel") for m in everything.findall("getCDR/message")]
    assert channels == ["sms", "vsms", "voice"]  # the web-interface SMS of 3 days ago first
    assert [c.get("id") for c in everything.findall("getCDR/campaign")] == ["5001", "5002"]

    api_only = await api.post("/tracking/getCDR", cdr(apionly="true"))
    assert [m.get("channel") for m in api_only.findall("getCDR/message")] == ["vsms", "voice"]
    assert api_only.findall("getCDR/campaign") == []
    voice = await api.post("/tracking/getCDR", cdr(channel="voice"))
    assert [m.get("channel") for m in voice.findall("getCDR/message")] == ["voice"]
    sms = await api.post("/tracking/getCDR", cdr(channel="sms", apionly="true"))
    assert [m.get("channel") for m in sms.findall("getCDR/message")] == ["vsms"]
    mails = await api.post("/tracking/getCDR", cdr(channel="mail", campaignonly="true"))
    assert [c.get("id") for c in mails.findall("getCDR/campaign")] == ["5002"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"startdate": "2020-03-10", "stopdate": "2020-03-01"}, 80),
        ({"startdate": "2020-01-01", "stopdate": "2020-03-01"}, 80),
        ({"startdate": "01/03/2020", "stopdate": "2020-03-10"}, 80),
        ({"startdate": "2001-01-01", "stopdate": "2001-01-31"}, 81),
        ({"campaignid": "424242"}, 82),
        ({"campaignid": "5001", "startdate": "2001-01-01", "stopdate": "2001-01-02"}, 81),
        ({"channel": "telex"}, 18),
    ],
)
async def test_cdr_errors(api: Api, params: dict[str, str], expected: int) -> None:
    reply = await api.post("/tracking/getCDR", cdr(**params))
    assert reply.findtext("code") == str(expected)
    assert reply.find("getCDR") is None


async def test_period_of_exactly_31_days_is_accepted(api: Api) -> None:
    start = (TODAY - timedelta(days=31)).isoformat()
    reply = await api.post("/tracking/getCDR", cdr(startdate=start, stopdate=TODAY.isoformat()))
    assert reply.findtext("code") == "0"


# --------------------------------------------------------------------------- delivery progress


async def test_states_progress_with_time(api: Api) -> None:
    await api.msgids(send("SMS", "612345678", "612345600", "612345698", route="1", message="x"))

    async def states() -> list[str]:
        detail = await api.post("/tracking/getCDR", cdr(campaignid="5003"))
        return [m.findtext("status_id") or "" for m in detail.findall("getCDR/message")]

    assert await states() == ["", "", ""]  # accepted, not yet with the operator
    api.clock.advance(1.0)
    assert await states() == ["1", "1", "1"]
    api.clock.advance(1.0)
    assert await states() == ["4", "8", "4"]  # numbers ending 00 cannot be delivered
    detail = await api.post("/tracking/getCDR", cdr(campaignid="5003"))
    assert detail.findtext("getCDR/message/status_date") == fmt(api.clock.now)


async def test_scheduled_send_stays_pending(api: Api) -> None:
    later = api.clock.now + timedelta(hours=3)
    paris = later.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    [msgid] = await api.msgids(
        send(
            "SMS", "612345678", route="1", message="x", sendDate=paris.strftime("%Y-%m-%d %H:%M:%S")
        )
    )
    period = {"startdate": TODAY.isoformat(), "stopdate": (TODAY + timedelta(days=2)).isoformat()}
    api.clock.advance(3600)
    reply = await api.post("/tracking/getCDR", cdr(**period))
    [message] = [m for m in reply.findall("getCDR/message") if m.findtext("message_ref") == msgid]
    assert (message.findtext("status_id"), message.findtext("date_init")) == (
        "",
        paris.strftime("%Y-%m-%d %H:%M:%S"),
    )
    assert api.sandbox.state.routes[1].credits == 499  # paid when scheduled
    api.clock.advance(2 * 3600 + 2)
    reply = await api.post("/tracking/getCDR", cdr(**period))
    [message] = [m for m in reply.findall("getCDR/message") if m.findtext("message_ref") == msgid]
    assert message.findtext("status_id") == "4"


async def test_number_ending_77_answers_stop_and_is_blacklisted(api: Api) -> None:
    await api.msgids(send("SMS", "612345677", route="1", message="Promo"))
    api.clock.advance(3.5)
    responses = await api.post("/manageFeedback/sms/getResponses", login())
    assert [(r.findtext("number"), r.findtext("message")) for r in responses.findall("responses")][
        -1
    ] == ("612345677", "STOP")
    blacklist = await api.post("/manageFeedback/sms/getBlacklist", login())
    assert "612345677" in [m.findtext("number") for m in blacklist.findall("blacklist/member")]
    again = await api.post("/sendSMS", send("SMS", "612345677", route="1", message="Promo"))
    assert again.findtext("recipients/destination/state") == "KO"


async def test_mail_events_of_a_campaign(api: Api) -> None:
    reply = await api.post("/tracking/5002/getMailEvents", login())
    events = reply.findall("getMailEvents/event")
    assert [(e.get("type"), e.findtext("mail_recipient")) for e in events] == [
        ("open", "claire.martin@example.fr"),
        ("open", "lea.petit.click@example.fr"),
        ("click", "lea.petit.click@example.fr"),
    ]
    assert [c.tag for c in events[2]] == [
        "date",
        "mail_recipient",
        "message_id",
        "value",
        "user_agent",
        "ip",
        "lang",
    ]
    assert events[2].findtext("value") == "https://www.example.com/nouveautes"
    assert (await api.post("/tracking/5001/getMailEvents", login())).findtext("code") == "81"  # SMS
    assert (await api.post("/tracking/999/getMailEvents", login())).findtext("code") == "82"


async def test_mail_send_is_opened_and_clicked_later(api: Api) -> None:
    await api.msgids(
        send("Mail", "a.click@example.fr", "b@example.fr", route="3", subject="s", message="m"),
        "/sendMail",
    )
    assert (await api.post("/tracking/5003/getMailEvents", login())).findtext("code") == "81"
    api.clock.advance(3.5)
    reply = await api.post("/tracking/5003/getMailEvents", login())
    events = [
        (e.get("type"), e.findtext("mail_recipient")) for e in reply.findall("getMailEvents/event")
    ]
    assert events == [
        ("open", "a.click@example.fr"), ("click", "a.click@example.fr"), ("open", "b@example.fr"),
    ]  # fmt: skip


# --------------------------------------------------------------------------- callbacks


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[str, asyncio.Queue[tuple[float, str]]]]:
    received: asyncio.Queue[tuple[float, str]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def handle(request: web.Request) -> web.Response:
        form = await request.post()
        await received.put((loop.time(), str(form["xml"])))
        return web.Response(text="OK")

    app = web.Application()
    app.router.add_post("/ecampaign", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/ecampaign", received
    await runner.cleanup()


async def collect(
    received: asyncio.Queue[tuple[float, str]], count: int
) -> list[tuple[float, str, str, str]]:
    out = []
    for _ in range(count):
        at, xml = await asyncio.wait_for(received.get(), 5)
        root = parse(xml)
        assert [c.tag for c in root] == ["msgid", "state", "timestamp"]
        assert TIMESTAMP.match(root.findtext("timestamp") or "")
        out.append(
            (
                at,
                root.findtext("msgid") or "",
                root.findtext("state") or "",
                root.findtext("timestamp") or "",
            )
        )
    return out


@pytest.mark.parametrize(
    ("channel", "recipients", "fields", "expected"),
    [
        ("SMS", ("612345678", "612345600"), {"message": "x"}, {0: ["1", "4"], 1: ["1", "8"]}),
        ("Voice", ("612345601", "612345606", "612345609", "612345600"), {"templateID": "2"},
         {0: ["1", "11"], 1: ["1", "13"], 2: ["1", "42"], 3: ["1", "40"]}),
        ("Mail", ("ok@example.fr", "x.bounce@example.fr"), {"subject": "s", "message": "m"},
         {0: ["54", "56"], 1: ["54", "50"]}),
        ("FAX", ("145000001", "145000000"), {"filename": "a.pdf"}, {0: ["1", "4"], 1: ["1", "60"]}),
    ],
)  # fmt: skip
async def test_delivery_callbacks_per_message(
    api: Api,
    receiver: tuple[str, asyncio.Queue[tuple[float, str]]],
    channel: str,
    recipients: tuple[str, ...],
    fields: dict[str, str],
    expected: dict[int, list[str]],
) -> None:
    url, received = receiver
    api.sandbox.callbacks = CallbackSettings(url, 0.1)
    route = {"SMS": "1", "Voice": "2", "Mail": "3", "FAX": "4"}[channel]
    sent_at = asyncio.get_running_loop().time()
    msgids = await api.msgids(send(channel, *recipients, route=route, **fields), f"/send{channel}")
    calls = await collect(received, 2 * len(recipients))
    for index, msgid in enumerate(msgids):
        mine = [c for c in calls if c[1] == msgid]
        # Two posts one delay apart may cross on a loaded machine, as on the real network; the
        # order they are scheduled in is test_callbacks_are_scheduled_one_delay_apart's job.
        assert sorted(c[2] for c in mine) == sorted(expected[index])
        # Never before the delay. Arrival spacing is not asserted here: the first report waits
        # for the HTTP client's start-up (~0.1 s); test_callbacks_are_scheduled_one_delay_apart
        # checks the spacing exactly.
        assert mine[0][0] - sent_at >= 0.09
    await asyncio.sleep(0.3)
    assert received.empty()


async def test_scheduled_send_calls_back_nothing_yet(
    api: Api, receiver: tuple[str, asyncio.Queue[tuple[float, str]]]
) -> None:
    url, received = receiver
    api.sandbox.callbacks = CallbackSettings(url, 0.05)
    await api.msgids(
        send("SMS", "612345678", route="1", message="x", sendDate="2099-01-01 10:00:00")
    )
    await api.msgids(send("SMS", "612345679", route="1", message="x"))
    calls = await collect(received, 2)
    await asyncio.sleep(0.3)
    assert received.empty() and sorted(c[2] for c in calls) == ["1", "4"]


async def test_callbacks_are_scheduled_one_delay_apart(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    scheduled: list[tuple[str, dict[str, str], float | None]] = []

    def record(method: str, *, data: dict[str, str], url: str | None, delay: float | None) -> None:
        assert url is None  # the account's configured URL
        scheduled.append((method, data, delay))

    monkeypatch.setattr(api.sandbox, "schedule_callback", record)
    api.sandbox.callbacks = CallbackSettings("http://127.0.0.1:9/unused", 0.25)
    [msgid] = await api.msgids(send("SMS", "612345678", route="1", message="x"))
    assert [(method, delay) for method, _, delay in scheduled] == [("POST", 0.25), ("POST", 0.5)]
    documents = [parse(data["xml"]) for _, data, _ in scheduled]
    assert [(d.findtext("msgid"), d.findtext("state")) for d in documents] == [
        (msgid, "1"),
        (msgid, "4"),
    ]
    assert [d.findtext("timestamp") for d in documents] == [
        fmt(api.clock.now + timedelta(seconds=0.25)),
        fmt(api.clock.now + timedelta(seconds=0.5)),
    ]
