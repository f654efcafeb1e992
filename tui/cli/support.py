"""What every subcommand shares: failures and exit codes, JSON output, opening an account.

Nothing printed here can drive the terminal: human messages go through ``visible`` and JSON
escapes every character that is not printable (the parsed values are unchanged).

A failure's ``--json`` is ``{"error": {"code", "message", "provider_code"}}``: ``code`` is a
name (``tui.errors.code_name``: ``invalid_<field>``, ``configuration``, ``authentication``,
``provider``…), ``provider_code`` the provider layer's own code when there is one (``"80"``,
``"AUTH_FAILED"``, ``"CONNECTION_FAILED"``), else null.

Cheap to import (every command does): the credential stores load only when a secret is read.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from providers.base import Provider, create_provider, provider_info
from providers.errors import ProviderError
from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.errors import code_name, describe, visible

if TYPE_CHECKING:
    from tui.accounts.credentials import Credentials

EXIT_OK = 0
EXIT_PROVIDER = 1  # the provider refused, or the outcome is unknown
EXIT_INPUT = 2  # refused locally; nothing was sent
EXIT_CONFIG = 3  # configuration or credentials
EXIT_INTERRUPTED = 130  # Ctrl+C before anything was sent (the shell's 128 + SIGINT)

#: Code names whose exit code is 3; ``invalid_*`` exit 2, every other name 1.
CONFIG_CODES = frozenset({"configuration", "authentication"})


@dataclass
class CliFailure(Exception):
    exit_code: int
    code: str
    message: str
    #: The provider layer's own code (``ProviderError.code``), when there is one.
    provider_code: str | None = None


def exit_code_for(code: str) -> int:
    """The exit code of a failure named ``code`` (a ``tui.errors.code_name``)."""
    if code.startswith("invalid_"):
        return EXIT_INPUT
    return EXIT_CONFIG if code in CONFIG_CODES else EXIT_PROVIDER


def fail(failure: CliFailure, *, as_json: bool) -> int:
    if as_json:
        emit_json(
            {
                "error": {
                    "code": failure.code,
                    "message": failure.message,
                    "provider_code": failure.provider_code,
                }
            }
        )
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
    return printable_json(json.dumps(payload, ensure_ascii=False, default=str))


def printable_json(text: str) -> str:
    """JSON ``text`` with every non-printable character escaped (``json_text``'s second pass)."""
    if text.isprintable():  # nearly always: one pass in C, not one Python call a character
        return text
    return "".join(char if char.isprintable() else _json_escape(char) for char in text)


def _json_escape(char: str) -> str:
    # Outside the strings, the only characters json.dumps emits are printable ASCII.
    return json.dumps(char)[1:-1]


def known_failure(exc: BaseException) -> CliFailure | None:
    """``exc`` as a failure of the exit-code contract, or None for an unexpected error.

    The words are ``tui.errors.describe``'s, as in the console; the code is its name.
    """
    if isinstance(exc, CliFailure):
        return exc
    if not isinstance(exc, Exception):
        return None
    code = code_name(exc)
    if code == "internal_error":
        return None
    described = describe(exc)
    provider_code = exc.code if isinstance(exc, ProviderError) else None
    return CliFailure(exit_code_for(code), code, described.message, provider_code)


def failure_from(exc: BaseException) -> CliFailure:
    """``known_failure``, re-raising what it does not know."""
    failure = known_failure(exc)
    if failure is None:
        raise exc
    return failure


@contextlib.contextmanager
def mapped_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        failure = known_failure(exc)
        if failure is None or failure is exc:
            raise
        raise failure from None


def credentials() -> Credentials:
    from tui.accounts.credentials import Credentials

    return Credentials(config_module.data_dir(), passphrase=terminal_passphrase)


def terminal_passphrase() -> str | None:
    """The file store's passphrase, asked on the terminal; None when there is none to ask on."""
    if not sys.stdin.isatty():
        return None
    import getpass  # with the first passphrase asked: most commands never ask one

    return getpass.getpass("Passphrase of the porte-voix file store: ")


def load_account(name: str) -> Account:
    with mapped_errors():
        return config_module.load().get(name)


def open_provider(account: Account) -> Provider:
    with mapped_errors():
        store = credentials()
        secret = store.get(account)
        # Once a public URL is configured, the account's callback URL goes with each send
        # (VoicePartner's notifyUrl); nothing changes for the others, which do not load the
        # receiver's routes and settings at all.
        if provider_info(account.provider).callback_option is not None:
            from tui.listen.routes import with_callback_url

            account = with_callback_url(account, store)
        return create_provider(account.settings(), secret)
