"""tracking: getCDR (sent messages and campaigns, with delivery states) and getMailEvents.

getCDR answers in two shapes. Without ``campaignid``: one ``<message id channel>`` per single
send and one ``<campaign id channel recipients_count>`` per campaign. With ``campaignid``: the
``<message id>`` elements of that campaign (no channel attribute; ``group_member_id`` instead).
The document's samples leave the opening tags unclosed; real replies are well-formed. Its
campaign sample spells the attribute ``Channel``: both spellings are read.

Code 81 ("no result") is an empty answer, not a failure.
"""

from __future__ import annotations

from datetime import date

from lxml import etree

from providers.decimals import to_decimal
from providers.ecampaign.codes import NO_RESULT
from providers.ecampaign.core import (
    EcampaignCore,
    attr,
    e164_or_raw,
    el,
    text,
    to_bool,
    to_int,
)
from providers.ecampaign.rules import CDR_CHANNELS, choice, numeric_id
from providers.ecampaign.states import delivery_state
from providers.errors import InputError
from providers.models import CdrCampaign, CdrRecord, CdrReport, MailEvent

DATE_FORMAT = "%Y-%m-%d"  # "AAAA-MM-JJ"


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _record(element: etree._Element, channel: str | None) -> CdrRecord:
    record_channel = attr(element, "channel", "Channel") or channel
    status = text(element, "status_id")
    state, _description = delivery_state(status or "", record_channel)
    return CdrRecord(
        id=attr(element, "id") or "",
        channel=record_channel,
        date_init=text(element, "date_init"),
        sender=text(element, "sender"),
        from_api=to_bool(text(element, "from_api")),
        credits=to_decimal(text(element, "credits")),
        message_ref=text(element, "message_ref"),
        group_member_id=text(element, "group_member_id"),
        number=e164_or_raw(text(element, "phone_code"), text(element, "phone_number")),
        mail_recipient=text(element, "mail_recipient"),
        mail_subject=text(element, "mail_subject"),
        status_code=status,
        state=state,
        status_date=text(element, "status_date"),
        content=text(element, "content"),
    )


def _campaign(element: etree._Element) -> CdrCampaign:
    return CdrCampaign(
        id=attr(element, "id") or "",
        channel=attr(element, "channel", "Channel"),
        recipients_count=to_int(attr(element, "recipients_count")),
        date_init=text(element, "date_init"),
        sender=text(element, "sender"),
        from_api=to_bool(text(element, "from_api")),
        credits=to_decimal(text(element, "credits")),
        group_id=text(element, "group_id"),
        template_id=text(element, "template_id"),
    )


class TrackingMixin:
    _core: EcampaignCore

    async def get_cdr(
        self,
        start: date,
        stop: date,
        *,
        channel: str | None = None,
        campaign_only: bool | None = None,
        api_only: bool | None = None,
        campaign_id: str | None = None,
        show_content: bool | None = None,
    ) -> CdrReport:
        """Messages and campaigns sent between ``start`` and ``stop`` (dates, inclusive).

        With ``campaign_id``: the messages of that campaign. ``show_content`` adds the texts
        (slower, larger replies).
        """
        if stop < start:
            raise InputError("stop", "the stop date is before the start date")
        root = self._core.envelope()
        query = el(el(root, "tracking"), "getCDR")
        el(query, "startdate", start.strftime(DATE_FORMAT))
        el(query, "stopdate", stop.strftime(DATE_FORMAT))
        if channel is not None:
            el(query, "channel", choice("channel", channel, CDR_CHANNELS))
        if campaign_only is not None:
            el(query, "campaignonly", _bool(campaign_only))
        if api_only is not None:
            el(query, "apionly", _bool(api_only))
        if campaign_id is not None:
            el(query, "campaignid", numeric_id("campaign_id", campaign_id))
        if show_content is not None:
            el(query, "showcontent", _bool(show_content))
        reply = await self._core.call("/tracking/getCDR", root, sends=False, accept=(NO_RESULT,))
        body = reply.root.find("getCDR")
        if reply.code == NO_RESULT or body is None:
            return CdrReport()
        return CdrReport(
            messages=tuple(_record(item, channel) for item in body.iterfind("message")),
            campaigns=tuple(_campaign(item) for item in body.iterfind("campaign")),
        )

    async def get_mail_events(self, campaign_id: str) -> tuple[MailEvent, ...]:
        """What recipients did with the e-mails of a campaign (opens, clicks...)."""
        path = f"/tracking/{numeric_id('campaign_id', campaign_id)}/getMailEvents"
        root = self._core.envelope()
        el(el(root, "tracking"), "getMailEvents")
        reply = await self._core.call(path, root, sends=False, accept=(NO_RESULT,))
        return tuple(
            MailEvent(
                id=attr(event, "id") or "",
                type=attr(event, "type"),
                date=text(event, "date"),
                mail_recipient=text(event, "mail_recipient"),
                message_id=text(event, "message_id"),
                value=text(event, "value"),
                user_agent=text(event, "user_agent"),
                ip=text(event, "ip"),
                lang=text(event, "lang"),
            )
            for event in reply.root.iterfind("getMailEvents/event")
        )
