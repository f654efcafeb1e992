"""Helpers shared by the eCampaign unit tests (this module holds no tests).

Requests are checked without reusing the code under test: the body must be exactly one form
field ``xml`` made of URL-safe characters, and its value is decoded here by hand and compared
byte for byte with the XML the test spells out.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable

import httpx

from providers.base import AccountSettings
from providers.ecampaign import EcampaignProvider

BASE = "http://api.ecampaign.prosoluce.fr"
USER = "demo-user"
SECRET = "pa55-word"
SECRET_MD5 = "ac9a95a48bc2547cb23f840c8e21bc3f"  # md5("pa55-word")
DECL = '<?xml version="1.0" encoding="UTF-8"?>\n'
LOGIN = f"<login><user>{USER}</user><password>{SECRET}</password></login>"
FORM = "application/x-www-form-urlencoded"

Answer = httpx.Response | bytes | Callable[[httpx.Request], httpx.Response]


def reply(inner: str = "", code: int = 0, message: str = "OK") -> bytes:
    """A reply as the documentation shows them (declaration, code, message, details)."""
    return (
        f'<?xml version="1.0"?>\n<ecampaign><code>{code}</code><message>{message}</message>'
        f"{inner}</ecampaign>"
    ).encode()


class Recorder:
    """MockTransport handler: records requests, answers the queued replies in turn (the last
    one again when the queue runs out)."""

    def __init__(self, *answers: Answer) -> None:
        self.answers: list[Answer] = list(answers) or [reply()]
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, bytes):
            return httpx.Response(200, content=answer, headers={"Content-Type": "text/xml"})
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    @property
    def only(self) -> httpx.Request:
        assert len(self.requests) == 1, f"{len(self.requests)} requests"
        return self.requests[0]


def make(recorder: Recorder, secret: str = SECRET, **options: str) -> EcampaignProvider:
    opts = {"route": "12", **options}
    settings = AccountSettings("main", "ecampaign", USER, opts)
    return EcampaignProvider(settings, secret, httpx.MockTransport(recorder))


def document(inner: str, login: str = LOGIN) -> bytes:
    """The whole request document the provider must send, as UTF-8 bytes."""
    return f"{DECL}<ecampaign>{login}{inner}</ecampaign>".encode()


def form_xml(request: httpx.Request) -> bytes:
    """The raw bytes of the single ``xml`` form field, decoded independently."""
    body = request.content
    assert body.startswith(b"xml="), body[:40]
    value = body[len(b"xml=") :]
    assert re.fullmatch(rb"[A-Za-z0-9%+._~-]*", value), "body is not one URL-encoded field"
    return urllib.parse.unquote_to_bytes(value.replace(b"+", b" "))


def assert_post(request: httpx.Request, path: str, inner: str, login: str = LOGIN) -> None:
    assert request.method == "POST"
    assert str(request.url) == BASE + path
    assert request.headers["Content-Type"] == FORM
    assert form_xml(request) == document(inner, login)
