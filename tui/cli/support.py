"""What every subcommand shares: failures and exit codes, JSON output, opening an account.

Nothing printed here can drive the terminal: human messages go through ``visible`` and JSON
escapes every character that is not printable (the parsed values are unchanged).
"""

from __future__ import annotations

import contextlib
import getpass
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from providers.base import Provider, create_provider
from providers.errors import AuthenticationError, InputError, ProviderError
from tui.accounts import config as config_module
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import CredentialError, Credentials
from tui.errors import describe, visible

EXIT_OK = 0
EXIT_PROVIDER = 1  # the provider refused, or the outcome is unknown
EXIT_INPUT = 2  # refused locally; nothing was sent
EXIT_CONFIG = 3  # configuration or credentials


@dataclass
class CliFailure(Exception):
    exit_code: int
    code: str
    message: str


def fail(failure: CliFailure, *, as_json: bool) -> int:
    if as_json:
        emit_json({"error": {"code": failure.code, "message": failure.message}})
    else:
        # Failures are built in many places, some quoting a reply or a file: made visible here
        # once more, whoever built them (idempotent).
        print(f"porte-voix: {visible(failure.message)}", file=sys.stderr)
    return failure.exit_code


def emit_json(payload: Any) -> None:
    print(json_text(payload))


def json_text(payload: Any) -> str:
    """One line of JSON, non-ASCII kept readable, but every non-printable character escaped.

    ``json`` escapes only U+0000-U+001F; C1 controls (U+009B is a CSI on many terminals), DEL
    and invisible marks would reach a terminal raw. ``\\uXXXX`` escapes decode to the same
    values, so scripts see exactly what the provider sent.
    """
    text = json.dumps(payload, ensure_ascii=False, default=str)
    return "".join(char if char.isprintable() else _json_escape(char) for char in text)


def _json_escape(char: str) -> str:
    # Outside the strings, the only characters json.dumps emits are printable ASCII.
    return json.dumps(char)[1:-1]


def failure_from(exc: BaseException) -> CliFailure:
    """Map the errors of the lower layers to the exit-code contract; the words are
    ``tui.errors.describe``'s, as in the console."""
    if isinstance(exc, CliFailure):
        return exc
    if isinstance(exc, InputError):
        return CliFailure(EXIT_INPUT, f"invalid_{exc.field}", describe(exc).message)
    if isinstance(exc, AuthenticationError):
        return CliFailure(EXIT_CONFIG, exc.code, describe(exc).message)
    if isinstance(exc, ProviderError):
        return CliFailure(EXIT_PROVIDER, exc.code, describe(exc).message)
    if isinstance(exc, ConfigError | CredentialError):
        return CliFailure(EXIT_CONFIG, "configuration", describe(exc).message)
    raise exc


@contextlib.contextmanager
def mapped_errors() -> Iterator[None]:
    try:
        yield
    except (InputError, ProviderError, ConfigError, CredentialError) as exc:
        raise failure_from(exc) from None


def credentials() -> Credentials:
    return Credentials(config_module.data_dir(), passphrase=terminal_passphrase)


def terminal_passphrase() -> str | None:
    """The file store's passphrase, asked on the terminal; None when there is none to ask on."""
    if not sys.stdin.isatty():
        return None
    return getpass.getpass("Passphrase of the porte-voix file store: ")


def load_account(name: str) -> Account:
    with mapped_errors():
        return config_module.load().get(name)


def open_provider(account: Account) -> Provider:
    with mapped_errors():
        secret = credentials().get(account)
        return create_provider(account.settings(), secret)
