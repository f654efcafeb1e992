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


class OutcomeUnknownError(ProviderError):
    """The request may have reached the provider but no usable answer came back.

    Whatever was asked (a send especially) may or may not have happened. Never retried
    automatically: the operator reconciles (CDR, callbacks) or resends knowingly.
    """

    def __init__(self, provider: str, meaning: str, original: str = "") -> None:
        super().__init__(provider, "UNKNOWN", meaning, original, retryable=False)


class CallbackError(PorteVoixError, ValueError):
    """An inbound callback is malformed, hostile or not from the expected provider."""
