"""eCampaign sandbox: the four send methods, login and request reading, over real loopback HTTP."""

from __future__ import annotations

import hashlib
import re
import ssl
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest
from lxml import etree

from providers.sandbox.common import SANDBOX_LOGIN, SANDBOX_SECRET, RunningSandbox
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.xml import parse

# One TLS context for the module: building one per client costs ~0.1 s (the CA bundle).
TLS = ssl.create_default_context()


def add(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    child = etree.SubElement(parent, tag, attrs)
    if text is not None:
        child.text = text
    return child


def doc(
    user: str = SANDBOX_LOGIN, password: str = SANDBOX_SECRET, md5: str | None = None
) -> etree._Element:
    root = etree.Element("ecampaign")
    login = add(root, "login")
    add(login, "user", user)
    add(login, "password", password)
    if md5 is not None:
        add(login, "md5", md5)
    return root


class Api:
    def __init__(self, sandbox: EcampaignSandbox, client: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.client = client

    async def raw(self, path: str, xml: str | bytes) -> etree._Element:
        response = await self.client.post(
            path,
            data={"xml": xml} if isinstance(xml, str) else None,
            content=xml if isinstance(xml, bytes) else None,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        return parse(response.content)

    async def post(self, path: str, root: etree._Element) -> etree._Element:
        return await self.raw(
            path, etree.tostring(root, xml_declaration=True, encoding="UTF-8").decode()
        )


def code(reply: etree._Element) -> int:
    return int(reply.findtext("code") or "-1")


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    sandbox = EcampaignSandbox()
    async with (
        RunningSandbox(sandbox) as running,
        httpx.AsyncClient(base_url=running.base_url, trust_env=False, verify=TLS) as client,
    ):
        yield Api(sandbox, client)


def send(
    channel: str = "SMS",
    numbers: tuple[str, ...] = ("612345678",),
    *,
    root: etree._Element | None = None,
    **fields: str,
) -> etree._Element:
    """A send request; ``fields`` become children in order (route first)."""
    root = doc() if root is None else root
    body = add(root, f"send{channel}")
    fields.setdefault("route", {"SMS": "1", "Voice": "2", "Mail": "3", "FAX": "4"}[channel])
    for tag in (
        "route",
        "senderID",
        "callerID",
        "templateID",
        "filename",
        "sendDate",
        "replyTo",
        "subject",
        "message",
    ):
        if tag in fields:
            add(body, tag, fields[tag])
    recipients = add(body, "recipients")
    for number in numbers:
        if channel == "Mail":
            add(add(recipients, "mail"), "mail", number)
        else:
            phone = add(recipients, "phone")
            add(phone, "code", "33")
            add(phone, "number", number)
    return root


def destinations(reply: etree._Element) -> list[etree._Element]:
    return reply.findall("recipients/destination")


# --------------------------------------------------------------------------- SMS: success


async def test_sms_to_one_number_has_the_spec_reply_shape(api: Api) -> None:
    reply = await api.post("/sendSMS", send(message="Bonjour à tous"))
    assert [child.tag for child in reply] == ["code", "message", "recipients"]
    assert code(reply) == 0
    assert reply.findtext("message") == "Opération effectuée avec succès"
    [destination] = destinations(reply)
    assert destination.attrib == {"code": "33", "number": "612345678"}
    assert [child.tag for child in destination] == ["state", "msgid", "credits"]
    assert destination.findtext("state") == "OK"
    assert re.fullmatch(r"[0-9a-f]{20}", destination.findtext("msgid") or "")
    assert destination.findtext("credits") == "1"
    assert api.sandbox.state.routes[1].credits == Decimal(499)
    [message] = [
        m for m in api.sandbox.state.messages.values() if m.ref == destination.findtext("msgid")
    ]
    assert (message.channel, message.content, message.campaign_id) == (
        "sms",
        "Bonjour à tous",
        None,
    )


async def test_md5_login_is_accepted_and_plain_password_with_md5_flag_is_not(api: Api) -> None:
    digest = hashlib.md5(SANDBOX_SECRET.encode()).hexdigest()
    ok = await api.post("/sendSMS", send(root=doc(password=digest, md5="true"), message="x"))
    assert code(ok) == 0
    upper = await api.post(
        "/sendSMS", send(root=doc(password=digest.upper(), md5="true"), message="x")
    )
    assert code(upper) == 0
    assert code(await api.post("/sendSMS", send(root=doc(md5="true"), message="x"))) == 3
    assert code(await api.post("/sendSMS", send(root=doc(password=digest), message="x"))) == 3


@pytest.mark.parametrize(
    ("user", "password"),
    [("demo", "wrong"), ("other", SANDBOX_SECRET), ("", ""), ("Demo", SANDBOX_SECRET)],
)
async def test_wrong_credentials_are_code_3_and_send_nothing(
    api: Api, user: str, password: str
) -> None:
    reply = await api.post("/sendSMS", send(root=doc(user=user, password=password), message="x"))
    assert (code(reply), reply.findtext("message")) == (
        3,
        "Nom d'utilisateur et/ou mot de passe invalides",
    )
    assert reply.find("recipients") is None
    assert api.sandbox.state.routes[1].credits == Decimal(500)


async def test_missing_login_is_code_3(api: Api) -> None:
    assert code(await api.raw("/sendSMS", "<ecampaign><sendSMS/></ecampaign>")) == 3


async def test_account_without_web_services_is_code_4_after_login(api: Api) -> None:
    api.sandbox.state.api_enabled = False
    assert code(await api.post("/sendSMS", send(message="x"))) == 4
    assert code(await api.post("/sendSMS", send(root=doc(password="bad"), message="x"))) == 3


# ------------------------------------------------------------------ hostile and broken requests

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<ecampaign><login><user>demo</user><password>&lol2;</password></login></ecampaign>"""
XXE = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<ecampaign><login><user>&e;</user></login></ecampaign>"""


@pytest.mark.parametrize(
    "xml",
    [BILLION_LAUGHS, XXE, "<ecampaign><login>", "not xml at all", "", "<other><login/></other>"],
    ids=["billion-laughs", "xxe", "unclosed", "text", "empty", "wrong-root"],
)
async def test_hostile_or_malformed_xml_is_code_2_never_a_500(api: Api, xml: str) -> None:
    reply = await api.raw("/sendSMS", xml)
    assert (code(reply), reply.findtext("message")) == (2, "Requête XML malformée ou invalide")
    assert api.sandbox.state.routes[1].credits == Decimal(500)


async def test_body_that_is_not_utf8_is_code_2(api: Api) -> None:
    assert code(await api.raw("/sendSMS", b"xml=%3Cecampaign%3E%FF%FE%3C%2Fecampaign%3E")) == 2


async def test_request_without_the_xml_field_is_code_1(api: Api) -> None:
    assert code(await api.raw("/sendSMS", b"XML=%3Cecampaign%2F%3E")) == 1


# ----------------------------------------------------------------------- SMS: errors and credits


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("€" * 80, 1),
        ("€" * 81, 2),
        ("é" * 160, 1),
        ("ê" * 70, 1),
        ("ê" * 71, 2),
        ("😀" * 35, 1),
        ("😀" * 36, 2),
    ],
    ids=lambda value: f"{len(value)}x{value[0]}" if isinstance(value, str) else str(value),
)
async def test_sms_costs_one_credit_per_part(api: Api, text: str, parts: int) -> None:
    reply = await api.post("/sendSMS", send(numbers=("612345678", "612345679"), message=text))
    assert code(reply) == 0
    assert [d.findtext("credits") for d in destinations(reply)] == [str(parts)] * 2
    assert api.sandbox.state.routes[1].credits == Decimal(500 - 2 * parts)


async def test_sms_text_missing_or_over_ten_parts_is_code_14(api: Api) -> None:
    assert code(await api.post("/sendSMS", send())) == 14
    assert code(await api.post("/sendSMS", send(message=""))) == 14
    assert code(await api.post("/sendSMS", send(message="a" * 1531))) == 14
    longest = await api.post("/sendSMS", send(message="a" * 1530))
    assert destinations(longest)[0].findtext("credits") == "10"


@pytest.mark.parametrize(
    ("sender", "expected"),
    # "11 caractères alphanumériques max": a space is not alphanumeric.
    [("ABCDEFGHIJK", 0), ("ABCDEFGHIJKL", 16), ("Promo-2024!", 16), ("Mon Shop 1", 16)],
)
async def test_sender_must_have_1_to_11_characters(api: Api, sender: str, expected: int) -> None:
    assert code(await api.post("/sendSMS", send(senderID=sender, message="x"))) == expected


async def test_sender_change_forbidden_is_code_15(api: Api) -> None:
    api.sandbox.state.sender_change_allowed = False
    assert code(await api.post("/sendSMS", send(senderID="SHOP", message="x"))) == 15
    assert code(await api.post("/sendSMS", send(message="x"))) == 0


@pytest.mark.parametrize(("route", "expected"), [("2", 19), ("99", 19), ("x", 19), ("", 1)])
async def test_route_unknown_or_of_another_channel(api: Api, route: str, expected: int) -> None:
    assert code(await api.post("/sendSMS", send(route=route, message="x"))) == expected


@pytest.mark.parametrize(
    "date", ["2030:01:15 10:00:00", "2030-13-01 10:00:00", "15/01/2030 10:00", "2030-01-15"]
)
async def test_send_date_not_in_the_parameter_table_form_is_code_40(api: Api, date: str) -> None:
    reply = await api.post("/sendSMS", send(sendDate=date, message="x"))
    assert code(reply) == 40
    assert (
        reply.findtext("message")
        == "Date de planification invalide (format attendu : AAAA:MM:JJ HH:MM:SS)"
    )


async def test_no_recipient_is_code_13(api: Api) -> None:
    assert code(await api.post("/sendSMS", send(numbers=(), message="x"))) == 13
    root = doc()
    body = add(root, "sendSMS")
    add(body, "route", "1")
    add(body, "message", "x")
    assert code(await api.post("/sendSMS", root)) == 13


async def test_credits_exhausted_is_code_11_and_nothing_is_sent(api: Api) -> None:
    api.sandbox.state.routes[1].credits = Decimal(2)
    before = len(api.sandbox.state.messages)
    assert (
        code(
            await api.post(
                "/sendSMS", send(numbers=("612345678", "612345679", "612345680"), message="x")
            )
        )
        == 11
    )
    assert api.sandbox.state.routes[1].credits == Decimal(2)
    assert len(api.sandbox.state.messages) == before
    assert (
        code(await api.post("/sendSMS", send(numbers=("612345678", "612345679"), message="x"))) == 0
    )
    assert api.sandbox.state.routes[1].credits == Decimal(0)


async def test_overdraft_allows_going_negative(api: Api) -> None:
    api.sandbox.state.routes[1].credits = Decimal(1)
    api.sandbox.state.routes[1].allow_negative = Decimal(5)
    assert (
        code(await api.post("/sendSMS", send(numbers=("612345678", "612345679"), message="x"))) == 0
    )
    assert api.sandbox.state.routes[1].credits == Decimal(-1)


async def test_unreachable_destinations_are_ko_and_code_12(api: Api) -> None:
    # 0612345678: trunk 0 kept; 612345699: blacklisted (STOP); 123: no such number.
    reply = await api.post(
        "/sendSMS", send(numbers=("612345678", "0612345678", "612345699", "123"), message="x")
    )
    assert code(reply) == 12
    states = [
        (d.get("number"), d.findtext("state"), d.findtext("msgid"), d.findtext("credits"))
        for d in destinations(reply)
    ]
    assert states[1:] == [
        ("0612345678", "KO", "", "0"),
        ("612345699", "KO", "", "0"),
        ("123", "KO", "", "0"),
    ]
    assert states[0][1:4:2] == ("OK", "1")
    assert api.sandbox.state.routes[1].credits == Decimal(499)


async def test_sms_template_gives_the_text_and_wrong_templates_are_code_17(api: Api) -> None:
    reply = await api.post("/sendSMS", send(templateID="1"))
    assert code(reply) == 0
    ref = destinations(reply)[0].findtext("msgid")
    [message] = [m for m in api.sandbox.state.messages.values() if m.ref == ref]
    assert message.content == "Bonjour, votre rendez-vous est confirmé pour demain à 10h."
    for template in ("3", "6", "99", "abc"):  # mail template, another account's, unknown, garbage
        assert code(await api.post("/sendSMS", send(templateID=template, message="x"))) == 17


async def test_several_numbers_make_a_campaign_one_number_a_unit_message(api: Api) -> None:
    campaigns = len(api.sandbox.state.campaigns)
    await api.post("/sendSMS", send(message="x"))
    assert len(api.sandbox.state.campaigns) == campaigns
    await api.post("/sendSMS", send(numbers=("612345678", "612345679"), message="x"))
    [campaign] = list(api.sandbox.state.campaigns.values())[campaigns:]
    assert (campaign.channel, len(campaign.message_ids), campaign.credits) == ("sms", 2, Decimal(2))


# --------------------------------------------------------------------------- voice, mail, fax


async def test_voice_send_needs_a_recorded_voice_template(api: Api) -> None:
    reply = await api.post("/sendVoice", send("Voice", templateID="2", callerID="33199001234"))
    assert code(reply) == 0
    assert destinations(reply)[0].findtext("credits") == "1"
    assert api.sandbox.state.routes[2].credits == Decimal(199)
    assert code(await api.post("/sendVoice", send("Voice"))) == 17
    assert code(await api.post("/sendVoice", send("Voice", templateID="4"))) == 17  # not recorded
    assert code(await api.post("/sendVoice", send("Voice", templateID="1"))) == 17  # SMS template
    assert code(await api.post("/sendVoice", send("Voice", route="1", templateID="2"))) == 19
    assert (
        code(await api.post("/sendVoice", send("Voice", templateID="2", callerID="+33199001234")))
        == 1
    )


async def test_voice_credits_follow_the_template_duration(api: Api) -> None:
    api.sandbox.state.templates[2].duration = 180
    reply = await api.post("/sendVoice", send("Voice", templateID="2"))
    assert destinations(reply)[0].findtext("credits") == "3"


async def test_mail_send_reply_names_the_address(api: Api) -> None:
    root = send(
        "Mail",
        ("client@example.fr", "ancien.client@example.fr", "not-an-address"),
        subject="Offre",
        message="<p>Bonjour</p>",
    )
    reply = await api.post("/sendMail", root)
    assert code(reply) == 12  # blacklisted and malformed addresses
    assert [(d.attrib, d.findtext("state")) for d in destinations(reply)] == [
        ({"mail": "client@example.fr"}, "OK"),
        ({"mail": "ancien.client@example.fr"}, "KO"),
        ({"mail": "not-an-address"}, "KO"),
    ]
    assert api.sandbox.state.routes[3].credits == Decimal(999)


async def test_mail_needs_subject_and_message_or_a_mail_template(api: Api) -> None:
    assert code(await api.post("/sendMail", send("Mail", ("a@example.fr",), message="x"))) == 1
    assert code(await api.post("/sendMail", send("Mail", ("a@example.fr",), templateID="3"))) == 0
    assert code(await api.post("/sendMail", send("Mail", ("a@example.fr",), templateID="1"))) == 17
    assert (
        code(
            await api.post(
                "/sendMail", send("Mail", ("a@example.fr",), templateID="3", replyTo="nope")
            )
        )
        == 1
    )


async def test_fax_send_needs_a_pdf_file_name(api: Api) -> None:
    reply = await api.post("/sendFAX", send("FAX", ("145000001",), filename="devis.pdf"))
    assert code(reply) == 0
    assert api.sandbox.state.routes[4].credits == Decimal(49)
    assert code(await api.post("/sendFAX", send("FAX", ("145000001",)))) == 1
    assert code(await api.post("/sendFAX", send("FAX", ("145000001",), filename="devis.doc"))) == 1
    blacklisted = await api.post("/sendFAX", send("FAX", ("145000099",), filename="devis.pdf"))
    assert (code(blacklisted), destinations(blacklisted)[0].findtext("state")) == (12, "KO")


async def test_msgids_differ_between_sandbox_runs(api: Api) -> None:
    """A receiver keeps earlier demo runs' states: a reused msgid would look like a duplicate."""
    first = (await api.post("/sendSMS", send(message="x"))).findtext("recipients/destination/msgid")
    other = EcampaignSandbox()
    async with (
        RunningSandbox(other) as running,
        httpx.AsyncClient(base_url=running.base_url, verify=TLS) as client,
    ):
        again = await Api(other, client).post("/sendSMS", send(message="x"))
    assert first and again.findtext("recipients/destination/msgid") not in ("", first)
    assert other.state.messages.keys() == api.sandbox.state.messages.keys()  # same numeric ids
