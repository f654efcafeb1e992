"""eCampaign sandbox: sends to groups, groupFields and groupFilter semantics (codes 21, 26, 27,
41, 42, 13), against the demo group "Clients Paris" (members 101–105)."""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator

import httpx
import pytest
from lxml import etree

from providers.sandbox.common import SANDBOX_LOGIN, SANDBOX_SECRET, RunningSandbox
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.xml import parse

# One TLS context for the module: building one per client costs ~0.1 s (the CA bundle).
TLS = ssl.create_default_context()

# Demo members: 101 ville "Paris", 102 "Paris 11e" (also a landline), 103
# "Boulogne-Billancourt", 104 "" (empty), 105 "Paris".
ALL = [101, 102, 103, 104, 105]


def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with (
        RunningSandbox(EcampaignSandbox()) as running,
        httpx.AsyncClient(base_url=running.base_url, trust_env=False, verify=TLS) as http,
    ):
        yield http


def group_send(
    criteria: list[tuple[str, str, str | None]] | None = None,
    *,
    global_operator: str | None = None,
    fields: tuple[str, ...] | None = ("mobile",),  # None: no <groupFields> at all
    group: str = "1",
    channel: str = "SMS",
) -> etree._Element:
    root = etree.Element("ecampaign")
    login = add(root, "login")
    add(login, "user", SANDBOX_LOGIN)
    add(login, "password", SANDBOX_SECRET)
    body = add(root, f"send{channel}")
    add(body, "route", {"SMS": "1", "Mail": "3", "FAX": "4"}[channel])
    add(body, "message", "Promo")
    add(body, "subject", "Promo")
    add(body, "filename", "promo.pdf")
    recipients = add(body, "recipients")
    add(recipients, "groupID", group)
    if fields is not None:
        group_fields = add(recipients, "groupFields")
        for name in fields:
            add(group_fields, "field", name)
    if criteria is not None:
        group_filter = add(recipients, "groupFilter")
        if global_operator is not None:
            add(group_filter, "globalOperator", global_operator)
        for field, operator, value in criteria:
            criterion = add(group_filter, "criteria")
            add(criterion, "field", field)
            add(criterion, "operator", operator)
            if value is not None:
                add(criterion, "value", value)
    return root


async def post(
    client: httpx.AsyncClient, root: etree._Element, path: str = "/sendSMS"
) -> etree._Element:
    response = await client.post(path, data={"xml": etree.tostring(root, encoding="unicode")})
    assert response.status_code == 200
    return parse(response.content)


def code(reply: etree._Element) -> int:
    return int(reply.findtext("code") or "-1")


def member_ids(reply: etree._Element) -> list[int]:
    assert code(reply) == 0, reply.findtext("message")
    return [int(d.findtext("memberID") or "0") for d in reply.findall("recipients/destination")]


async def test_group_send_without_filter_reaches_every_member_with_member_ids(
    client: httpx.AsyncClient,
) -> None:
    reply = await post(client, group_send())
    assert member_ids(reply) == ALL
    first = reply.find("recipients/destination")
    assert first is not None
    assert first.attrib == {"code": "33", "number": "612345601"}
    assert [child.tag for child in first] == ["state", "msgid", "credits", "memberID"]


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("=", "Paris", [101, 105]),
        ("=", "PARIS", [101, 105]),  # the platform compares without case
        ("!=", "Paris", [102, 103, 104]),
        ("LIKE", "paris", [101, 102, 105]),
        ("NOTLIKE", "paris", [103, 104]),
        ("BEGIN", "Paris ", [102]),
        ("NOTBEGIN", "Paris", [103, 104]),
        ("END", "11e", [102]),
        ("NOTEND", "Paris", [102, 103, 104]),
        ("NOTNULL", None, [101, 102, 103, 105]),
        ("NULL", None, [104]),
        ("like", "billancourt", [103]),  # operators are read without case too
    ],
)
async def test_each_filter_operator(
    client: httpx.AsyncClient, operator: str, value: str | None, expected: list[int]
) -> None:
    reply = await post(client, group_send([("ville", operator, value)]))
    assert member_ids(reply) == expected


async def test_global_operator_and_or(client: httpx.AsyncClient) -> None:
    both = [("ville", "LIKE", "paris"), ("ville", "END", "11e")]
    assert member_ids(await post(client, group_send(both, global_operator="AND"))) == [102]
    assert member_ids(await post(client, group_send(both))) == [102]  # AND by default
    either = [("ville", "=", "Boulogne-Billancourt"), ("ville", "NULL", None)]
    assert member_ids(await post(client, group_send(either, global_operator="OR"))) == [103, 104]
    assert code(await post(client, group_send(either, global_operator="AND"))) == 13


async def test_filter_on_another_field_and_two_destination_fields(
    client: httpx.AsyncClient,
) -> None:
    reply = await post(client, group_send([("prenom", "=", "Hugo")], fields=("mobile", "fixe")))
    destinations = reply.findall("recipients/destination")
    assert [(d.get("number"), d.findtext("memberID")) for d in destinations] == [
        ("612345602", "102"),
        ("145000002", "102"),
    ]


async def test_mail_group_send_uses_the_mail_field(client: httpx.AsyncClient) -> None:
    reply = await post(
        client,
        group_send([("ville", "=", "Paris")], fields=("email",), channel="Mail"),
        "/sendMail",
    )
    assert [d.get("mail") for d in reply.findall("recipients/destination")] == [
        "claire.martin@example.fr",
        "ines.lefevre@example.fr",
    ]


@pytest.mark.parametrize(
    ("fields", "channel"),
    [
        (None, "FAX"),  # no groupFields, and group 1 has no fax field
        ((), "FAX"),
        (("portable",), "SMS"),
        (("email",), "SMS"),
        (("mobile",), "Mail"),
        (("mobile",), "FAX"),
    ],
)
async def test_destination_fields_missing_or_unsuitable_are_code_26(
    client: httpx.AsyncClient, fields: tuple[str, ...] | None, channel: str
) -> None:
    reply = await post(client, group_send(fields=fields, channel=channel), f"/send{channel}")
    assert (code(reply), reply.findtext("message")) == (
        26,
        "Les champs de destination ne sont pas précisés ou invalides",
    )


async def test_destination_fields_are_optional(client: httpx.AsyncClient) -> None:
    """CHAMP_DESTINATION is "Oblig. Non": without it, every field that suits the channel."""
    reply = await post(client, group_send([("prenom", "=", "Hugo")], fields=None))
    destinations = reply.findall("recipients/destination")
    assert [(d.get("number"), d.findtext("memberID")) for d in destinations] == [
        ("612345602", "102"),
        ("145000002", "102"),
    ]
    mails = await post(
        client, group_send([("ville", "=", "Paris")], fields=(), channel="Mail"), "/sendMail"
    )
    assert [d.get("mail") for d in mails.findall("recipients/destination")] == [
        "claire.martin@example.fr",
        "ines.lefevre@example.fr",
    ]


async def test_filter_on_an_unknown_field_is_code_41(client: httpx.AsyncClient) -> None:
    assert code(await post(client, group_send([("departement", "=", "75")]))) == 41
    assert code(await post(client, group_send([("", "=", "75")]))) == 41


@pytest.mark.parametrize(
    ("criteria", "global_operator"),
    [
        ([("ville", "CONTAINS", "Paris")], None),
        ([("ville", "", "Paris")], None),
        ([("ville", "=", None)], None),  # "=" needs a value
        ([("ville", "=", "Paris")], "XOR"),
    ],
)
async def test_invalid_filter_parameters_are_code_42(
    client: httpx.AsyncClient,
    criteria: list[tuple[str, str, str | None]],
    global_operator: str | None,
) -> None:
    reply = await post(client, group_send(criteria, global_operator=global_operator))
    assert (code(reply), reply.findtext("message")) == (42, "Filtrage : paramètre(s) invalide(s)")


@pytest.mark.parametrize(("group", "expected"), [("99", 27), ("abc", 27), ("3", 21)])
async def test_unknown_or_foreign_group(
    client: httpx.AsyncClient, group: str, expected: int
) -> None:
    assert code(await post(client, group_send(group=group))) == expected


async def test_filter_selecting_nobody_is_code_13(client: httpx.AsyncClient) -> None:
    assert code(await post(client, group_send([("ville", "=", "Marseille")]))) == 13


async def test_group_send_costs_credits_per_reachable_member(client: httpx.AsyncClient) -> None:
    await post(client, group_send([("ville", "LIKE", "paris")]))
    credit = etree.Element("ecampaign")
    login = add(credit, "login")
    add(login, "user", SANDBOX_LOGIN)
    add(login, "password", SANDBOX_SECRET)
    reply = await post(client, credit, "/manageCredit/getCredit")
    assert reply.findtext("credits/route[@id='1']") == "497"
