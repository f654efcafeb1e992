"""A VoicePartner stand-in on loopback whose replies carry terminal control sequences.

Issue 8, item 5: ESC/OSC sequences in a provider's reply must reach no terminal raw. The stand-in
answers ``GET /v1/me/{key}`` (the credit call, which is also the account check) with whatever
``reply`` the test sets: a success whose currency is hostile, or a refusal whose code and text are.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Sets the terminal's title (OSC 0), clears the screen (8-bit CSI), then a DEL.
HOSTILE = "\x1b]0;pwned\x07EUR\x9b2J\x7f"
#: ``HOSTILE`` as it must be shown: every control character as its escape.
SHOWN = "\\x1b]0;pwned\\x07EUR\\x9b2J\\x7f"


class HostileVoicePartner(BaseHTTPRequestHandler):
    """Answers every GET with ``reply``: (HTTP status, JSON body)."""

    reply: tuple[int, dict[str, Any]] = (200, {})
    url = ""

    def do_GET(self) -> None:
        status, body = self.reply
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the output under test is the program's."""

    @classmethod
    def succeeding(cls) -> None:
        cls.reply = (200, {"success": True, "credit": 12.5, "currency": HOSTILE})

    @classmethod
    def refusing(cls) -> None:
        cls.reply = (400, {"success": False, "code": f"E{HOSTILE}", "message": f"Refus {HOSTILE}"})


@contextmanager
def hostile_voicepartner() -> Iterator[type[HostileVoicePartner]]:
    """A running stand-in; its class (``reply``, ``url``: the account's ``base_url``)."""
    handler = type("Handler", (HostileVoicePartner,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def raw_controls(text: str) -> list[str]:
    """Control characters that would reach a terminal (line breaks excepted)."""
    return [char for char in text if not char.isprintable() and char != "\n"]
