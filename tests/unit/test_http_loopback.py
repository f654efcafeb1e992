"""providers.http against a real server on 127.0.0.1: a slow drip and a huge reply.

The server is raw asyncio (every byte is under the test's control), bounded in time, and stops
by itself. Nothing asserts on durations: the outcome (which error) and the memory used are
asserted, and every wait is bounded by a generous guard so that a regression fails, not hangs.
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Awaitable, Callable

import httpx
import pytest

from providers.errors import OutcomeUnknownError, ProviderError
from providers.http import REPLY_TOO_LARGE, make_client, request

GUARD = 60.0
Script = Callable[[asyncio.StreamWriter], Awaitable[None]]


class LoopbackServer:
    """A raw HTTP/1.1 server answering every request with ``script``; stops by itself."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[object]] = set()
        self.url = ""

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            async with asyncio.timeout(30):  # bounded whatever the client does
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":", 1)[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                await reader.readexactly(length)
                self.requests += 1
                await self.script(writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass  # stopped by __aexit__: end quietly (asyncio logs a handler that ends cancelled)
        finally:
            writer.close()

    async def __aenter__(self) -> LoopbackServer:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/send"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._handlers:
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()


async def drip_body(writer: asyncio.StreamWriter) -> None:
    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 200\r\n\r\n")
    for _ in range(200):  # 20 s at most: without a deadline the request would succeed
        writer.write(b".")
        await writer.drain()
        await asyncio.sleep(0.1)


async def drip_status_line(writer: asyncio.StreamWriter) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK":
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(0.5)


@pytest.mark.parametrize("script", [drip_body, drip_status_line])
@pytest.mark.parametrize("sends", [True, False])
async def test_a_dripping_server_cannot_hold_a_request_past_its_deadline(
    script: Script, sends: bool
) -> None:
    # Every byte arrives well within the read timeout: only the overall deadline can end it.
    timeout = httpx.Timeout(connect=5.0, read=5.0, write=5.0, pool=5.0)
    async with LoopbackServer(script) as server, make_client(timeout=timeout) as client:
        async with asyncio.timeout(GUARD):
            with pytest.raises(ProviderError) as caught:
                await request(
                    client, "test", "POST", server.url, sends=sends, content=b"x", deadline=1.0
                )
    assert server.requests == 1  # it left, and was not sent again
    if sends:
        assert isinstance(caught.value, OutcomeUnknownError)
    else:
        assert caught.value.code == "NO_ANSWER" and caught.value.retryable


async def test_a_huge_reply_from_a_real_server_is_refused_in_bounded_memory() -> None:
    offered = 256 * 1024 * 1024
    cap = 1024 * 1024
    written = 0
    chunk = b"z" * (64 * 1024)

    async def huge(writer: asyncio.StreamWriter) -> None:
        nonlocal written
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        while written < offered:  # ends when the client hangs up, at the latest at `offered`
            writer.write(frame)
            await writer.drain()
            written += len(chunk)

    async with LoopbackServer(huge) as server, make_client() as client:
        tracemalloc.start()
        try:
            with pytest.raises(ProviderError) as caught:
                async with asyncio.timeout(GUARD):
                    await request(client, "test", "GET", server.url, sends=False, max_bytes=cap)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert caught.value.code == REPLY_TOO_LARGE
    assert peak < 32 * 1024 * 1024  # the whole reply would be 256 MiB
    assert written < offered
