"""One way to put an error into words for a person: the console's notifications and the CLI.

Every layer raises its own errors (``InputError``, ``ProviderError`` and its subclasses,
``ConfigError``, ``CredentialError``, ``StoreError``, ``CsvImportError``); this module is the
one place that turns any of them into a title and a message, so that the console and the CLI
say the same thing with the same cut-offs. Every message is made ``visible``: error texts quote
provider replies, file names and CSV cells, any of which may carry terminal control sequences.
The message is plain text, never markup: screens show it with ``Text`` or ``markup=False``.

``code_name`` gives each kind of error the stable name scripts test (the CLI's ``--json``
``"code"``); the provider's own code stays apart (``Described.code``).

Importing this module is cheap (the CLI's ``sms-count`` and ``--version`` pay for it): the error
classes of the other layers are imported only when an error has to be put into words.
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
#: ``ProviderError.code`` of an endpoint URL no request could go to (``providers.http``): the
#: account's settings are wrong, nothing was sent.
BAD_URL = "BAD_URL"
#: Codes of a provider that could not be reached or gave no answer (nothing was sent, or a
#: read-only call failed): worth trying again later.
UNREACHABLE = frozenset({"CONNECTION_FAILED", "NO_ANSWER"})


@dataclass(frozen=True)
class Described:
    """An error in words: a short ``title`` and a one- or two-line ``message``."""

    title: str
    message: str
    #: The provider's own code, when a provider answered (``"27"``, ``"AUTH_FAILED"``).
    code: str | None = None


def visible(text: str) -> str:
    """Control characters made visible (``\\x1b``), so text from outside cannot drive the
    terminal (set its title, move the cursor) or hide what follows it.

    Idempotent: what it returns is printable, so applying it twice changes nothing. Line breaks
    stay, everything else that is not printable (C0 and C1 controls, DEL, bidirectional and
    zero-width marks) becomes its Python escape.
    """
    return "".join(
        char if char.isprintable() or char == "\n" else repr(char)[1:-1] for char in text
    )


def describe(exc: BaseException) -> Described:
    """The title and message a person reads for ``exc``."""
    if isinstance(exc, InputError):
        return Described("Not sent: input refused", visible(f"{exc.field}: {exc.message}"))
    if isinstance(exc, ProviderError):
        # Cut before making visible: the limit counts the provider's characters, and an
        # escape is never split in half.
        said = exc.original.strip()[:ORIGINAL_LIMIT]
        original = f" (provider said: {said})" if said else ""
        message = visible(f"{exc.provider} {exc.code}: {exc.meaning}{original}")
        return Described(_provider_title(exc), message, visible(exc.code))
    text = str(exc) or type(exc).__name__
    return Described(_family(exc)[0], visible(text))


def describe_text(exc: BaseException) -> str:
    """``describe(exc).message``: one line for a table cell or a log line."""
    return describe(exc).message


def _provider_title(exc: ProviderError) -> str:
    if exc.code == BAD_URL:
        return "Account settings"
    if isinstance(exc, OutcomeUnknownError):
        return "Outcome unknown"
    if isinstance(exc, AuthenticationError):
        return "Login refused"
    if isinstance(exc, RateLimitedError):
        return "Rate limited"
    return "Provider refused"


def code_name(exc: BaseException) -> str:
    """The stable name of ``exc``'s kind, never a provider's own code (that is
    ``describe(exc).code``): ``invalid_<field>``, ``configuration``, ``authentication``,
    ``unknown_outcome``, ``rate_limited``, ``connection``, ``provider``, ``invalid_file``,
    ``outbox`` or ``internal_error``."""
    if isinstance(exc, InputError):
        return f"invalid_{exc.field}"
    if isinstance(exc, ProviderError):
        if exc.code == BAD_URL:
            return "configuration"
        if isinstance(exc, AuthenticationError):
            return "authentication"
        if isinstance(exc, OutcomeUnknownError):
            return "unknown_outcome"
        if isinstance(exc, RateLimitedError):
            return "rate_limited"
        return "connection" if exc.code in UNREACHABLE else "provider"
    return _family(exc)[1]


def stored_code_name(code: str, unknown: bool = False) -> str:
    """The name ``code_name`` gave a send's error, read back from the code the outbox kept
    (the exception itself is gone): ``configuration``, ``connection``, ``rate_limited``,
    ``unknown_outcome`` (``unknown``: the send's outcome is), else ``provider``."""
    text = code.strip()
    if text == BAD_URL:
        return "configuration"
    if text in UNREACHABLE:
        return "connection"
    if text in ("RATE_LIMITED", "HTTP 429"):
        return "rate_limited"
    return "unknown_outcome" if unknown or text == "UNKNOWN" else "provider"


def _family(exc: BaseException) -> tuple[str, str]:
    """The title and the code name of a local error (not a provider's or an input's)."""
    # Imported here: only an error being worded pays for its layer's module.
    from tui.accounts.config import ConfigError
    from tui.accounts.secret_file import CredentialError
    from tui.csv_import import CsvImportError
    from tui.outbox.base import StoreError

    # By type, not by name: subclasses (NoKeyringError, WrongPassphrase...) get their family's.
    if isinstance(exc, ConfigError):
        return "Configuration", "configuration"
    if isinstance(exc, CredentialError):
        return "Secret unavailable", "configuration"
    if isinstance(exc, StoreError):
        return "Outbox", "outbox"
    if isinstance(exc, CsvImportError):
        return "CSV file", "invalid_file"
    return "Error", "internal_error"
