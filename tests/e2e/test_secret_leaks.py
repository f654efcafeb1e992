"""A known secret per provider goes through every command; it must surface nowhere.

Each sandbox is made to accept a distinctive secret of its own (XML, URL and form special
characters around a random core), the sends and reads go through the command line with the root
logger writing DEBUG to a file, and then the configuration, every file of the SQLite database
(the WAL included: a reader is kept open so that it is not checkpointed away), the log file and
every output of the command line are scanned for each secret in every encoding it could travel
in. ``accounts list --json`` is checked on its own too.
"""

from __future__ import annotations

import contextlib
import html
import logging
import secrets
import sqlite3
import urllib.parse
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

import providers.sandbox.capitole
import providers.sandbox.octopush
import providers.sandbox.voicepartner
from tests.e2e.conftest import ACCOUNTS, CASES, Cli, requests_to


def _secret(special: str) -> tuple[str, str]:
    """A secret and its random alphanumeric core (found whatever the escaping around it)."""
    core = "Zq" + secrets.token_hex(8)
    return f"{special[:3]}{core}{special[3:]}", core


@pytest.fixture
def known_secrets(porte_voix: Cli, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, str]]:
    """A distinctive secret per provider, which that provider's sandbox (and only it) accepts."""
    chosen = {
        "capitole": _secret("<&>'\"é"),  # XML text, ISO-8859-15
        "voicepartner": _secret("k+&< ~"),  # JSON bodies and a URL path segment
        "octopush": _secret("a&=+ %"),  # a form field
        "ecampaign": _secret("<&>'\";"),  # XML text, UTF-8
    }
    # The sandboxes read their module's SANDBOX_SECRET at request time; eCampaign keeps it in
    # the account state.
    monkeypatch.setattr(providers.sandbox.capitole, "SANDBOX_SECRET", chosen["capitole"][0])
    monkeypatch.setattr(providers.sandbox.octopush, "SANDBOX_SECRET", chosen["octopush"][0])
    monkeypatch.setattr(providers.sandbox.voicepartner, "SANDBOX_SECRET", chosen["voicepartner"][0])
    porte_voix.cluster.sandboxes["ecampaign"].state.secret = chosen["ecampaign"][0]  # type: ignore[attr-defined]
    for provider, (secret, _) in chosen.items():
        porte_voix.add_account(provider, secret=secret)
    return chosen


class _NotTheSandbox(logging.Filter):
    """The sandboxes play the providers: their own logs are not ours to judge."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(("providers.sandbox", "aiohttp"))


@pytest.fixture
def log_file(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "porte-voix.log"
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.DEBUG)
    handler.addFilter(_NotTheSandbox())
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield path
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
        handler.close()


def forms(secret: str, core: str) -> set[bytes]:
    """Every way the secret could be written down: raw, escaped, encoded, or just its core."""
    texts = {
        secret,
        core,
        html.escape(secret, quote=False),
        html.escape(secret, quote=True),
        urllib.parse.quote(secret, safe=""),
        urllib.parse.quote_plus(secret),
    }
    found: set[bytes] = set()
    for text in texts:
        found.add(text.encode("utf-8"))
        with contextlib.suppress(UnicodeEncodeError):
            found.add(text.encode("iso-8859-15"))
        found.add(text.encode("utf-16-le"))
    return found


def assert_nowhere(haystacks: dict[str, bytes], chosen: dict[str, tuple[str, str]]) -> None:
    for provider, (secret, core) in chosen.items():
        needles = forms(secret, core)
        for where, data in haystacks.items():
            leaked = [needle for needle in needles if needle in data]
            assert not leaked, f"the {provider} secret appears in {where}: {leaked}"


def files_under(home: Path) -> dict[str, bytes]:
    return {str(path): path.read_bytes() for path in sorted(home.rglob("*")) if path.is_file()}


def _scan(cli: Cli, log: Path, chosen: dict[str, tuple[str, str]]) -> None:
    listing = cli.run("accounts", "list", "--json")
    assert listing.code == 0, listing.output
    assert {row["name"] for row in listing.json["accounts"]} >= set(ACCOUNTS.values())
    in_a_process = cli.subprocess("accounts", "list", "--json")  # secrets in its environment
    assert in_a_process.code == 0, in_a_process.output
    assert {row["secret_source"] for row in in_a_process.json["accounts"]} == {"env"}

    haystacks = files_under(cli.home)
    assert str(cli.home / "config.toml") in haystacks
    haystacks[str(log)] = log.read_bytes()
    haystacks.update({f"output {i}": text.encode() for i, text in enumerate(cli.outputs)})
    assert_nowhere(haystacks, chosen)


def _reads_and_checks(cli: Cli) -> None:
    for provider, name in ACCOUNTS.items():
        check = cli.run("accounts", "check", name, "--json")
        assert check.code == 0, check.output
        if provider != "capitole":
            assert cli.run("credits", "--account", name, "--json").code == 0
    today = date.today()
    cdr = cli.run(
        "cdr", "--account", "demo-ecampaign", "--json",
        "--from", str(today - timedelta(days=3)), "--to", str(today),
    )  # fmt: skip
    assert cdr.code == 0, cdr.output


def test_reads_and_checks_leak_no_secret(
    porte_voix: Cli, known_secrets: dict[str, tuple[str, str]], log_file: Path
) -> None:
    _reads_and_checks(porte_voix)
    for case in CASES:
        if case.dry_run_path is None:  # dry runs validated locally
            assert porte_voix.run(*case.send_args("0612345678", extra=["--dry-run"])).code == 0
    for provider in ("voicepartner", "octopush", "ecampaign"):  # the secret really travelled
        assert requests_to(porte_voix.cluster, provider)

    _scan(porte_voix, log_file, known_secrets)


def test_sends_through_every_provider_leak_no_secret(
    porte_voix: Cli, known_secrets: dict[str, tuple[str, str]], log_file: Path
) -> None:
    wrong = {provider: _secret("<&>") for provider in ACCOUNTS}
    for provider, (secret, _) in wrong.items():
        porte_voix.add_account(provider, name=f"wrong-{provider}", secret=secret)
    reader: sqlite3.Connection | None = None
    try:
        for case in CASES:
            sent = porte_voix.run(*case.send_args("0612345678", extra=["--yes", "--json"]))
            assert (sent.code, sent.json["status"]) == (0, "accepted"), sent.output
            if reader is None:  # keep the WAL on disk: a reader stops the final checkpoint
                reader = sqlite3.connect(porte_voix.db_path)
                reader.execute("SELECT count(*) FROM sends").fetchone()
            dry = porte_voix.run(*case.send_args("0612345678", extra=["--dry-run", "--json"]))
            assert dry.code == 0, dry.output
            refused = case.send_args("0612345678", extra=["--yes", "--json"])
            refused[3] = f"wrong-{case.provider}"  # the --account value
            assert porte_voix.run(*refused).code in (1, 3)
        _reads_and_checks(porte_voix)
        wal = porte_voix.db_path.with_name(porte_voix.db_path.name + "-wal")
        assert wal.exists() and wal.stat().st_size > 0

        _scan(
            porte_voix, log_file, {**known_secrets, **{f"wrong {k}": v for k, v in wrong.items()}}
        )
    finally:
        if reader is not None:
            reader.close()
