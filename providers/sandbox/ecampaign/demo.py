"""The demo account: routes with credits, a group of Paris customers, templates, some history."""

from __future__ import annotations

import struct
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from datetime import datetime, timedelta
from decimal import Decimal

from providers.sandbox.ecampaign.state import (
    BlacklistEntry,
    CampaignRec,
    EcampaignState,
    FieldDef,
    GroupRec,
    InboundSms,
    MailEventRec,
    MemberRec,
    MessageRec,
    RouteAccount,
    TemplateRec,
    utcnow,
)

# MPEG-1 Layer III, 128 kbit/s, 44.1 kHz, joint stereo: 417-byte frames. Silent, not a recording.
_FRAME_HEADER = bytes((0xFF, 0xFB, 0x90, 0x64))
_FRAME_LENGTH = 417


def placeholder_mp3(label: str, frames: int = 3) -> bytes:
    """A tiny file that looks like an MP3 (ID3v2.3 title + frame headers); never real audio."""
    title = b"\x00" + label.encode("ascii", "replace")[:120]
    tit2 = b"TIT2" + struct.pack(">I", len(title)) + b"\x00\x00" + title
    size = len(tit2)
    syncsafe = bytes(((size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F))
    tag = b"ID3\x03\x00\x00" + syncsafe + tit2
    frame = _FRAME_HEADER + bytes(_FRAME_LENGTH - len(_FRAME_HEADER))
    return tag + frame * frames


_PARIS_MEMBERS = (
    # nom, prénom, mobile, fixe, e-mail, ville
    ("Martin", "Claire", "612345601", "", "claire.martin@example.fr", "Paris"),
    ("Bernard", "Hugo", "612345602", "145000002", "hugo.bernard@example.fr", "Paris 11e"),
    ("Petit", "Léa", "612345603", "", "lea.petit.click@example.fr", "Boulogne-Billancourt"),
    ("Moreau", "Louis", "612345604", "", "louis.moreau.bounce@example.fr", ""),
    ("Lefèvre", "Inès", "612345600", "", "ines.lefevre@example.fr", "Paris"),
)


def _paris_group(state: EcampaignState, now: datetime) -> GroupRec:
    group = GroupRec(
        id=state.next_id("group"),
        name="Clients Paris",
        created=now - timedelta(days=120),
        fields=[
            FieldDef("nom", "custom"),
            FieldDef("prenom", "custom"),
            FieldDef("mobile", "mobile", unique=True),
            FieldDef("fixe", "fixe"),
            FieldDef("email", "mail"),
            FieldDef("ville", "custom"),
        ],
    )
    for nom, prenom, mobile, fixe, email, ville in _PARIS_MEMBERS:
        values = {"nom": nom, "prenom": prenom, "mobile": mobile, "email": email, "ville": ville}
        codes = {"mobile": "33"}
        if fixe:
            values["fixe"] = fixe
            codes["fixe"] = "33"
        member = MemberRec(state.next_id("member"), values, codes)
        group.members[member.id] = member
    return group


#: The demo's big group: enough members to show that the console pages through them.
BIG_GROUP_SIZE = 50_000
_FIRST_NAMES = ("Camille", "Lucas", "Manon", "Hugo", "Chloé", "Nathan", "Jade", "Théo", "Zoé")
_LAST_NAMES = ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand")
_CITIES = ("Paris", "Lyon", "Marseille", "Toulouse", "Nantes", "Lille", "Rennes", "Nice")


class GeneratedMembers(dict[int, MemberRec]):
    """Members made on first use. Every sandbox started (each test, each demo) builds the demo
    account, and 50,000 records take about half a second: most runs never look at them."""

    def __init__(self, first_id: int, count: int) -> None:
        super().__init__()
        self._pending: tuple[int, int] | None = (first_id, count)

    def _fill(self) -> None:
        if self._pending is None:
            return
        first_id, count = self._pending
        self._pending = None
        for index in range(count):
            values = {
                "nom": _LAST_NAMES[index % len(_LAST_NAMES)],
                "prenom": _FIRST_NAMES[index % len(_FIRST_NAMES)],
                "mobile": f"{610_000_000 + index}",
                "ville": _CITIES[(index // 7) % len(_CITIES)],
            }
            super().__setitem__(
                first_id + index, MemberRec(first_id + index, values, {"mobile": "33"})
            )

    # Every way the sandbox reads or changes members fills them first.
    def __contains__(self, key: object) -> bool:
        self._fill()
        return super().__contains__(key)

    def __getitem__(self, key: int) -> MemberRec:
        self._fill()
        return super().__getitem__(key)

    def __setitem__(self, key: int, value: MemberRec) -> None:
        self._fill()
        super().__setitem__(key, value)

    def __delitem__(self, key: int) -> None:
        self._fill()
        super().__delitem__(key)

    def __iter__(self) -> Iterator[int]:
        self._fill()
        return super().__iter__()

    def __len__(self) -> int:
        self._fill()
        return super().__len__()

    def values(self) -> ValuesView[MemberRec]:  # type: ignore[override]
        self._fill()
        return super().values()

    def items(self) -> ItemsView[int, MemberRec]:  # type: ignore[override]
        self._fill()
        return super().items()

    def keys(self) -> KeysView[int]:  # type: ignore[override]
        self._fill()
        return super().keys()

    def clear(self) -> None:
        self._pending = None
        super().clear()


def _big_group(state: EcampaignState, now: datetime) -> GroupRec:
    group = GroupRec(
        id=state.next_id("group"),
        name="Abonnés newsletter",
        created=now - timedelta(days=300),
        fields=[
            FieldDef("nom", "custom"),
            FieldDef("prenom", "custom"),
            FieldDef("mobile", "mobile", unique=True),
            FieldDef("ville", "custom"),
        ],
    )
    first = state.counters["member"] + 1
    state.counters["member"] += BIG_GROUP_SIZE
    group.members = GeneratedMembers(first, BIG_GROUP_SIZE)
    return group


def _groups(state: EcampaignState, now: datetime) -> None:
    paris = _paris_group(state, now)
    lyon = GroupRec(
        id=state.next_id("group"),
        name="Prospects Lyon",
        created=now - timedelta(days=40),
        fields=[FieldDef("mobile", "mobile"), FieldDef("fax", "fax"), FieldDef("ville", "custom")],
        locked_structure=True,
    )
    for mobile, fax in (("698765401", "478000001"), ("698765402", "")):
        member = MemberRec(state.next_id("member"), {"mobile": mobile, "ville": "Lyon"})
        member.codes["mobile"] = "33"
        if fax:
            member.values["fax"], member.codes["fax"] = fax, "33"
        lyon.members[member.id] = member
    other = GroupRec(
        id=state.next_id("group"),
        name="Groupe d'un autre compte",
        created=now - timedelta(days=400),
        fields=[FieldDef("mobile", "mobile")],
        foreign=True,
    )
    for group in (paris, lyon, other, _big_group(state, now)):
        state.groups[group.id] = group


def _templates(state: EcampaignState, now: datetime) -> None:
    at = now - timedelta(days=60)
    voice = TemplateRec(2, "Annonce vocale", "voice", at, at, duration=60, recorded=True)
    voice.interactive = voice.responder = True
    voice.recordings["main"] = placeholder_mp3("template 2 main")
    for template in (
        TemplateRec(
            1,
            "Rappel rendez-vous",
            "sms",
            at,
            at,
            sms_message="Bonjour, votre rendez-vous est confirmé pour demain à 10h.",
        ),
        voice,
        TemplateRec(
            3,
            "Lettre d'information",
            "mail",
            at,
            at,
            mail_subject="Nos nouveautés",
            mail_message="<p>Bonjour,</p><p>Découvrez nos nouveautés du mois.</p>",
        ),
        TemplateRec(4, "Message à enregistrer", "voice", at, at, duration=120),
        TemplateRec(5, "Modèle par défaut", "sms", at, at, sms_message="Message", protected=True),
        TemplateRec(
            6, "Modèle d'un autre compte", "sms", at, at, sms_message="Autre", foreign=True
        ),
    ):
        state.templates[template.id] = template
    state.counters["template"] = max(state.templates)


def _history(state: EcampaignState, now: datetime) -> None:
    """Sends made on the web interface (from_api false) before the sandbox started."""
    paris = state.groups[1]
    start = now - timedelta(days=1, hours=2)
    campaign = CampaignRec(
        state.next_id("campaign"),
        "sms",
        start,
        "PORTEVOIX",
        Decimal(0),
        [],
        from_api=False,
        group_id=paris.id,
    )
    for member, final in zip(list(paris.members.values())[:3], (4, 4, 8), strict=True):
        message = MessageRec(
            state.next_id("message"),
            "sms",
            start,
            "PORTEVOIX",
            Decimal(1),
            [(start + timedelta(seconds=2), 1), (start + timedelta(seconds=9), final)],
            from_api=False,
            campaign_id=campaign.id,
            member_id=member.id,
            phone_code="33",
            phone_number=member.values["mobile"],
            content="Soldes d'hiver : -20 % ce week-end !",
        )
        state.add_message(message)
        campaign.message_ids.append(message.id)
        campaign.credits += message.credits
    state.campaigns[campaign.id] = campaign

    unit_at = now - timedelta(days=3)
    unit = MessageRec(
        state.next_id("message"),
        "sms",
        unit_at,
        "PORTEVOIX",
        Decimal(1),
        [(unit_at + timedelta(seconds=3), 1), (unit_at + timedelta(seconds=12), 4)],
        from_api=False,
        phone_code="33",
        phone_number="612345602",
        content="Votre commande est prête.",
    )
    state.add_message(unit)

    mail_at = now - timedelta(days=2)
    mailing = CampaignRec(
        state.next_id("campaign"),
        "mail",
        mail_at,
        "contact@porte-voix.test",
        Decimal(0),
        [],
        from_api=False,
        group_id=paris.id,
        template_id=3,
    )
    for address in ("claire.martin@example.fr", "lea.petit.click@example.fr"):
        message = MessageRec(
            state.next_id("message"),
            "mail",
            mail_at,
            "contact@porte-voix.test",
            Decimal(1),
            [(mail_at + timedelta(seconds=5), 54), (mail_at + timedelta(hours=1), 56)],
            from_api=False,
            campaign_id=mailing.id,
            mail=address,
            subject="Nos nouveautés",
            template_id=3,
        )
        state.add_message(message)
        mailing.message_ids.append(message.id)
        mailing.credits += message.credits
        state.mail_events.append(
            MailEventRec(
                state.next_id("event"),
                mailing.id,
                "open",
                message.events[-1][0],
                address,
                message.id,
            )
        )
    state.mail_events.append(
        MailEventRec(
            state.next_id("event"),
            mailing.id,
            "click",
            mail_at + timedelta(hours=1, minutes=2),
            "lea.petit.click@example.fr",
            mailing.message_ids[1],
            value="https://www.example.com/nouveautes",
        )
    )
    state.campaigns[mailing.id] = mailing


def demo_state(now: datetime | None = None) -> EcampaignState:
    now = now or utcnow()
    state = EcampaignState()
    for route in (
        RouteAccount(1, "SMS Premium", "SMS", Decimal(500)),
        RouteAccount(2, "Voice", "Voice", Decimal(200)),
        RouteAccount(3, "Mail", "Mail", Decimal(1000)),
        RouteAccount(4, "FAX", "FAX", Decimal(50)),
    ):
        state.routes[route.id] = route
    _groups(state, now)
    _templates(state, now)
    _history(state, now)
    state.blacklist += [
        BlacklistEntry(
            "sms", now - timedelta(days=10), code="33", number="612345699", reason="STOP SMS"
        ),
        BlacklistEntry(
            "mail",
            now - timedelta(days=20),
            mail="ancien.client@example.fr",
            reason="Désinscription",
        ),
        BlacklistEntry(
            "fax",
            now - timedelta(days=30),
            code="33",
            number="145000099",
            reason="Demande du destinataire",
        ),
    ]
    state.responses += [
        InboundSms(now - timedelta(days=10), "33", "612345699", "STOP"),
        InboundSms(now - timedelta(days=1), "33", "612345601", "OK merci, à demain"),
    ]
    return state
