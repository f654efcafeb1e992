"""Escape sequences in a provider's reply never reach the terminal raw (issue 8, item 5).

A VoicePartner stand-in on loopback answers the credit call with ESC/OSC sequences (setting the
terminal's title), an 8-bit CSI and DEL, in the currency of a success or in the code and text of
a refusal. ``credits`` and ``accounts check`` print them with their control characters made
visible; ``--json`` escapes them, so a script still reads exactly what the provider sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.e2e.conftest import Cli, Result

#: Sets the terminal's title (OSC 0), clears the screen (8-bit CSI), then a DEL.
HOSTILE = "\x1b]0;pwned\x07EUR\x9b2J\x7f"
SHOWN = "\\x1b]0;pwned\\x07EUR\\x9b2J\\x7f"
SECRET = "vp-key-0123456789"


class HostileVoicePartner(BaseHTTPRequestHandler):
    """``GET /v1/me/{key}``: ``reply`` (status, JSON body), set by the test."""

    reply: tuple[int, dict[str, Any]] = (200, {})

    def do_GET(self) -> None:
        status, body = self.reply
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the test's output is the program's."""


@pytest.fixture
def stand_in() -> Iterator[type[HostileVoicePartner]]:
    handler = type("Handler", (HostileVoicePartner,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/v1"  # type: ignore[attr-defined]
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def account(porte_voix: Cli, stand_in: type[HostileVoicePartner]) -> str:
    url = stand_in.url  # type: ignore[attr-defined]
    added = porte_voix.run(
        "accounts", "add", "vp", "--provider", "voicepartner", "--set", f"base_url={url}",
        "--secret-stdin", stdin=SECRET + "\n",
    )  # fmt: skip
    assert added.code == 0, added.output
    return "vp"


def raw_controls(result: Result) -> list[str]:
    """Control characters that would reach the terminal (line breaks excepted)."""
    return [char for char in result.output if not char.isprintable() and char != "\n"]


def succeeding(stand_in: type[HostileVoicePartner]) -> None:
    stand_in.reply = (200, {"success": True, "credit": 12.5, "currency": HOSTILE})


def refusing(stand_in: type[HostileVoicePartner]) -> None:
    body = {"success": False, "code": f"E{HOSTILE}", "message": f"Refus {HOSTILE}"}
    stand_in.reply = (400, body)


def test_credits_show_a_hostile_currency_visibly(
    porte_voix: Cli, account: str, stand_in: type[HostileVoicePartner]
) -> None:
    succeeding(stand_in)
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
    refusing(stand_in)
    text = porte_voix.run("credits", "--account", account)
    assert text.code == 1, text.output
    assert raw_controls(text) == []
    assert f"Refus {SHOWN}" in text.stderr

    as_json = porte_voix.run("credits", "--account", account, "--json")
    assert as_json.code == 1, as_json.output
    assert raw_controls(as_json) == []
    assert as_json.json["error"]["code"] == f"E{HOSTILE}"  # the contract's code, exact
    assert f"Refus {SHOWN}" in as_json.json["error"]["message"]


def test_accounts_check_shows_a_hostile_currency_visibly(
    porte_voix: Cli, account: str, stand_in: type[HostileVoicePartner]
) -> None:
    succeeding(stand_in)
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
    refusing(stand_in)
    text = porte_voix.run("accounts", "check", account)
    assert text.code == 1, text.output
    assert raw_controls(text) == []
    assert f"Refus {SHOWN}" in text.stdout

    as_json = porte_voix.run("accounts", "check", account, "--json")
    assert as_json.code == 1, as_json.output
    assert raw_controls(as_json) == []
    verdict = as_json.json
    assert verdict["code"] == f"E{HOSTILE}"
    assert f"Refus {SHOWN}" in verdict["message"]
    assert verdict["last_check"].endswith(f"E{SHOWN}")

    # The verdict kept in the config (with the provider's code) is listed visibly too.
    listed = porte_voix.run("accounts", "list")
    assert listed.code == 0, listed.output
    assert raw_controls(listed) == []
    assert f"E{SHOWN}" in listed.stdout
