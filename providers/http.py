"""One way to talk HTTP to a provider: explicit timeouts, safe retries, honest outcomes.

A request is retried only when the connection failed before anything was sent (connect errors,
pool timeouts). Once bytes may have left, a timeout or a broken answer becomes
``OutcomeUnknownError`` for operations that spend money (``sends=True``): the operator decides.
Error texts never include the URL, because some providers put the API key in it.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
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
) -> httpx.Response:
    """Perform one request; map transport failures to provider errors.

    ``sends`` marks an operation with an effect (a send, a deletion): its failures after the
    request left are reported as unknown outcomes rather than retried.
    """
    attempt = 0
    while True:
        try:
            response = await client.request(
                method, url, content=content, json=json, params=params, headers=headers
            )
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            attempt += 1
            if attempt > CONNECT_RETRIES:
                raise ProviderError(
                    provider,
                    "CONNECTION_FAILED",
                    f"could not connect to the provider ({type(exc).__name__}); nothing was sent",
                    retryable=True,
                ) from None
            await asyncio.sleep(0.2 * attempt)
            continue
        except (httpx.UnsupportedProtocol, httpx.LocalProtocolError) as exc:
            # Refused by our own client before a byte left (bad URL scheme, bad header).
            raise ProviderError(
                provider,
                "BAD_REQUEST",
                f"the request could not be made ({type(exc).__name__}); nothing was sent; "
                "check the account's endpoint URL",
            ) from None
        except httpx.RequestError as exc:
            # Timeouts after the request left, resets, protocol errors, undecodable bodies.
            meaning = f"no usable answer from the provider ({type(exc).__name__})"
            if sends:
                raise OutcomeUnknownError(
                    provider, meaning + "; the request may have been processed"
                ) from None
            raise ProviderError(provider, "NO_ANSWER", meaning, retryable=True) from None
        return check_status(provider, response, sends=sends)


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


def _excerpt(response: httpx.Response, limit: int = 300) -> str:
    return response.content[:limit].decode("utf-8", errors="replace")
