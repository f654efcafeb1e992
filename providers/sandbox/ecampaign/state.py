"""What the simulated eCampaign account holds, and the demo account it starts with."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from providers.sandbox.common import SANDBOX_LOGIN, SANDBOX_SECRET

#: Route types as getCredit names them, and the channel each one carries.
ROUTE_CHANNELS = {"SMS": "sms", "Voice": "voice", "Mail": "mail", "FAX": "fax"}
FIELD_TYPES = ("mobile", "fixe", "fax", "mail", "planif", "custom")
PHONE_TYPES = frozenset({"mobile", "fixe", "fax"})
VOICE_PARTS = ("intro", "main", "ask_end", "ask_end_thanks", "responder")


@dataclass
class RouteAccount:
    id: int
    name: str
    type: str  # SMS, Voice, Mail, FAX
    credits: Decimal
    expire: str = "2030-12-31"
    allow_negative: Decimal = Decimal(0)

    @property
    def channel(self) -> str:
        return ROUTE_CHANNELS[self.type]


@dataclass
class FieldDef:
    name: str
    type: str
    unique: bool = False


@dataclass
class MemberRec:
    id: int
    values: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # dialling code of each phone field


@dataclass
class GroupRec:
    id: int
    name: str
    created: datetime
    fields: list[FieldDef]
    members: dict[int, MemberRec] = field(default_factory=dict)
    locked_structure: bool = False
    locked_content: bool = False
    foreign: bool = False  # belongs to another account: code 21

    def field(self, name: str) -> FieldDef | None:
        return next((f for f in self.fields if f.name.lower() == name.strip().lower()), None)


@dataclass
class TemplateRec:
    id: int
    name: str
    type: str  # sms, voice, mail
    created: datetime
    updated: datetime
    sms_message: str = ""
    mail_subject: str = ""
    mail_message: str = ""
    duration: int = 60
    recorded: bool = False
    interactive: bool = False
    intro: bool = False
    ask_end: bool = False
    responder: bool = False
    responder_custom: bool = False
    recordings: dict[str, bytes] = field(default_factory=dict)
    foreign: bool = False  # belongs to another account: code 60
    protected: bool = False  # the platform keeps it: code 62 on deletion

    @property
    def phone_code(self) -> str:
        return f"{(self.id * 7919 + 104729) % 1_000_000:06d}"

    @property
    def reference(self) -> str:
        return f"VOX{self.id:06d}"


@dataclass
class MessageRec:
    id: int
    channel: str  # sms, vsms, voice, mail, fax
    start: datetime  # date_init: when it is (or was) sent
    sender: str
    credits: Decimal
    events: list[tuple[datetime, int]]  # the delivery states to come, in order
    from_api: bool = True
    campaign_id: int | None = None
    member_id: int | None = None
    phone_code: str = ""
    phone_number: str = ""
    mail: str = ""
    subject: str = ""
    content: str = ""
    template_id: int | None = None
    ref: str = ""  # msgid / message_ref, set by EcampaignState.add_message

    def status(self, now: datetime) -> tuple[int, datetime] | None:
        reached = [event for event in self.events if event[0] <= now]
        return (reached[-1][1], reached[-1][0]) if reached else None


@dataclass
class CampaignRec:
    id: int
    channel: str
    start: datetime
    sender: str
    credits: Decimal
    message_ids: list[int]
    from_api: bool = True
    group_id: int | None = None
    template_id: int | None = None


@dataclass
class BlacklistEntry:
    channel: str  # sms, fax, mail
    at: datetime
    code: str = ""
    number: str = ""
    mail: str = ""
    reason: str = ""


@dataclass
class InboundSms:
    at: datetime
    code: str
    number: str
    text: str


@dataclass
class MailEventRec:
    id: int
    campaign_id: int | None
    type: str  # open, click
    at: datetime
    mail: str
    message_id: int
    value: str = ""
    user_agent: str = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
    ip: str = "192.0.2.10"
    lang: str = "fr"


@dataclass
class EcampaignState:
    login: str = SANDBOX_LOGIN
    secret: str = SANDBOX_SECRET
    api_enabled: bool = True  # False: code 4
    sender_change_allowed: bool = True  # False: code 15 on any senderID
    default_sender: str = "PORTEVOIX"
    default_caller_id: str = "33199001234"
    default_reply_to: str = "contact@porte-voix.test"
    max_sms_segments: int = 10
    salt: str = field(default_factory=lambda: secrets.token_hex(8))
    routes: dict[int, RouteAccount] = field(default_factory=dict)
    groups: dict[int, GroupRec] = field(default_factory=dict)
    templates: dict[int, TemplateRec] = field(default_factory=dict)
    messages: dict[int, MessageRec] = field(default_factory=dict)
    campaigns: dict[int, CampaignRec] = field(default_factory=dict)
    blacklist: list[BlacklistEntry] = field(default_factory=list)
    responses: list[InboundSms] = field(default_factory=list)
    mail_events: list[MailEventRec] = field(default_factory=list)
    counters: dict[str, int] = field(
        default_factory=lambda: {
            "group": 0,
            "member": 100,
            "template": 0,
            "message": 700_000,
            "campaign": 5000,
            "event": 0,
        }
    )

    def add_message(self, message: MessageRec) -> MessageRec:
        """Store ``message`` under an alphanumeric reference no other sandbox run has used.

        The salt matters: a receiver keeps the states of earlier demo runs, and would take a
        reused msgid's new states for duplicates of the old ones.
        """
        digest = hashlib.sha1(f"{self.salt}:{message.id}".encode()).hexdigest()
        message.ref = digest[:20]
        self.messages[message.id] = message
        return message

    def next_id(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    def find_member(self, member_id: int) -> tuple[GroupRec, MemberRec] | None:
        for group in self.groups.values():
            if member_id in group.members:
                return group, group.members[member_id]
        return None

    def blacklisted(self, channel: str, now: datetime, code: str, number: str, mail: str) -> bool:
        return any(
            entry.at <= now
            and entry.channel == channel
            and (
                entry.mail.lower() == mail.lower()
                if channel == "mail"
                else (entry.code, entry.number) == (code, number)
            )
            for entry in self.blacklist
        )


def utcnow() -> datetime:
    return datetime.now(UTC)
