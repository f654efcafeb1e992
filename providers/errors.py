"""Errors raised by the provider layer.

Three families, because the operator must react differently to each:

* ``InputError``: porte-voix refused the input locally; nothing was sent.
* ``ProviderError``: the provider answered and refused (its own code, our English meaning, its
  original text). ``OutcomeUnknownError`` is the special case where a request may have left and
  no readable answer came back: it must never be retried automatically.
* ``CallbackError``: an inbound callback could not be understood (hostile or garbage input).

No error message ever carries a secret: callers pass codes and provider texts, never requests.
"""

from __future__ import annotations


class PorteVoixError(Exception):
    """Base class of every error the provider layer raises on purpose."""


class InputError(PorteVoixError, ValueError):
    """Input refused before any request: ``field`` names what is wrong, ``message`` says why."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class ProviderError(PorteVoixError):
    """The provider refused the request, or its answer could not be used.

    ``code`` is the provider's own code (``AUTH_FAILED``, ``104``, ``HTTP 429``...), ``meaning``
    our plain-English explanation, ``original`` the provider's text as received (may be empty).
    ``retryable`` says whether trying the same request again later is safe and may succeed.
    """

    def __init__(
        self,
        provider: str,
        code: str,
        meaning: str,
        original: str = "",
        *,
        retryable: bool = False,
        balance: str | None = None,
    ) -> None:
        super().__init__(f"{provider} {code}: {meaning}")
        self.provider = provider
        self.code = code
        self.meaning = meaning
        self.original = original
        self.retryable = retryable
        self.balance = balance


class AuthenticationError(ProviderError):
    """The provider refused the credentials."""


class RateLimitedError(ProviderError):
    """The provider (or our own limiter) asks us to wait ``retry_after`` seconds."""

    def __init__(self, provider: str, retry_after: float, original: str = "") -> None:
        super().__init__(
            provider,
            "RATE_LIMITED",
            f"rate limit reached; retry in {retry_after:.0f} s",
            original,
            retryable=True,
        )
        self.retry_after = retry_after


class AlreadySentError(ProviderError):
    """The provider refused a request as a repeat of one it already received and processed.

    Raised for Octopush's code 120 (``request_id`` already used): the first request with this
    id was received, so this batch was not sent again. Not a failure of the send: the
    orchestrator reports the batch as "already sent" (with ``request_id``) and never retries it.
    """

    def __init__(
        self, provider: str, code: str, meaning: str, original: str = "", *, request_id: str = ""
    ) -> None:
        super().__init__(provider, code, meaning, original, retryable=False)
        self.request_id = request_id


class OutcomeUnknownError(ProviderError):
    """The request may have reached the provider but no usable answer came back.

    Whatever was asked (a send especially) may or may not have happened. Never retried
    automatically: the operator reconciles (CDR, callbacks) or resends knowingly.
    """

    def __init__(self, provider: str, meaning: str, original: str = "") -> None:
        super().__init__(provider, "UNKNOWN", meaning, original, retryable=False)


class CallbackError(PorteVoixError, ValueError):
    """An inbound callback is malformed, hostile or not from the expected provider."""


#: Codes the provider layer itself gives a ``ProviderError`` whatever the provider.
GENERIC_CODES = {
    "UNKNOWN": "no usable answer came back: the request may or may not have been processed",
    "BAD_REPLY": "the provider's answer could not be read",
    "RATE_LIMITED": "the provider's rate limit was reached; try again later",
    "REFUSED": "the provider refused the request without giving a code",
}


def generic_meaning(code: str) -> str | None:
    """The meaning of a code porte-voix gives itself (``UNKNOWN``, ``HTTP 503``...), else None."""
    text = code.strip()
    if text in GENERIC_CODES:
        return GENERIC_CODES[text]
    if text.startswith("HTTP ") and text[5:].isdigit():
        status = int(text[5:])
        if status == 429:
            return "too many requests; try again later"
        if 300 <= status < 400:
            return "a redirect, not an answer (check the account's URL)"
        if 400 <= status < 500:
            return "the provider's server refused the request"
        if status >= 500:
            return "the provider's server failed"
    return None
