"""``porte-voix accounts …`` end to end: keyring, encrypted file, environment, checks, moves.

The server case (no OS keyring) is the ``no_keyring`` fixture in process, and the machine's own
keyring setup, forced to the fail backend, in the child-process tests.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from providers.sandbox import SandboxCluster
from tests.e2e.conftest import ACCOUNTS, ROOT, SANDBOX_SECRET, Cli, demo_settings
from tests.memory_keyring import MemoryKeyring
from tui.accounts.credentials import SERVICE
from tui.cli import main as cli

PASSPHRASE = "correct horse battery"


@pytest.fixture(autouse=True)
def fast_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    """In process only: the real cost is kept by the child-process tests."""
    monkeypatch.setattr("tui.accounts.secret_file.ARGON2_COSTS", (1, 64, 1))


def add_args(cluster: SandboxCluster, provider: str, name: str | None = None) -> list[str]:
    login, options = demo_settings(cluster, provider)
    sets = [arg for key, value in options.items() for arg in ("--set", f"{key}={value}")]
    return [
        "accounts",
        "add",
        name or ACCOUNTS[provider],
        "--provider",
        provider,
        "--login",
        login,
        *sets,
    ]


def config_of(home: Path) -> dict[str, Any]:
    return tomllib.loads((home / "config.toml").read_text())


def secrets_file(home: Path) -> Path:
    return home / "data" / "secrets" / "secrets.cfg"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A terminal on stdin; ``getpass`` answers from the list, in order (and records prompts)."""
    answers: list[str] = []
    prompts: list[str] = []

    def getpass(prompt: str = "") -> str:
        prompts.append(prompt)
        return answers.pop(0)

    monkeypatch.setattr(sys, "stdin", Terminal())
    monkeypatch.setattr("getpass.getpass", getpass)
    yield answers
    assert not answers, f"unused answers; prompts were {prompts}"


# --------------------------------------------------------------------------- no keyring


@pytest.mark.usefixtures("no_keyring")
def test_add_without_keyring_fails_with_the_alternatives(porte_voix: Cli) -> None:
    result = porte_voix.run(
        *add_args(porte_voix.cluster, "octopush"), "--secret-stdin", stdin="x\n"
    )
    assert result.code == 3
    for alternative in ("--store file", "PORTE_VOIX_SECRET_", "dbus-run-session"):
        assert alternative in result.stderr
    assert not (porte_voix.home / "config.toml").exists()


@pytest.mark.usefixtures("no_keyring")
def test_server_recipe_file_store_then_check_every_provider(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", PASSPHRASE)
    for provider in ACCOUNTS:
        args = add_args(porte_voix.cluster, provider)
        result = porte_voix.run(*args, "--store", "file", "--secret-stdin", stdin=SANDBOX_SECRET)
        assert result.code == 0, result.output
        assert "secret in the encrypted file store" in result.stdout
    saved = config_of(porte_voix.home)
    assert {a["secret_store"] for a in saved["accounts"].values()} == {"file"}
    assert SANDBOX_SECRET.encode() not in secrets_file(porte_voix.home).read_bytes()

    for provider in ("octopush", "voicepartner", "ecampaign"):
        result = porte_voix.run("accounts", "check", ACCOUNTS[provider], "--json")
        assert result.code == 0, result.output
        verdict = result.json
        assert verdict["status"] == "ok" and verdict["verified"], verdict
        assert verdict["message"].startswith("authenticated; balance")
    result = porte_voix.run("accounts", "check", "demo-capitole")
    assert result.code == 0, result.output
    assert result.stdout.startswith("demo-capitole: UNVERIFIED:")
    assert "NOT verified" in result.stdout
    checks = {n: a["last_check"] for n, a in config_of(porte_voix.home)["accounts"].items()}
    assert checks["demo-capitole"].endswith(" unverified")
    assert checks["demo-octopush"].endswith(" ok")
    assert all(SANDBOX_SECRET not in output for output in porte_voix.outputs)


@pytest.mark.usefixtures("no_keyring")
def test_file_store_without_passphrase_or_terminal_saves_nothing(porte_voix: Cli) -> None:
    args = add_args(porte_voix.cluster, "octopush")
    result = porte_voix.run(*args, "--store", "file", "--secret-stdin", stdin=SANDBOX_SECRET)
    assert result.code == 3
    assert "PORTE_VOIX_FILE_PASSPHRASE" in result.stderr
    assert not (porte_voix.home / "config.toml").exists()
    assert not secrets_file(porte_voix.home).exists()


@pytest.mark.usefixtures("no_keyring")
def test_terminal_asks_secret_then_a_confirmed_new_passphrase(
    porte_voix: Cli, terminal: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    # secret; new passphrase too short; then two that differ; then the same twice.
    terminal += [SANDBOX_SECRET, "short", PASSPHRASE, "typo" + PASSPHRASE, PASSPHRASE, PASSPHRASE]
    code = cli.main([*add_args(porte_voix.cluster, "octopush"), "--store", "file"])
    captured = capsys.readouterr()
    assert code == 0, captured
    assert "at least 8" in captured.err and "differ" in captured.err
    # The next command unlocks with a single prompt, and the check passes.
    terminal.append(PASSPHRASE)
    assert cli.main(["accounts", "check", "demo-octopush"]) == 0
    assert "demo-octopush: OK" in capsys.readouterr().out


@pytest.mark.usefixtures("no_keyring")
def test_wrong_passphrase_on_check_says_so(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", PASSPHRASE)
    args = add_args(porte_voix.cluster, "ecampaign")
    assert porte_voix.run(*args, "--store", "file", "--secret-stdin", stdin="x-secret").code == 0
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", "another passphrase")
    result = porte_voix.run("accounts", "check", "demo-ecampaign", "--json")
    assert result.code == 3
    assert result.json["code"] == "wrong_passphrase"
    assert result.json["stage"] == "secret"
    assert "PORTE_VOIX_FILE_PASSPHRASE does not open" in result.json["message"]


# --------------------------------------------------------------------------- keyring and env


def test_check_names_what_failed(porte_voix: Cli) -> None:
    porte_voix.add_account("octopush", secret="not-the-secret")
    result = porte_voix.run("accounts", "check", "demo-octopush", "--json")
    assert result.code == 3
    verdict = result.json
    assert verdict["status"] == "failed" and verdict["stage"] == "credentials"
    assert "refused the login or the secret" in verdict["message"]
    assert "not-the-secret" not in result.output
    assert (verdict["code"], verdict["provider_code"]) == ("authentication", "101")
    saved = config_of(porte_voix.home)["accounts"]["demo-octopush"]
    # The failure's name first (as in --json), then the provider's own code.
    assert saved["last_check"].endswith(" authentication: " + verdict["provider_code"])


def test_check_of_an_unreachable_provider_is_a_connection_failure(porte_voix: Cli) -> None:
    porte_voix.add_account("voicepartner")
    edit = ["accounts", "edit", "demo-voicepartner", "--set", "base_url=http://127.0.0.1:9/v1"]
    assert porte_voix.run(*edit).code == 0
    result = porte_voix.run("accounts", "check", "demo-voicepartner")
    assert result.code == 1
    assert "FAILED: VoicePartner could not be reached" in result.stdout


def test_check_without_any_secret_says_where_it_looked(porte_voix: Cli) -> None:
    env_only = [*add_args(porte_voix.cluster, "octopush"), "--store", "env"]
    result = porte_voix.run(*env_only)
    assert result.code == 0 and "set PORTE_VOIX_SECRET_DEMO_OCTOPUSH" in result.stdout
    result = porte_voix.run("accounts", "check", "demo-octopush")
    assert result.code == 3
    assert "PORTE_VOIX_SECRET_DEMO_OCTOPUSH is not set" in result.stdout


def test_environment_override_is_listed_and_used(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    porte_voix.add_account("octopush", secret="wrong-stored-secret")
    monkeypatch.setenv("PORTE_VOIX_SECRET_DEMO_OCTOPUSH", SANDBOX_SECRET)
    listing = porte_voix.run("accounts", "list", "--json").json["accounts"][0]
    assert listing["secret_store"] == "keyring" and listing["secret_source"] == "env"
    assert porte_voix.run("accounts", "check", "demo-octopush").code == 0
    text = porte_voix.run("accounts", "list").stdout
    assert "secret: env" in text and "ok" in text


def test_list_json_never_holds_a_secret(porte_voix: Cli) -> None:
    porte_voix.add_all()
    result = porte_voix.run("accounts", "list", "--json")
    rows = result.json["accounts"]
    assert [r["name"] for r in rows] == list(ACCOUNTS.values())
    assert [r["default"] for r in rows] == [True, False, False, False]
    assert SANDBOX_SECRET not in result.stdout


def test_edit_replaces_the_stored_secret(porte_voix: Cli, memory_keyring: MemoryKeyring) -> None:
    porte_voix.add_account("ecampaign", secret="old-secret")
    result = porte_voix.run(
        "accounts", "edit", "demo-ecampaign", "--secret-stdin", stdin=SANDBOX_SECRET + "\n"
    )
    assert result.code == 0, result.output
    assert memory_keyring.passwords[(SERVICE, "demo-ecampaign")] == SANDBOX_SECRET
    assert porte_voix.run("accounts", "check", "demo-ecampaign").code == 0


def test_remove_deletes_the_secret_too(porte_voix: Cli, memory_keyring: MemoryKeyring) -> None:
    porte_voix.add_account("octopush")
    result = porte_voix.run("accounts", "remove", "demo-octopush")
    assert result.code == 0
    assert "its secret was deleted from the OS keyring" in result.stdout
    assert memory_keyring.passwords == {}
    assert config_of(porte_voix.home).get("accounts", {}) == {}
    assert porte_voix.run("accounts", "remove", "demo-octopush").code == 3


def test_remove_from_the_file_store_asks_no_passphrase(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", PASSPHRASE)
    args = add_args(porte_voix.cluster, "octopush")
    assert porte_voix.run(*args, "--store", "file", "--secret-stdin", stdin="a-secret").code == 0
    monkeypatch.delenv("PORTE_VOIX_FILE_PASSPHRASE")
    result = porte_voix.run("accounts", "remove", "demo-octopush")
    assert result.code == 0 and "deleted from the encrypted file store" in result.stdout
    assert "demo_2Doctopush" not in secrets_file(porte_voix.home).read_text()


def test_move_secret_moves_the_stored_secret_not_the_override(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    porte_voix.add_account("octopush")
    monkeypatch.setenv("PORTE_VOIX_SECRET_DEMO_OCTOPUSH", "override-value")
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", PASSPHRASE)
    result = porte_voix.run("accounts", "move-secret", "demo-octopush", "--to", "file")
    assert result.code == 0, result.output
    assert "from the OS keyring to the encrypted file store" in result.stdout
    assert "PORTE_VOIX_SECRET_DEMO_OCTOPUSH is set" in result.stdout
    assert memory_keyring.passwords == {}
    monkeypatch.delenv("PORTE_VOIX_SECRET_DEMO_OCTOPUSH")
    assert config_of(porte_voix.home)["accounts"]["demo-octopush"]["secret_store"] == "file"
    assert porte_voix.run("accounts", "check", "demo-octopush").code == 0  # the stored one
    again = porte_voix.run("accounts", "move-secret", "demo-octopush", "--to", "file")
    assert again.code == 2 and "already in the encrypted file store" in again.stderr


def test_move_secret_of_an_environment_account_says_what_it_did(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch, memory_keyring: MemoryKeyring
) -> None:
    assert porte_voix.run(*add_args(porte_voix.cluster, "octopush"), "--store", "env").code == 0
    result = porte_voix.run("accounts", "move-secret", "demo-octopush", "--to", "keyring")
    assert result.code == 3 and "nothing to move" in result.stderr
    monkeypatch.setenv("PORTE_VOIX_SECRET_DEMO_OCTOPUSH", SANDBOX_SECRET)
    result = porte_voix.run("accounts", "move-secret", "demo-octopush", "--to", "keyring")
    assert result.code == 0
    assert "read from PORTE_VOIX_SECRET_DEMO_OCTOPUSH" in result.stdout
    assert memory_keyring.passwords == {(SERVICE, "demo-octopush"): SANDBOX_SECRET}


# --------------------------------------------------------------------------- the real program


def child(home: Path, *args: str, stdin: str = "", **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PORTE_VOIX_")},
        "PORTE_VOIX_HOME": str(home),
        # Never a desktop keyring from a test: the fail backend stands for "no keyring".
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "tui.cli", *args],
        cwd=ROOT,
        env=environment,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_real_program_on_a_server_without_keyring(porte_voix: Cli) -> None:
    home = porte_voix.home
    args = add_args(porte_voix.cluster, "octopush")
    refused = child(home, *args, "--secret-stdin", stdin=SANDBOX_SECRET)
    assert refused.returncode == 3 and "--store file" in refused.stderr
    added = child(
        home,
        *args,
        "--store",
        "file",
        "--secret-stdin",
        stdin=SANDBOX_SECRET,
        PORTE_VOIX_FILE_PASSPHRASE=PASSPHRASE,
    )
    assert added.returncode == 0, added.stderr
    checked = child(
        home, "accounts", "check", "demo-octopush", "--json", PORTE_VOIX_FILE_PASSPHRASE=PASSPHRASE
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["status"] == "ok"
    data = secrets_file(home).read_bytes()
    assert SANDBOX_SECRET.encode() not in data and PASSPHRASE.encode() not in data
    assert oct(secrets_file(home).stat().st_mode & 0o777) == "0o600"


# --------------------------------------------------------------------------- no secret left behind

SENDS = {
    "capitole": ["send", "sms", "--text", "Bonjour"],
    "octopush": ["send", "sms", "--text", "Bonjour"],
    "ecampaign": ["send", "sms", "--text", "Bonjour"],
    "voicepartner": ["send", "vms", "--tts", "Bonjour"],
}


def add_every_provider_to_the_file_store(porte_voix: Cli) -> None:
    for provider in ACCOUNTS:
        args = add_args(porte_voix.cluster, provider)
        added = porte_voix.run(*args, "--store", "file", "--secret-stdin", stdin=SANDBOX_SECRET)
        assert added.code == 0, added.output
        assert porte_voix.run("accounts", "check", ACCOUNTS[provider], "--json").json["ok"]
    assert porte_voix.run("accounts", "list", "--json").code == 0


def assert_secret_nowhere(porte_voix: Cli) -> None:
    """Every file under the home (config, database and its journal, secrets) and every output."""
    files = [path for path in porte_voix.home.rglob("*") if path.is_file()]
    assert porte_voix.home / "config.toml" in files
    assert secrets_file(porte_voix.home) in files
    assert porte_voix.home / "data" / "porte-voix.log" in files
    for path in files:
        data = path.read_bytes()
        for form in (SANDBOX_SECRET.encode(), SANDBOX_SECRET.encode("utf-16-le")):
            assert form not in data, path
    assert porte_voix.outputs
    for output in porte_voix.outputs:
        assert SANDBOX_SECRET not in output


@pytest.mark.usefixtures("no_keyring")
def test_a_known_secret_is_nowhere_after_adding_and_checking(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", PASSPHRASE)
    add_every_provider_to_the_file_store(porte_voix)
    assert_secret_nowhere(porte_voix)


@pytest.mark.usefixtures("no_keyring")
def test_a_known_secret_is_nowhere_after_sending_through_every_provider(
    porte_voix: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTE_VOIX_FILE_PASSPHRASE", PASSPHRASE)
    add_every_provider_to_the_file_store(porte_voix)
    for provider, send in SENDS.items():
        result = porte_voix.run(
            *send, "--account", ACCOUNTS[provider], "--to", "+33611223344", "--yes", "--json"
        )
        assert result.code == 0, result.output
        assert result.json["status"] == "accepted", result.json
    assert len(porte_voix.sends()) == len(SENDS)
    assert any(path.name.startswith("porte-voix.db") for path in porte_voix.home.rglob("*"))
    assert_secret_nowhere(porte_voix)
