"""tracking/getCDR (both reply shapes) and tracking/{id}/getMailEvents.

Delivery states are read at the time of the request: a message shows the last state of its
plan whose time has come (an empty ``status_id`` before the first, e.g. while scheduled).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta

from aiohttp import web
from lxml import etree

from providers.sandbox.ecampaign.protocol import (
    Call,
    EcError,
    bool_text,
    credits_text,
    fmt,
    is_true,
    paris_date,
    parse_id,
    reply,
    text_of,
)
from providers.sandbox.ecampaign.state import CampaignRec, EcampaignState, MessageRec
from providers.xml import sub, to_bytes

CHANNELS = frozenset({"sms", "voice", "mail", "fax"})
MAX_PERIOD = timedelta(days=31)
DEFAULT_PERIOD = timedelta(days=30)
#: getCDR of campaign ``SYNTHETIC_CAMPAIGNS + N`` answers N generated SMS (N up to
#: ``SYNTHETIC_MAX``), spread evenly over the days of the period asked, written as the reply
#: goes out and never stored: large histories for tests and benchmarks (campaign 9000100000
#: with showcontent: 100,000 messages, about 45 MB). Statuses cycle 4, 4, 4, 8, 1, 2, 4, 9.
SYNTHETIC_CAMPAIGNS = 9_000_000_000
SYNTHETIC_MAX = 1_000_000
_SYNTHETIC_STATES = (4, 4, 4, 8, 1, 2, 4, 9)
_SYNTHETIC_CHUNK = 2000


def _date(text: str) -> date:
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise EcError(80, "dates are AAAA-MM-JJ") from None


def _period(start: str, stop: str, now: datetime) -> tuple[date, date]:
    """The requested days, both included: 80 when malformed, reversed or over 31 days."""
    end = _date(stop) if stop else None
    begin = _date(start) if start else None
    if end is None:
        end = max(paris_date(now), begin) if begin else paris_date(now)
    if begin is None:
        begin = end - DEFAULT_PERIOD
    if begin > end or end - begin > MAX_PERIOD:
        raise EcError(80)
    return begin, end


def _campaign(state: EcampaignState, raw: str) -> CampaignRec:
    campaign_id = parse_id(raw)
    campaign = state.campaigns.get(campaign_id) if campaign_id is not None else None
    if campaign is None:
        raise EcError(82)
    return campaign


def _status(element: etree._Element, message: MessageRec, now: datetime) -> None:
    status = message.status(now)
    sub(element, "status_id", str(status[0]) if status else "")
    sub(element, "status_date", fmt(status[1]) if status else "")


def _message(
    parent: etree._Element, message: MessageRec, now: datetime, *, content: bool, in_campaign: bool
) -> None:
    if in_campaign:
        element = sub(parent, "message", id=str(message.id))
    else:
        element = sub(parent, "message", id=str(message.id), channel=message.channel)
    sub(element, "date_init", fmt(message.start))
    if not in_campaign:
        sub(element, "sender", message.sender)
        sub(element, "from_api", bool_text(message.from_api))
    sub(element, "credits", credits_text(message.credits))
    sub(element, "message_ref", message.ref)
    if in_campaign:
        sub(element, "group_member_id", str(message.member_id or ""))
    sub(element, "phone_code", message.phone_code)
    sub(element, "phone_number", message.phone_number)
    sub(element, "mail_recipient", message.mail)
    sub(element, "mail_subject", message.subject)
    _status(element, message, now)
    sub(element, "content", message.content if content else "")


def _campaign_element(parent: etree._Element, campaign: CampaignRec) -> None:
    element = sub(
        parent,
        "campaign",
        id=str(campaign.id),
        channel=campaign.channel,
        recipients_count=str(len(campaign.message_ids)),
    )
    sub(element, "date_init", fmt(campaign.start))
    sub(element, "sender", campaign.sender)
    sub(element, "from_api", bool_text(campaign.from_api))
    sub(element, "credits", credits_text(campaign.credits))
    sub(element, "group_id", str(campaign.group_id or ""))
    sub(element, "template_id", str(campaign.template_id or ""))


def _synthetic(count: int, begin: date, end: date, *, content: bool) -> web.Response:
    """``count`` generated messages of one campaign, in date order over ``begin``..``end``."""
    document = reply()
    sub(document, "getCDR")
    head, tail = to_bytes(document).rsplit(b"<getCDR/>", 1)
    days = (end - begin).days + 1
    text = "Bonjour, votre commande n°{} est prête &amp; vous attend en magasin. STOP au 36180"

    def message(i: int) -> str:
        day = begin + timedelta(days=i * days // count)
        moment = f"{day} {i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
        return (
            f'<message id="{SYNTHETIC_CAMPAIGNS + i}"><date_init>{moment}</date_init>'
            f"<credits>1</credits><message_ref>SYN{i:09d}</message_ref>"
            f"<group_member_id>{i + 1}</group_member_id><phone_code>33</phone_code>"
            f"<phone_number>{600_000_000 + i * 7 % 200_000_000}</phone_number>"
            "<mail_recipient></mail_recipient><mail_subject></mail_subject>"
            f"<status_id>{_SYNTHETIC_STATES[i % 8]}</status_id><status_date>{moment}</status_date>"
            f"<content>{text.format(i) if content else ''}</content></message>\n"
        )

    async def body() -> AsyncIterator[bytes]:
        yield head + b"<getCDR>\n"
        for first in range(0, count, _SYNTHETIC_CHUNK):
            await asyncio.sleep(0)
            last = min(first + _SYNTHETIC_CHUNK, count)
            yield "".join(message(i) for i in range(first, last)).encode("utf-8")
        yield b"</getCDR>" + tail

    return web.Response(body=body(), content_type="text/xml", charset="utf-8")


def get_cdr(call: Call, state: EcampaignState) -> etree._Element | web.Response:
    query = call.root.find("tracking/getCDR")
    start, stop = text_of(query, "startdate"), text_of(query, "stopdate")
    channel = text_of(query, "channel").lower()
    if channel and channel not in CHANNELS:
        raise EcError(18)
    content = is_true(text_of(query, "showcontent"))
    campaign_raw = text_of(query, "campaignid")
    count = (parse_id(campaign_raw) or 0) - SYNTHETIC_CAMPAIGNS
    if 0 < count <= SYNTHETIC_MAX:
        return _synthetic(count, *_period(start, stop, call.now), content=content)
    if campaign_raw:
        campaign = _campaign(state, campaign_raw)
        messages = [state.messages[i] for i in campaign.message_ids]
        if start or stop:
            begin, end = _period(start, stop, call.now)
            messages = [m for m in messages if begin <= paris_date(m.start) <= end]
        if not messages:
            raise EcError(81)
        result = reply()
        listing = sub(result, "getCDR")
        for message in messages:
            _message(listing, message, call.now, content=content, in_campaign=True)
        return result

    begin, end = _period(start, stop, call.now)

    def wanted(kind: str, moment: datetime, from_api: bool) -> bool:
        kind = "sms" if kind == "vsms" else kind
        return (
            begin <= paris_date(moment) <= end
            and (not channel or kind == channel)
            and (from_api or not is_true(text_of(query, "apionly")))
        )

    units = [
        m
        for m in state.messages.values()
        if m.campaign_id is None and wanted(m.channel, m.start, m.from_api)
    ]
    if is_true(text_of(query, "campaignonly")):
        units = []
    campaigns = [c for c in state.campaigns.values() if wanted(c.channel, c.start, c.from_api)]
    if not units and not campaigns:
        raise EcError(81)
    result = reply()
    listing = sub(result, "getCDR")
    for message in units:
        _message(listing, message, call.now, content=content, in_campaign=False)
    for campaign in campaigns:
        _campaign_element(listing, campaign)
    return result


def get_mail_events(call: Call, state: EcampaignState) -> etree._Element:
    campaign = _campaign(state, call.params["id"])
    events = [e for e in state.mail_events if e.campaign_id == campaign.id and e.at <= call.now]
    if not events:
        raise EcError(81)
    result = reply()
    listing = sub(result, "getMailEvents")
    for event in events:
        element = sub(listing, "event", id=str(event.id), type=event.type)
        sub(element, "date", fmt(event.at))
        sub(element, "mail_recipient", event.mail)
        sub(element, "message_id", str(event.message_id))
        sub(element, "value", event.value)
        sub(element, "user_agent", event.user_agent)
        sub(element, "ip", event.ip)
        sub(element, "lang", event.lang)
    return result
