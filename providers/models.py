"""Typed domain objects shared by every provider.

Numbers are E.164 strings (``+33611223344``) everywhere in this layer; each provider renders
them its own way at the edge (see ``providers.phone``). Datetimes are timezone-aware. Money and
credits are ``Decimal`` so that balances never pick up binary rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Channel(StrEnum):
    SMS = "sms"
    VOICE = "voice"
    MAIL = "mail"
    FAX = "fax"


class Route(StrEnum):
    """SMS route: marketing traffic carries a STOP mention, notification does not."""

    MARKETING = "marketing"
    NOTIFICATION = "notification"


class VmsType(StrEnum):
    """CapitoleMobile voice types."""

    AD = "AD"  # played when the callee answers; landlines and mobiles
    DD = "DD"  # dropped straight into the mobile's voicemail; mobiles only


# --------------------------------------------------------------------------- recipients / targets


@dataclass(frozen=True)
class FilterCriterion:
    """One eCampaign group filter: ``field`` ``operator`` ``value`` (e.g. ville = Paris)."""

    field: str
    operator: str
    value: str = ""


@dataclass(frozen=True)
class GroupTarget:
    """Send to (part of) an eCampaign group rather than to listed numbers."""

    group_id: str
    fields: tuple[str, ...] = ()
    global_operator: str | None = None  # "AND" or "OR"
    criteria: tuple[FilterCriterion, ...] = ()


# --------------------------------------------------------------------------- outgoing messages


@dataclass(frozen=True)
class SmsMessage:
    text: str
    recipients: tuple[str, ...] = ()
    sender: str | None = None
    route: Route = Route.NOTIFICATION
    long: bool = False
    schedule: datetime | None = None
    campaign_id: str | None = None
    # eCampaign only
    template_id: str | None = None
    group: GroupTarget | None = None
    caller_id: str | None = None
    # Octopush duplicate guard: the same request_id is refused (code 120) the second time.
    request_id: str | None = None


@dataclass(frozen=True)
class VoiceMessage:
    recipients: tuple[str, ...] = ()
    # Capitole landline caller, VoicePartner call-back mobile, eCampaign caller id
    sender: str | None = None
    # CapitoleMobile
    vms_type: VmsType | None = None
    voice_msg: str | None = None  # name of a message recorded on the platform
    tts: str | None = None  # text-to-speech (Capitole VMS, VoicePartner tts/send)
    # VoicePartner
    audio_token: str | None = None
    email: str | None = None  # emailForNotification
    lang: str = "fr"
    speech_rate: float | None = None
    notify_url: str | None = None
    # eCampaign
    template_id: str | None = None
    group: GroupTarget | None = None
    # common
    schedule: datetime | None = None
    campaign_id: str | None = None


#: What the send orchestration carries: an SMS or a voice message.
Message = SmsMessage | VoiceMessage


@dataclass(frozen=True)
class MailMessage:
    """eCampaign e-mail."""

    recipients: tuple[str, ...] = ()  # e-mail addresses
    subject: str | None = None
    message: str | None = None
    template_id: str | None = None
    reply_to: str | None = None
    schedule: datetime | None = None
    group: GroupTarget | None = None


@dataclass(frozen=True)
class FaxMessage:
    """eCampaign fax: ``filename`` is a PDF stored in the account's file manager."""

    filename: str
    recipients: tuple[str, ...] = ()
    caller_id: str | None = None
    schedule: datetime | None = None
    group: GroupTarget | None = None


# --------------------------------------------------------------------------- send results


class SendStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    DRY_RUN = "dry-run"


@dataclass(frozen=True)
class RecipientResult:
    number: str  # E.164, or an e-mail address for eCampaign mail
    status: SendStatus
    message_id: str | None = None
    error: str | None = None
    cost: Decimal | None = None


@dataclass(frozen=True)
class SendReceipt:
    provider: str
    status: SendStatus
    recipients: tuple[RecipientResult, ...] = ()
    balance: Decimal | None = None
    cost: Decimal | None = None
    currency: str | None = None
    reference: str | None = None  # provider campaign id / ticket
    warnings: tuple[str, ...] = ()
    echo: str | None = None  # what a dry run echoed back (Capitole xml_test)


# --------------------------------------------------------------------------- account information


@dataclass(frozen=True)
class BalanceLine:
    label: str
    amount: Decimal
    unit: str  # "EUR", "credits", "SMS"...
    route_id: str | None = None
    channel: str | None = None
    expires: str | None = None
    overdraft: Decimal | None = None


@dataclass(frozen=True)
class Balance:
    provider: str
    lines: tuple[BalanceLine, ...]
    as_of: datetime | None = None


@dataclass(frozen=True)
class AudioFile:
    """A VoicePartner audio file, uploaded on the provider's web platform."""

    token: str
    filename: str
    duration: str | None = None
    created: str | None = None


# ---------------------------------------------------------------------- eCampaign groups, templates


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


# --------------------------------------------------------------------------- delivery tracking


class DeliveryState(StrEnum):
    """A small normalised set; the provider's own code always travels alongside."""

    QUEUED = "queued"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    ANSWERED = "answered"
    VOICEMAIL = "voicemail"
    NO_ANSWER = "no-answer"
    BUSY = "busy"
    OPENED = "opened"
    CLICKED = "clicked"
    UNSUBSCRIBED = "unsubscribed"
    REPLY = "reply"
    STOP = "stop"
    UNKNOWN = "unknown"


#: States after which no other delivery state may replace this one.
FINAL_STATES = frozenset(
    {
        DeliveryState.DELIVERED,
        DeliveryState.FAILED,
        DeliveryState.ANSWERED,
        DeliveryState.VOICEMAIL,
        DeliveryState.NO_ANSWER,
        DeliveryState.BUSY,
    }
)


class EventKind(StrEnum):
    DELIVERY = "delivery"  # state of one message
    REPLY = "reply"  # the recipient answered
    STOP = "stop"  # the recipient opted out
    CAMPAIGN = "campaign"  # campaign totals (VoicePartner voicemail drop)


@dataclass(frozen=True)
class DeliveryEvent:
    provider: str
    kind: EventKind
    state: DeliveryState
    provider_code: str = ""
    message_id: str | None = None
    campaign_id: str | None = None
    number: str | None = None
    occurred_at: datetime | None = None
    text: str | None = None  # reply text
    network: str | None = None
    description: str | None = None
    delivered: int | None = None  # campaign totals
    total: int | None = None
    reported_at: datetime | None = None  # the provider's own date when too far ahead (callbacks)


@dataclass(frozen=True)
class ImportReport:
    """eCampaign's importMembers report, by callback. ``state`` is the provider's own."""

    state: str
    imported: int | None
    errors: tuple[str, ...] = ()


CallbackItem = DeliveryEvent | ImportReport  # what one callback carries


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
