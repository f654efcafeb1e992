"""The command line is one module per command family, each with ``register(commands)``; main.py
only lists them, and building the parser loads none of the heavy layers (issue: cli families).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import main as cli

ROOT = Path(__file__).resolve().parents[2]
#: Loaded by commands that need them, never to build the parser or to count a text.
HEAVY = (
    "keyring",
    "keyrings.cryptfile",
    "sqlite3",
    "tui.outbox.store",
    "tui.accounts.credentials",
    "tui.accounts.check",
    "tui.sending",
    "providers.capitole",
    "providers.ecampaign",
)
#: The commands and sub-commands scripts rely on (tests/e2e use them all).
COMMANDS = {"accounts", "send", "credits", "cdr", "sms-count"}


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


def test_every_family_registers_its_commands_with_a_handler() -> None:
    commands = _subcommands(cli.build_parser())
    assert set(commands) >= COMMANDS
    for name in ("credits", "cdr", "sms-count"):
        assert callable(commands[name].get_default("handler")), name
    actions = _subcommands(commands["accounts"])
    assert set(actions) == {"add", "edit", "list", "remove", "check", "move-secret"}
    for name, parser in actions.items():
        assert callable(parser.get_default("handler")), name
    assert commands["send"].get_default("may_send") is True


def test_a_family_is_one_module_with_register() -> None:
    assert {"tui.cli.accounts", "tui.cli.info", "tui.cli.send"} <= set(cli.FAMILIES)
    for module in cli.FAMILIES:
        assert callable(importlib.import_module(module).register), module


def test_a_known_error_reaching_main_keeps_the_exit_code_contract(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A layer's known error reaching main is worded by the contract, not an internal error."""
    from tui.accounts.config import ConfigError

    def broken(_args: argparse.Namespace) -> int:
        raise ConfigError("the config says no")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda *_: parser)
    count = _subcommands(parser)["sms-count"]
    count.set_defaults(handler=broken)
    assert cli.main(["sms-count", "x"]) == 3


@pytest.mark.parametrize(
    "argv", [["--version"], ["sms-count", "Bonjour", "--json"], ["sms-count", "x", "--help"]]
)
def test_cheap_commands_load_no_heavy_layer(argv: list[str], tmp_path: Path) -> None:
    probe = (
        "import json, sys\n"
        "from tui.cli.main import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={"PORTE_VOIX_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    loaded = json.loads(done.stderr.strip().splitlines()[-1])
    assert loaded == [], f"{argv} loaded {loaded}"


def test_each_command_names_its_own_family() -> None:
    """``COMMAND_FAMILIES`` says which family registers each command (a command line builds
    that family's parser alone): checked against what the families register."""
    registered = {}
    for family in cli.FAMILIES:
        commands = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(family).register(commands)
        registered.update(dict.fromkeys(commands.choices, family))
    assert registered == cli.COMMAND_FAMILIES
    assert set(_subcommands(cli.build_parser())) == set(cli.COMMAND_FAMILIES)
    only = _subcommands(cli.build_parser("resend"))
    assert set(only) == {"sends", "resend"}
    assert cli.command_of(["--demo", "send", "sms", "--to", "x"]) == "send"
    assert cli.command_of(["--version"]) is None and cli.command_of(["nope"]) is None


def test_a_command_line_builds_the_parser_it_needs(capsys: pytest.CaptureFixture[str]) -> None:
    """The whole help lists every command; a mistyped one is refused by the whole parser."""
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listed = capsys.readouterr().out
    assert all(name in listed for name in cli.COMMAND_FAMILIES)
    with pytest.raises(SystemExit) as refused:
        cli.main(["sendd", "sms"])
    assert refused.value.code == 2
    assert "invalid choice: 'sendd'" in capsys.readouterr().err


def test_the_program_freezes_what_is_left_for_the_exit(monkeypatch: pytest.MonkeyPatch) -> None:
    """``porte-voix`` (``entry``) is ``main`` and its exit code; what is left is frozen out of
    the final collections, by the program only (``main`` never touches the collector)."""
    frozen: list[bool] = []
    monkeypatch.setattr(cli.gc, "freeze", lambda: frozen.append(True))
    paced: list[tuple[int, ...]] = []
    monkeypatch.setattr(cli.gc, "set_threshold", lambda *pace: paced.append(pace))
    monkeypatch.setattr(cli, "main", lambda: 7)
    assert cli.entry() == 7 and frozen == [True]
    # The collector's pace, set by the program only, its older generations' left as they were.
    assert paced == [(cli.COLLECT_EVERY, *gc.get_threshold()[1:])]
    run = subprocess.run(
        [sys.executable, "-m", "tui.cli", "sms-count", "hello", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0 and json.loads(run.stdout)["segments"] == 1
