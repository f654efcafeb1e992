"""eCampaign sandbox: manageTemplate, with the MP3 recordings of voice templates."""

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


def add(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    child.text = text
    return child


def manage(*path: str) -> tuple[etree._Element, etree._Element]:
    root = etree.Element("ecampaign")
    login = add(root, "login")
    add(login, "user", SANDBOX_LOGIN)
    add(login, "password", SANDBOX_SECRET)
    inner = add(root, "manageTemplate")
    for tag in path:
        inner = add(inner, tag)
    return root, inner


def tree(parent: etree._Element, spec: dict[str, object]) -> None:
    for tag, value in spec.items():
        if isinstance(value, dict):
            tree(add(parent, tag), value)
        else:
            add(parent, tag, str(value))


def template(spec: dict[str, object], tag: str = "addTemplate") -> etree._Element:
    root, body = manage(tag)
    tree(body, spec)
    return root


class Api:
    def __init__(self, sandbox: EcampaignSandbox, client: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.client = client

    async def response(self, path: str, root: etree._Element) -> httpx.Response:
        response = await self.client.post(
            path, data={"xml": etree.tostring(root, encoding="unicode")}
        )
        assert response.status_code == 200
        return response

    async def post(self, path: str, root: etree._Element) -> etree._Element:
        return parse((await self.response(path, root)).content)

    async def code(self, path: str, root: etree._Element) -> int:
        return int((await self.post(path, root)).findtext("code") or "-1")


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    sandbox = EcampaignSandbox()
    async with (
        RunningSandbox(sandbox) as running,
        httpx.AsyncClient(base_url=running.base_url, trust_env=False, verify=TLS) as client,
    ):
        yield Api(sandbox, client)


VOICE = {
    "name": "Relance impayés",
    "type": "voice",
    "voice": {
        "duration": "120",
        "recorded": "false",
        "interactive": {"enable": "true", "intro": "true"},
        "responder": {"enable": "true"},
    },
}


async def test_add_voice_template_reply_and_get(api: Api) -> None:
    created = await api.post("/manageTemplate/add", template(VOICE))
    assert [c.tag for c in created] == [
        "code",
        "message",
        "templateid",
        "phonenumber",
        "phonecode",
        "reference",
    ]
    assert created.findtext("templateid") == "7"
    assert created.findtext("phonenumber") == "33199000999"
    assert len(created.findtext("phonecode") or "") == 6

    info = await api.post("/manageTemplate/7/get", manage()[0])
    assert [c.tag for c in info] == [
        "code", "message", "type", "id", "create_date", "update_date", "name", "phonecode",
        "templatereference", "recorded", "duration", "interactive", "responder",
    ]  # fmt: skip
    assert (info.findtext("type"), info.findtext("name"), info.findtext("duration")) == (
        "voice",
        "Relance impayés",
        "120",
    )
    assert info.findtext("templatereference") == created.findtext("reference")
    assert [info.findtext(f"interactive/{t}") for t in ("enabled", "intro", "ask_end")] == [
        "true",
        "true",
        "false",
    ]
    assert [info.findtext(f"responder/{t}") for t in ("enabled", "custom")] == [
        "true",
        "false",
    ]  # unspecified: false


async def test_add_sms_and_mail_templates_reply_only_the_id(api: Api) -> None:
    sms = await api.post(
        "/manageTemplate/add",
        template({"name": "Promo", "type": "sms", "sms": {"message": "-20 %"}}),
    )
    assert [c.tag for c in sms] == ["code", "message", "templateid"]
    mail = {
        "name": "Lettre",
        "type": "mail",
        "mail": {"message": "<p>Bonjour</p>", "subject": "Nouveautés"},
    }
    assert await api.code("/manageTemplate/add", template(mail)) == 0
    info = await api.post("/manageTemplate/1/get", manage()[0])
    assert [c.tag for c in info] == [
        "code",
        "message",
        "type",
        "id",
        "create_date",
        "update_date",
        "name",
    ]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"name": "x", "type": "fax"}, 63),
        ({"name": "x"}, 63),
        ({"name": "", "type": "sms", "sms": {"message": "x"}}, 64),
        ({"name": "x", "type": "sms"}, 64),
        ({"name": "x", "type": "mail", "mail": {"message": "x"}}, 64),
        ({"name": "x", "type": "voice", "voice": {"duration": "90"}}, 64),
    ],
)
async def test_add_template_errors(api: Api, spec: dict[str, object], expected: int) -> None:
    assert await api.code("/manageTemplate/add", template(spec)) == expected
    assert await api.code("/manageTemplate/add", manage()[0]) == 64


async def test_list_templates_by_type(api: Api) -> None:
    everything = await api.post("/manageTemplate/list", manage()[0])
    listed = everything.findall("templates/template")
    assert [(t.get("id"), t.get("type"), t.text) for t in listed][:3] == [
        ("1", "sms", "Rappel rendez-vous"),
        ("2", "voice", "Annonce vocale"),
        ("3", "mail", "Lettre d'information"),
    ]
    assert "6" not in [t.get("id") for t in listed]  # another account's
    assert set(listed[0].attrib) == {"id", "type", "date_create", "date_update"}
    root, body = manage("listTemplates")
    add(body, "type", "voice")
    assert [
        t.get("id")
        for t in (await api.post("/manageTemplate/list", root)).findall("templates/template")
    ] == ["2", "4"]
    body[0].text = "fax"
    assert await api.code("/manageTemplate/list", root) == 63


async def test_mod_template(api: Api) -> None:
    root = template({"name": "Rappel RDV", "sms": {"message": "Rendez-vous demain"}})
    assert await api.code("/manageTemplate/1/mod", root) == 0
    stored = api.sandbox.state.templates[1]
    assert (stored.name, stored.sms_message) == ("Rappel RDV", "Rendez-vous demain")
    assert stored.updated > stored.created
    assert await api.code("/manageTemplate/1/mod", template({"type": "mail"})) == 64
    assert await api.code("/manageTemplate/1/mod", template({"name": ""}, "modTemplate")) == 64
    assert api.sandbox.state.templates[1].name == "Rappel RDV"
    assert await api.code("/manageTemplate/99/mod", template({"name": "x"})) == 65
    assert await api.code("/manageTemplate/6/mod", template({"name": "x"})) == 60


async def test_del_template(api: Api) -> None:
    assert await api.code("/manageTemplate/3/del", manage()[0]) == 0
    assert await api.code("/manageTemplate/3/get", manage()[0]) == 65
    assert await api.code("/manageTemplate/5/del", manage()[0]) == 62
    assert await api.code("/manageTemplate/6/del", manage()[0]) == 60
    assert await api.code("/manageTemplate/6/get", manage()[0]) == 60


async def test_template_used_by_a_scheduled_send_cannot_be_deleted(api: Api) -> None:
    root = etree.Element("ecampaign")
    login = add(root, "login")
    add(login, "user", SANDBOX_LOGIN)
    add(login, "password", SANDBOX_SECRET)
    body = add(root, "sendSMS")
    tree(body, {"route": "1", "templateID": "1", "sendDate": "2099-01-01 10:00:00"})
    phone = add(add(body, "recipients"), "phone")
    add(phone, "code", "33")
    add(phone, "number", "612345678")
    assert await api.code("/sendSMS", root) == 0
    assert await api.code("/manageTemplate/1/del", manage()[0]) == 61


# --------------------------------------------------------------------------- MP3


def mp3(tag: str, messagetype: str, url: str | None = None) -> etree._Element:
    root, body = manage(tag)
    add(body, "messagetype", messagetype)
    if url is not None:
        add(body, "url", url)
    return root


async def test_get_mp3_returns_audio(api: Api) -> None:
    response = await api.response("/manageTemplate/2/getMP3", mp3("getMP3", "main"))
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.content.startswith(b"ID3\x03\x00")
    assert b"\xff\xfb\x90\x64" in response.content


@pytest.mark.parametrize(
    ("template_id", "messagetype", "expected"),
    [
        ("2", "intro", 67),
        ("4", "main", 67),
        ("2", "outro", 66),
        ("1", "main", 63),
        ("99", "main", 65),
    ],
)
async def test_get_mp3_errors_are_xml(
    api: Api, template_id: str, messagetype: str, expected: int
) -> None:
    response = await api.response(
        f"/manageTemplate/{template_id}/getMP3", mp3("getMP3", messagetype)
    )
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert parse(response.content).findtext("code") == str(expected)


async def test_push_mp3_stores_a_placeholder_and_marks_the_template_recorded(api: Api) -> None:
    url = "https://media.example.com/annonce.mp3"
    assert await api.code("/manageTemplate/4/pushMP3", mp3("pushMP3", "main", url)) == 0
    assert api.sandbox.state.templates[4].recorded
    response = await api.response("/manageTemplate/4/getMP3", mp3("getMP3", "main"))
    assert response.headers["content-type"] == "audio/mpeg"
    assert b"template 4 main" in response.content


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("media.example.com/a.mp3", 68),
        ("ftp://media.example.com/a.mp3", 68),
        ("https:///a.mp3", 68),
        ("https://media.example.com/a b.mp3", 68),
        ("https://media.invalid/a.mp3", 69),
        ("https://media.example.com/toolarge.mp3", 70),
        ("https://media.example.com/a.wav", 71),
        ("https://media.example.com/toolong.mp3", 72),
    ],
)
async def test_push_mp3_url_errors(api: Api, url: str, expected: int) -> None:
    assert await api.code("/manageTemplate/4/pushMP3", mp3("pushMP3", "main", url)) == expected
    assert not api.sandbox.state.templates[4].recorded


async def test_push_mp3_type_errors(api: Api) -> None:
    url = "https://media.example.com/a.mp3"
    assert await api.code("/manageTemplate/4/pushMP3", mp3("pushMP3", "final", url)) == 66
    assert await api.code("/manageTemplate/1/pushMP3", mp3("pushMP3", "main", url)) == 63
