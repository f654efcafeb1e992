"""Escape sequences in a provider's reply never reach the terminal raw (issue 8, item 5).

A VoicePartner stand-in on loopback answers the credit call with ESC/OSC sequences (setting the
terminal's title), an 8-bit CSI and DEL, in the currency of a success or in the code and text of
a refusal. ``credits`` and ``accounts check`` print them with their control characters made
visible; ``--json`` escapes them, so a script still reads exactly what the provider sent.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import Cli, Result
from tests.hostile import HOSTILE, SHOWN, HostileVoicePartner, hostile_voicepartner
from tests.hostile import raw_controls as raw_in

SECRET = "vp-key-0123456789"


@pytest.fixture
def stand_in() -> Iterator[type[HostileVoicePartner]]:
    with hostile_voicepartner() as handler:
        yield handler


@pytest.fixture
def account(porte_voix: Cli, stand_in: type[HostileVoicePartner]) -> str:
    url = stand_in.url
    added = porte_voix.run(
        "accounts", "add", "vp", "--provider", "voicepartner", "--set", f"base_url={url}",
        "--secret-stdin", stdin=SECRET + "\n",
    )  # fmt: skip
    assert added.code == 0, added.output
    return "vp"


def raw_controls(result: Result) -> list[str]:
    return raw_in(result.output)


def test_credits_show_a_hostile_currency_visibly(
    porte_voix: Cli, account: str, stand_in: type[HostileVoicePartner]
) -> None:
    stand_in.succeeding()
    text = porte_voix.run("credits", "--account", account)
    assert text.code == 0, text.output
    assert raw_controls(text) == []
    assert SHOWN in text.stdout and "12.5" in text.stdout

    as_json = porte_voix.run("credits", "--account", account, "--json")
    assert as_json.code == 0, as_json.output
    assert raw_controls(as_json) == []
    assert as_json.json["balance"][0]["unit"] == HOSTILE  # exact, for scripts


def test_credits_refused_with_hostile_words(
    porte_voix: Cli, account: str, stand_in: type[HostileVoicePartner]
) -> None:
    stand_in.refusing()
    text = porte_voix.run("credits", "--account", account)
    assert text.code == 1, text.output
    assert raw_controls(text) == []
    assert f"Refus {SHOWN}" in text.stderr

    as_json = porte_voix.run("credits", "--account", account, "--json")
    assert as_json.code == 1, as_json.output
    assert raw_controls(as_json) == []
    assert as_json.json["error"]["code"] == "provider"
    assert as_json.json["error"]["provider_code"] == f"E{HOSTILE}"  # the provider's, exact
    assert f"Refus {SHOWN}" in as_json.json["error"]["message"]


def test_accounts_check_shows_a_hostile_currency_visibly(
    porte_voix: Cli, account: str, stand_in: type[HostileVoicePartner]
) -> None:
    stand_in.succeeding()
    text = porte_voix.run("accounts", "check", account)
    assert text.code == 0, text.output
    assert raw_controls(text) == []
    assert SHOWN in text.stdout

    as_json = porte_voix.run("accounts", "check", account, "--json")
    assert as_json.code == 0, as_json.output
    assert raw_controls(as_json) == []
    assert SHOWN in as_json.json["message"]


def test_accounts_check_refused_with_hostile_words(
    porte_voix: Cli, account: str, stand_in: type[HostileVoicePartner]
) -> None:
    stand_in.refusing()
    text = porte_voix.run("accounts", "check", account)
    assert text.code == 1, text.output
    assert raw_controls(text) == []
    assert f"Refus {SHOWN}" in text.stdout

    as_json = porte_voix.run("accounts", "check", account, "--json")
    assert as_json.code == 1, as_json.output
    assert raw_controls(as_json) == []
    verdict = as_json.json
    assert verdict["provider_code"] == f"E{HOSTILE}"
    assert f"Refus {SHOWN}" in verdict["message"]
    assert verdict["last_check"].endswith(f"E{SHOWN}")

    # The verdict kept in the config (with the provider's code) is listed visibly too.
    listed = porte_voix.run("accounts", "list")
    assert listed.code == 0, listed.output
    assert raw_controls(listed) == []
    assert f"E{SHOWN}" in listed.stdout
