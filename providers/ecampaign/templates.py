"""manageTemplate: SMS, e-mail and voice templates, and the MP3 recordings of voice templates.

The document gives one request body, ``<addTemplate>``, for both creation (``/add``) and
modification (``/ID/mod``): only the URL differs, so both are built by the same function. It
also says that booleans left out are stored as false, so a modification always sends every
voice flag (a partial update would silently switch the others off).
"""

from __future__ import annotations

from lxml import etree

from providers.ecampaign.codes import KIND
from providers.ecampaign.core import EcampaignCore, attr, el, text, to_bool, to_int
from providers.ecampaign.rules import (
    MP3_MESSAGE_TYPES,
    TEMPLATE_TYPES,
    choice,
    http_url,
    numeric_id,
)
from providers.errors import InputError, ProviderError
from providers.models import Template, TemplateCreated, VoiceTemplateSettings

VOICE_DURATIONS = (60, 120, 180)
LIST_TYPES = (*TEMPLATE_TYPES, "all")


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _path(template_id: str | int, operation: str) -> str:
    return f"/manageTemplate/{numeric_id('template_id', template_id)}/{operation}"


def _template_body(
    parent: etree._Element,
    name: str,
    type: str,
    sms_message: str | None,
    mail_subject: str | None,
    mail_message: str | None,
    voice: VoiceTemplateSettings | None,
) -> None:
    kind = choice("type", type, TEMPLATE_TYPES)
    if not name.strip():
        raise InputError("name", "a template needs a name")
    body = el(parent, "addTemplate")
    el(body, "name", name.strip(), field="name")
    el(body, "type", kind)
    if kind == "sms":
        if not (sms_message or "").strip():
            raise InputError("sms_message", "an SMS template needs a message")
        el(el(body, "sms"), "message", sms_message, field="sms_message")
    elif kind == "mail":
        if not (mail_message or "").strip():
            raise InputError("mail_message", "an e-mail template needs a message")
        mail = el(body, "mail")
        el(mail, "message", mail_message, field="mail_message")
        if mail_subject is not None:
            el(mail, "subject", mail_subject, field="mail_subject")
    else:
        settings = voice or VoiceTemplateSettings()
        node = el(body, "voice")
        if settings.duration is not None:
            if settings.duration not in VOICE_DURATIONS:
                raise InputError("duration", "a voice template lasts 60, 120 or 180 seconds")
            el(node, "duration", str(settings.duration))
        el(node, "recorded", _bool(settings.recorded))
        interactive = el(node, "interactive")
        el(interactive, "enable", _bool(settings.interactive))
        el(interactive, "intro", _bool(settings.intro))
        el(interactive, "ask_end", _bool(settings.ask_end))
        responder = el(node, "responder")
        el(responder, "enable", _bool(settings.responder))
        el(responder, "custom", _bool(settings.responder_custom))
    if kind != "sms" and sms_message is not None:
        raise InputError("sms_message", f"a {kind} template has no SMS message")
    if kind != "mail" and (mail_message is not None or mail_subject is not None):
        raise InputError("mail_message", f"a {kind} template has no e-mail message")
    if kind != "voice" and voice is not None:
        raise InputError("voice", f"a {kind} template has no voice settings")


def _flag(element: etree._Element, path: str) -> bool:
    return to_bool(text(element, path)) or False


def _template(root: etree._Element, fallback_id: str) -> Template:
    kind = (text(root, "type") or "").lower()
    voice = None
    if kind == "voice":
        voice = VoiceTemplateSettings(
            duration=to_int(text(root, "duration")),
            recorded=_flag(root, "recorded"),
            interactive=_flag(root, "interactive/enabled"),
            intro=_flag(root, "interactive/intro"),
            ask_end=_flag(root, "interactive/ask_end"),
            responder=_flag(root, "responder/enabled"),
            responder_custom=_flag(root, "responder/custom"),
        )
    return Template(
        id=text(root, "id") or fallback_id,
        name=text(root, "name") or "",
        type=kind,
        created=text(root, "create_date"),
        updated=text(root, "update_date"),
        # Not in the documented reply; read when the platform sends them.
        sms_message=text(root, "sms/message"),
        mail_subject=text(root, "mail/subject"),
        mail_message=text(root, "mail/message"),
        voice=voice,
        phone_code=text(root, "phonecode"),
        reference=text(root, "templatereference"),
    )


def _looks_like_mp3(data: bytes) -> bool:
    # An ID3v2 tag, or an MPEG audio frame sync (11 set bits) with a valid layer.
    if data.startswith(b"ID3"):
        return True
    return len(data) >= 2 and data[0] == 0xFF and (data[1] & 0xE0) == 0xE0 and data[1] & 0x06 != 0


class TemplatesMixin:
    _core: EcampaignCore

    def _template_request(self) -> tuple[etree._Element, etree._Element]:
        root = self._core.envelope()
        return root, el(root, "manageTemplate")

    async def list_templates(self, type: str = "all") -> tuple[Template, ...]:
        """Templates of one type (sms, mail, voice) or ``all``."""
        kind = choice("type", type, LIST_TYPES)
        root, manage = self._template_request()
        el(el(manage, "listTemplates"), "type", kind)
        reply = await self._core.call("/manageTemplate/list", root, sends=False)
        return tuple(
            Template(
                id=attr(item, "id") or "",
                name=(item.text or "").strip(),
                type=attr(item, "type") or "",
                created=attr(item, "date_create"),
                updated=attr(item, "date_update"),
            )
            for item in reply.root.iterfind("templates/template")
        )

    async def get_template(self, template_id: str) -> Template:
        path = _path(template_id, "get")
        root, _ = self._template_request()
        reply = await self._core.call(path, root, sends=False)
        return _template(reply.root, str(template_id).strip())

    async def add_template(
        self,
        name: str,
        type: str,
        *,
        sms_message: str | None = None,
        mail_subject: str | None = None,
        mail_message: str | None = None,
        voice: VoiceTemplateSettings | None = None,
    ) -> TemplateCreated:
        """Create a template. A voice template comes back with the number and code to call to
        record its messages (or upload MP3s with ``push_mp3``)."""
        root, manage = self._template_request()
        _template_body(manage, name, type, sms_message, mail_subject, mail_message, voice)
        reply = await self._core.call("/manageTemplate/add", root, sends=True)
        template_id = text(reply.root, "templateid")
        if template_id is None:
            raise self._core.bad_reply("the template was created but its id is missing", sends=True)
        return TemplateCreated(
            id=template_id,
            phone_number=text(reply.root, "phonenumber"),
            phone_code=text(reply.root, "phonecode"),
            reference=text(reply.root, "reference"),
        )

    async def mod_template(
        self,
        template_id: str,
        name: str,
        type: str,
        *,
        sms_message: str | None = None,
        mail_subject: str | None = None,
        mail_message: str | None = None,
        voice: VoiceTemplateSettings | None = None,
    ) -> None:
        """Replace a template's definition (unspecified voice flags are stored as false)."""
        path = _path(template_id, "mod")
        root, manage = self._template_request()
        _template_body(manage, name, type, sms_message, mail_subject, mail_message, voice)
        await self._core.call(path, root, sends=True)

    async def del_template(self, template_id: str) -> None:
        path = _path(template_id, "del")
        root, _ = self._template_request()
        await self._core.call(path, root, sends=True)

    async def push_mp3(self, template_id: str, message_type: str, url: str) -> None:
        """Have eCampaign fetch the MP3 at ``url`` (5 MB at most) into a voice template."""
        path = _path(template_id, "pushMP3")
        root, manage = self._template_request()
        push = el(manage, "pushMP3")
        el(push, "messagetype", choice("message_type", message_type, MP3_MESSAGE_TYPES))
        el(push, "url", http_url("url", url))
        await self._core.call(path, root, sends=True)

    async def get_mp3(self, template_id: str, message_type: str) -> bytes:
        """The recording as MP3 bytes.

        The reply is the audio itself or an XML error; the content type is not trusted to tell
        them apart (servers label either one loosely), the bytes are.
        """
        path = _path(template_id, "getMP3")
        root, manage = self._template_request()
        get = el(manage, "getMP3")
        el(get, "messagetype", choice("message_type", message_type, MP3_MESSAGE_TYPES))
        response = await self._core.post(path, root, sends=False)
        data = response.content
        if response.is_success and _looks_like_mp3(data):
            return data
        head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        if head == b"<" or not response.is_success:
            reply = self._core.read_reply(response, sends=False)
            if reply.code != 0:
                raise self._core.refusal(reply)
        raise ProviderError(
            KIND,
            "BAD_REPLY",
            f"the reply is neither an MP3 recording nor an eCampaign error ({len(data)} bytes)",
        )
