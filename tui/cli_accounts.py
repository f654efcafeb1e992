"""``porte-voix accounts …``: add, edit, list, remove, check, move-secret."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from dataclasses import replace
from datetime import datetime

from providers.base import Capability, Provider, provider_info
from providers.errors import ProviderError
from providers.models import SmsMessage, VoiceMessage

from . import config as config_module
from .cli_support import (
    EXIT_CONFIG,
    EXIT_INPUT,
    EXIT_OK,
    CliFailure,
    credentials,
    emit_json,
    failure_from,
    load_account,
    mapped_errors,
    open_provider,
)
from .config import Account
from .credentials import env_var_name, secret_from_env


def run(args: argparse.Namespace) -> int:
    handlers = {
        "add": add,
        "edit": edit,
        "list": list_accounts,
        "remove": remove,
        "check": check,
        "move-secret": move_secret,
    }
    return handlers[args.accounts_command](args)


def _options(pairs: list[str]) -> dict[str, str]:
    options: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CliFailure(EXIT_INPUT, "invalid_option", f"--set expects KEY=VALUE, got {pair!r}")
        options[key.strip()] = value.strip()
    return options


def _read_secret(args: argparse.Namespace, name: str) -> str | None:
    """The secret from stdin or a terminal prompt; None when the environment provides it."""
    if args.secret_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            raise CliFailure(EXIT_INPUT, "invalid_secret", "no secret on stdin")
        return secret
    if secret_from_env(name):
        return None
    if sys.stdin.isatty():
        secret = getpass.getpass(f"Secret for {name} (not echoed): ")
        if not secret:
            raise CliFailure(EXIT_INPUT, "invalid_secret", "empty secret")
        return secret
    raise CliFailure(
        EXIT_CONFIG,
        "no_secret",
        f"no secret given for {name!r}: use --secret-stdin, run on a terminal, "
        f"or set {env_var_name(name)}",
    )


def add(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
        if args.name in config.accounts:
            raise CliFailure(
                EXIT_INPUT,
                "exists",
                f"account {args.name!r} exists; use `porte-voix accounts edit {args.name}`",
            )
        store = args.store or "keyring"
        account = Account(
            name=args.name,
            provider=args.provider,
            login=args.login,
            options=_options(args.options),
            secret_store=store,
        )
        config_module.validate_account(account)
        secret = None if store == "env" else _read_secret(args, args.name)
        if secret is None and store != "env":
            # The environment provides it: remember that rather than storing anything.
            account = replace(account, secret_store="env")
        if secret is not None:
            credentials().store(account.name, secret, account.secret_store)
        config = config_module.with_account(config, account)
        if args.default:
            config = replace(config, default_account=account.name)
        config_module.save(config)
    print(
        f"account {account.name} added ({provider_info(account.provider).label}, "
        f"secret in {account.secret_store})"
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
        config_module.validate_account(account)
        if args.secret_stdin:
            secret = _read_secret(args, account.name)
            assert secret is not None
            where = "keyring" if account.secret_store == "env" else account.secret_store
            credentials().store(account.name, secret, where)
            account = replace(account, secret_store=where)
        config = config_module.with_account(config, account)
        if args.default:
            config = replace(config, default_account=account.name)
        config_module.save(config)
    print(f"account {account.name} updated")
    return EXIT_OK


def list_accounts(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
    rows = [
        {
            "name": account.name,
            "provider": account.provider,
            "login": account.login,
            "secret_store": account.secret_store,
            "secret_source": "env" if secret_from_env(account.name) else account.secret_store,
            "default": account.name == (config.default() or account).name,
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
    for row in rows:
        mark = "*" if row["default"] else " "
        print(
            f"{mark} {row['name']:<20} {row['provider']:<13} {row['login']:<28} "
            f"secret: {row['secret_source']:<8} {row['last_check'] or ''}"
        )
    return EXIT_OK


def remove(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
        account = config.get(args.name)
        credentials().delete(account)
        config_module.save(config_module.without_account(config, account.name))
    print(f"account {account.name} removed, with its stored secret")
    return EXIT_OK


async def _check(provider: Provider) -> str:
    try:
        if provider.capabilities & Capability.BALANCE:
            balance = await provider.balance()
            amounts = ", ".join(
                f"{line.label}: {line.amount} {line.unit}" for line in balance.lines
            )
            return f"authenticated; balance {amounts or 'empty'}"
        # CapitoleMobile: the pre-production echo is the only call that costs nothing.
        probe = "+33600000000"
        if provider.capabilities & Capability.SMS:
            await provider.send_sms(SmsMessage("porte-voix check", (probe,)), dry_run=True)
        else:
            await provider.send_voice(VoiceMessage((probe,), tts="porte-voix"), dry_run=True)
        return (
            "reachable (pre-production echo answered); this provider has no read-only call, "
            "so the credentials are only verified by a real send"
        )
    finally:
        await provider.aclose()


def check(args: argparse.Namespace) -> int:
    account = load_account(args.name)
    provider = open_provider(account)
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M")
    failure: CliFailure | None = None
    try:
        verdict = asyncio.run(_check(provider))
    except (ProviderError, ValueError) as exc:
        failure = failure_from(exc)
        verdict = failure.message
    with mapped_errors():
        config = config_module.load()
        outcome = "ok" if failure is None else failure.code
        config = config_module.with_account(
            config, replace(account, last_check=f"{stamp} {outcome}")
        )
        config_module.save(config)
    if args.json:
        emit_json({"account": account.name, "ok": failure is None, "message": verdict})
    else:
        print(f"{account.name}: {'OK' if failure is None else 'FAILED'}: {verdict}")
    return EXIT_OK if failure is None else failure.exit_code


def move_secret(args: argparse.Namespace) -> int:
    with mapped_errors():
        config = config_module.load()
        account = config.get(args.name)
        credentials().move(account, args.to)
        config_module.save(
            config_module.with_account(config, replace(account, secret_store=args.to))
        )
    print(f"secret of {account.name} moved to the {args.to} store")
    return EXIT_OK
