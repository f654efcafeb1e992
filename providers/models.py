"""Typed domain objects shared by every provider.

Numbers are E.164 strings (``+33611223344``) everywhere in this layer; each provider renders
them its own way at the edge (see ``providers.phone``). Datetimes are timezone-aware. Money and
credits are ``Decimal`` so that balances never pick up binary rounding.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # named from here, defined in providers.records (see __getattr__)
    from providers.records import AudioFile as AudioFile
    from providers.records import BlacklistEntry as BlacklistEntry
    from providers.records import CdrCampaign as CdrCampaign
    from providers.records import CdrRecord as CdrRecord
    from providers.records import CdrReport as CdrReport
    from providers.records import Group as Group
    from providers.records import GroupField as GroupField
    from providers.records import InboundReply as InboundReply
    from providers.records import MailEvent as MailEvent
    from providers.records import Member as Member
    from providers.records import MemberValue as MemberValue
    from providers.records import Template as Template
    from providers.records import TemplateCreated as TemplateCreated
    from providers.records import VoiceTemplateSettings as VoiceTemplateSettings
if TYPE_CHECKING:  # named from here, defined in providers.models_ecampaign (see __getattr__)
    from providers.models_ecampaign import FaxMessage as FaxMessage
    from providers.models_ecampaign import ImportReport as ImportReport
    from providers.models_ecampaign import MailMessage as MailMessage


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


# --------------------------------------------------------------------------- send results


class SendStatus(StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    DRY_RUN = "dry-run"


@dataclass(frozen=True, init=False)
class RecipientResult:
    number: str  # E.164, or an e-mail address for eCampaign mail
    status: SendStatus
    message_id: str | None = None
    error: str | None = None
    cost: Decimal | None = None

    def __init__(
        self,
        number: str,
        status: SendStatus,
        message_id: str | None = None,
        error: str | None = None,
        cost: Decimal | None = None,
    ) -> None:
        # One per recipient, 500 a batch: the fields are written in one step, twice as fast as
        # the generated frozen __init__ (an object.__setattr__ per field). The instance is as
        # frozen: assigning an attribute still raises.
        self.__dict__.update(
            number=number, status=status, message_id=message_id, error=error, cost=cost
        )


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


if TYPE_CHECKING:  # at run time, made with ImportReport (see __getattr__)
    CallbackItem: TypeAlias = DeliveryEvent | ImportReport  # what one callback carries


# --------------------------------------------------------------------------- listings' records

#: The records of what the providers list (groups, templates, CDR...), in ``providers.records``
#: and named from here, loaded when first named (``__getattr__``, PEP 562).
_RECORDS = frozenset(
    {
        "AudioFile",
        "BlacklistEntry",
        "CdrCampaign",
        "CdrRecord",
        "CdrReport",
        "Group",
        "GroupField",
        "InboundReply",
        "MailEvent",
        "Member",
        "MemberValue",
        "Template",
        "TemplateCreated",
        "VoiceTemplateSettings",
    }
)


#: What only eCampaign sends or reports (e-mail, fax, its import report), in
#: ``providers.models_ecampaign`` and named from here, loaded when first named: a send of
#: another provider, or the console's first screen, does not pay for their dataclasses.
_ECAMPAIGN = frozenset({"FaxMessage", "ImportReport", "MailMessage"})


def __getattr__(name: str) -> object:
    value: object
    if name in _RECORDS:
        value = getattr(importlib.import_module("providers.records"), name)
    elif name in _ECAMPAIGN:
        value = getattr(importlib.import_module("providers.models_ecampaign"), name)
    elif name == "CallbackItem":  # what one callback carries
        value = DeliveryEvent | importlib.import_module("providers.models_ecampaign").ImportReport
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value  # found directly from now on
    return value
