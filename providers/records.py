"""What the providers list, read back as typed records: VoicePartner's audio files, eCampaign's
groups, members, templates, getCDR reports, mail events, blacklists and replies.

They are named from ``providers.models`` as before, and loaded when first named there: the
commands and screens that never list anything (a send, the first screen) do not pay for
fourteen more dataclasses at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from providers.models import DeliveryState


@dataclass(frozen=True)
class AudioFile:
    """A VoicePartner audio file, uploaded on the provider's web platform."""

    token: str
    filename: str
    duration: str | None = None
    created: str | None = None


@dataclass(frozen=True)
class GroupField:
    name: str
    type: str  # mobile, fixe, fax, mail, planif, custom
    unique: bool | None = None


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    created: str | None = None
    locked_structure: bool = False
    locked_content: bool = False
    fields: tuple[GroupField, ...] = ()


@dataclass(frozen=True)
class MemberValue:
    """One field value to write on a member; ``code`` is the dialling code of a phone field."""

    name: str
    value: str
    code: str | None = None


@dataclass(frozen=True)
class Member:
    id: str
    values: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class VoiceTemplateSettings:
    duration: int | None = None  # 60, 120 or 180 seconds
    recorded: bool = False
    interactive: bool = False
    intro: bool = False
    ask_end: bool = False
    responder: bool = False
    responder_custom: bool = False


@dataclass(frozen=True)
class Template:
    id: str
    name: str
    type: str  # sms, voice, mail
    created: str | None = None
    updated: str | None = None
    sms_message: str | None = None
    mail_subject: str | None = None
    mail_message: str | None = None
    voice: VoiceTemplateSettings | None = None
    phone_code: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class TemplateCreated:
    id: str
    phone_number: str | None = None
    phone_code: str | None = None
    reference: str | None = None


@dataclass(frozen=True)
class CdrRecord:  # one message of eCampaign's tracking/getCDR
    id: str
    channel: str | None = None
    date_init: str | None = None
    sender: str | None = None
    from_api: bool | None = None
    credits: Decimal | None = None
    message_ref: str | None = None
    group_member_id: str | None = None
    number: str | None = None  # E.164 when phone_code/phone_number were given
    mail_recipient: str | None = None
    mail_subject: str | None = None
    status_code: str | None = None
    state: DeliveryState = DeliveryState.UNKNOWN
    status_date: str | None = None
    content: str | None = None
    status_meaning: str | None = None  # the annex's meaning of status_code, in English


@dataclass(frozen=True)
class CdrCampaign:
    id: str
    channel: str | None = None
    recipients_count: int | None = None
    date_init: str | None = None
    sender: str | None = None
    from_api: bool | None = None
    credits: Decimal | None = None
    group_id: str | None = None
    template_id: str | None = None


@dataclass(frozen=True)
class CdrReport:
    messages: tuple[CdrRecord, ...] = ()
    campaigns: tuple[CdrCampaign, ...] = ()


@dataclass(frozen=True)
class MailEvent:
    id: str
    type: str | None = None
    date: str | None = None
    mail_recipient: str | None = None
    message_id: str | None = None
    value: str | None = None
    user_agent: str | None = None
    ip: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class BlacklistEntry:
    date: str | None = None
    number: str | None = None  # E.164 for sms/fax
    mail: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class InboundReply:
    date: str | None
    number: str | None
    message: str
