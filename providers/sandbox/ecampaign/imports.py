"""importMembers, after its synchronous answer: fetch the XML file, import it, post the report.

The spec: the platform fetches ``xmlUrl`` (``<groupMembers><member><CHAMP><value/><indicatif/>
</CHAMP>…</member>…</groupMembers>``), imports what it can, then POSTs to ``callbackUrl`` the
form field ``xml`` = ``<ecampaign><importFromXml><state/><imported/><errors><error/>…``.

Each member is checked exactly as ``addMember`` checks one (``groups.write_values``: unknown
field, malformed value 23, duplicate in an anti-duplicate field 24, against the group and the
members imported before it), and a phone value must come with its ``<indicatif>``, which the
spec says the file needs; a refused member is one ``<error>`` naming its position in the
file, the others are imported. ``state`` is ``OK`` once the file was read, ``KO`` when it could
not be (no fetch, not XML, no group): the spec leaves ETAT's values unsaid.

The sandbox never reaches outside loopback: it fetches only from, and reports only to, URLs
whose host is a loopback address (``127.0.0.1``); any other file URL is a ``KO`` report saying
so, and a report for another host is dropped (logged).
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx
from lxml import etree

from providers.sandbox.ecampaign.protocol import MESSAGES, EcError, document
from providers.sandbox.ecampaign.state import PHONE_TYPES, EcampaignState, GroupRec, MemberRec
from providers.xml import XmlRefused, parse, sub

log = logging.getLogger(__name__)

#: The largest file fetched (the platform documents none; a million members is about 100 MB).
MAX_FILE_BYTES = 256 * 1024 * 1024
FETCH_TIMEOUT = 30.0
#: Members imported between two yields to the event loop (the demo shares it with the console).
YIELD_EVERY = 200
NOT_LOOPBACK = "Bac à sable : seules les adresses 127.0.0.1 sont téléchargées"
NOT_FETCHED = "Impossible de télécharger le fichier XML"
NOT_XML = "Le fichier n'est pas un document <groupMembers> valide"

#: Schedules the POST of a report (form field ``xml``) to a URL.
Report = Callable[[str, float, "str | None"], None]


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name: resolving it could lead anywhere


def report_document(state: str, imported: int, errors: list[str]) -> str:
    root = etree.Element("ecampaign")
    body = sub(root, "importFromXml")
    sub(body, "state", state)
    sub(body, "imported", str(imported))
    if errors:
        listed = sub(body, "errors")
        for error in errors:
            sub(listed, "error", error)
    return document(root)


async def fetch(url: str) -> bytes:
    """The file's bytes; ``EcError`` (its text for the report) when it cannot be had."""
    try:
        async with (
            httpx.AsyncClient(timeout=FETCH_TIMEOUT, trust_env=False) as client,
            client.stream("GET", url) as response,
        ):
            if response.status_code != 200:
                raise EcError(25, f"{NOT_FETCHED} (HTTP {response.status_code})")
            parts: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    raise EcError(25, f"{NOT_FETCHED} (plus de {MAX_FILE_BYTES // 2**20} Mo)")
                parts.append(chunk)
            return b"".join(parts)
    except httpx.HTTPError as exc:
        raise EcError(25, f"{NOT_FETCHED} ({type(exc).__name__})") from None


def member_values(member: etree._Element) -> list[tuple[str, str, str | None]]:
    """``(field, value, indicatif)`` for each field element of a ``<member>``."""
    values: list[tuple[str, str, str | None]] = []
    for child in member:
        if isinstance(child.tag, str):
            values.append((child.tag, child.findtext("value") or "", child.findtext("indicatif")))
    return values


def _indicatif_given(group: GroupRec, values: list[tuple[str, str, str | None]]) -> None:
    """The spec's file: ``<indicatif>`` is "nécessaire" for a phone field (addMember's
    ``code`` is optional, the file's is not): 23 without it."""
    for name, value, code in values:
        field = group.field(name)
        if field is not None and field.type in PHONE_TYPES and value.strip() and not code:
            raise EcError(23, "phone value without <indicatif>")


async def import_file(
    state: EcampaignState,
    group_id: int,
    xml_url: str,
    write_values: Callable[..., None],
) -> tuple[str, int, list[str]]:
    """Fetch and import; returns the report's (state, imported, errors)."""
    if not is_loopback(xml_url):
        return "KO", 0, [f"{NOT_LOOPBACK} ({xml_url})"]
    try:
        root = parse(await fetch(xml_url), max_bytes=MAX_FILE_BYTES)
    except EcError as exc:
        return "KO", 0, [exc.detail]
    except XmlRefused:
        return "KO", 0, [NOT_XML]
    if root.tag != "groupMembers":
        return "KO", 0, [NOT_XML]
    group = state.groups.get(group_id)
    if group is None:
        return "KO", 0, [MESSAGES[27]]
    imported = 0
    errors: list[str] = []
    for position, element in enumerate(root.iterfind("member"), 1):
        if position % YIELD_EVERY == 0:
            await asyncio.sleep(0)
        member = MemberRec(0)
        values = member_values(element)
        try:
            _indicatif_given(group, values)
            write_values(group, member, values)
        except EcError as exc:
            errors.append(f"Membre {position} : {MESSAGES[exc.code]}")
            continue
        member.id = state.next_id("member")
        group.members[member.id] = member
        imported += 1
    return "OK", imported, errors


async def run(
    state: EcampaignState,
    group_id: int,
    xml_url: str,
    callback_url: str,
    delay: float,
    report: Report,
    write_values: Callable[..., None],
    wait: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> None:
    """The asynchronous part of importMembers, ``delay`` seconds after the answer."""
    await wait(delay)
    outcome, imported, errors = await import_file(state, group_id, xml_url, write_values)
    log.info(
        "ecampaign sandbox: import into group %s: %s, %d imported", group_id, outcome, imported
    )
    if not callback_url:
        return
    if not is_loopback(callback_url):
        log.warning("ecampaign sandbox: import report not sent: its URL is not on loopback")
        return
    report(report_document(outcome, imported, errors), 0, callback_url)
