"""The eCampaign sandbox: a stateful simulator of the whole web-service suite (spec 3.39).

Every request is a POST whose form field ``xml`` holds an ``<ecampaign>`` document (UTF-8), read
with the hardened parser: malformed or hostile XML (a DOCTYPE, entities) is code 2, a missing
field code 1, a wrong login code 3 (``<md5>true</md5>`` means the password is the MD5 hex of the
secret). Replies are the spec's shapes, HTTP 200, with the annex's text as ``<message>``; the
getCDR and getMailEvents samples, which are not well-formed, are answered as
``<message id=".." channel="..">`` / ``<event id=".." type="..">`` elements.

The demo account (``demo_state``): routes 1 "SMS Premium" (SMS, 500 credits), 2 "Voice" (200),
3 "Mail" (1000), 4 "FAX" (50); group 1 "Clients Paris" (fields nom, prenom, mobile [unique],
fixe, email, ville; five members), group 2 "Prospects Lyon", group 3 belonging to another account
(code 21); templates 1 SMS, 2 recorded voice (MP3 "main"), 3 mail, 4 voice not yet recorded,
5 kept by the platform (code 62 on deletion), 6 another account's (code 60); some web-interface
history (``from_api`` false), blacklist entries and inbound SMS.

Sends, in the order the checks run: route (missing 1, unknown or other channel 19), sendDate
(``AAAA-MM-JJ HH:MM:SS`` Paris time only, else 40; a past date means now), content (SMS: sender
1–11 letters or digits, no space, else 16, 15 when the account forbids sender changes, text or
SMS template else 14, at most ``max_sms_segments`` network parts (``providers.sandbox.gsm``)
else 14; voice: a recorded voice template else 17; mail: message and subject or a mail
template; fax: a ``.pdf`` file name), recipients (none 13; groups 27/21; ``groupFields`` 26 when
a field is unknown or does not suit the channel, or when none is given and the group has no
field that suits it; filters 41/42), then credits for the reachable destinations (11, nothing
sent). A destination that is invalid (its number with a trunk 0, an unallocated range, a bad
address) or blacklisted is ``KO`` and costs nothing; the reply code is then 12 while the other
destinations are sent. A send to a group or to several destinations makes a CDR campaign,
otherwise a unit message. Credits per message: SMS one per part, voice one per started minute of
the template's duration, mail and fax one.

Delivery, decided by the recipient alone (number or address), each state ``delay`` seconds after
the previous one (the callback delay, from the send date), each POSTed to the callback URL as
``<ecampaign><msgid/><state/><timestamp/></ecampaign>`` and shown by getCDR once its time came:

* SMS and fax: 1 then 4; numbers ending 00: 1 then 8 (fax: 60); SMS to numbers ending 99:
  1 then 2, never final. SMS to numbers ending 77 are answered "STOP" one step after delivery,
  which blacklists the number. SMS to a landline appear in the CDR as channel ``vsms``.
* Voice: 1 then: numbers ending 00 → 40 (out of service); last digit 0–4 → 11 (answered); 5–7 →
  13 (voicemail) when the template drops on answering machines, else 42; 8–9 → 42 (not answered).
* Mail: 54 then 56, or 50 when the local part contains "bounce"; a delivered mail is opened
  (getMailEvents "open"), and clicked one step later when the local part contains "click".

HLR (GET): mobiles → status 0, error 0, MCC 208 with an operator chosen by the last digit
(ending 9: ported); numbers ending 00 or unallocated → error 1; ending 02 → error 2 (absent);
landlines → status 3, error 5.

importMembers answers 0, then (after the callback delay) fetches the XML file, imports each
member as addMember would and posts the ``importFromXml`` report to the callbackUrl
(``imports``); it fetches from and reports to loopback addresses only.

Limitations: pushMP3 downloads nothing: it checks the URL's syntax (68) and stores a
placeholder recording (URL rules for 69–72 in ``templates``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from typing import Any

from aiohttp import web
from lxml import etree

from providers.sandbox.common import SandboxBase
from providers.sandbox.ecampaign import account, groups, templates, tracking
from providers.sandbox.ecampaign.demo import demo_state, placeholder_mp3
from providers.sandbox.ecampaign.protocol import (
    MESSAGES,
    Call,
    EcError,
    check_login,
    read_request,
    reply,
    xml_response,
)
from providers.sandbox.ecampaign.sending import SEND_TAGS, delivery_plan, send
from providers.sandbox.ecampaign.state import EcampaignState, utcnow

__all__ = [
    "MESSAGES",
    "EcampaignSandbox",
    "EcampaignState",
    "delivery_plan",
    "demo_state",
    "placeholder_mp3",
]

log = logging.getLogger(__name__)

Handler = Callable[[Call, EcampaignState], "etree._Element | web.Response"]

GROUP_ACTIONS: dict[str, Handler] = {
    "getGroup": groups.get_group,
    "modGroup": groups.mod_group,
    "delGroup": groups.del_group,
    "addMember": groups.add_member,
    "modMember": groups.mod_member,
    "getMember": groups.get_member,
    "delMember": groups.del_member,
    "addTags": groups.add_tags,
    "delTags": groups.del_tags,
    "importMembers": groups.import_members,
    "emptyGroup": groups.empty_group,
}
TEMPLATE_ACTIONS: dict[str, Handler] = {
    "get": templates.get_template,
    "mod": templates.mod_template,
    "del": templates.del_template,
    "getMP3": templates.get_mp3,
    "pushMP3": templates.push_mp3,
}
FEEDBACK_ACTIONS: dict[str, Handler] = {
    "getBlacklist": account.get_blacklist,
    "delBlacklistMember": account.del_blacklist_member,
    "getResponses": account.get_responses,
}


@dataclass
class EcampaignSandbox(SandboxBase):
    name: str = "ecampaign"
    state: EcampaignState = field(default_factory=demo_state)
    #: The sandbox's idea of now (UTC); tests may move it to watch deliveries progress.
    clock: Callable[[], datetime] = utcnow

    def add_routes(self, app: web.Application) -> None:
        post = app.router.add_post
        for channel, tag in SEND_TAGS.items():
            post(f"/{tag}", self._endpoint(partial(send, channel=channel)))
        post("/manageGroup/addGroup", self._endpoint(groups.add_group))
        post("/manageGroup/listGroups", self._endpoint(groups.list_groups))
        for action, handler in GROUP_ACTIONS.items():
            post(f"/manageGroup/{{id}}/{action}", self._endpoint(handler))
        post("/manageTemplate/add", self._endpoint(templates.add_template))
        post("/manageTemplate/list", self._endpoint(templates.list_templates))
        for action, handler in TEMPLATE_ACTIONS.items():
            post(f"/manageTemplate/{{id}}/{action}", self._endpoint(handler))
        post("/manageCredit/getCredit", self._endpoint(account.get_credit))
        for action, handler in FEEDBACK_ACTIONS.items():
            post(f"/manageFeedback/{{channel}}/{action}", self._endpoint(handler))
        post("/tracking/getCDR", self._endpoint(tracking.get_cdr))
        post("/tracking/{id}/getMailEvents", self._endpoint(tracking.get_mail_events))
        app.router.add_get("/numberInfo/HLRlookup", self._hlr_lookup)

    def set_balance(self, amount: Decimal) -> Decimal:
        """The credits of every route (SMS, voice, mail, fax) alike."""
        for route in self.state.routes.values():
            route.credits = amount
        return amount

    def _notify(self, xml: str, delay: float, url: str | None) -> None:
        self.schedule_callback("POST", data={"xml": xml}, url=url, delay=delay)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` after the answer, cancelled with the sandbox (like its callbacks)."""

        async def guarded() -> None:
            try:
                await work
            except Exception:  # the sandbox's own bug: logged, never a crash of the demo
                log.exception("ecampaign sandbox: background work failed")

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _endpoint(self, handler: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def serve(request: web.Request) -> web.Response:
            try:
                root = await read_request(request)
                check_login(root, self.state.login, self.state.secret)
                if not self.state.api_enabled:
                    raise EcError(4)
                call = Call(
                    root,
                    self.clock(),
                    request.match_info,
                    self.callbacks.delay,
                    self._notify,
                    self._spawn,
                )
                result = handler(call, self.state)
            except EcError as exc:
                log.debug("ecampaign sandbox: %s %s", request.path, exc)
                result = reply(exc.code)
            return result if isinstance(result, web.Response) else xml_response(result)

        return serve

    async def _hlr_lookup(self, request: web.Request) -> web.Response:
        try:
            result = account.hlr_lookup(request, self.state)
        except EcError as exc:
            result = reply(exc.code)
        return xml_response(result)
