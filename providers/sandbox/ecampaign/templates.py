"""manageTemplate: SMS, mail and voice templates, and the MP3 recordings of voice templates.

pushMP3 never downloads: the URL is checked for syntax (68) and a placeholder recording is
stored. So that clients can meet the other failures, the URL decides them: a host under
``.invalid`` cannot be reached (69), a path containing ``toolarge`` is over 5 MB (70), one not
ending in ``.mp3`` cannot be processed (71), one containing ``toolong`` outlasts the template (72).
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from aiohttp import web
from lxml import etree

from providers.sandbox.ecampaign.demo import placeholder_mp3
from providers.sandbox.ecampaign.protocol import (
    Call,
    EcError,
    bool_text,
    fmt,
    is_http_url,
    is_true,
    parse_id,
    reply,
    text_of,
)
from providers.sandbox.ecampaign.state import VOICE_PARTS, EcampaignState, TemplateRec
from providers.xml import sub

TEMPLATE_TYPES = ("sms", "voice", "mail")
DURATIONS = frozenset({60, 120, 180})
RECORDING_NUMBER = "33199000999"  # where a voice template is recorded by telephone


def _lookup(call: Call, state: EcampaignState) -> TemplateRec:
    template_id = parse_id(call.params["id"])
    template = state.templates.get(template_id) if template_id is not None else None
    if template is None:
        raise EcError(65)
    if template.foreign:
        raise EcError(60)
    return template


def _body(call: Call) -> etree._Element:
    # The spec shows <addTemplate> for both creation and modification; accept <modTemplate> too.
    body = call.root.find("manageTemplate/addTemplate")
    if body is None:
        body = call.root.find("manageTemplate/modTemplate")
    if body is None:
        raise EcError(64, "no <addTemplate>")
    return body


def _apply(template: TemplateRec, body: etree._Element, *, creating: bool) -> None:
    """Write the request's settings; unspecified booleans become false, as the spec says."""
    name = body.find("name")
    if name is not None or creating:
        template.name = text_of(body, "name")
        if not template.name:
            raise EcError(64, "no name")
    if template.type == "sms" and (body.find("sms") is not None or creating):
        template.sms_message = text_of(body, "sms/message")
        if not template.sms_message:
            raise EcError(64, "no SMS message")
    if template.type == "mail" and (body.find("mail") is not None or creating):
        template.mail_message = text_of(body, "mail/message")
        template.mail_subject = text_of(body, "mail/subject")
        if not (template.mail_message and template.mail_subject):
            raise EcError(64, "a mail template needs a message and a subject")
    voice = body.find("voice")
    if template.type == "voice" and (voice is not None or creating):
        duration = text_of(voice, "duration") or "60"
        if parse_id(duration) not in DURATIONS:
            raise EcError(64, "duration: 60, 120 or 180")
        template.duration = int(duration)
        template.recorded = is_true(text_of(voice, "recorded"))
        template.interactive = is_true(text_of(voice, "interactive/enable"))
        template.intro = is_true(text_of(voice, "interactive/intro"))
        template.ask_end = is_true(text_of(voice, "interactive/ask_end"))
        template.responder = is_true(text_of(voice, "responder/enable"))
        template.responder_custom = is_true(text_of(voice, "responder/custom"))


def _created(template: TemplateRec) -> etree._Element:
    result = reply()
    sub(result, "templateid", str(template.id))
    if template.type == "voice":
        sub(result, "phonenumber", RECORDING_NUMBER)
        sub(result, "phonecode", template.phone_code)
        sub(result, "reference", template.reference)
    return result


def add_template(call: Call, state: EcampaignState) -> etree._Element:
    body = _body(call)
    kind = text_of(body, "type").lower()
    if kind not in TEMPLATE_TYPES:
        raise EcError(63)
    template = TemplateRec(0, "", kind, call.now, call.now)
    _apply(template, body, creating=True)
    template.id = state.next_id("template")
    state.templates[template.id] = template
    return _created(template)


def mod_template(call: Call, state: EcampaignState) -> etree._Element:
    template = _lookup(call, state)
    body = _body(call)
    kind = text_of(body, "type").lower()
    if kind and kind != template.type:
        raise EcError(64, "a template keeps its type")
    draft = TemplateRec(**vars(template))
    _apply(draft, body, creating=False)  # all or nothing
    draft.updated = call.now
    state.templates[template.id] = draft
    return _created(draft)


def _scheduled(state: EcampaignState, template_id: int, now: datetime) -> bool:
    return any(m.template_id == template_id and m.start > now for m in state.messages.values())


def del_template(call: Call, state: EcampaignState) -> etree._Element:
    template = _lookup(call, state)
    if _scheduled(state, template.id, call.now):
        raise EcError(61)
    if template.protected:
        raise EcError(62)
    del state.templates[template.id]
    return reply()


def get_template(call: Call, state: EcampaignState) -> etree._Element:
    template = _lookup(call, state)
    result = reply()
    sub(result, "type", template.type)
    sub(result, "id", str(template.id))
    sub(result, "create_date", fmt(template.created))
    sub(result, "update_date", fmt(template.updated))
    sub(result, "name", template.name)
    if template.type == "voice":
        sub(result, "phonecode", template.phone_code)
        sub(result, "templatereference", template.reference)
        sub(result, "recorded", bool_text(template.recorded))
        sub(result, "duration", str(template.duration))
        interactive = sub(result, "interactive")
        sub(interactive, "enabled", bool_text(template.interactive))
        sub(interactive, "intro", bool_text(template.intro))
        sub(interactive, "ask_end", bool_text(template.ask_end))
        responder = sub(result, "responder")
        sub(responder, "enabled", bool_text(template.responder))
        sub(responder, "custom", bool_text(template.responder_custom))
    return result


def list_templates(call: Call, state: EcampaignState) -> etree._Element:
    kind = text_of(call.root, "manageTemplate/listTemplates/type").lower() or "all"
    if kind not in (*TEMPLATE_TYPES, "all"):
        raise EcError(63)
    result = reply()
    listing = sub(result, "templates")
    for template in state.templates.values():
        if not template.foreign and kind in ("all", template.type):
            sub(
                listing,
                "template",
                template.name,
                id=str(template.id),
                type=template.type,
                date_create=fmt(template.created),
                date_update=fmt(template.updated),
            )
    return result


def _voice_part(call: Call, state: EcampaignState, tag: str) -> tuple[TemplateRec, str]:
    template = _lookup(call, state)
    if template.type != "voice":
        raise EcError(63)
    part = text_of(call.root, f"manageTemplate/{tag}/messagetype")
    if part not in VOICE_PARTS:
        raise EcError(66)
    return template, part


def push_mp3(call: Call, state: EcampaignState) -> etree._Element:
    template, part = _voice_part(call, state, "pushMP3")
    url = text_of(call.root, "manageTemplate/pushMP3/url")
    if not is_http_url(url):
        raise EcError(68)
    parts = urlsplit(url)
    path = parts.path.lower()
    if (parts.hostname or "").endswith(".invalid"):
        raise EcError(69)
    if "toolarge" in path:
        raise EcError(70)
    if not path.endswith(".mp3"):
        raise EcError(71)
    if "toolong" in path:
        raise EcError(72)
    template.recordings[part] = placeholder_mp3(f"template {template.id} {part}")
    template.recorded = template.recorded or part == "main"
    template.updated = call.now
    return reply()


def get_mp3(call: Call, state: EcampaignState) -> etree._Element | web.Response:
    template, part = _voice_part(call, state, "getMP3")
    audio = template.recordings.get(part)
    if audio is None:
        raise EcError(67)
    return web.Response(body=audio, content_type="audio/mpeg")
