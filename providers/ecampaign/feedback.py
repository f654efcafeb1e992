"""manageFeedback: blacklists (opt-outs) and replies, per channel (sms, fax, mail)."""

from __future__ import annotations

from collections.abc import Iterator

from lxml import etree

from providers.ecampaign.core import EcampaignCore, e164_or_raw, el
from providers.ecampaign.rules import FEEDBACK_CHANNELS, choice, email_address
from providers.errors import InputError
from providers.models import BlacklistEntry, InboundReply
from providers.phone import for_ecampaign, normalise

_ENTRY_TAGS = ("date", "code", "number", "mail", "reason", "message")


def _path(channel: str, operation: str) -> str:
    return f"/manageFeedback/{choice('channel', channel, FEEDBACK_CHANNELS)}/{operation}"


def _records(container: etree._Element, item_tag: str) -> Iterator[dict[str, str]]:
    """Field dictionaries from ``container``.

    The samples show one record per ``<member>`` (blacklist) but a bare sequence of fields in
    ``<responses>``; a bare sequence is cut into records where a field repeats.
    """
    items = container.findall(item_tag)
    if items:
        for item in items:
            yield {
                child.tag: (child.text or "").strip() for child in item if child.tag in _ENTRY_TAGS
            }
        return
    record: dict[str, str] = {}
    for child in container:
        if child.tag not in _ENTRY_TAGS:
            continue
        if child.tag in record:
            yield record
            record = {}
        record[child.tag] = (child.text or "").strip()
    if record:
        yield record


class FeedbackMixin:
    _core: EcampaignCore

    async def get_blacklist(self, channel: str) -> tuple[BlacklistEntry, ...]:
        """Recipients who opted out on ``channel`` (sms, fax or mail)."""
        path = _path(channel, "getBlacklist")
        reply = await self._core.call(path, self._core.envelope(), sends=False)
        entries = []
        for container in reply.root.iterfind("blacklist"):
            for record in _records(container, "member"):
                entries.append(
                    BlacklistEntry(
                        date=record.get("date") or None,
                        number=e164_or_raw(record.get("code"), record.get("number")),
                        mail=record.get("mail") or None,
                        reason=record.get("reason") or None,
                    )
                )
        return tuple(entries)

    async def del_blacklist_member(self, channel: str, recipient: str) -> None:
        """Take a number (sms, fax: any form, French by default) or an address (mail) off the
        blacklist, so that it receives messages again."""
        path = _path(channel, "delBlacklistMember")
        root = self._core.envelope()
        target = el(root, "delBlacklistMember")
        if channel == "mail":
            el(target, "mail", email_address("recipient", recipient))
        else:
            if "@" in recipient:
                raise InputError("recipient", f"the {channel} blacklist holds phone numbers")
            code, national = for_ecampaign(normalise(recipient, field="recipient"))
            el(target, "code", code)
            el(target, "number", national)
        await self._core.call(path, root, sends=True)

    async def get_responses(self, channel: str) -> tuple[InboundReply, ...]:
        """Replies received on ``channel`` (sms, fax or mail)."""
        path = _path(channel, "getResponses")
        reply = await self._core.call(path, self._core.envelope(), sends=False)
        responses = []
        for container in reply.root.iterfind("responses"):
            for record in _records(container, "response"):
                responses.append(
                    InboundReply(
                        date=record.get("date") or None,
                        number=e164_or_raw(record.get("code"), record.get("number")),
                        message=record.get("message", ""),
                    )
                )
        return tuple(responses)
