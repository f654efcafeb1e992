"""providers.http: the overall deadline, the reply size cap, bad URLs and error excerpts.

Nothing here asserts on durations: each test asserts the outcome (which error, how many bytes
were read, how much memory was used), and any wait is bounded by a generous guard so that a
regression fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import gzip
import json
from collections.abc import AsyncIterator, Callable, Iterable

import httpx
import pytest

from providers.errors import OutcomeUnknownError, ProviderError, RateLimitedError
from providers.http import (
    BAD_URL,
    EXCERPT_CHARS,
    MAX_REPLY_BYTES,
    REPLY_TOO_LARGE,
    check_status,
    make_client,
    overall_deadline,
    request,
)

URL = "https://api.example.test/send"
#: A regression must fail, not hang: every awaited request is bounded by this.
GUARD = 60.0
Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(handler: Handler) -> httpx.AsyncClient:
    return make_client(httpx.MockTransport(handler))


async def call(client: httpx.AsyncClient, *, sends: bool, **kwargs: object) -> httpx.Response:
    async with asyncio.timeout(GUARD):
        return await request(client, "test", "POST", URL, sends=sends, **kwargs)  # type: ignore[arg-type]


# -- responses stay usable and requests unchanged ---------------------------------------------


async def test_request_bytes_and_reply_are_those_of_a_plain_request() -> None:
    seen: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        seen.append(req)
        return httpx.Response(200, json={"ok": "é"}, headers={"X-Id": "7"})

    async with mock_client(handler) as client:
        response = await call(
            client,
            sends=True,
            content=b"a=1&b=%C3%A9",
            params={"k": "v"},
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200 and response.headers["x-id"] == "7"
    assert response.json() == {"ok": "é"} and '"é"' in response.text
    assert response.content == '{"ok":"é"}'.encode()
    (sent,) = seen
    assert (sent.method, str(sent.url)) == ("POST", URL + "?k=v")
    assert sent.content == b"a=1&b=%C3%A9"
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.headers["user-agent"] == "porte-voix/0.1"


async def test_a_compressed_reply_is_decoded_once() -> None:
    body = json.dumps({"balance": 12}).encode()

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, content=gzip.compress(body), headers={"Content-Encoding": "gzip"}
        )

    async with mock_client(handler) as client:
        response = await call(client, sends=False)
    assert response.content == body and response.json() == {"balance": 12}
    assert "content-encoding" not in response.headers


# -- the overall deadline ---------------------------------------------------------------------


def test_the_default_deadline_follows_the_configured_timeout() -> None:
    assert overall_deadline(httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)) == 100
    assert overall_deadline(httpx.Timeout(5.0)) == 20
    assert overall_deadline(httpx.Timeout(None)) == 100


async def hang(req: httpx.Request) -> httpx.Response:
    await asyncio.Event().wait()  # until the deadline cancels it
    raise AssertionError("unreachable")


async def test_a_send_past_its_deadline_is_an_unknown_outcome() -> None:
    calls = 0

    async def handler(req: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return await hang(req)

    async with make_client(httpx.MockTransport(handler)) as client:
        with pytest.raises(OutcomeUnknownError) as caught:
            await call(client, sends=True, deadline=0.3)
    assert "may have been processed" in caught.value.meaning
    assert "deadline" in caught.value.meaning
    assert calls == 1  # never retried


async def test_a_query_past_its_deadline_is_a_retryable_error() -> None:
    async with make_client(httpx.MockTransport(hang)) as client:
        with pytest.raises(ProviderError) as caught:
            await call(client, sends=False, deadline=0.3)
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert caught.value.code == "NO_ANSWER" and caught.value.retryable


class TracingHang(httpx.AsyncBaseTransport):
    """Reports httpcore's steps through the trace extension, as the real transport does."""

    def __init__(self, events: Iterable[str]) -> None:
        self.events = list(events)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        for event in self.events:
            await request.extensions["trace"](event, {})
        return await hang(request)


async def test_a_deadline_hit_while_connecting_means_nothing_was_sent() -> None:
    events = ["connection.connect_tcp.started", "connection.connect_tcp.complete"]
    async with make_client(TracingHang(events)) as client:
        with pytest.raises(ProviderError) as caught:
            await call(client, sends=True, deadline=0.3)
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert caught.value.code == "CONNECTION_FAILED" and caught.value.retryable
    assert "nothing was sent" in caught.value.meaning


async def test_a_deadline_hit_once_the_request_started_leaving_is_unknown() -> None:
    events = ["connection.connect_tcp.complete", "http11.send_request_headers.started"]
    async with make_client(TracingHang(events)) as client:
        with pytest.raises(OutcomeUnknownError):
            await call(client, sends=True, deadline=0.3)


async def test_connect_failures_are_still_retried_then_reported_as_nothing_sent() -> None:
    attempts = 0

    def handler(req: httpx.Request) -> httpx.Response:
        nonlocal attempts
        attempts += 1
        raise httpx.ConnectError("refused", request=req)

    async with mock_client(handler) as client:
        with pytest.raises(ProviderError) as caught:
            await call(client, sends=True)
    assert caught.value.code == "CONNECTION_FAILED" and attempts == 3


# -- the size cap -----------------------------------------------------------------------------


class Endless(httpx.AsyncByteStream):
    """A reply body far larger than any cap, counting what the client pulled from it.

    Bounded all the same (and yielding to the loop), so that a client without a cap ends.
    """

    def __init__(self, chunk: int = 64 * 1024, total: int = 64 * 1024 * 1024) -> None:
        self.chunk = b"x" * chunk
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            await asyncio.sleep(0)
            self.pulled += len(self.chunk)
            yield self.chunk


@pytest.mark.parametrize("sends", [False, True])
async def test_a_reply_over_the_cap_is_refused_after_reading_no_more_than_the_cap(
    sends: bool,
) -> None:
    body = Endless()
    cap = 1024 * 1024
    async with mock_client(lambda req: httpx.Response(200, stream=body)) as client:
        with pytest.raises(ProviderError) as caught:
            await call(client, sends=sends, max_bytes=cap)
    assert body.pulled <= cap + len(body.chunk)
    if sends:
        assert isinstance(caught.value, OutcomeUnknownError)
        assert "may have been processed" in caught.value.meaning
    else:
        assert caught.value.code == REPLY_TOO_LARGE and not caught.value.retryable
        assert f"{cap:,} bytes" in caught.value.meaning


async def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    body = Endless()
    headers = {"Content-Length": str(10**12)}
    async with mock_client(lambda req: httpx.Response(200, headers=headers, stream=body)) as client:
        with pytest.raises(ProviderError) as caught:
            await call(client, sends=False)
    assert caught.value.code == REPLY_TOO_LARGE and body.pulled == 0


async def test_the_cap_counts_decoded_bytes_so_a_compression_bomb_is_refused() -> None:
    bomb = gzip.compress(b"\0" * (8 * 1024 * 1024))
    assert len(bomb) < 64 * 1024

    def handler(req: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})

    async with mock_client(handler) as client:
        with pytest.raises(ProviderError) as caught:
            await call(client, sends=False, max_bytes=1024 * 1024)
    assert caught.value.code == REPLY_TOO_LARGE


async def test_a_reply_of_exactly_the_cap_is_read_and_a_caller_can_ask_for_more() -> None:
    payload = b"y" * MAX_REPLY_BYTES
    async with mock_client(lambda req: httpx.Response(200, content=payload)) as client:
        assert (await call(client, sends=False)).content == payload
    bigger = payload + b"z"
    async with mock_client(lambda req: httpx.Response(200, content=bigger)) as client:
        with pytest.raises(ProviderError):
            await call(client, sends=False)
        response = await call(client, sends=False, max_bytes=2 * MAX_REPLY_BYTES)
    assert response.content == bigger


async def test_an_oversized_server_error_still_reports_its_status() -> None:
    headers = {"Retry-After": "7"}
    async with mock_client(lambda req: httpx.Response(429, headers=headers, stream=Endless())) as c:
        with pytest.raises(RateLimitedError) as limited:
            await call(c, sends=True, max_bytes=1024)
    assert limited.value.retry_after == 7
    async with mock_client(lambda req: httpx.Response(503, stream=Endless())) as c:
        with pytest.raises(ProviderError) as failed:
            await call(c, sends=False, max_bytes=1024)
    assert failed.value.code == "HTTP 503" and failed.value.retryable


# -- malformed URLs: configuration, nothing sent ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "capitole_sms http://127.0.0.1:33981/?key=SECRETKEY",
        "127.0.0.1:33981/api?key=SECRETKEY",
        "api.example.test/send?key=SECRETKEY",
        "ftp://api.example.test/?key=SECRETKEY",
        "http:///send?key=SECRETKEY",
        "http://[::1/send?key=SECRETKEY",
        "http://api example.test/?key=SECRETKEY",
        "\thttp://127.0.0.1:1/?key=SECRETKEY",
        # A port no socket has: asyncio failed inside the connection, read as "may have been
        # processed" after the send was journalled.
        "http://127.0.0.1:99999/api?key=SECRETKEY",
        "http://127.0.0.1:0/api?key=SECRETKEY",
    ],
)
async def test_a_malformed_url_is_a_configuration_error_and_nothing_is_sent(url: str) -> None:
    calls: list[httpx.Request] = []

    def handler(req: httpx.Request) -> httpx.Response:
        calls.append(req)
        return httpx.Response(200)

    async with mock_client(handler) as client:
        with pytest.raises(ProviderError) as caught:
            await request(client, "test", "POST", url, sends=True, content=b"x")
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert caught.value.code == BAD_URL and not caught.value.retryable
    assert "nothing was sent" in caught.value.meaning
    assert "SECRETKEY" not in str(caught.value) and "may have been" not in str(caught.value)
    assert calls == []


# -- excerpts ---------------------------------------------------------------------------------


def server_error(body: str) -> ProviderError:
    response = httpx.Response(500, text=body, request=httpx.Request("POST", URL))
    with pytest.raises(ProviderError) as caught:
        check_status("test", response, sends=False)
    return caught.value


def test_excerpts_are_long_enough_for_the_scrubber_to_see_a_secret_whole() -> None:
    secret = "S3cr3tKey0123456789"
    body = "error: " + "word " * 100 + f"key={secret} " + "tail " * 1000
    original = server_error(body).original
    assert secret in original  # well past the old 300-character cut
    assert len(original) <= EXCERPT_CHARS + 1


def test_an_excerpt_never_keeps_the_start_of_a_word_cut_in_half() -> None:
    secret = "S3cr3tKey0123456789"
    body = "x " * ((EXCERPT_CHARS - 10) // 2) + secret + " more" * 100
    assert body.index(secret) < EXCERPT_CHARS < body.index(secret) + len(secret)
    original = server_error(body).original
    assert "S3cr" not in original and original.endswith("…")
    short = server_error("plain refusal")
    assert short.original == "plain refusal"
