"""eCampaign sandbox: credits, blacklists and replies, HLR lookups, and URL handling."""

from __future__ import annotations

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


def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def login() -> etree._Element:
    root = etree.Element("ecampaign")
    element = add(root, "login")
    add(element, "user", SANDBOX_LOGIN)
    add(element, "password", SANDBOX_SECRET)
    return root


class Api:
    def __init__(self, sandbox: EcampaignSandbox, client: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.client = client

    async def post(self, path: str, root: etree._Element | None = None) -> etree._Element:
        xml = etree.tostring(login() if root is None else root, encoding="unicode")
        response = await self.client.post(path, data={"xml": xml})
        assert response.status_code == 200
        return parse(response.content)

    async def hlr(self, **params: str) -> etree._Element:
        query = {"user": SANDBOX_LOGIN, "pass": SANDBOX_SECRET} | params
        response = await self.client.get("/numberInfo/HLRlookup", params=query)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/xml; charset=utf-8"
        return parse(response.content)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    sandbox = EcampaignSandbox()
    async with (
        RunningSandbox(sandbox) as running,
        httpx.AsyncClient(base_url=running.base_url, trust_env=False, verify=TLS) as client,
    ):
        yield Api(sandbox, client)


# --------------------------------------------------------------------------- credits


async def test_get_credit_lists_every_route(api: Api) -> None:
    reply = await api.post("/manageCredit/getCredit")
    assert [c.tag for c in reply] == ["code", "message", "credits"]
    routes = reply.findall("credits/route")
    assert [(r.get("id"), r.get("name"), r.get("type"), r.text) for r in routes] == [
        ("1", "SMS Premium", "SMS", "500"),
        ("2", "Voice", "Voice", "200"),
        ("3", "Mail", "Mail", "1000"),
        ("4", "FAX", "FAX", "50"),
    ]
    assert set(routes[0].attrib) == {"id", "name", "type", "expire", "allownegative"}
    assert (routes[0].get("expire"), routes[0].get("allownegative")) == ("2030-12-31", "0")


async def test_credits_decrease_with_sends(api: Api) -> None:
    root = login()
    body = add(root, "sendSMS")
    add(body, "route", "1")
    add(body, "message", "x" * 200)  # two parts
    phone = add(add(body, "recipients"), "phone")
    add(phone, "code", "33")
    add(phone, "number", "612345678")
    assert (await api.post("/sendSMS", root)).findtext("code") == "0"
    reply = await api.post("/manageCredit/getCredit")
    assert reply.findtext("credits/route[@id='1']") == "498"


async def test_fractional_credits_keep_their_digits(api: Api) -> None:
    api.sandbox.state.routes[3].credits = Decimal("12.50")
    assert (await api.post("/manageCredit/getCredit")).findtext("credits/route[@id='3']") == "12.5"


async def test_no_credit_anywhere_is_code_31(api: Api) -> None:
    for route in api.sandbox.state.routes.values():
        route.credits = Decimal(0)
    reply = await api.post("/manageCredit/getCredit")
    assert (reply.findtext("code"), reply.find("credits")) == ("31", None)
    api.sandbox.state.routes.clear()
    assert (await api.post("/manageCredit/getCredit")).findtext("code") == "31"


# --------------------------------------------------------------------------- blacklists and replies


async def test_get_blacklist_per_channel(api: Api) -> None:
    sms = await api.post("/manageFeedback/sms/getBlacklist")
    [member] = sms.findall("blacklist/member")
    assert [(c.tag, c.text) for c in member][1:] == [
        ("code", "33"),
        ("number", "612345699"),
        ("reason", "STOP SMS"),
    ]
    mail = await api.post("/manageFeedback/mail/getBlacklist")
    [member] = mail.findall("blacklist/member")
    assert [c.tag for c in member] == ["date", "mail", "reason"]
    assert member.findtext("mail") == "ancien.client@example.fr"
    fax = await api.post("/manageFeedback/fax/getBlacklist")
    assert fax.findtext("blacklist/member/number") == "145000099"


async def test_unknown_feedback_channel_is_code_18(api: Api) -> None:
    assert (await api.post("/manageFeedback/voice/getBlacklist")).findtext("code") == "18"


async def test_del_blacklist_member(api: Api) -> None:
    root = login()
    body = add(root, "delBlacklistMember")
    add(body, "code", "33")
    add(body, "number", "612345699")
    assert (await api.post("/manageFeedback/sms/delBlacklistMember", root)).findtext("code") == "0"
    empty = await api.post("/manageFeedback/sms/getBlacklist")
    assert (empty.findtext("code"), empty.find("blacklist")) == ("0", None)
    assert (await api.post("/manageFeedback/sms/delBlacklistMember", root)).findtext("code") == "22"
    assert (await api.post("/manageFeedback/sms/delBlacklistMember")).findtext("code") == "1"

    root = login()
    add(add(root, "delBlacklistMember"), "mail", "Ancien.Client@example.fr")
    assert (await api.post("/manageFeedback/mail/delBlacklistMember", root)).findtext("code") == "0"
    assert api.sandbox.state.blacklist[-1].channel == "fax"


async def test_get_responses(api: Api) -> None:
    reply = await api.post("/manageFeedback/sms/getResponses")
    responses = reply.findall("responses")
    assert [[c.tag for c in r] for r in responses] == [["date", "code", "number", "message"]] * 2
    assert [(r.findtext("number"), r.findtext("message")) for r in responses] == [
        ("612345699", "STOP"),
        ("612345601", "OK merci, à demain"),
    ]
    mail = await api.post("/manageFeedback/mail/getResponses")
    assert (mail.findtext("code"), mail.findall("responses")) == ("0", [])


# --------------------------------------------------------------------------- HLR


async def test_hlr_of_a_mobile(api: Api) -> None:
    reply = await api.hlr(code="33", number="612345601")
    hlr = reply.find("hlr")
    assert hlr is not None and reply.findtext("code") == "0"
    assert [c.tag for c in hlr] == [
        "number", "status_code", "status_msg", "error_code", "error_permanent", "error_msg",
        "imsi", "net_mcc", "net_mnc", "ported", "net_orig", "net_orig_prefix", "net_orig_country",
        "net_port", "net_port_prefix", "net_port_country",
    ]  # fmt: skip
    values = {c.tag: c.text or "" for c in hlr}
    assert values["number"] == "33612345601"
    assert (values["status_code"], values["error_code"], values["error_permanent"]) == (
        "0",
        "0",
        "false",
    )
    assert (values["net_mcc"], values["net_mnc"], values["net_orig"]) == ("208", "10", "SFR")
    assert (values["ported"], values["net_port"]) == ("false", "")
    assert values["imsi"].startswith("20810") and len(values["imsi"]) == 15


async def test_hlr_ported_number_and_national_form(api: Api) -> None:
    hlr = (await api.hlr(code="33", number="0612345609")).find("hlr")
    assert hlr is not None
    assert hlr.findtext("number") == "33612345609"
    assert (hlr.findtext("ported"), hlr.findtext("net_orig"), hlr.findtext("net_port")) == (
        "true",
        "SFR",
        "Bouygues Telecom",
    )


@pytest.mark.parametrize(
    ("number", "status", "error", "permanent", "mcc"),
    [
        ("612345600", "0", "1", "true", ""),  # ending 00: unallocated
        ("612345602", "0", "2", "false", "208"),  # ending 02: absent, the network is known
        ("145000001", "3", "5", "true", ""),  # a landline has no HLR
        ("999", "0", "1", "true", ""),
    ],
)
async def test_hlr_failures(
    api: Api, number: str, status: str, error: str, permanent: str, mcc: str
) -> None:
    hlr = (await api.hlr(code="33", number=number)).find("hlr")
    assert hlr is not None
    codes = [hlr.findtext(t) for t in ("status_code", "error_code", "error_permanent")]
    assert codes == [status, error, permanent]
    assert hlr.findtext("net_mcc") == mcc


async def test_hlr_login_and_parameters(api: Api) -> None:
    assert (await api.hlr(code="33", number="612345601", **{"pass": "nope"})).findtext(
        "code"
    ) == "3"
    assert (await api.hlr(number="612345601")).findtext("code") == "1"
    assert (await api.hlr(code="33", number="06 12")).findtext("code") == "1"
    api.sandbox.state.api_enabled = False
    assert (await api.hlr(code="33", number="612345601")).findtext("code") == "4"


# --------------------------------------------------------------------------- URLs


async def test_unknown_paths_and_wrong_methods_are_http_errors(api: Api) -> None:
    assert (await api.client.post("/sendSMSS", data={"xml": "<ecampaign/>"})).status_code == 404
    assert (
        await api.client.post("/manageGroup/1/renameGroup", data={"xml": "<ecampaign/>"})
    ).status_code == 404
    assert (await api.client.get("/sendSMS")).status_code == 405
    assert (await api.client.post("/numberInfo/HLRlookup")).status_code == 405
