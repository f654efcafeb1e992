"""The eCampaign sandbox's importMembers as the spec describes it: answer 0, then fetch the file,
import each member as addMember would, and POST the report (form field ``xml``); loopback
only."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp import web
from lxml import etree

from providers.ecampaign.callbacks import parse_ecampaign_import_report
from providers.models import ImportReport
from providers.sandbox.common import (
    SANDBOX_LOGIN,
    SANDBOX_SECRET,
    CallbackSettings,
    RunningSandbox,
)
from providers.sandbox.ecampaign import EcampaignSandbox
from providers.sandbox.ecampaign.imports import is_loopback
from providers.xml import parse

FILE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<groupMembers>\n'
    "<member><nom><value>Durand &amp; fils</value></nom>"
    "<mobile><value>698000001</value><indicatif>+33</indicatif></mobile></member>\n"
    "<member><nom><value>Sans numéro</value></nom>"
    "<mobile><value>12</value><indicatif>+33</indicatif></mobile></member>\n"
    "<member><nom><value>Déjà là</value></nom>"
    "<mobile><value>612345601</value><indicatif>+33</indicatif></mobile></member>\n"
    "<member><inconnu><value>x</value></inconnu></member>\n"
    "<member><nom><value>Belge</value></nom>"
    "<mobile><value>470123456</value><indicatif>+32</indicatif></mobile></member>\n"
    "<member><nom><value>Sans indicatif</value></nom>"
    "<mobile><value>698000009</value></mobile></member>\n"
    "</groupMembers>"
)


@dataclass
class Platform:
    """Our side: the file to serve, how often it was asked, the reports received."""

    base: str = ""
    body: str = FILE
    status: int = 200
    gets: int = 0
    reports: asyncio.Queue[str] = field(default_factory=asyncio.Queue)


@pytest.fixture
async def ours() -> AsyncIterator[Platform]:
    platform = Platform()

    async def serve_file(request: web.Request) -> web.Response:
        platform.gets += 1
        return web.Response(status=platform.status, text=platform.body)

    async def report(request: web.Request) -> web.Response:
        await platform.reports.put(str((await request.post())["xml"]))
        return web.Response(text="OK")

    app = web.Application()
    app.router.add_get("/imports/file.xml", serve_file)
    app.router.add_post("/report", report)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    platform.base = f"http://127.0.0.1:{runner.addresses[0][1]}"
    yield platform
    await runner.cleanup()


@pytest.fixture
async def sandbox() -> AsyncIterator[tuple[EcampaignSandbox, str]]:
    box = EcampaignSandbox()
    box.callbacks = CallbackSettings(None, 0.01)
    async with RunningSandbox(box) as running:
        yield box, running.base_url


async def ask_import(base: str, xml_url: str, callback_url: str, group: str = "1") -> str:
    root = etree.Element("ecampaign")
    login = etree.SubElement(root, "login")
    etree.SubElement(login, "user").text = SANDBOX_LOGIN
    etree.SubElement(login, "password").text = SANDBOX_SECRET
    job = etree.SubElement(etree.SubElement(root, "manageGroup"), "importMembers")
    etree.SubElement(job, "xmlUrl").text = xml_url
    etree.SubElement(job, "callbackUrl").text = callback_url
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.post(
            f"{base}/manageGroup/{group}/importMembers",
            data={"xml": etree.tostring(root, encoding="unicode")},
        )
    return parse(answer.content).findtext("code") or ""


async def report_of(platform: Platform) -> ImportReport:
    return parse_ecampaign_import_report(await asyncio.wait_for(platform.reports.get(), 10))


async def test_the_file_is_fetched_once_and_each_member_checked_like_add_member(
    sandbox: tuple[EcampaignSandbox, str], ours: Platform
) -> None:
    box, base = sandbox
    group = box.state.groups[1]
    before = set(group.members)
    code = await ask_import(base, f"{ours.base}/imports/file.xml", f"{ours.base}/report")
    assert code == "0"
    report = await report_of(ours)
    assert (report.state, report.imported) == ("OK", 2)
    assert report.errors == (
        "Membre 2 : Données malformées, impossible d'ajouter le membre",
        "Membre 3 : Doublon détecté, impossible d'ajouter le membre",
        "Membre 4 : Données malformées, impossible d'ajouter le membre",
        "Membre 6 : Données malformées, impossible d'ajouter le membre",
    )
    assert ours.gets == 1
    added = [group.members[i] for i in sorted(set(group.members) - before)]
    assert [(m.values["nom"], m.values["mobile"], m.codes["mobile"]) for m in added] == [
        ("Durand & fils", "698000001", "33"),
        ("Belge", "470123456", "32"),
    ]


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (404, "not found", "(HTTP 404)"),
        (410, "gone", "(HTTP 410)"),
        (200, "<pas du xml", "n'est pas un document <groupMembers>"),
        (200, "<ecampaign/>", "n'est pas un document <groupMembers>"),
        (
            200,
            '<!DOCTYPE g [<!ENTITY x SYSTEM "file:///etc/passwd">]><groupMembers>&x;</groupMembers>',
            "n'est pas un document <groupMembers>",
        ),
    ],
)
async def test_a_file_that_cannot_be_had_is_a_ko_report(
    sandbox: tuple[EcampaignSandbox, str], ours: Platform, status: int, body: str, error: str
) -> None:
    box, base = sandbox
    ours.status, ours.body = status, body
    before = dict(box.state.groups[1].members)
    assert await ask_import(base, f"{ours.base}/imports/file.xml", f"{ours.base}/report") == "0"
    report = await report_of(ours)
    assert (report.state, report.imported) == ("KO", 0)
    assert len(report.errors) == 1 and error in report.errors[0]
    assert box.state.groups[1].members == before


async def test_nothing_outside_loopback_is_fetched(
    sandbox: tuple[EcampaignSandbox, str], ours: Platform
) -> None:
    _, base = sandbox
    url = "http://files.example.com/imports/file.xml"
    assert await ask_import(base, url, f"{ours.base}/report") == "0"
    report = await report_of(ours)
    assert report.state == "KO" and "127.0.0.1" in report.errors[0] and url in report.errors[0]
    assert ours.gets == 0


async def test_an_unknown_group_is_refused_before_anything_is_fetched(
    sandbox: tuple[EcampaignSandbox, str], ours: Platform
) -> None:
    _, base = sandbox
    url = f"{ours.base}/imports/file.xml"
    assert await ask_import(base, url, f"{ours.base}/report", group="999") == "27"
    await asyncio.sleep(0.1)
    assert ours.gets == 0 and ours.reports.empty()


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:8080/x.xml", True),
        ("http://127.0.0.2/x.xml", True),
        ("http://[::1]:81/x.xml", True),
        ("http://localhost/x.xml", False),
        ("http://10.0.0.1/x.xml", False),
        ("https://127.0.0.1.example.com/x.xml", False),
    ],
)
def test_loopback_means_a_loopback_address(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback
