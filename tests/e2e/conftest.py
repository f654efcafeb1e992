"""End-to-end fixtures: the five sandboxes over real loopback HTTP, and the command line itself.

Every test gets a fresh sandbox cluster (it starts in milliseconds), so request counts, balances
and rate limits never leak from one test to the next. Accounts are added through the command
line (``accounts add … --secret-stdin``), exactly as an operator would; the secret lands in the
in-memory keyring that ``tests/conftest.py`` installs. ``Cli.subprocess`` runs the real program
in a child process, where that keyring does not exist: it passes the secrets in the environment
(``PORTE_VOIX_SECRET_<NAME>``) instead.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import re
import sqlite3
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import providers.voicepartner.provider
from providers.ratelimit import LimiterRegistry
from providers.sandbox import SandboxCluster, SandboxThread
from providers.sandbox.capitole import form_field
from providers.sandbox.common import SANDBOX_SECRET
from tui.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]

#: Contract keys of a send's ``--json`` output (issue 2, section 4) ...
SEND_KEYS = {"account", "provider", "status", "recipients", "balance", "cost", "reference"}
#: ... plus the command line's extensions: the provider's own reference, the outbox's precise
#: state (partial, cancelled...), the provider's warnings, and what stopped the send (null).
SEND_EXTRA_KEYS = {"provider_reference", "state", "warnings", "failure"}
RECIPIENT_KEYS = {"number", "status", "message_id", "error"}
E164 = re.compile(r"^\+[1-9]\d{6,14}$")

#: Account name per provider, and the sandbox(es) behind it.
ACCOUNTS = {
    "capitole": "demo-capitole",
    "voicepartner": "demo-voicepartner",
    "octopush": "demo-octopush",
    "ecampaign": "demo-ecampaign",
}
SANDBOXES = {
    "capitole": ("capitole_sms", "capitole_vms"),
    "voicepartner": ("voicepartner",),
    "octopush": ("octopush",),
    "ecampaign": ("ecampaign",),
}


def known_bugs(*reasons: str) -> tuple[pytest.MarkDecorator, ...]:
    """Strict xfail for a reported bug: the test turns red (XPASS) the moment it is fixed."""
    return (pytest.mark.xfail(strict=True, reason="; ".join(reasons)),) if reasons else ()


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    @property
    def json(self) -> Any:
        """The one JSON object printed on stdout (the contract: exactly one, nothing else)."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        assert len(lines) == 1, f"expected exactly one JSON line on stdout, got {self.stdout!r}"
        payload = json.loads(lines[0])
        assert isinstance(payload, dict)
        return payload

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


@dataclass
class Cli:
    """Runs ``porte-voix`` in this process (``run``) or as a child process (``subprocess``)."""

    home: Path
    capsys: pytest.CaptureFixture[str]
    monkeypatch: pytest.MonkeyPatch
    cluster: SandboxCluster
    secrets: dict[str, str] = field(default_factory=dict)  # account name -> secret
    outputs: list[str] = field(default_factory=list)  # everything ever printed, for scans

    def run(self, *args: str, stdin: str = "") -> Result:
        """``tui.cli.main.main(args)`` with ``stdin`` as a non-terminal standard input."""
        self.capsys.readouterr()  # drop whatever an earlier step printed
        with self.monkeypatch.context() as patch:
            patch.setattr(sys, "stdin", io.StringIO(stdin))
            try:
                code = cli.main(list(args))
            except SystemExit as exit_:  # argparse: --version, usage errors
                code = exit_.code if isinstance(exit_.code, int) else 2
        captured = self.capsys.readouterr()
        self.outputs += [captured.out, captured.err]
        return Result(code, captured.out, captured.err)

    def subprocess(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 30.0
    ) -> Result:
        """The real program, ``python -m tui.cli.main``, with stdin closed (not a terminal)."""
        environment = {**os.environ, **self.env(), **(env or {})}
        done = subprocess.run(
            [sys.executable, "-m", "tui.cli", *args],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        self.outputs += [done.stdout, done.stderr]
        return Result(done.returncode, done.stdout, done.stderr)

    def on_a_terminal(self, args: Sequence[str], answer: bytes) -> Result:
        """The real program with a pseudo-terminal as stdin, on which ``answer`` is typed."""
        controller, terminal = pty.openpty()
        try:
            os.write(controller, answer)
            done = subprocess.run(
                [sys.executable, "-m", "tui.cli", *args],
                cwd=ROOT,
                env={**os.environ, **self.env()},
                stdin=terminal,
                capture_output=True,
                text=True,
                timeout=30,
                check=False,
            )
        finally:
            os.close(terminal)
            os.close(controller)
        self.outputs += [done.stdout, done.stderr]
        return Result(done.returncode, done.stdout, done.stderr)

    def env(self) -> dict[str, str]:
        """``PORTE_VOIX_SECRET_<NAME>`` for every account added so far (for child processes)."""
        return {secret_env_name(name): secret for name, secret in self.secrets.items()}

    # -- accounts ------------------------------------------------------------------------------
    def add_account(
        self, provider: str, *, name: str | None = None, secret: str | None = None
    ) -> str:
        """Add the demo account of ``provider`` through ``accounts add … --secret-stdin``."""
        name = name or ACCOUNTS[provider]
        secret = SANDBOX_SECRET if secret is None else secret
        login, options = demo_settings(self.cluster, provider)
        sets = [arg for key, value in options.items() for arg in ("--set", f"{key}={value}")]
        result = self.run(
            "accounts",
            "add",
            name,
            "--provider",
            provider,
            "--login",
            login,
            *sets,
            "--secret-stdin",
            stdin=secret + "\n",
        )
        assert result.code == 0, result.output
        self.secrets[name] = secret
        return name

    def add_all(self) -> dict[str, str]:
        return {provider: self.add_account(provider) for provider in ACCOUNTS}

    # -- what the program left behind ----------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.home / "data" / "porte-voix.db"

    def sends(self) -> list[sqlite3.Row]:
        """Every row of the outbox (read with plain sqlite3, not with the code under test)."""
        if not self.db_path.exists():
            return []
        with contextlib.closing(sqlite3.connect(self.db_path)) as conn:
            conn.row_factory = sqlite3.Row
            return list(conn.execute("SELECT * FROM sends ORDER BY id"))


def secret_env_name(account: str) -> str:
    return "PORTE_VOIX_SECRET_" + re.sub(r"[^A-Za-z0-9]", "_", account).upper()


def demo_settings(cluster: SandboxCluster, provider: str) -> tuple[str, dict[str, str]]:
    """Login and options of the cluster's demo account for ``provider``."""
    for demo in cluster.demo_accounts():
        if demo.settings.provider == provider:
            return demo.settings.login, dict(demo.settings.options)
    raise KeyError(provider)


def requests_to(cluster: SandboxCluster, provider: str) -> list[Any]:
    """Every request the sandbox(es) of ``provider`` received, control API excluded."""
    return [r for name in SANDBOXES[provider] for r in cluster.sandboxes[name].requests]


@dataclass(frozen=True)
class Case:
    """One way of sending: a provider, a channel and the content options it needs."""

    id: str
    provider: str
    kind: str  # the ``send`` sub-command: sms or vms
    content: tuple[str, ...]  # the options that say what is sent
    sandbox: str  # the sandbox that receives the send
    path: str  # where the send goes
    dry_run_path: str | None  # where a dry run goes (None: validated locally, no request)
    balance: str | None  # what the --json output reports after one send from a fresh sandbox
    cost: str | None

    @property
    def account(self) -> str:
        return ACCOUNTS[self.provider]

    def send_args(self, *numbers: str, extra: Sequence[str] = ()) -> list[str]:
        targets = [arg for number in numbers for arg in ("--to", number)]
        return ["send", self.kind, "--account", self.account, *targets, *self.content, *extra]


SMS_TEXT = "Bonjour, à demain : 10 € offerts !"
# fmt: off
CASES = (
    # id, provider, kind, content, sandbox, send path, dry-run path, balance, cost (after one send)
    Case("capitole-sms", "capitole", "sms", ("--text", SMS_TEXT), "capitole_sms",
         "/api/sendsms/xml", "/api/sendsms/xml_test", "999", None),
    Case("capitole-vms", "capitole", "vms",
         ("--voice-msg", "Promo hiver", "--sender", "0145000000"), "capitole_vms",
         "/api/sendvms/xml", "/api/sendvms/xml_test", "999", None),
    Case("voicepartner-voicemail", "voicepartner", "vms", ("--audio", "aud-promo"),
         "voicepartner", "/v1/campaign/send", None, None, "0.15"),
    Case("voicepartner-tts", "voicepartner", "vms",
         ("--tts", "Bonjour, votre rendez-vous est confirmé pour demain à dix heures."),
         "voicepartner", "/v1/tts/send", None, None, "0.15"),
    # 100 EUR less one low-cost SMS at 0.035, as the reply rounds it
    Case("octopush-sms", "octopush", "sms", ("--text", SMS_TEXT), "octopush",
         "/api/sms/json", "/api/sms/json", "99.97", "0.035"),
    Case("ecampaign-sms", "ecampaign", "sms", ("--text", SMS_TEXT), "ecampaign",
         "/sendSMS", None, None, "1"),
    # template 2 is the demo account's recorded voice template
    Case("ecampaign-voice", "ecampaign", "vms", ("--template", "2"), "ecampaign",
         "/sendVoice", None, None, "1"),
)
# fmt: on


def cases() -> list[Any]:
    """``CASES`` as pytest params named by their id."""
    return [pytest.param(case, id=case.id) for case in CASES]


@pytest.fixture(autouse=True)
def _fresh_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each command is its own process in real life, so its client-side rate limiters start
    empty. In process they are shared per API key for the whole session (every test uses the
    same sandbox key): without this, the sixth VoicePartner call of the session would wait."""
    monkeypatch.setattr(providers.voicepartner.provider, "REGISTRY", LimiterRegistry())


@pytest.fixture
def cluster() -> Iterator[SandboxCluster]:
    with SandboxThread() as running:
        yield running


@pytest.fixture
def porte_voix(
    _isolated_home: Path,
    cluster: SandboxCluster,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    """The command line, with no account yet (``add_account`` / ``add_all`` add them)."""
    # A sandbox that hangs must not hold a test for the default 30 s.
    monkeypatch.setenv("PORTE_VOIX_HTTP_TIMEOUT", "5")
    return Cli(_isolated_home, capsys, monkeypatch, cluster)


@pytest.fixture
def accounts(porte_voix: Cli) -> dict[str, str]:
    """One demo account per provider, added through the command line."""
    return porte_voix.add_all()


def assert_send_json(
    payload: dict[str, Any],
    *,
    account: str,
    provider: str,
    status: str,
    numbers: Sequence[str],
) -> None:
    """The shape of a send's ``--json`` output, per the contract."""
    assert set(payload) == SEND_KEYS | SEND_EXTRA_KEYS, payload
    assert payload["account"] == account
    assert payload["provider"] == provider
    assert payload["status"] == status, payload
    assert isinstance(payload["reference"], str) and payload["reference"], payload
    assert [r["number"] for r in payload["recipients"]] == list(numbers)
    for recipient in payload["recipients"]:
        assert set(recipient) == RECIPIENT_KEYS, recipient
        assert E164.match(recipient["number"]), recipient
    for key in ("balance", "cost"):
        assert payload[key] is None or isinstance(payload[key], str), payload
    assert isinstance(payload["warnings"], list), payload
    if status in ("accepted", "dry-run"):
        assert payload["failure"] is None, payload  # no request failed
    precise = {"accepted": {"accepted"}, "dry-run": {"dry-run"}, "unknown": {"unknown"}}
    allowed = precise.get(status, {"rejected", "partial", "cancelled"})
    assert payload["state"] in allowed, payload


def assert_error_json(result: Result, code: str) -> str:
    """``{"error": {"code", "message", "provider_code"}}`` and nothing else; returns the message.

    A local refusal has no provider code: ``provider_code`` is null."""
    payload = result.json
    assert set(payload) == {"error"}, payload
    assert set(payload["error"]) == {"code", "message", "provider_code"}, payload
    assert payload["error"]["provider_code"] is None, payload
    assert payload["error"]["code"] == code, payload
    message: str = payload["error"]["message"]
    return message


def assert_nothing_sent(cli: Cli) -> None:
    for name, sandbox in cli.cluster.sandboxes.items():
        assert sandbox.requests == [], f"{name} received {sandbox.requests}"
    assert cli.sends() == []


def sent_text(case: Case, body: bytes) -> str:
    """The message text as the sandbox received it, decoded as the provider decodes it."""
    if case.provider == "capitole":
        xml = form_field(body, b"XML")
        assert xml is not None
        return xml.decode("iso-8859-15")
    if case.provider == "ecampaign":
        xml = form_field(body, b"xml")
        assert xml is not None
        return xml.decode("utf-8")
    if case.provider == "octopush":
        return urllib.parse.parse_qs(body.decode("ascii"))["sms_text"][0]
    return str(json.loads(body).get("text", ""))
