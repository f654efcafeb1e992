"""One way to talk HTTP to a provider: explicit timeouts, a deadline, a size cap, honest outcomes.

A request is retried only when the connection failed before anything was sent (connect errors,
pool timeouts). Once bytes may have left, a timeout or a broken answer becomes
``OutcomeUnknownError`` for operations that spend money (``sends=True``): the operator decides.
Error texts never include the URL, because some providers put the API key in it.

Per-read timeouts alone do not bound a request: a server dripping one byte a second never trips
them. So the whole exchange (connect, send, headers, body) runs under one overall deadline, and
the body is streamed and refused beyond ``max_bytes`` rather than loaded whole into memory.
A reply too large to hold even so (eCampaign's getCDR) is read chunk by chunk through
``providers.http_stream``, which shares ``check_url``, ``declared_length`` and ``check_status``.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import httpx

from providers.errors import OutcomeUnknownError, ProviderError, RateLimitedError

# httpx logs every request URL at INFO; VoicePartner URLs carry the API key.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=30.0, write=30.0, pool=10.0)
#: Seconds to wait for an answer; raise it on a slow link, lower it in tests.
TIMEOUT_ENV = "PORTE_VOIX_HTTP_TIMEOUT"
CONNECT_RETRIES = 2
USER_AGENT = "porte-voix/0.1"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: Largest reply body read by default (after content decoding). Provider replies are a few KB;
#: callers where a large reply is normal (eCampaign getCDR) pass a larger ``max_bytes``.
MAX_REPLY_BYTES = 5 * 1024 * 1024
#: Error code of a URL that cannot be requested at all: a configuration problem, nothing sent.
BAD_URL = "BAD_URL"
#: Error code of a reply larger than the cap, for operations without an effect.
REPLY_TOO_LARGE = "REPLY_TOO_LARGE"
#: Characters of a reply kept in error texts. Generous on purpose: the secret scrubber
#: (providers/redact.py) must see the text before any short cut, or a secret straddling the cut
#: would survive in part; the final, short cut belongs to the scrubber and describe layers.
EXCERPT_CHARS = 2000

#: Called once a request's body has been written out (httpcore's trace), from inside the
#: request: a sender with work to do besides waiting for the answer (reading and checking the
#: next batch) does it then, while the provider works, rather than before the request leaves
#: or on the wire's idle time. Set it around awaiting ``request`` (a task created meanwhile
#: copies it); None (the
#: default): nobody. Never called by a transport that reports nothing (a test's
#: MockTransport): do it once the request is over then.
request_sent: ContextVar[Callable[[], None] | None] = ContextVar("request_sent", default=None)


def make_client(
    transport: httpx.AsyncBaseTransport | None = None,
    timeout: httpx.Timeout | None = None,
) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=transport,
        timeout=timeout or _timeout_from_env(),
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
        trust_env=False,
    )


def _timeout_from_env() -> httpx.Timeout:
    raw = os.environ.get(TIMEOUT_ENV)
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(raw)
    except ValueError:
        return DEFAULT_TIMEOUT
    if not 0 < seconds <= 600:
        return DEFAULT_TIMEOUT
    return httpx.Timeout(connect=min(seconds, 10.0), read=seconds, write=seconds, pool=10.0)


def overall_deadline(timeout: httpx.Timeout) -> float:
    """Seconds a whole request may take under ``timeout``: 100 s by default, 20 s at 5 s.

    Connect, send, wait as long as one read timeout for the provider to answer, and as long
    again for the body to arrive.
    """

    def part(value: float | None, default: float | None) -> float:
        return value if value is not None else float(default or 0.0)

    connect = part(timeout.connect, DEFAULT_TIMEOUT.connect)
    write = part(timeout.write, DEFAULT_TIMEOUT.write)
    read = part(timeout.read, DEFAULT_TIMEOUT.read)
    return connect + write + 2 * read


class _Progress:
    """How far one request got, to tell "nothing sent" from "may have been processed".

    httpcore reports its steps through the ``trace`` request extension. A transport that reports
    nothing (a test's MockTransport, a custom one) is assumed to have sent: the safe guess.
    """

    def __init__(self) -> None:
        self.in_flight = False  # False between connect retries: nothing is on the wire
        self.traced = False
        self.sent = False
        self._on_sent = request_sent.get()

    async def trace(self, event: str, info: Mapping[str, Any]) -> None:
        self.traced = True
        if ".send_request" in event:
            self.sent = True
            if self._on_sent is not None and event.endswith("send_request_body.complete"):
                on_sent, self._on_sent = self._on_sent, None
                try:
                    on_sent()
                except Exception:  # the request is out: a listener's bug must not fail it
                    logging.getLogger(__name__).exception("request_sent listener failed")

    @property
    def nothing_sent(self) -> bool:
        return not self.in_flight or (self.traced and not self.sent)


async def request(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    url: str,
    *,
    sends: bool,
    content: bytes | None = None,
    json: Any = None,
    params: Mapping[str, str] | None = None,
    headers: Mapping[str, str] | None = None,
    deadline: float | None = None,
    max_bytes: int = MAX_REPLY_BYTES,
) -> httpx.Response:
    """Perform one request; map transport failures to provider errors.

    ``sends`` marks an operation with an effect (a send, a deletion): its failures after the
    request left are reported as unknown outcomes rather than retried. ``deadline`` bounds the
    whole request in seconds (default: ``overall_deadline`` of the client's timeout);
    ``max_bytes`` bounds the reply body. The response returned is fully read.
    """
    check_url(provider, url)
    seconds = overall_deadline(client.timeout) if deadline is None else deadline
    progress = _Progress()
    try:
        async with asyncio.timeout(seconds):
            response = await _attempts(
                client,
                provider,
                method,
                url,
                progress,
                sends=sends,
                max_bytes=max_bytes,
                content=content,
                json=json,
                params=params,
                headers=headers,
            )
    except TimeoutError:
        raise _deadline_error(provider, seconds, progress, sends=sends) from None
    return check_status(provider, response, sends=sends)


async def _attempts(
    client: httpx.AsyncClient,
    provider: str,
    method: str,
    url: str,
    progress: _Progress,
    *,
    sends: bool,
    max_bytes: int,
    **arguments: Any,
) -> httpx.Response:
    attempt = 0
    while True:
        progress.in_flight = True
        try:
            async with client.stream(
                method, url, extensions={"trace": progress.trace}, **arguments
            ) as streamed:
                body, complete = await _read_capped(streamed, max_bytes)
                response = _buffered(streamed, body)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            progress.in_flight = False
            attempt += 1
            if attempt > CONNECT_RETRIES:
                raise connection_failed(provider, exc) from None
            await asyncio.sleep(0.2 * attempt)
            continue
        except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
            raise _bad_url(provider, type(exc).__name__) from None
        except httpx.LocalProtocolError as exc:
            # Refused by our own client before a byte left (a bad header).
            raise ProviderError(
                provider,
                "BAD_REQUEST",
                f"the request could not be made ({type(exc).__name__}); nothing was sent; "
                "check the account's settings",
            ) from None
        except httpx.RequestError as exc:
            # Timeouts after the request left, resets, protocol errors, undecodable bodies.
            meaning = f"no usable answer from the provider ({type(exc).__name__})"
            if sends:
                raise OutcomeUnknownError(
                    provider, meaning + "; the request may have been processed"
                ) from None
            raise ProviderError(provider, "NO_ANSWER", meaning, retryable=True) from None
        if not complete:
            _refuse_too_large(provider, response, max_bytes, sends=sends)
        return response


async def _read_capped(response: httpx.Response, max_bytes: int) -> tuple[bytes, bool]:
    """The (decoded) body, or its first ``max_bytes`` and False when it is longer."""
    if declared_length(response) > max_bytes:
        return b"", False  # refused unread: the server said how long it is
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        room = max_bytes - size
        if len(chunk) > room:
            chunks.append(chunk[:room])
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), True


def declared_length(response: httpx.Response) -> int:
    """Content-Length when it counts the decoded body, else -1."""
    declared = response.headers.get("content-length", "").strip()
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    # isascii: "²".isdigit() is true but int() refuses it; the length bounds the int.
    if encoding != "identity" or not (declared.isascii() and declared.isdigit()):
        return -1
    return int(declared) if len(declared) <= 18 else 10**18


def _buffered(streamed: httpx.Response, body: bytes) -> httpx.Response:
    """A read response holding ``body``, for callers' ``.content``, ``.text`` and ``.json()``."""
    # The body is already decoded: a Content-Encoding left in place would be decoded again.
    headers = [(k, v) for k, v in streamed.headers.raw if k.lower() != b"content-encoding"]
    kept = ("http_version", "reason_phrase")
    return httpx.Response(
        streamed.status_code,
        headers=headers,
        content=body,
        request=streamed.request,
        extensions={k: v for k, v in streamed.extensions.items() if k in kept},
        default_encoding=streamed.default_encoding,
    )


def _refuse_too_large(
    provider: str, response: httpx.Response, max_bytes: int, *, sends: bool
) -> None:
    if response.status_code == 429 or response.status_code >= 500:
        check_status(provider, response, sends=sends)  # the status says more than the size
    meaning = f"the provider's reply is larger than {max_bytes:,} bytes and was not read"
    if sends:
        raise OutcomeUnknownError(
            provider, meaning + "; the request was answered, so it may have been processed"
        )
    raise ProviderError(provider, REPLY_TOO_LARGE, meaning, _excerpt(response))


def _deadline_error(
    provider: str, seconds: float, progress: _Progress, *, sends: bool
) -> ProviderError:
    within = f"within the {seconds:g} s deadline"
    if progress.nothing_sent:
        return ProviderError(
            provider,
            "CONNECTION_FAILED",
            f"could not reach the provider {within}; nothing was sent",
            retryable=True,
        )
    meaning = f"no complete answer from the provider {within}"
    if sends:
        return OutcomeUnknownError(provider, meaning + "; the request may have been processed")
    return ProviderError(provider, "NO_ANSWER", meaning, retryable=True)


def url_problem(url: str) -> str | None:
    """Why no request could go to ``url`` ("it names no valid host"...), or None."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return "it cannot be parsed"
    if parsed.scheme not in ("http", "https"):
        return "it does not start with http:// or https://"
    # httpx percent-encodes a space in a host, which would then fail as a DNS error, retried.
    if not parsed.host or not all(c.isalnum() or c in "-._:" for c in parsed.host):
        return "it names no valid host"
    # httpx reads any number as a port; the connection would then fail inside asyncio, after
    # the send was journalled, and read as an answer that may have been processed.
    if parsed.port is not None and not 0 < parsed.port <= 65535:
        return f"its port {parsed.port} is not between 1 and 65535"
    return None


def check_url(provider: str, url: str) -> None:
    """Refuse, before anything is sent, a URL no request could go to."""
    problem = _known_problem(url)
    if problem is not None:
        raise _bad_url(provider, problem)


@functools.lru_cache(maxsize=32)
def _known_problem(url: str) -> str | None:
    # A send asks about the same URL before each of its batches: it is judged once.
    return url_problem(url)


def _bad_url(provider: str, reason: str) -> ProviderError:
    # The URL itself is never quoted: some providers carry the API key in it.
    return ProviderError(
        provider,
        BAD_URL,
        f"the endpoint URL is not usable ({reason}); nothing was sent; "
        "check the account's endpoint URL",
    )


def connection_failed(provider: str, exc: Exception) -> ProviderError:
    """The connection could not be made, retries spent: nothing was sent, so it may be retried."""
    return ProviderError(
        provider,
        "CONNECTION_FAILED",
        f"could not connect to the provider ({type(exc).__name__}); nothing was sent",
        retryable=True,
    )


def check_status(provider: str, response: httpx.Response, *, sends: bool) -> httpx.Response:
    status = response.status_code
    if status == 429:
        raise RateLimitedError(provider, retry_after_seconds(response), _excerpt(response))
    if status >= 500:
        meaning = f"the provider failed with HTTP {status}"
        if sends:
            raise OutcomeUnknownError(
                provider, meaning + "; the request may have been processed", _excerpt(response)
            )
        raise ProviderError(provider, f"HTTP {status}", meaning, _excerpt(response), retryable=True)
    return response


def retry_after_seconds(response: httpx.Response, default: float = 60.0) -> float:
    for header in ("retry-after", "x-ratelimit-reset"):
        value = response.headers.get(header)
        if value is None:
            continue
        try:
            seconds = float(value)
        except ValueError:
            continue
        # x-ratelimit-reset is sometimes an epoch; treat huge values as "unknown".
        if 0 <= seconds < 86_400:
            return seconds
    return default


def _excerpt(response: httpx.Response, limit: int = EXCERPT_CHARS) -> str:
    """The start of the reply for error texts; see ``EXCERPT_CHARS`` for why it is long.

    When the reply is longer, the word the cut falls in is dropped as well: it might be the
    start of a secret the scrubber could no longer recognise.
    """
    raw = response.content
    text = raw[: limit * 4].decode("utf-8", errors="replace")  # a character is at most 4 bytes
    if len(text) <= limit and len(raw) <= limit * 4:
        return text
    kept = text[:limit]
    boundary = max(kept.rfind(c) for c in " \t\r\n\"'<>&=,;:/")
    return kept[: boundary + 1 if boundary >= limit - 256 else limit - 256] + "…"
