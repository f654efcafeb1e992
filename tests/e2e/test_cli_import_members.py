"""``groups import --via-provider`` and ``groups imports`` end to end: the command writes the
file, the eCampaign sandbox fetches it once from the ``listen`` daemon (a child process on
127.0.0.1) and posts its report there; ``groups imports`` shows it; a second fetch is refused."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from providers.sandbox.ecampaign import EcampaignSandbox
from tests.e2e.conftest import Cli, requests_to
from tests.e2e.listen_helpers import RunningDaemon, start_daemon, token_env, token_for
from tui.groups.import_spool import PENDING, ImportSpool, token_id

ECA = "demo-ecampaign"
CSV = (
    "nom;Portable;ville\n"
    "Durand & fils;06 98 00 00 11;Paris\n"
    "Sans numéro;12;Lyon\n"
    "Déjà là;+33 6 12 34 56 01;Paris\n"
    "Nouveau;06 98 00 00 12;<Nice>\n"
)


def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def cli(porte_voix: Cli) -> Cli:
    porte_voix.add_account("ecampaign")
    sandbox = porte_voix.cluster.sandboxes["ecampaign"]
    assert isinstance(sandbox, EcampaignSandbox)
    sandbox.callbacks.delay = 0.05  # it fetches the file this long after its answer
    return porte_voix


@pytest.fixture
def daemon(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningDaemon]:
    tokens = token_env(ECA)
    for name, value in tokens.items():
        monkeypatch.setenv(name, value)
    running = start_daemon(cli.home, {**cli.env(), **tokens})
    try:
        yield running
    finally:
        assert running.stop() == 0, running.output()
        log = running.output()
        assert "Traceback" not in log and token_for(ECA) not in log


def csv_file(cli: Cli) -> Path:
    path = cli.home / "membres.csv"
    path.write_text(CSV, encoding="utf-8")
    return path


def import_args(cli: Cli) -> list[str]:
    return ["groups", "import", "1", "--account", ECA, "--file", str(csv_file(cli))]


def test_without_a_public_url_it_says_what_to_set(cli: Cli) -> None:
    result = cli.run(*import_args(cli), "--map", "Portable=mobile", "--yes", "--via-provider")
    assert result.code == 3, result.output
    assert "public_url" in result.stderr and "porte-voix listen" in result.stderr
    assert not [r for r in requests_to(cli.cluster, "ecampaign") if "importMembers" in r.path]
    failed = cli.run(
        *import_args(cli), "--map", "Portable=mobile", "--yes", "--via-provider", "--json"
    )
    assert failed.json["error"]["code"] == "configuration"


def test_ecampaign_fetches_the_file_once_and_its_report_is_listed(
    cli: Cli, daemon: RunningDaemon
) -> None:
    assert cli.run("listen", "--print-urls", "--public-url", daemon.base).code == 0
    printed_before = len(cli.outputs)  # --print-urls shows the callback URLs: its purpose
    group = cli.cluster.sandboxes["ecampaign"].state.groups[1]  # type: ignore[attr-defined]
    before = len(group.members)
    result = cli.run(
        *import_args(cli), "--map", "Portable=mobile", "--yes", "--via-provider", "--json"
    )
    assert result.code == 1, result.output  # one row rejected here, as member by member
    payload = result.json
    assert set(payload) == {"submitted", "rejected", "import", "state", "group"}
    assert (payload["submitted"], payload["state"], payload["group"]) == (3, PENDING, "1")
    assert [r["line"] for r in payload["rejected"]] == [3]
    assert payload["rejected"][0]["reason"].startswith("mobile: ")
    ident = payload["import"]

    def reported() -> bool:
        listed = cli.run("groups", "imports", "--account", ECA, "--json").json["imports"]
        return any(i["import"] == ident and i["report"] for i in listed)

    until(reported, 20, "eCampaign's import report through the daemon")
    listed = cli.run("groups", "imports", "--account", ECA, "--json").json
    assert listed["account"] == ECA
    mine = next(i for i in listed["imports"] if i["import"] == ident)
    assert (mine["state"], mine["group_id"], mine["submitted"]) == ("finished", "1", 3)
    assert mine["fetched"] and mine["report"]["state"] == "OK"
    assert mine["report"]["imported"] == 2
    assert mine["report"]["errors"] == [
        "Membre 2 : Doublon détecté, impossible d'ajouter le membre"
    ]
    assert len(group.members) == before + 2
    nice = [m for m in group.members.values() if m.values.get("ville") == "<Nice>"]
    assert [(m.values["nom"], m.values["mobile"]) for m in nice] == [("Nouveau", "698000012")]

    # The URL eCampaign was given: served once, refused after (410), never printed.
    sent = [r for r in requests_to(cli.cluster, "ecampaign") if "importMembers" in r.path]
    assert len(sent) == 1
    body = httpx.QueryParams(sent[0].body.decode()).get("xml") or ""
    xml_url = body.split("<xmlUrl>")[1].split("</xmlUrl>")[0]
    assert xml_url.startswith(f"{daemon.base}/imports/") and xml_url.endswith(".xml")
    token = xml_url.rsplit("/", 1)[1].removesuffix(".xml")
    assert token_id(token) == ident
    assert f"<callbackUrl>{daemon.url('ecampaign', ECA)}</callbackUrl>" in body
    assert httpx.get(xml_url, trust_env=False).status_code == 410

    text = cli.run("groups", "imports", "--account", ECA)
    assert text.code == 0 and ident in text.stdout and "finished (OK)" in text.stdout
    assert "Doublon détecté" in text.stdout
    shown = cli.outputs[printed_before:]
    assert not any(token in out or token_for(ECA) in out for out in shown)


def test_a_file_never_fetched_expires(cli: Cli, daemon: RunningDaemon) -> None:
    """Without --yes on no terminal it asks for --yes; a pending import past its lifetime
    reads as expired and its file is gone."""
    cli.run("listen", "--print-urls", "--public-url", "http://127.0.0.2:9")  # never reached
    asked = cli.run(*import_args(cli), "--map", "Portable=mobile", "--via-provider")
    assert asked.code == 2 and "--yes" in asked.stderr
    result = cli.run(
        *import_args(cli), "--map", "Portable=mobile", "--yes", "--via-provider", "--json"
    )
    ident = result.json["import"]
    spool = ImportSpool(cli.home / "data" / "imports")
    record = spool.record(ident)
    assert record is not None
    later = ImportSpool(spool.directory, clock=lambda: _after(record.expires))
    assert later.clean() >= 1
    assert later.record(ident).state == "expired"  # type: ignore[union-attr]
    assert not (spool.directory / f"{ident}.xml").exists()


def _after(iso: str) -> datetime:
    return datetime.fromisoformat(iso) + timedelta(seconds=1)


def test_a_field_name_xml_cannot_carry_is_refused_before_anything_is_sent(
    cli: Cli, daemon: RunningDaemon
) -> None:
    cli.run("listen", "--print-urls", "--public-url", daemon.base)
    made = cli.run(
        "groups", "create", "Salon", "--account", ECA,
        "--field", "first name:custom", "--field", "mobile:mobile", "--json",
    )  # fmt: skip
    assert made.code == 0, made.output
    path = cli.home / "salon.csv"
    path.write_text("first name;mobile\nJo;0698000031\n", encoding="utf-8")
    result = cli.run(
        "groups", "import", "Salon", "--account", ECA, "--file", str(path),
        "--yes", "--via-provider", "--json",
    )  # fmt: skip
    assert result.code == 2, result.output
    error = result.json["error"]
    assert error["code"] == "invalid_field" and "'first name'" in error["message"]
    assert not [r for r in requests_to(cli.cluster, "ecampaign") if "importMembers" in r.path]
    assert cli.run("groups", "imports", "--account", ECA, "--json").json["imports"] == []


def test_an_account_without_groups_is_refused_first(cli: Cli) -> None:
    cli.add_account("octopush")
    for args in (
        ["groups", "imports", "--account", "demo-octopush", "--json"],
        ["groups", "import", "1", "--account", "demo-octopush", "--file", str(csv_file(cli)),
         "--yes", "--via-provider", "--json"],
    ):  # fmt: skip
        result = cli.run(*args)
        assert result.code == 2, result.output
        assert result.json["error"]["code"] == "unsupported"
