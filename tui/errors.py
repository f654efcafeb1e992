"""One way to put an error into words for a person: the console's notifications and the CLI.

Every layer raises its own errors (``InputError``, ``ProviderError`` and its subclasses,
``ConfigError``, ``CredentialError``, ``StoreError``); this module is the one place that turns
any of them into a title and a message, so that the console and the CLI say the same thing
with the same cut-offs. Provider texts are shown with their control characters made visible.
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.errors import (
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitedError,
)

#: How much of a provider's own text is quoted after our explanation.
ORIGINAL_LIMIT = 200


@dataclass(frozen=True)
class Described:
    """An error in words: a short ``title`` and a one- or two-line ``message``."""

    title: str
    message: str
    #: The provider's own code, when a provider answered (``"27"``, ``"AUTH_FAILED"``).
    code: str | None = None


def visible(text: str) -> str:
    """Control characters made visible (``\\x1b``), so text from outside cannot drive the
    terminal (set its title, move the cursor) or hide what follows it."""
    return "".join(
        char if char.isprintable() or char == "\n" else repr(char)[1:-1] for char in text
    )


def describe(exc: BaseException) -> Described:
    """The title and message a person reads for ``exc``."""
    if isinstance(exc, InputError):
        return Described("Not sent: input refused", visible(f"{exc.field}: {exc.message}"))
    if isinstance(exc, ProviderError):
        said = exc.original.strip()
        original = f" (provider said: {said[:ORIGINAL_LIMIT]})" if said else ""
        message = visible(f"{exc.provider} {exc.code}: {exc.meaning}{original}")
        return Described(_provider_title(exc), message, exc.code)
    text = str(exc) or type(exc).__name__
    return Described(_title_of(exc), visible(text))


def describe_text(exc: BaseException) -> str:
    """``describe(exc).message``: one line for a table cell or a log line."""
    return describe(exc).message


def _provider_title(exc: ProviderError) -> str:
    if isinstance(exc, OutcomeUnknownError):
        return "Outcome unknown"
    if isinstance(exc, AuthenticationError):
        return "Login refused"
    if isinstance(exc, RateLimitedError):
        return "Rate limited"
    return "Provider refused"


def _title_of(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "ConfigError":
        return "Configuration"
    if name in {"CredentialError", "PassphraseRequired", "WrongPassphrase"}:
        return "Secret unavailable"
    if name == "StoreError":
        return "Outbox"
    return "Error"
