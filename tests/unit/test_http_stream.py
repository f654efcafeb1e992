"""providers.http_stream: a read whose reply is handed over chunk by chunk, with the rules of
providers.http for reads (connect retries, status errors, a size cap, one deadline that counts
the provider's time only).

No test asserts on durations: each asserts the outcome, and every wait is bounded by a guard so
that a regression fails instead of hanging."""

from __future__ import annotations

import asyncio
import gzip
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from providers.errors import ProviderError, RateLimitedError
from providers.http import make_client
from providers.http_stream import HEAD_BYTES, open_stream

URL = "https://api.example.test/tracking"
GUARD = 60.0
Handler = Callable[[httpx.Request], httpx.Response]


class Body(httpx.AsyncByteStream):
    """A reply body: its chunks, an optional pause before one, an optional failure."""

    def __init__(
        self, chunks: list[bytes], *, pause: float = 0.0, fail_after: int | None = None
    ) -> None:
        self.chunks = chunks
        self.pause = pause
        self.fail_after = fail_after
        self.read = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if index == self.fail_after:
                raise httpx.ReadError("connection reset")
            if self.pause and index:
                await asyncio.sleep(self.pause)
            self.read += 1
            yield chunk


async def read_all(handler: Handler, **kwargs: object) -> tuple[int, bytes]:
    async with (
        asyncio.timeout(GUARD),
        make_client(httpx.MockTransport(handler)) as client,
        open_stream(client, "test", "POST", URL, **kwargs) as reply,  # type: ignore[arg-type]
    ):
        return reply.status_code, b"".join([chunk async for chunk in reply.chunks()])


async def test_the_body_comes_chunk_by_chunk_and_the_request_is_unchanged() -> None:
    seen: list[httpx.Request] = []
    body = Body([b"a" * 3000, b"b" * 10, b"c"])

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=body)

    async with (
        make_client(httpx.MockTransport(handler)) as client,
        open_stream(
            client, "test", "POST", URL, content=b"xml=%3Ca%2F%3E", headers={"X-A": "1"}
        ) as reply,
    ):
        got = [chunk async for chunk in reply.chunks()]
        assert (reply.size, len(reply.head)) == (3011, HEAD_BYTES)
    assert got == body.chunks
    (request,) = seen
    assert (request.method, request.content, request.headers["X-A"]) == (
        "POST",
        b"xml=%3Ca%2F%3E",
        "1",
    )


async def test_a_body_beyond_the_cap_is_refused_as_it_arrives() -> None:
    body = Body([b"x" * 1000] * 50)
    with pytest.raises(ProviderError) as caught:
        await read_all(lambda _: httpx.Response(200, stream=body), max_bytes=10_500)
    assert caught.value.code == "REPLY_TOO_LARGE"
    assert body.read == 11  # read up to the chunk that crossed the cap, not further


async def test_a_declared_length_beyond_the_cap_is_refused_unread() -> None:
    body = Body([b"x" * 1000] * 50)

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=body, headers={"Content-Length": "50000"})

    with pytest.raises(ProviderError) as caught:
        await read_all(handler, max_bytes=10_000)
    assert caught.value.code == "REPLY_TOO_LARGE" and body.read == 0


async def test_the_cap_counts_decoded_bytes() -> None:
    bomb = gzip.compress(b"\0" * 5_000_000)
    assert len(bomb) < 10_000

    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=bomb, headers={"Content-Encoding": "gzip"})

    with pytest.raises(ProviderError) as caught:
        await read_all(handler, max_bytes=1_000_000)
    assert caught.value.code == "REPLY_TOO_LARGE"
    status, body = await read_all(handler, max_bytes=6_000_000)
    assert (status, len(body)) == (200, 5_000_000)


async def test_connection_failures_are_retried_then_said_to_send_nothing() -> None:
    attempts: list[int] = []

    def handler(_: httpx.Request) -> httpx.Response:
        attempts.append(1)
        raise httpx.ConnectError("refused")

    with pytest.raises(ProviderError) as caught:
        await read_all(handler)
    assert (caught.value.code, caught.value.retryable) == ("CONNECTION_FAILED", True)
    assert "nothing was sent" in caught.value.meaning
    assert len(attempts) == 3


async def test_a_connection_lost_mid_body_is_no_answer() -> None:
    body = Body([b"a", b"b", b"c"], fail_after=2)
    with pytest.raises(ProviderError) as caught:
        await read_all(lambda _: httpx.Response(200, stream=body))
    assert (caught.value.code, caught.value.retryable) == ("NO_ANSWER", True)
    assert "ReadError" in caught.value.meaning


async def test_a_dripping_provider_meets_the_deadline() -> None:
    body = Body([b"a", b"b", b"c"], pause=30.0)
    with pytest.raises(ProviderError) as caught:
        await read_all(lambda _: httpx.Response(200, stream=body), deadline=0.2)
    assert caught.value.code == "NO_ANSWER" and "0.2 s deadline" in caught.value.meaning
    assert body.read == 1


async def test_the_deadline_counts_every_wait_together() -> None:
    body = Body([b"x"] * 20, pause=0.1)  # 1.9 s of waiting in all, none of it long
    with pytest.raises(ProviderError) as caught:
        await read_all(lambda _: httpx.Response(200, stream=body), deadline=0.5)
    assert caught.value.code == "NO_ANSWER"
    assert 2 <= body.read < 20


async def test_a_provider_that_never_answers_meets_the_deadline() -> None:
    async def handler(_: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return httpx.Response(200)

    with pytest.raises(ProviderError) as caught:
        await read_all(handler, deadline=0.2)  # type: ignore[arg-type]
    assert caught.value.code == "NO_ANSWER"


async def test_the_callers_own_time_does_not_count() -> None:
    body = Body([b"a", b"b", b"c", b"d"])
    async with asyncio.timeout(GUARD):
        async with (
            make_client(httpx.MockTransport(lambda _: httpx.Response(200, stream=body))) as c,
            open_stream(c, "test", "GET", URL, deadline=0.2) as reply,
        ):
            got = []
            async for chunk in reply.chunks():
                got.append(chunk)
                await asyncio.sleep(0.1)  # 0.4 s in all: twice the deadline
    assert got == body.chunks


async def test_rate_limits_and_server_errors() -> None:
    with pytest.raises(RateLimitedError) as limited:
        await read_all(lambda _: httpx.Response(429, headers={"Retry-After": "12"}))
    assert limited.value.retry_after == 12

    with pytest.raises(ProviderError) as failed:
        await read_all(lambda _: httpx.Response(503, content=b"maintenance"))
    assert (failed.value.code, failed.value.retryable) == ("HTTP 503", True)
    assert "maintenance" in failed.value.original

    huge = Body([b"x" * 1_000_000] * 10)  # the status says more than the size
    with pytest.raises(ProviderError) as big:
        await read_all(lambda _: httpx.Response(502, stream=huge))
    assert big.value.code == "HTTP 502"


async def test_other_statuses_are_the_callers_to_read() -> None:
    def handler(_: httpx.Request) -> httpx.Response:
        return httpx.Response(
            404, content=gzip.compress(b"<html>gone</html>"), headers={"Content-Encoding": "gzip"}
        )

    async with (
        make_client(httpx.MockTransport(handler)) as client,
        open_stream(client, "test", "GET", URL) as reply,
    ):
        assert reply.status_code == 404
        response = await reply.read()
    assert (response.status_code, response.text) == (404, "<html>gone</html>")
    assert "content-encoding" not in response.headers


@pytest.mark.parametrize("url", ["ftp://api.example.test/x", "http:///nohost", "not a url"])
async def test_unusable_urls_send_nothing(url: str) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200)

    async with make_client(httpx.MockTransport(handler)) as client:
        with pytest.raises(ProviderError) as caught:
            async with open_stream(client, "test", "GET", url):
                pass
    assert caught.value.code == "BAD_URL" and url not in str(caught.value)
    assert sent == []
