"""Replies too large to hold whole (eCampaign's getCDR: tens of MB): read chunk by chunk.

``open_stream`` is ``providers.http.request`` for reads whose body is consumed as it arrives:
the same rules for an operation without an effect, kept in one place for those readers:

* a connection that failed before anything was sent is retried (``CONNECT_RETRIES``), then
  reported as ``CONNECTION_FAILED``, "nothing was sent"; an unusable URL is ``BAD_URL``;
* HTTP 429 is ``RateLimitedError``, 5xx a retryable ``ProviderError`` (``check_status``);
* a timeout or a broken answer once the request left is a retryable ``NO_ANSWER``;
* the body is capped at ``max_bytes`` after content decoding (``REPLY_TOO_LARGE``), and the
  whole exchange runs under one deadline. The deadline counts the time spent waiting for the
  provider only, not the time the caller spends on each chunk (a screen storing rows), so a
  slow consumer is never blamed on the provider, while a server dripping a byte at a time
  still cannot hold a request open for ever.

Error texts never include the URL (some providers put the API key in it). Writes do not go
through here: their outcomes need ``request``'s "may have been processed" rules.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Coroutine, Mapping
from contextlib import asynccontextmanager
from typing import TypeVar

import httpx

from providers.errors import ProviderError
from providers.http import (
    BAD_URL,
    CONNECT_RETRIES,
    MAX_REPLY_BYTES,
    REPLY_TOO_LARGE,
    check_status,
    check_url,
    connection_failed,
    declared_length,
    overall_deadline,
)

T = TypeVar("T")
#: Bytes of the body kept for error texts (the scrubbers cut them shorter).
HEAD_BYTES = 2000


class _Budget:
    """The seconds left for the provider, spent only while waiting for it."""

    def __init__(self, provider: str, seconds: float) -> None:
        self.provider = provider
        self.seconds = seconds
        self.left = seconds

    async def wait(self, step: Awaitable[T]) -> T:
        if self.left <= 0:
            if isinstance(step, Coroutine):
                step.close()  # never awaited: say so to Python, not in a warning
            raise self.expired()
        start = time.monotonic()
        try:
            async with asyncio.timeout(self.left):
                return await step
        except TimeoutError:
            raise self.expired() from None
        finally:
            self.left -= time.monotonic() - start

    def expired(self) -> ProviderError:
        meaning = f"no complete answer from the provider within the {self.seconds:g} s deadline"
        return ProviderError(self.provider, "NO_ANSWER", meaning, retryable=True)


class StreamedReply:
    """The status and headers of a reply whose body has not been read yet."""

    def __init__(self, response: httpx.Response, budget: _Budget, max_bytes: int) -> None:
        self.status_code = response.status_code
        self.headers = response.headers
        self.head = b""  # the body's first bytes, for error texts
        self.size = 0  # bytes handed over so far
        self._response = response
        self._budget = budget
        self._max_bytes = max_bytes

    async def chunks(self) -> AsyncGenerator[bytes, None]:
        """The (decoded) body as it arrives; refused past ``max_bytes``."""
        provider, cap = self._budget.provider, self._max_bytes
        if declared_length(self._response) > cap:
            raise _too_large(provider, cap)
        pieces = self._response.aiter_bytes()
        try:
            while True:
                try:
                    chunk = await self._budget.wait(anext(pieces))
                except StopAsyncIteration:
                    return
                except httpx.RequestError as exc:
                    raise _no_answer(provider, exc) from None
                self.size += len(chunk)
                if self.size > cap:
                    raise _too_large(provider, cap)
                if len(self.head) < HEAD_BYTES:
                    self.head += chunk[: HEAD_BYTES - len(self.head)]
                yield chunk
        finally:
            close = getattr(pieces, "aclose", None)  # typed as an iterator; a generator in fact
            if close is not None:
                await close()

    async def read(self, max_bytes: int = MAX_REPLY_BYTES) -> httpx.Response:
        """The whole body, at most ``max_bytes``, as a read response (for an error's text)."""
        self._max_bytes = min(self._max_bytes, max_bytes)
        body = b"".join([chunk async for chunk in self.chunks()])
        return _read_response(self._response, body)


@asynccontextmanager
async def open_stream(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    url: str,
    *,
    content: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    deadline: float | None = None,
    max_bytes: int = MAX_REPLY_BYTES,
) -> AsyncIterator[StreamedReply]:
    """Send one request without an effect and hand its reply over unread (see the module).

    ``deadline`` bounds the seconds spent waiting for the provider (default:
    ``overall_deadline`` of the client's timeout); ``max_bytes`` bounds the body.
    """
    budget = _Budget(provider, overall_deadline(client.timeout) if deadline is None else deadline)
    check_url(provider, url)
    try:
        request = client.build_request(method, url, content=content, headers=headers)
    except (httpx.UnsupportedProtocol, httpx.InvalidURL, TypeError, ValueError):
        raise _bad_url(provider, "it cannot be parsed") from None
    response = await _send(client, request, budget)
    try:
        reply = StreamedReply(response, budget, max_bytes)
        if response.status_code == 429 or response.status_code >= 500:
            check_status(provider, await _error_body(reply, response), sends=False)
        yield reply
    finally:
        await response.aclose()


async def _send(
    client: httpx.AsyncClient, request: httpx.Request, budget: _Budget
) -> httpx.Response:
    provider = budget.provider
    attempt = 0
    while True:
        try:
            response = await budget.wait(client.send(request, stream=True))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            attempt += 1
            if attempt > CONNECT_RETRIES:
                raise connection_failed(provider, exc) from None
            await asyncio.sleep(0.2 * attempt)
            continue
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise _bad_url(provider, "it cannot be requested") from None
        except httpx.LocalProtocolError as exc:
            raise ProviderError(
                provider,
                "BAD_REQUEST",
                f"the request could not be made ({type(exc).__name__}); nothing was sent; "
                "check the account's settings",
            ) from None
        except httpx.RequestError as exc:
            raise _no_answer(provider, exc) from None
        return response


async def _error_body(reply: StreamedReply, response: httpx.Response) -> httpx.Response:
    """The body of a 429 or 5xx for its error text; its status says more than any read error."""
    try:
        return await reply.read()
    except ProviderError:
        return _read_response(response, b"")


def _read_response(response: httpx.Response, body: bytes) -> httpx.Response:
    # The body is decoded already, and its length is its own: those headers would mislead.
    headers = [
        (key, value)
        for key, value in response.headers.raw
        if key.lower() not in (b"content-encoding", b"content-length")
    ]
    return httpx.Response(
        response.status_code, headers=headers, content=body, request=response.request
    )


def _no_answer(provider: str, exc: Exception) -> ProviderError:
    meaning = f"no usable answer from the provider ({type(exc).__name__})"
    return ProviderError(provider, "NO_ANSWER", meaning, retryable=True)


def _too_large(provider: str, cap: int) -> ProviderError:
    meaning = f"the provider's reply is larger than {cap:,} bytes and was not read"
    return ProviderError(provider, REPLY_TOO_LARGE, meaning)


def _bad_url(provider: str, reason: str) -> ProviderError:
    # The URL itself is never quoted: some providers carry the API key in it.
    return ProviderError(
        provider,
        BAD_URL,
        f"the endpoint URL is not usable ({reason}); nothing was sent; "
        "check the account's endpoint URL",
    )
