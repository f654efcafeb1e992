"""What every subcommand shares: failures and exit codes, JSON output, opening an account."""

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
        print(f"porte-voix: {failure.message}", file=sys.stderr)
    return failure.exit_code


def emit_json(payload: Any) -> None:
    print(json.dumps(payload, ensure_ascii=False, default=str))


def failure_from(exc: BaseException) -> CliFailure:
    """Map the errors of the lower layers to the exit-code contract."""
    if isinstance(exc, CliFailure):
        return exc
    if isinstance(exc, InputError):
        return CliFailure(EXIT_INPUT, f"invalid_{exc.field}", str(exc))
    if isinstance(exc, AuthenticationError):
        return CliFailure(EXIT_CONFIG, exc.code, f"{exc.provider}: {exc.meaning}")
    if isinstance(exc, ProviderError):
        original = f" (provider said: {exc.original.strip()[:200]})" if exc.original.strip() else ""
        return CliFailure(EXIT_PROVIDER, exc.code, f"{exc.provider}: {exc.meaning}{original}")
    if isinstance(exc, ConfigError | CredentialError):
        return CliFailure(EXIT_CONFIG, "configuration", str(exc))
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
