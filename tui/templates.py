"""Provider templates (eCampaign's SMS, e-mail and voice models) for the console and the CLI.

The provider layer has one async method per web service; this module says which accounts have
them (``Capability.TEMPLATES``), types them (``TemplateService``) and puts a template into the
words both the Templates screen and ``porte-voix templates`` show. Template names and bodies come
from the provider: every text returned here for a person is made ``visible``.

Two facts of the web service shape the editing rules, both written down in its documentation:
a modification replaces the whole definition (a voice flag left out is stored as false), and
the template's details do not include its SMS or e-mail text. So an edit starts from the
template as read, changes what the operator changed, and sends everything; an SMS or e-mail
edit needs the text typed again when the provider did not return it (``text_needed``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol, cast

from providers.base import Capability, Provider
from providers.models import Template, TemplateCreated, VoiceTemplateSettings
from tui.atomic import replaced_atomically
from tui.errors import visible

TEMPLATE_TYPES = ("sms", "voice", "mail")
TYPE_LABELS = {"sms": "SMS", "voice": "voice", "mail": "e-mail"}
VOICE_DURATIONS = (60, 120, 180)

#: The recordings of a voice template (the service's ``messagetype``) and what each one is.
MP3_PARTS: dict[str, str] = {
    "intro": "introduction, before the main message (1 listens, 3 deletes)",
    "main": "the main message",
    "ask_end": "the closing question (answered with the keys 0 to 9)",
    "ask_end_thanks": "the thanks played after the closing question",
    "responder": "the custom message left on answering machines",
}

#: The voice settings, in the order they are shown, with what each one does.
VOICE_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("interactive", "Interactive", "play the message when a person answers (else hang up)"),
    ("intro", "Introduction", "an introduction lets the person accept or skip the message"),
    ("ask_end", "Closing question", "a question after the message, answered with the keys"),
    ("responder", "Answering machine", "leave the message on answering machines"),
    ("responder_custom", "Custom machine message", "leave the 'responder' recording instead"),
    ("recorded", "Recorded", "the recordings are done (set by the phone recording too)"),
)

#: What code 61 (and 62) mean for the operator, beyond the annex's words.
DELETE_REFUSALS = {
    "61": "a scheduled campaign still uses this template: delete it once that campaign has "
    "left, or cancel the campaign on eCampaign first",
    "62": "eCampaign keeps this template (it cannot be deleted through the API)",
}


class UnsupportedAccount(Exception):
    """The account's provider has no such web service."""


class TemplateService(Protocol):
    """The template web services (``providers.ecampaign.templates``)."""

    async def list_templates(self, type: str = "all") -> tuple[Template, ...]: ...

    async def get_template(self, template_id: str) -> Template: ...

    async def add_template(
        self,
        name: str,
        type: str,
        *,
        sms_message: str | None = None,
        mail_subject: str | None = None,
        mail_message: str | None = None,
        voice: VoiceTemplateSettings | None = None,
    ) -> TemplateCreated: ...

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
    ) -> None: ...

    async def del_template(self, template_id: str) -> None: ...

    async def push_mp3(self, template_id: str, message_type: str, url: str) -> None: ...

    async def get_mp3(self, template_id: str, message_type: str) -> bytes: ...


def template_service(provider: Provider, account: str) -> TemplateService:
    """``provider`` as a ``TemplateService``; ``UnsupportedAccount`` when it has no templates."""
    if not provider.capabilities & Capability.TEMPLATES:
        raise UnsupportedAccount(f"{account}: this provider has no templates (eCampaign has)")
    return cast(TemplateService, provider)


@dataclass(frozen=True)
class TemplateDraft:
    """What a person asks to save: everything the service's ``addTemplate`` body holds."""

    name: str
    type: str
    sms_message: str | None = None
    mail_subject: str | None = None
    mail_message: str | None = None
    voice: VoiceTemplateSettings | None = None

    def fields(self) -> dict[str, Any]:
        """Keyword arguments of ``add_template`` / ``mod_template`` (after name and type)."""
        return {
            "sms_message": self.sms_message,
            "mail_subject": self.mail_subject,
            "mail_message": self.mail_message,
            "voice": self.voice,
        }


def draft_of(template: Template) -> TemplateDraft:
    """The template as read, ready to be changed and sent back whole."""
    voice = None
    if template.type == "voice":
        voice = template.voice or VoiceTemplateSettings()
    return TemplateDraft(
        name=template.name,
        type=template.type,
        sms_message=template.sms_message if template.type == "sms" else None,
        mail_subject=template.mail_subject if template.type == "mail" else None,
        mail_message=template.mail_message if template.type == "mail" else None,
        voice=voice,
    )


def text_needed(template: Template) -> str | None:
    """Why an edit of ``template`` needs its text typed again (None: it does not)."""
    if template.type == "sms" and template.sms_message is None:
        what = "SMS text"
    elif template.type == "mail" and template.mail_message is None:
        what = "e-mail message"
    else:
        return None
    return (
        f"eCampaign does not return a template's {what}, and a modification replaces it: "
        f"give the {what} again"
    )


def changed_voice(settings: VoiceTemplateSettings, **changes: Any) -> VoiceTemplateSettings:
    """``settings`` with the given fields replaced (``None`` values leave a field as it is)."""
    return replace(settings, **{key: value for key, value in changes.items() if value is not None})


def yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def detail_rows(template: Template) -> list[tuple[str, str]]:
    """(label, value) lines describing ``template``, every provider text made visible."""
    rows = [
        ("Id", visible(template.id)),
        ("Name", visible(template.name)),
        ("Type", TYPE_LABELS.get(template.type, visible(template.type))),
        ("Created", visible(template.created or "—")),
        ("Updated", visible(template.updated or "—")),
    ]
    if template.type == "sms":
        rows.append(("SMS text", _body(template.sms_message)))
    elif template.type == "mail":
        rows.append(("Subject", visible(template.mail_subject or "—")))
        rows.append(("Message", _body(template.mail_message)))
    elif template.type == "voice":
        settings = template.voice or VoiceTemplateSettings()
        duration = f"{settings.duration} s" if settings.duration else "—"
        rows.append(("Longest message", duration))
        rows.extend((label, yes_no(getattr(settings, key))) for key, label, _ in VOICE_FLAGS)
        if template.phone_code:
            rows.append(("Phone recording code", visible(template.phone_code)))
        if template.reference:
            rows.append(("Voice reference", visible(template.reference)))
    return rows


def _body(text: str | None) -> str:
    return visible(text) if text is not None else "(not returned by eCampaign)"


def summary(template: Template) -> str:
    """One line: ``#2 voice  Annonce vocale``."""
    kind = TYPE_LABELS.get(template.type, template.type)
    return visible(f"#{template.id} {kind}  {template.name}")


def matches(template: Template, search: str) -> bool:
    """Whether ``search`` (case-insensitive) is in the template's id, name or type."""
    needle = search.strip().casefold()
    if not needle:
        return True
    haystack = f"{template.id} {template.name} {template.type}".casefold()
    return needle in haystack


def as_json(template: Template) -> dict[str, Any]:
    """The template as ``--json`` prints it (every field; absent ones are null)."""
    return asdict(template)


def listed_json(template: Template) -> dict[str, Any]:
    """A template as a listing gives it (the list carries no content or settings)."""
    return {key: getattr(template, key) for key in ("id", "name", "type", "created", "updated")}


def created_json(created: TemplateCreated) -> dict[str, Any]:
    return asdict(created)


def delete_refusal(code: str) -> str | None:
    """What the operator can do about a deletion refused with ``code``."""
    return DELETE_REFUSALS.get(code.strip())


def mp3_part_lines() -> Sequence[str]:
    return [f"{part}: {meaning}" for part, meaning in MP3_PARTS.items()]


def default_mp3_path(template_id: str, part: str, folder: Path | None = None) -> Path:
    folder = folder if folder is not None else Path.cwd()
    return folder / f"template-{template_id}-{part}.mp3"


def save_recording(data: bytes, path: Path, *, overwrite: bool) -> Path:
    """Write ``data`` to ``path`` whole or not at all; returns the absolute path written.

    A partial file could be taken for a recording: the bytes go to a temporary file beside it,
    which then replaces the target in one rename. ``FileExistsError`` when ``path`` exists and
    ``overwrite`` is false.
    """
    target = path.expanduser().absolute()
    if target.is_dir():
        raise IsADirectoryError(f"{target} is a folder: give a file name")
    if target.exists() and not overwrite:
        raise FileExistsError(f"{target} exists already")
    with replaced_atomically(target, prefix=".porte-voix-") as file:
        file.write(data)
    return target
