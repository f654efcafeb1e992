"""The import spool: a file served once at an unguessable URL, expiry, no traversal, and
eCampaign's report kept with the import it belongs to (the spool alone, then through the
receiver over loopback HTTP)."""

from __future__ import annotations

import asyncio
import logging
import stat
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers.models import Group, GroupField, ImportReport
from tui.groups.csv_members import parse_csv, plan_import
from tui.groups.import_spool import (
    EXPIRED,
    FETCHED,
    FINISHED,
    LIFETIME,
    ORPHAN,
    PENDING,
    REFUSED,
    Claim,
    ImportSpool,
    import_url,
    spool_dir,
)
from tui.groups.xml_import import write_members_xml
from tui.outbox.store import Store
from tui.receiver import Receiver, serve

GROUP = Group("7", "Clients", fields=(GroupField("mobile", "mobile"), GroupField("nom", "custom")))
PLAN = plan_import(
    parse_csv("mobile;nom\n0612345678;Ana\n12;Bad\n0698000002;Bo\n"),
    GROUP,
    {"mobile": "mobile", "nom": "nom"},
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def spool(tmp_path: Path, clock: Clock) -> ImportSpool:
    return ImportSpool(tmp_path / "imports", clock=clock)


def prepare(spool: ImportSpool, account: str = "eca") -> tuple[str, str]:
    record, token = spool.prepare(account, GROUP.id, GROUP.name, PLAN, write_members_xml)
    return record.id, token


def every_byte(directory: Path) -> bytes:
    return b"".join(p.read_bytes() for p in directory.iterdir() if p.is_file())


def test_the_file_is_private_and_the_token_is_stored_nowhere(spool: ImportSpool) -> None:
    ident, token = prepare(spool)
    assert stat.S_IMODE(spool.directory.stat().st_mode) == 0o700
    payload = spool.directory / f"{ident}.xml"
    assert stat.S_IMODE(payload.stat().st_mode) == 0o600
    assert payload.read_bytes().count(b"<member>") == 2
    assert token.encode() not in every_byte(spool.directory)
    record = spool.record(ident)
    assert record is not None
    assert (record.state, record.submitted, record.account) == (PENDING, 2, "eca")
    assert record.rejected == ({"line": 3, "reason": record.rejected[0]["reason"]},)
    assert "token_sha256" not in record.as_json() and record.as_json()["import"] == ident


def test_one_complete_get_consumes_the_file(spool: ImportSpool) -> None:
    ident, token = prepare(spool)
    claim = spool.claim(token)
    assert isinstance(claim, Claim)
    assert spool.claim(token) == "gone"  # taken while the first GET reads it
    record = spool.served(claim, complete=True)
    assert record is not None and record.state == FETCHED and record.fetched
    assert spool.claim(token) == "gone"
    assert not list(spool.directory.glob(f"{ident}.xml")) and not claim.serving.exists()


def test_a_get_cut_short_leaves_the_file_for_the_next(spool: ImportSpool) -> None:
    ident, token = prepare(spool)
    claim = spool.claim(token)
    assert isinstance(claim, Claim)
    assert spool.served(claim, complete=False) is None
    assert spool.record(ident).state == PENDING  # type: ignore[union-attr]
    again = spool.claim(token)
    assert isinstance(again, Claim) and again.size == claim.size


@pytest.mark.parametrize(
    "token",
    ["", "short", "../../etc/passwd", "a" * 20 + "/..", "%2e%2e%2fconfig.toml" + "a" * 10],
)
def test_unknown_or_malformed_tokens_find_nothing(spool: ImportSpool, token: str) -> None:
    prepare(spool)
    assert spool.claim(token) == "unknown"
    assert spool.claim("A" * 32) == "unknown"  # well-formed, but no import has it


def test_a_file_not_fetched_in_time_expires(spool: ImportSpool, clock: Clock) -> None:
    ident, token = prepare(spool)
    kept, kept_token = prepare(spool)
    clock.now += LIFETIME + timedelta(seconds=1)
    assert spool.claim(token) == "gone"
    assert not (spool.directory / f"{ident}.xml").exists()
    assert spool.clean() == 1  # the other one's file
    assert spool.record(kept).state == EXPIRED  # type: ignore[union-attr]
    assert spool.claim(kept_token) == "gone"


def test_clean_puts_back_a_file_a_crash_left_half_served(spool: ImportSpool) -> None:
    _, token = prepare(spool)
    claim = spool.claim(token)
    assert isinstance(claim, Claim)  # and the process died here
    spool.clean()  # not the receiver: a GET may be under way, the file stays taken
    assert spool.claim(token) == "gone"
    spool.clean(restore=True)  # the receiver, starting: no GET is under way
    assert isinstance(spool.claim(token), Claim)


def test_a_refused_request_removes_the_file(spool: ImportSpool) -> None:
    ident, token = prepare(spool)
    record = spool.settle(ident, REFUSED, "group not found")
    assert record is not None and (record.state, record.error) == (REFUSED, "group not found")
    assert spool.claim(token) == "gone"


def test_a_report_goes_to_the_accounts_newest_import_waiting(
    spool: ImportSpool, clock: Clock
) -> None:
    older, _ = prepare(spool)
    clock.now += timedelta(minutes=5)
    newer, _ = prepare(spool)
    other, _ = prepare(spool, account="other")
    report = ImportReport("OK", 2, ("Membre 2 : Doublon détecté",))
    first = spool.record_report("eca", report)
    assert first.id == newer and first.state == FINISHED
    assert first.report is not None and first.report["imported"] == 2
    assert first.report["errors"] == ["Membre 2 : Doublon détecté"]
    second = spool.record_report("eca", ImportReport("OK", 1))
    assert second.id == older
    third = spool.record_report("eca", ImportReport("KO", 0))
    assert third.state == ORPHAN and third.id not in (older, newer, other)
    assert spool.record(other).state == PENDING  # type: ignore[union-attr]
    assert [r.id for r in spool.records("eca") if r.state != ORPHAN] == [newer, older]


# --------------------------------------------------------------------------- through the receiver


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """The receiver's side of the log (the test's own HTTP client logs the URLs it asks)."""
    return "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("tui", "aiohttp"))
    )


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Receiver, str]]:
    store = Store(tmp_path / "porte-voix.db")
    receiver = Receiver(store)
    receiver.register("eca", "ecampaign", "R" * 32)
    runner, port = await serve(receiver.build_app())
    try:
        yield receiver, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        store.close()


async def test_the_receiver_serves_the_file_once(
    served: tuple[Receiver, str], caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    receiver, base = served
    assert receiver.spool is not None and receiver.spool.directory == spool_dir(tmp_path)
    ident, token = prepare(receiver.spool)
    expected = (receiver.spool.directory / f"{ident}.xml").read_bytes()
    caplog.set_level(logging.DEBUG)
    async with httpx.AsyncClient(trust_env=False) as client:
        first = await client.get(import_url(base, token))
        assert first.status_code == 200 and first.content == expected
        assert first.headers["content-type"].startswith("application/xml")
        assert (await client.get(import_url(base, token))).status_code == 410
        assert (await client.head(import_url(base, token))).status_code == 405
        assert (await client.get(f"{base}/imports/{'B' * 32}.xml")).status_code == 404
        assert (await client.get(f"{base}/imports/")).status_code == 404
        assert (await client.get(f"{base}/imports/..%2Fporte-voix.db.xml")).status_code == 404
    assert receiver.spool.record(ident).state == FETCHED  # type: ignore[union-attr]
    server = server_log(caplog)
    assert token not in server and f"import {ident} fetched" in server


async def test_behind_a_prefix_and_two_gets_at_once(served: tuple[Receiver, str]) -> None:
    receiver, base = served
    assert receiver.spool is not None
    _, token = prepare(receiver.spool)
    url = import_url(f"{base}/callbacks", token)
    async with httpx.AsyncClient(trust_env=False) as client:
        answers = await asyncio.gather(client.get(url), client.get(url))
    assert sorted(a.status_code for a in answers) == [200, 410]


async def test_the_report_is_stored_with_its_import_and_announced(
    served: tuple[Receiver, str], caplog: pytest.LogCaptureFixture
) -> None:
    receiver, base = served
    assert receiver.spool is not None
    ident, _ = prepare(receiver.spool)
    heard: list[tuple[str, str]] = []
    receiver.import_listeners.append(lambda account, record: heard.append((account, record.id)))
    caplog.set_level(logging.INFO)
    xml = (
        "<ecampaign><importFromXml><state>OK</state><imported>1</imported>"
        "<errors><error>Membre 2 : Données malformées</error></errors>"
        "</importFromXml></ecampaign>"
    )
    async with httpx.AsyncClient(trust_env=False) as client:
        answer = await client.post(f"{base}/ecampaign/eca/{'R' * 32}", data={"xml": xml})
    assert answer.status_code == 200
    record = receiver.spool.record(ident)
    assert record is not None and record.state == FINISHED and record.report is not None
    assert (record.report["state"], record.report["imported"]) == ("OK", 1)
    assert record.report["errors"] == ["Membre 2 : Données malformées"]
    assert heard == [("eca", ident)]
    server = server_log(caplog)
    assert f"import {ident}" in server and "R" * 32 not in server
