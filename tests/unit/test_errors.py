"""tui.errors: one title and message per error, control characters always made visible."""

from __future__ import annotations

import pytest

from providers.errors import (
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitedError,
)
from tui.accounts.config import ConfigError
from tui.accounts.credentials import CredentialError, PassphraseRequired, WrongPassphrase
from tui.accounts.os_keyring import KeyringUnavailableError, NoKeyringError
from tui.csv_import import CsvImportError
from tui.errors import ORIGINAL_LIMIT, Described, code_name, describe, describe_text, visible
from tui.outbox.base import StoreError

OSC_TITLE = "\x1b]0;pwned\x07"


def test_visible_escapes_every_control_and_keeps_line_breaks() -> None:
    text = f"a{OSC_TITLE}b\x9b2J\x7f\r\t\u202ec\nd é 😀"
    shown = visible(text)
    assert shown == "a\\x1b]0;pwned\\x07b\\x9b2J\\x7f\\r\\t\\u202ec\nd é 😀"
    assert all(char.isprintable() or char == "\n" for char in shown)
    assert visible(shown) == shown  # idempotent: safe to apply at every layer


def test_input_error() -> None:
    assert describe(InputError("number", f"0612{OSC_TITLE} is not a number")) == Described(
        "Not sent: input refused", "number: 0612\\x1b]0;pwned\\x07 is not a number"
    )


@pytest.mark.parametrize(
    ("exc", "title"),
    [
        (ProviderError("octopush", "104", "no credit left"), "Provider refused"),
        (AuthenticationError("octopush", "102", "login refused"), "Login refused"),
        (RateLimitedError("voicepartner", 30), "Rate limited"),
        (OutcomeUnknownError("ecampaign", "no answer"), "Outcome unknown"),
    ],
)
def test_provider_errors_carry_the_code(exc: ProviderError, title: str) -> None:
    described = describe(exc)
    assert described.title == title
    assert described.code == exc.code
    assert described.message.startswith(f"{exc.provider} {exc.code}: {exc.meaning}")


def test_the_providers_words_are_cut_then_made_visible() -> None:
    said = "\x1b" * 5 + "x" * (2 * ORIGINAL_LIMIT)
    exc = ProviderError("voicepartner", f"4{OSC_TITLE}", "refused", f"  {said}  ")
    described = describe(exc)
    kept = said[:ORIGINAL_LIMIT]
    assert described.message == visible(
        f"voicepartner 4{OSC_TITLE}: refused (provider said: {kept})"
    )
    assert "\x1b" not in described.message and "\x07" not in described.message
    assert described.code == "4\\x1b]0;pwned\\x07"


def test_a_blank_original_is_not_quoted() -> None:
    assert describe_text(ProviderError("octopush", "104", "no credit", "  ")) == (
        "octopush 104: no credit"
    )


@pytest.mark.parametrize(
    ("exc", "title"),
    [
        (ConfigError("no account named 'x'"), "Configuration"),
        (CredentialError("no secret stored"), "Secret unavailable"),
        # Subclasses take their family's title (they were "Error" when matched by name).
        (NoKeyringError(), "Secret unavailable"),
        (KeyringUnavailableError("the keyring is locked"), "Secret unavailable"),
        (PassphraseRequired("left locked"), "Secret unavailable"),
        (WrongPassphrase("wrong passphrase"), "Secret unavailable"),
        (StoreError("the outbox is newer"), "Outbox"),
        (CsvImportError("not UTF-8"), "CSV file"),
        (RuntimeError("boom"), "Error"),
    ],
)
def test_titles_by_family(exc: Exception, title: str) -> None:
    described = describe(exc)
    assert (described.title, described.message, described.code) == (title, str(exc), None)


def test_an_error_without_words_is_named() -> None:
    assert describe(RuntimeError()).message == "RuntimeError"


def test_other_errors_are_made_visible_too() -> None:
    exc = CsvImportError(f"cannot read /tmp/{OSC_TITLE}.csv")
    assert describe_text(exc) == "cannot read /tmp/\\x1b]0;pwned\\x07.csv"


@pytest.mark.parametrize(
    ("exc", "name"),
    [
        (InputError("text", "too long"), "invalid_text"),
        (AuthenticationError("octopush", "101", "bad key"), "authentication"),
        (OutcomeUnknownError("octopush", "timed out"), "unknown_outcome"),
        (RateLimitedError("voicepartner", 1.0), "rate_limited"),
        (ProviderError("ecampaign", "CONNECTION_FAILED", "refused"), "connection"),
        (ProviderError("ecampaign", "NO_ANSWER", "reset"), "connection"),
        (ProviderError("octopush", "BAD_URL", "no host"), "configuration"),
        (ProviderError("ecampaign", "80", "period too long"), "provider"),
        (ConfigError("no account"), "configuration"),
        (WrongPassphrase("wrong"), "configuration"),
        (CsvImportError("line 3: ..."), "invalid_file"),
        (StoreError("newer"), "outbox"),
        (RuntimeError("boom"), "internal_error"),
    ],
)
def test_code_names_are_names_never_a_provider_code(exc: Exception, name: str) -> None:
    """Issue 9, item 11: ``--json`` codes are names; the provider's code stays in ``code``."""
    assert code_name(exc) == name
    if isinstance(exc, ProviderError):
        assert describe(exc).code == exc.code


def test_a_bad_url_is_titled_as_the_account_settings() -> None:
    assert describe(ProviderError("octopush", "BAD_URL", "no host")).title == "Account settings"
