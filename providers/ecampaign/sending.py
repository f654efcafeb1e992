"""sendSMS, sendVoice, sendMail, sendFAX.

Each request is built by one function that also validates it: ``validate_*`` builds and throws
the element away, ``send_*`` builds it and posts it, so what is checked is exactly what is sent.
eCampaign has no test mode: a dry run is this local validation and nothing else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from lxml import etree

from providers.ecampaign.codes import KIND, ROUTE_MISMATCH, ROUTE_OPTIONS, route_mismatch
from providers.ecampaign.core import EcampaignCore, check_xml_text, el
from providers.ecampaign.receipt import send_receipt
from providers.ecampaign.rules import (
    add_recipients,
    caller_id,
    check_group_target,
    email_address,
    email_recipients,
    numeric_id,
    phone_recipients,
    required_text,
    send_date,
    sender_id,
)
from providers.errors import InputError, ProviderError
from providers.models import (
    Channel,
    FaxMessage,
    MailMessage,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)
from providers.prepared import LastPrepared
from providers.text import check_sms_text

DRY_RUN_NOTE = "dry run: checked locally (eCampaign has no test mode); nothing was sent"


@dataclass(frozen=True)
class _Request:
    path: str
    operation: etree._Element
    phones: tuple[tuple[str, str, str], ...] = ()
    mails: tuple[str, ...] = ()
    channel: str = "sms"
    route: tuple[str, str] = ("route", "")  # the option used and its route id
    body: bytes | None = None  # the whole request's form body, when built ahead (``_sealed``)


def _sealed(core: EcampaignCore, planned: _Request) -> _Request:
    """``planned`` with the form body of its whole request (the envelope around the operation).

    Built when a message is validated, which a send does while the previous batch's request is
    out, so that the send of this one has nothing left to build. Without a login or password
    the envelope cannot be built: the request is left as it was, and its send refuses it, as
    it always has, rather than the check.
    """
    try:
        root = core.envelope()
        root.append(planned.operation)
        return replace(planned, body=core.form(root))
    except (InputError, ValueError):
        return planned


def _route(core: EcampaignCore, channel: str) -> tuple[str, str]:
    """(option, route id): the channel's own route option (``voice_route``...) when set, else
    ``route``."""
    own = ROUTE_OPTIONS[channel]
    key = own if core.option(own) else "route"
    value = core.option(key)
    if value is None:
        raise InputError(
            "route",
            f"the account has no eCampaign route id (option '{own}'); set one with porte-voix "
            f"accounts edit {core.account} --set {own}=ID (the Credits list shows the routes)",
        )
    return key, numeric_id(key, value)


def _refuse_set(fields: Sequence[tuple[str, object]], why: str) -> None:
    for name, value in fields:
        if value is not None:
            raise InputError(name, f"not used by eCampaign: {why}")


def _caller(core: EcampaignCore, given: str | None, field: str) -> str | None:
    raw = given or core.option("caller_id")
    return caller_id(raw, field) if raw else None


def _sms_request(core: EcampaignCore, message: SmsMessage) -> _Request:
    _refuse_set(
        [("campaign_id", message.campaign_id), ("request_id", message.request_id)],
        "eCampaign sends carry no campaign reference or duplicate guard",
    )
    op = etree.Element("sendSMS")
    route = _route(core, "sms")
    el(op, "route", route[1])
    sender = message.sender or core.option("sender")
    if sender:
        el(op, "senderID", sender_id(sender))
    caller = _caller(core, message.caller_id, "caller_id")
    if caller:
        el(op, "callerID", caller)
    if message.template_id is not None:
        el(op, "templateID", numeric_id("template_id", message.template_id))
    if message.text.strip() or message.template_id is None:
        check_sms_text(message.text, KIND, route=message.route, long=message.long)
        el(op, "message", check_xml_text("text", message.text))
    if message.schedule is not None:
        el(op, "sendDate", send_date(message.schedule))
    group = check_group_target(message.group) if message.group else None
    phones = phone_recipients(message.recipients, Channel.SMS)
    add_recipients(op, group, phones)
    return _Request("/sendSMS", op, phones, channel="sms", route=route)


def _voice_request(core: EcampaignCore, message: VoiceMessage) -> _Request:
    _refuse_set(
        [
            ("vms_type", message.vms_type),
            ("voice_msg", message.voice_msg),
            ("tts", message.tts),
            ("audio_token", message.audio_token),
            ("speech_rate", message.speech_rate),
        ],
        "an eCampaign call plays its template (template_id)",
    )
    _refuse_set(
        [
            ("email", message.email),
            ("notify_url", message.notify_url),
            ("campaign_id", message.campaign_id),
        ],
        "eCampaign's state callback URL is set on the account by the provider",
    )
    if message.template_id is None:
        raise InputError("template_id", "an eCampaign call needs a voice template")
    op = etree.Element("sendVoice")
    route = _route(core, "voice")
    el(op, "route", route[1])
    el(op, "templateID", numeric_id("template_id", message.template_id))
    caller = _caller(core, message.sender, "sender")
    if caller:
        el(op, "callerID", caller)
    if message.schedule is not None:
        el(op, "sendDate", send_date(message.schedule))
    group = check_group_target(message.group) if message.group else None
    phones = phone_recipients(message.recipients, Channel.VOICE)
    add_recipients(op, group, phones)
    return _Request("/sendVoice", op, phones, channel="voice", route=route)


def _mail_request(core: EcampaignCore, message: MailMessage) -> _Request:
    op = etree.Element("sendMail")
    route = _route(core, "mail")
    el(op, "route", route[1])
    if message.template_id is not None:
        el(op, "templateID", numeric_id("template_id", message.template_id))
    elif not (message.message or "").strip():
        raise InputError("message", "an e-mail needs a message or a template")
    if message.schedule is not None:
        el(op, "sendDate", send_date(message.schedule))
    if message.reply_to:
        el(op, "replyTo", email_address("reply_to", message.reply_to))
    if message.subject:
        el(op, "subject", message.subject, field="subject")
    if message.message:
        el(op, "message", message.message, field="message")
    group = check_group_target(message.group) if message.group else None
    mails = email_recipients(message.recipients)
    add_recipients(op, group, mails=mails)
    return _Request("/sendMail", op, mails=mails, channel="mail", route=route)


def _fax_request(core: EcampaignCore, message: FaxMessage) -> _Request:
    op = etree.Element("sendFAX")
    route = _route(core, "fax")
    el(op, "route", route[1])
    el(op, "filename", required_text("filename", message.filename).strip())
    if message.schedule is not None:
        el(op, "sendDate", send_date(message.schedule))
    caller = _caller(core, message.caller_id, "caller_id")
    if caller:
        el(op, "callerID", caller)
    group = check_group_target(message.group) if message.group else None
    phones = phone_recipients(message.recipients, Channel.FAX)
    add_recipients(op, group, phones)
    return _Request("/sendFAX", op, phones, channel="fax", route=route)


class SendingMixin:
    _core: EcampaignCore
    #: The request the last ``validate_sms`` built, for ``send_sms`` of that very message.
    _prepared: LastPrepared[_Request]

    def validate_sms(self, message: SmsMessage) -> None:
        self._prepared.keep(message, _sealed(self._core, _sms_request(self._core, message)))

    def validate_voice(self, message: VoiceMessage) -> None:
        _voice_request(self._core, message)

    def validate_mail(self, message: MailMessage) -> None:
        _mail_request(self._core, message)

    def validate_fax(self, message: FaxMessage) -> None:
        _fax_request(self._core, message)

    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
        # Checked (and built) already when this very message was validated last.
        planned = self._prepared.take(message) or _sms_request(self._core, message)
        return await self._send(planned, dry_run)

    async def send_voice(self, message: VoiceMessage, *, dry_run: bool = False) -> SendReceipt:
        return await self._send(_voice_request(self._core, message), dry_run)

    async def send_mail(self, message: MailMessage, *, dry_run: bool = False) -> SendReceipt:
        return await self._send(_mail_request(self._core, message), dry_run)

    async def send_fax(self, message: FaxMessage, *, dry_run: bool = False) -> SendReceipt:
        return await self._send(_fax_request(self._core, message), dry_run)

    async def _send(self, planned: _Request, dry_run: bool) -> SendReceipt:
        if dry_run:
            listed = [*(e164 for e164, _, _ in planned.phones), *planned.mails]
            return SendReceipt(
                provider=KIND,
                status=SendStatus.DRY_RUN,
                recipients=tuple(RecipientResult(item, SendStatus.DRY_RUN) for item in listed),
                warnings=(DRY_RUN_NOTE,),
            )
        # Every code goes to send_receipt: a refusal may still list destinations that were sent.
        if planned.body is not None:
            reply = await self._core.exchange_form(planned.path, planned.body, sends=True)
        else:
            root = self._core.envelope()
            root.append(planned.operation)
            reply = await self._core.exchange(planned.path, root, sends=True)
        try:
            return send_receipt(self._core, reply, planned.phones, planned.mails)
        except ProviderError as exc:
            if exc.code != str(ROUTE_MISMATCH):
                raise
            option, route = planned.route
            meaning = route_mismatch(self._core.account, planned.channel, option, route)
            raise ProviderError(KIND, exc.code, meaning, exc.original) from None
