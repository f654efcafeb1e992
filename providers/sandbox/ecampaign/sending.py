"""sendSMS, sendVoice, sendMail and sendFAX: checks in the platform's order, credits, CDR, and
the delivery states to come (see the package docstring for the rules)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import phonenumbers
from lxml import etree

from providers.sandbox.ecampaign.protocol import (
    Call,
    EcError,
    credits_text,
    document,
    fmt,
    parse_id,
    parse_local,
    reply,
    text_of,
)
from providers.sandbox.ecampaign.state import (
    BlacklistEntry,
    CampaignRec,
    EcampaignState,
    InboundSms,
    MailEventRec,
    MessageRec,
    RouteAccount,
    TemplateRec,
)
from providers.sandbox.ecampaign.targets import Target, resolve
from providers.sandbox.gsm import sms_parts
from providers.xml import sub

SEND_TAGS = {"sms": "sendSMS", "voice": "sendVoice", "mail": "sendMail", "fax": "sendFAX"}

# Parameter table: "EXPEDITEUR_SMS ... Nom d'expéditeur SMS (11 caractères alphanumériques
# max)": letters and digits, no space; code 16 is the annex's one sender-name refusal.
SENDER_PATTERN = re.compile(r"^[A-Za-z0-9]{1,11}$")
CLICK_URL = "https://www.example.com/offre"


def delivery_plan(channel: str, target: Target, template: TemplateRec | None) -> list[int]:
    """The states a message goes through, decided by its number or address alone."""
    if channel == "mail":
        return [54, 50] if "bounce" in target.mail.split("@")[0].lower() else [54, 56]
    number = target.number
    if channel == "voice":
        if number.endswith("00"):
            return [1, 40]
        last = int(number[-1])
        if last <= 4:
            return [1, 11]
        if last <= 7 and template is not None and template.responder:
            return [1, 13]
        return [1, 42]
    if number.endswith("00"):
        return [1, 60] if channel == "fax" else [1, 8]
    if number.endswith("99") and channel != "fax":
        return [1, 2]  # stays waiting on the network: never final
    return [1, 4]


@dataclass
class Content:
    sender: str
    text: str = ""
    subject: str = ""
    template: TemplateRec | None = None
    unit_credits: Decimal = Decimal(1)


def _route(state: EcampaignState, body: etree._Element, channel: str) -> RouteAccount:
    raw = text_of(body, "route")
    if not raw:
        raise EcError(1, "no route")
    route_id = parse_id(raw)
    route = state.routes.get(route_id) if route_id is not None else None
    if route is None or route.channel != channel:
        raise EcError(19)
    return route


def _template(state: EcampaignState, body: etree._Element, kind: str) -> TemplateRec | None:
    raw = text_of(body, "templateID")
    if not raw:
        return None
    template_id = parse_id(raw)
    template = state.templates.get(template_id) if template_id is not None else None
    if template is None or template.foreign or template.type != kind:
        raise EcError(17)
    return template


def _caller_id(state: EcampaignState, body: etree._Element) -> str:
    caller = text_of(body, "callerID")
    if caller and not (caller.isdigit() and 8 <= len(caller) <= 15):
        raise EcError(1, "callerID: international digits without '+'")
    return caller or state.default_caller_id


def _content(state: EcampaignState, body: etree._Element, channel: str) -> Content:
    if channel == "sms":
        sender = text_of(body, "senderID")
        if sender and not state.sender_change_allowed:
            raise EcError(15)
        if sender and not SENDER_PATTERN.match(sender):
            raise EcError(16)
        _caller_id(state, body)
        template = _template(state, body, "sms")
        text = text_of(body, "message") or (template.sms_message if template else "")
        if not text:
            raise EcError(14, "no message")
        segments = sms_parts(text)
        if segments > state.max_sms_segments:
            raise EcError(14, f"{segments} parts")
        return Content(sender or state.default_sender, text, "", template, Decimal(segments))
    if channel == "voice":
        template = _template(state, body, "voice")
        if template is None or not template.recorded:
            raise EcError(17, "voice sends need a recorded voice template")
        credits = Decimal(max(1, template.duration // 60))
        return Content(_caller_id(state, body), "", "", template, credits)
    if channel == "mail":
        template = _template(state, body, "mail")
        reply_to = text_of(body, "replyTo")
        if reply_to and not Target(mail=reply_to).valid():
            raise EcError(1, "replyTo is not an e-mail address")
        text = text_of(body, "message") or (template.mail_message if template else "")
        subject = text_of(body, "subject") or (template.mail_subject if template else "")
        if not text or not subject:
            raise EcError(1, "a mail needs a message and a subject, or a mail template")
        return Content(reply_to or state.default_reply_to, text, subject, template)
    filename = text_of(body, "filename")
    if not filename.lower().endswith(".pdf") or "/" in filename:
        raise EcError(1, "filename: a PDF of the file manager")
    return Content(_caller_id(state, body), filename)


def _start(body: etree._Element, now: datetime) -> datetime:
    raw = text_of(body, "sendDate")
    if not raw:
        return now
    when = parse_local(raw)
    if when is None:
        raise EcError(40)
    return max(when, now)  # a date already past means "now"


def _channel_of(channel: str, target: Target) -> str:
    """SMS to a landline is read out by a voice server: the CDR calls it "vsms"."""
    if channel != "sms":
        return channel
    parsed = phonenumbers.parse(f"+{target.code}{target.number}", None)
    fixed = phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE
    return "vsms" if fixed else "sms"


def _reachable(state: EcampaignState, channel: str, target: Target, now: datetime) -> bool:
    if not target.valid():
        return False
    blacklist = "sms" if channel == "vsms" else channel
    return not state.blacklisted(blacklist, now, target.code, target.number, target.mail)


def _follow_ups(state: EcampaignState, message: MessageRec, delay: timedelta) -> None:
    """What recipients do after delivery: numbers ending 77 answer STOP, mails get opened."""
    final_at, final = message.events[-1]
    if message.channel == "sms" and final == 4 and message.phone_number.endswith("77"):
        at = final_at + delay
        state.responses.append(InboundSms(at, message.phone_code, message.phone_number, "STOP"))
        state.blacklist.append(
            BlacklistEntry("sms", at, message.phone_code, message.phone_number, reason="STOP SMS")
        )
    if message.channel == "mail" and final == 56:
        events = [("open", final_at, "")]
        if "click" in message.mail.split("@")[0].lower():
            events.append(("click", final_at + delay, CLICK_URL))
        for kind, at, value in events:
            state.mail_events.append(
                MailEventRec(
                    state.next_id("event"),
                    message.campaign_id,
                    kind,
                    at,
                    message.mail,
                    message.id,
                    value,
                )
            )


def _notify_states(call: Call, message: MessageRec) -> None:
    for at, code in message.events:
        root = etree.Element("ecampaign")
        sub(root, "msgid", message.ref)
        sub(root, "state", str(code))
        sub(root, "timestamp", fmt(at))
        call.notify(document(root), max(0.0, (at - call.now).total_seconds()), None)


def send(call: Call, state: EcampaignState, channel: str) -> etree._Element:
    body = call.root.find(SEND_TAGS[channel])
    if body is None:
        raise EcError(1, f"no <{SEND_TAGS[channel]}>")
    route = _route(state, body, channel)
    start = _start(body, call.now)
    content = _content(state, body, channel)
    group, targets = resolve(state, body.find("recipients"), channel)
    reachable = [_reachable(state, channel, target, call.now) for target in targets]
    needed = content.unit_credits * sum(reachable)
    if needed > route.credits + route.allow_negative:
        raise EcError(11)
    route.credits -= needed

    step = timedelta(seconds=call.delay)
    campaign: CampaignRec | None = None
    if (group is not None or len(targets) > 1) and any(reachable):
        campaign = CampaignRec(
            state.next_id("campaign"),
            channel,
            start,
            content.sender,
            needed,
            [],
            group_id=group.id if group else None,
            template_id=content.template.id if content.template else None,
        )
        state.campaigns[campaign.id] = campaign
    result = reply(12 if not all(reachable) else 0)
    recipients = sub(result, "recipients")
    for target, ok in zip(targets, reachable, strict=True):
        attrs = (
            {"mail": target.mail}
            if channel == "mail"
            else {"code": target.code, "number": target.number}
        )
        destination = sub(recipients, "destination", **attrs)
        sub(destination, "state", "OK" if ok else "KO")
        ref = ""
        if ok:
            plan = delivery_plan(channel, target, content.template)
            message = MessageRec(
                state.next_id("message"),
                _channel_of(channel, target),
                start,
                content.sender,
                content.unit_credits,
                [(start + step * (i + 1), code) for i, code in enumerate(plan)],
                campaign_id=campaign.id if campaign else None,
                member_id=target.member_id,
                phone_code=target.code,
                phone_number=target.number,
                mail=target.mail,
                subject=content.subject,
                content=content.text,
                template_id=content.template.id if content.template else None,
            )
            state.add_message(message)
            if campaign is not None:
                campaign.message_ids.append(message.id)
            _follow_ups(state, message, step)
            _notify_states(call, message)
            ref = message.ref
        sub(destination, "msgid", ref)
        sub(destination, "credits", credits_text(content.unit_credits if ok else Decimal(0)))
        if group is not None:
            sub(destination, "memberID", str(target.member_id or ""))
    return result
