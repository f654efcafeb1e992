"""``porte-voix accounts …``: add, edit, list, remove, check, move-secret.

Secrets are read from stdin (``--secret-stdin``) or asked on the terminal without echo, and go
to the store the operator chose: the OS keyring, or the encrypted file (``--store file``), whose
passphrase is asked on the terminal (twice when the store is created) or read from
``PORTE_VOIX_FILE_PASSPHRASE``. Nothing falls back silently from one store to another.

Option values are checked when they are set (``tui.accounts.options``), not at the first send.
The credential stores and the check are imported by the actions that use them.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

from providers.base import PROVIDER_KINDS, provider_info
from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.accounts.environment import env_var_name, secret_from_env
from tui.cli.support import (
    EXIT_CONFIG,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PROVIDER,
    CliFailure,
    emit_json,
    load_account,
    mapped_errors,
    terminal_passphrase,
)
from tui.errors import visible

if TYPE_CHECKING:
    from tui.accounts.check import CheckResult
    from tui.accounts.credentials import Credentials

STORE_NAMES = {"keyring": "OS keyring", "file": "encrypted file store", "env": "environment"}
PASSPHRASE_TRIES = 3


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = commands.add_parser("accounts", help="manage provider accounts")
    sub = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)

    adding = sub.add_parser("add", help="add an account")
    adding.add_argument("name")
    adding.add_argument("--provider", required=True, choices=PROVIDER_KINDS)
    adding.add_argument("--login", default="")
    adding.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="options")
    adding.add_argument("--secret-stdin", action="store_true", help="read the secret from stdin")
    adding.add_argument(
        "--store",
        choices=("keyring", "file", "env"),
        default=None,
        help="where the secret lives (default: keyring; env = only PORTE_VOIX_SECRET_<NAME>)",
    )
    adding.add_argument("--default", action="store_true", help="make it the default account")
    adding.set_defaults(handler=add)

    editing = sub.add_parser("edit", help="change an account")
    editing.add_argument("name")
    editing.add_argument("--login")
    editing.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="options")
    editing.add_argument("--unset", action="append", default=[], metavar="KEY")
    editing.add_argument("--secret-stdin", action="store_true", help="replace the stored secret")
    editing.add_argument("--default", action="store_true", help="make it the default account")
    editing.set_defaults(handler=edit)

    listing = sub.add_parser("list", help="list accounts (never their secrets)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=list_accounts)

    removing = sub.add_parser("remove", help="remove an account and its stored secret")
    removing.add_argument("name")
    removing.set_defaults(handler=remove)

    checking = sub.add_parser("check", help="authenticate with the cheapest read-only call")
    checking.add_argument("name")
    checking.add_argument("--json", action="store_true")
    checking.set_defaults(handler=check)

    moving = sub.add_parser("move-secret", help="move a secret between the keyring and the file")
    moving.add_argument("name")
    moving.add_argument("--to", required=True, choices=("keyring", "file"))
    moving.set_defaults(handler=move_secret)


# --------------------------------------------------------------------------- terminal prompts


def _ask_new_passphrase() -> str | None:
    """A new store's passphrase, typed twice; None when there is no terminal to ask on."""
    from tui.accounts.credentials import MIN_PASSPHRASE

    if not sys.stdin.isatty():
        return None
    print(
        "Creating the encrypted file store. Choose its passphrase: it is never stored, and "
        "without it the secrets in the file cannot be recovered.",
        file=sys.stderr,
    )
    for _ in range(PASSPHRASE_TRIES):
        first = getpass.getpass(f"New passphrase (at least {MIN_PASSPHRASE} characters): ")
        if len(first) < MIN_PASSPHRASE or not first.strip():
            print(f"Too short: at least {MIN_PASSPHRASE} characters.", file=sys.stderr)
            continue
        if getpass.getpass("The same again: ") == first:
            return first
        print("The two passphrases differ.", file=sys.stderr)
    raise CliFailure(EXIT_INPUT, "invalid_passphrase", "no passphrase chosen")


def credentials() -> Credentials:
    from tui.accounts.credentials import Credentials

    return Credentials(
        config_module.data_dir(), passphrase=terminal_passphrase, new_passphrase=_ask_new_passphrase
    )


def _options(pairs: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliFailure(EXIT_INPUT, "invalid_option", f"--set expects KEY=VALUE, got {pair!r}")
        options[key.strip()] = value.strip()
    return options


def _read_secret(args: argparse.Namespace, account: Account) -> str:
    """The secret from stdin, or asked on the terminal without echo."""
    label = provider_info(account.provider).secret_label
    if args.secret_stdin and not sys.stdin.isatty():
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise CliFailure(EXIT_INPUT, "invalid_secret", "no secret on stdin")
        return secret
    if sys.stdin.isatty():
        secret = getpass.getpass(f"{label} of {account.name} (not echoed): ")
        if not secret:
            raise CliFailure(EXIT_INPUT, "invalid_secret", "empty secret")
        return secret
    raise CliFailure(
        EXIT_CONFIG,
        "no_secret",
        f"no secret given for {account.name!r}: use --secret-stdin or run on a terminal"
        f" (or keep it in {env_var_name(account.name)} with --store env)",
    )


def _env_note(name: str) -> str:
    if secret_from_env(name):
        return (
            f"\nnote: {env_var_name(name)} is set in this environment; while it is, it takes "
            "precedence over the stored secret"
        )
    return ""


# --------------------------------------------------------------------------- add / edit


def _validate(account: Account) -> None:
    """The settings as an edit must leave them: option values included (``ConfigError``)."""
    from tui.accounts.options import validate_settings

    validate_settings(account)


def add(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
        if args.name in config.accounts:
            raise CliFailure(
                EXIT_INPUT,
                "exists",
                f"account {args.name!r} exists; use `porte-voix accounts edit {args.name}`",
            )
        store = args.store
        if store is None:
            # Without --store: an environment secret is used as is; otherwise the keyring.
            store = "env" if secret_from_env(args.name) and not args.secret_stdin else "keyring"
        account = Account(
            name=args.name,
            provider=args.provider,
            login=args.login,
            options=_options(args.options),
            secret_store=store,
        )
        _validate(account)
        creds = credentials()
        note = ""
        if store == "env":
            if args.secret_stdin:
                raise CliFailure(
                    EXIT_INPUT,
                    "usage",
                    "--store env keeps no secret; --secret-stdin would be ignored",
                )
            if not secret_from_env(account.name):
                note = f"\nnote: set {env_var_name(account.name)} before using this account"
        else:
            if store == "keyring":
                creds.require_keyring()  # before asking for a secret it could not keep
            creds.store(account.name, _read_secret(args, account), store)
            note = _env_note(account.name)
        config = config_module.with_account(config, account)
        if args.default:
            config = replace(config, default_account=account.name)
        config_module.save(config)
    print(
        f"account {account.name} added ({provider_info(account.provider).label}, "
        f"secret in the {STORE_NAMES[store]}){note}"
    )
    return EXIT_OK


def edit(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
        account = config.get(args.name)
        options = dict(account.options)
        for key in args.unset:
            options.pop(key, None)
        options.update(_options(args.options))
        account = replace(
            account, login=account.login if args.login is None else args.login, options=options
        )
        _validate(account)
        note = ""
        if args.secret_stdin:
            # An environment-only account gets a stored secret: the keyring (or, where there is
            # none, `move-secret NAME --to file` from the variable).
            where = "keyring" if account.secret_store == "env" else account.secret_store
            creds = credentials()
            if where == "keyring":
                creds.require_keyring()
            creds.store(account.name, _read_secret(args, account), where)
            account = replace(account, secret_store=where)
            note = _env_note(account.name)
        config = config_module.with_account(config, account)
        if args.default:
            config = replace(config, default_account=account.name)
        config_module.save(config)
    print(f"account {account.name} updated{note}")
    return EXIT_OK


# --------------------------------------------------------------------------- list / remove


def _secret_source(account: Account) -> str | None:
    """Where the secret will be read from: ``env`` when the variable is set (it wins), else the
    account's store; None for an environment-only account whose variable is not set."""
    if secret_from_env(account.name):
        return "env"
    return None if account.secret_store == "env" else account.secret_store


def list_accounts(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
    default = config.default()
    rows = [
        {
            "name": account.name,
            "provider": account.provider,
            "login": account.login,
            "secret_store": account.secret_store,
            "secret_source": _secret_source(account),
            "default": default is not None and account.name == default.name,
            "options": dict(account.options),
            "last_check": account.last_check,
        }
        for account in config.accounts.values()
    ]
    if args.json:
        emit_json({"accounts": rows})
        return EXIT_OK
    if not rows:
        print("no accounts; add one with `porte-voix accounts add NAME --provider ...`")
        return EXIT_OK
    missing: list[str] = []
    for row in rows:
        mark = "*" if row["default"] else " "
        source = row["secret_source"] or "missing"
        if row["secret_source"] is None:
            missing.append(str(row["name"]))
        # The last check may quote a provider's code: visible, like every reply.
        print(
            f"{mark} {row['name']:<20} {row['provider']:<13} {row['login']:<28} "
            f"secret: {source:<8} {visible(str(row['last_check'] or ''))}"
        )
    for name in missing:
        print(
            f"  {name}: its secret is read from {env_var_name(name)} only, which is not set "
            "here: set it before using this account"
        )
    return EXIT_OK


def remove(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
        account = config.get(args.name)
        # The secret first: if its store refuses (a locked keyring), the account stays, so the
        # secret is never left behind without the account that names it.
        removal = credentials().delete(account)
        config_module.save(config_module.without_account(config, account.name))
    if removal == "deleted":
        what = f"its secret was deleted from the {STORE_NAMES[account.secret_store]}"
    elif removal == "absent":
        what = f"no secret was stored for it in the {STORE_NAMES[account.secret_store]}"
    else:
        what = "it kept no stored secret"
    if secret_from_env(account.name):
        what += f"; {env_var_name(account.name)} is still set in this environment"
    print(f"account {account.name} removed; {what}")
    return EXIT_OK


# --------------------------------------------------------------------------- check


def _check_exit(result: CheckResult) -> int:
    from tui.accounts.check import Stage

    if result.ok:
        return EXIT_OK
    if result.stage in (Stage.CONNECTION, Stage.PROVIDER):
        return EXIT_PROVIDER
    return EXIT_CONFIG


def check(args: argparse.Namespace) -> int:
    import asyncio

    from tui.accounts.check import check_with_secret, secret_failure
    from tui.accounts.credentials import CredentialError

    account = load_account(args.name)
    try:
        secret = credentials().get(account)
    except CredentialError as exc:
        result = secret_failure(account, exc)
    else:
        result = asyncio.run(check_with_secret(account, secret))
    with mapped_errors():
        config_module.record_check(account.name, result.last_check_text())
    if result.balance is not None:  # a balance call: kept, as `credits` keeps it
        from tui.credits import keep_balance

        keep_balance(account, result.balance)
    if args.json:
        emit_json(result.as_dict())
    else:
        print(f"{account.name}: {result.headline()}: {result.message}")
    return _check_exit(result)


# --------------------------------------------------------------------------- move-secret


def move_secret(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
        account = config.get(args.name)
        if args.to == account.secret_store:
            raise CliFailure(
                EXIT_INPUT,
                "usage",
                f"the secret of {account.name} is already in the {STORE_NAMES[args.to]}",
            )
        if account.secret_store == "env" and not secret_from_env(account.name):
            raise CliFailure(
                EXIT_CONFIG,
                "no_secret",
                f"{account.name} takes its secret from {env_var_name(account.name)}, which is "
                "not set: there is nothing to move (use `accounts edit --secret-stdin`)",
            )
        credentials().move(account, args.to)
        config_module.save(
            config_module.with_account(config, replace(account, secret_store=args.to))
        )
    if account.secret_store == "env":
        print(
            f"the secret of {account.name} was read from {env_var_name(account.name)} and "
            f"stored in the {STORE_NAMES[args.to]}; unset the variable to use the stored one"
        )
    else:
        print(
            f"secret of {account.name} moved from the {STORE_NAMES[account.secret_store]} "
            f"to the {STORE_NAMES[args.to]}{_env_note(account.name)}"
        )
    return EXIT_OK
