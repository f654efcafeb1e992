"""tracking: getCDR (sent messages and campaigns, with delivery states) and getMailEvents.

``iter_cdr`` is the one way to read the history: rows stream out as the reply is parsed
(``providers.ecampaign.cdr``), and a period the platform finds too long (code 80) is split in
two and read on, half by half, so that a quarter or a year is read in as many requests as the
platform needs. The periods follow each other day after day: no day is read twice or skipped,
and the rows come in date order of the periods, each period's rows in the platform's order.

``get_cdr`` is the former one-request call (one period, code 80 an error), kept for its callers;
its reply is streamed as well, so it too takes replies beyond the 5 MB of small replies.

Code 81 ("no result") is an empty period, not a failure. The document states no longest period:
the first request asks for the whole range, and once a period is refused, no later request asks
for more than half of its days (rounded up), halving again on each refusal.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import date, timedelta

from lxml import etree

from providers.ecampaign.cdr import MAX_CDR_BYTES, CdrReader, CdrRow
from providers.ecampaign.codes import KIND, NO_RESULT, OK
from providers.ecampaign.core import EcampaignCore, Reply, attr, el, text
from providers.ecampaign.rules import CDR_CHANNELS, choice, numeric_id
from providers.errors import InputError, ProviderError
from providers.http import FORM_CONTENT_TYPE
from providers.http_stream import StreamedReply, open_stream
from providers.models import CdrCampaign, CdrRecord, CdrReport, MailEvent
from providers.xml import XmlRefused, to_bytes

DATE_FORMAT = "%Y-%m-%d"  # "AAAA-MM-JJ"
#: "L'écart entre la date de début et de fin est trop important ou invalide".
PERIOD_REFUSED = 80
#: Seconds the platform may take to send one getCDR reply, counting only the time spent
#: waiting for it: up to ``MAX_CDR_BYTES`` with the texts takes a while on a slow link.
CDR_DEADLINE = 20 * 60.0

#: Called with each period's first and last day once all its rows have been yielded.
PeriodDone = Callable[[date, date], None]


@dataclass(frozen=True)
class CdrQuery:
    """What getCDR is asked, dates apart. ``None`` leaves an option out of the request."""

    channel: str | None = None
    campaign_id: str | None = None
    campaign_only: bool | None = None
    api_only: bool | None = None
    show_content: bool | None = None

    def checked(self) -> CdrQuery:
        """The query with its values checked (``InputError`` naming the field otherwise)."""
        return CdrQuery(
            channel=None if self.channel is None else choice("channel", self.channel, CDR_CHANNELS),
            campaign_id=(
                None if self.campaign_id is None else numeric_id("campaign_id", self.campaign_id)
            ),
            campaign_only=self.campaign_only,
            api_only=self.api_only,
            show_content=self.show_content,
        )


class _PeriodRefused(Exception):
    """Code 80 for one period (always before any of its rows)."""

    def __init__(self, reply: Reply) -> None:
        self.reply = reply


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _check_period(start: date, stop: date) -> None:
    if stop < start:
        raise InputError("stop", "the stop date is before the start date")


class TrackingMixin:
    _core: EcampaignCore

    async def iter_cdr(
        self,
        start: date,
        stop: date,
        *,
        channel: str | None = None,
        campaign: str | None = None,
        campaigns_only: bool = False,
        api_only: bool = False,
        content: bool = False,
        on_period: PeriodDone | None = None,
    ) -> AsyncIterator[CdrRow]:
        """Every message and campaign sent from ``start`` to ``stop`` (dates, both included).

        Yields ``CdrRecord`` (one message: its number in E.164, ``status_code`` with ``state``
        and ``status_meaning``) and ``CdrCampaign`` rows as the replies are parsed, never
        holding a reply whole. ``campaign``: the messages of that campaign (its drill-down;
        their channel is ``channel``, the reply has none). ``campaigns_only``: campaigns, no
        single messages; ``api_only``: sends made through the web services; ``content``: the
        texts (larger, slower replies). ``on_period(first, last)`` is called after each period
        read whole (it must not raise): a caller may show progress, or resume after an error
        from the day after the last period done.

        Raised by the first step, before any request: ``InputError`` for a wrong argument.
        Later: ``ProviderError`` for a refusal (82: campaign not found; 80 for a single day) or
        an unreadable reply. Leave early with ``contextlib.aclosing`` to close the reply at once.
        """
        _check_period(start, stop)
        query = CdrQuery(
            channel=channel,
            campaign_id=campaign,
            campaign_only=True if campaigns_only else None,
            api_only=True if api_only else None,
            show_content=True if content else None,
        ).checked()
        longest: int | None = None  # days per request, once the platform refused more
        first = start
        while first <= stop:
            days = (stop - first).days + 1
            if longest is not None:
                days = min(days, longest)
            last = first + timedelta(days=days - 1)
            try:
                async with aclosing(self._period(query, first, last)) as period:
                    async for rows in period:
                        for row in rows:
                            yield row
            except _PeriodRefused as refused:
                if days == 1:
                    raise self._core.refusal(refused.reply) from None
                longest = (days + 1) // 2
                continue
            if on_period is not None:
                on_period(first, last)
            first = last + timedelta(days=1)

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
        """Messages and campaigns sent between ``start`` and ``stop`` (dates, inclusive), in
        one request: code 80 (period too long) is an error here; ``iter_cdr`` splits instead.

        With ``campaign_id``: the messages of that campaign. ``show_content`` adds the texts
        (slower, larger replies).
        """
        _check_period(start, stop)
        query = CdrQuery(channel, campaign_id, campaign_only, api_only, show_content).checked()
        messages: list[CdrRecord] = []
        campaigns: list[CdrCampaign] = []
        try:
            async with aclosing(self._period(query, start, stop)) as period:
                async for rows in period:
                    for row in rows:
                        if isinstance(row, CdrRecord):
                            messages.append(row)
                        else:
                            campaigns.append(row)
        except _PeriodRefused as refused:
            raise self._core.refusal(refused.reply) from None
        return CdrReport(messages=tuple(messages), campaigns=tuple(campaigns))

    # -- one period ---------------------------------------------------------------------------
    def _cdr_request(self, query: CdrQuery, start: date, stop: date) -> bytes:
        root = self._core.envelope()
        body = el(el(root, "tracking"), "getCDR")
        el(body, "startdate", start.strftime(DATE_FORMAT))
        el(body, "stopdate", stop.strftime(DATE_FORMAT))
        if query.channel is not None:
            el(body, "channel", query.channel)
        if query.campaign_only is not None:
            el(body, "campaignonly", _bool(query.campaign_only))
        if query.api_only is not None:
            el(body, "apionly", _bool(query.api_only))
        if query.campaign_id is not None:
            el(body, "campaignid", query.campaign_id)
        if query.show_content is not None:
            el(body, "showcontent", _bool(query.show_content))
        return urllib.parse.urlencode({"xml": to_bytes(root, "UTF-8")}).encode("ascii")

    async def _period(
        self, query: CdrQuery, start: date, stop: date
    ) -> AsyncGenerator[list[CdrRow], None]:
        """The rows of one getCDR request, a chunk's worth at a time; ``_PeriodRefused`` on
        code 80, before any row."""
        core = self._core
        async with open_stream(
            core.client,
            KIND,
            "POST",
            core.url("/tracking/getCDR"),
            content=self._cdr_request(query, start, stop),
            headers={"Content-Type": FORM_CONTENT_TYPE},
            deadline=CDR_DEADLINE,
            max_bytes=MAX_CDR_BYTES,
        ) as reply:
            if not 200 <= reply.status_code < 300:
                # A redirect or a 4xx says why in its status (``read_reply``'s errors), unless
                # its body is an eCampaign reply with a code of its own.
                answer = core.read_reply(await reply.read(), sends=False)
                _check_code(core, answer)
                if answer.code == OK:
                    raise core.bad_reply(f"return code 0 with HTTP {reply.status_code}")
                return
            reader = CdrReader(query.channel)
            async with aclosing(reply.chunks()) as chunks:
                async for chunk in chunks:
                    rows = self._feed(reader, reply, chunk)
                    if reader.code is not None and reader.code != OK:
                        break
                    if rows:
                        yield rows
                    await asyncio.sleep(0)  # a reply arriving at once must not starve the loop
                else:
                    rows = self._feed(reader, reply, None)
                    if rows:
                        yield rows
        if reader.code != OK:
            _check_code(core, Reply(reader.code or 0, reader.message, etree.Element("ecampaign")))

    def _feed(self, reader: CdrReader, reply: StreamedReply, chunk: bytes | None) -> list[CdrRow]:
        try:
            return reader.close() if chunk is None else reader.feed(chunk)
        except XmlRefused as exc:
            original = self._core.scrub(reply.head.decode("utf-8", errors="replace"))[:300]
            raise ProviderError(KIND, "BAD_REPLY", f"unreadable reply ({exc})", original) from None

    # -- mail events --------------------------------------------------------------------------
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


def _check_code(core: EcampaignCore, reply: Reply) -> None:
    """Nothing for 0 and 81 (no result); ``_PeriodRefused`` for 80; the refusal otherwise."""
    if reply.code in (OK, NO_RESULT):
        return
    if reply.code == PERIOD_REFUSED:
        raise _PeriodRefused(reply)
    raise core.refusal(reply)
