"""Read-only subcommands: ``credits``, ``cdr``, ``sms-count``.

What a provider returned (balance labels and units, CDR fields) is printed with its control
characters made visible: a reply must not be able to drive the operator's terminal.

``sms-count`` stays cheap: the outbox (where balances are kept) and asyncio are imported by
``credits`` and ``cdr`` only.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING, Any

from providers import text as sms_text
from providers.base import PROVIDER_KINDS, Capability, Provider, create_provider, provider_info
from providers.errors import InputError
from providers.models import Balance, Route
from tui.accounts.config import Account
from tui.cli.support import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PROVIDER,
    CliFailure,
    credentials,
    emit_json,
    load_account,
    mapped_errors,
    open_provider,
)
from tui.errors import visible

if TYPE_CHECKING:
    from tui.credits import AccountBalances
    from tui.outbox.store import Store

ROUTES = ("marketing", "notification")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    credits_parser = commands.add_parser(
        "credits", help="balances or credits: one account's, or every account's at once"
    )
    credits_parser.add_argument("--account", help="only this account (asks its provider)")
    credits_parser.add_argument("--json", action="store_true")
    credits_parser.set_defaults(handler=credits)

    cdr_parser = commands.add_parser(
        "cdr",
        help="eCampaign sending history (tracking/getCDR), any range: split where it is too long",
    )
    cdr_parser.add_argument("--account", required=True)
    cdr_parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    cdr_parser.add_argument("--to", dest="stop", required=True, metavar="YYYY-MM-DD")
    cdr_parser.add_argument("--channel", choices=("sms", "voice", "mail", "fax"))
    cdr_parser.add_argument(
        "--campaign", metavar="ID", help="the messages of this campaign (its drill-down)"
    )
    cdr_parser.add_argument(
        "--campaigns-only", action="store_true", help="campaigns, no single messages"
    )
    cdr_parser.add_argument(
        "--api-only", action="store_true", help="only what was sent through the web services"
    )
    cdr_parser.add_argument("--content", action="store_true", help="with the texts (larger)")
    out = cdr_parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", action="store_true")
    cdr_parser.set_defaults(handler=cdr)

    count = commands.add_parser("sms-count", help="count characters and segments of a text")
    count.add_argument("text")
    which = count.add_mutually_exclusive_group()
    which.add_argument("--account")
    which.add_argument("--provider", choices=PROVIDER_KINDS)
    count.add_argument("--route", choices=ROUTES, default="notification")
    count.add_argument("--long", action="store_true", help="CapitoleMobile long SMS (up to 4)")
    count.add_argument("--json", action="store_true")
    count.set_defaults(handler=sms_count)


# --------------------------------------------------------------------------- credits


def _balance_rows(balance: Balance) -> list[dict[str, Any]]:
    return [
        {
            "label": line.label,
            "amount": str(line.amount),
            "unit": line.unit,
            "route_id": line.route_id,
            "channel": line.channel,
            "expires": line.expires,
        }
        for line in balance.lines
    ]


def _store() -> Store:
    """The outbox, where balances are kept (imported here: ``sms-count`` never opens it)."""
    from tui.accounts import config as config_module
    from tui.outbox.store import Store

    return Store(config_module.data_dir() / "porte-voix.db")


def credits(args: argparse.Namespace) -> int:
    if args.account is None:
        return _all_credits(args)
    import asyncio  # here: sms-count and --version do without it

    account = load_account(args.account)
    info = provider_info(account.provider)
    if not info.capabilities & Capability.BALANCE:
        return _last_known_balance(args, account.name, info.label)
    provider = open_provider(account)

    async def fetch() -> Balance:
        try:
            return await provider.balance()
        finally:
            await provider.aclose()

    with mapped_errors():
        balance = asyncio.run(fetch())
    with _store() as store:
        store.record_balance(account.name, account.provider, balance)
    rows = _balance_rows(balance)
    if args.json:
        emit_json(
            {"account": account.name, "provider": account.provider, "balance": rows, "as_of": None}
        )
        return EXIT_OK
    for row in rows:
        expires = f"  (expires {visible(str(row['expires']))})" if row["expires"] else ""
        print(f"{visible(row['label']):<30} {row['amount']:>12} {visible(row['unit'])}{expires}")
    return EXIT_OK


def _last_known_balance(args: argparse.Namespace, name: str, label: str) -> int:
    """Providers without a balance call: the balance of each channel as its last send reply
    carried it (CapitoleMobile's SMS and voice platforms answer with their own)."""
    from tui.credits import no_endpoint_note

    with _store() as store:
        known = store.balances(name)
    if not known:
        # The provider layer's code for it (its balance() raises it): in its own field.
        raise CliFailure(
            EXIT_PROVIDER,
            "unsupported",
            f"{label} has no balance call; its balance is known after the first send",
            "UNSUPPORTED",
        )
    rows = [_balance_rows(Balance(line.provider, (line.line(),)))[0] for line in known]
    seen = max(line.seen_at for line in known)
    if args.json:
        emit_json(
            {
                "account": name,
                "provider": known[0].provider,
                "balance": rows,
                "as_of": seen.isoformat(),
            }
        )
        return EXIT_OK
    print(no_endpoint_note(label))
    for line in known:
        # Stored from an earlier reply: as foreign as a fresh one.
        print(
            f"{visible(line.name):<30} {line.amount:>12} {visible(line.unit)}"
            f"  (last seen {line.seen_at:%Y-%m-%d %H:%M}, {line.where})"
        )
    return EXIT_OK


def _all_credits(args: argparse.Namespace) -> int:
    """Every account at once, each failure on its own row (exit 1 when one failed)."""
    import asyncio

    from tui import credits as service
    from tui.accounts import config as config_module
    from tui.accounts.credentials import CredentialError

    with mapped_errors():
        accounts = list(config_module.load().accounts.values())
    secrets: dict[str, str] = {}
    failed: dict[str, service.Failure] = {}
    store = credentials()
    for account in accounts:  # one at a time: the file store may ask its passphrase once
        if provider_info(account.provider).capabilities & Capability.BALANCE:
            try:
                secrets[account.name] = store.get(account)
            except CredentialError as exc:
                failed[account.name] = service.failure_of(exc)
    opened: list[Provider] = []

    async def provider_of(account: Account) -> Provider:
        if account.name in failed:
            raise CredentialError(failed[account.name].message)
        provider = create_provider(account.settings(), secrets[account.name])
        opened.append(provider)
        return provider

    async def fetch(outbox: Store) -> list[service.AccountBalances]:
        try:
            return await service.refresh_all(outbox, accounts, provider_of)
        finally:
            for provider in opened:
                await provider.aclose()

    with _store() as outbox:
        results = asyncio.run(fetch(outbox))
    results = [
        replace(r, error=failed.get(r.account, r.error)) if r.account in failed else r
        for r in results
    ]
    if args.json:
        emit_json({"accounts": [_account_dict(r) for r in results]})
    else:
        _print_all(results)
    broken = [r for r in results if r.error is not None and r.error.code != "unsupported"]
    return EXIT_PROVIDER if broken else EXIT_OK


def _account_dict(entry: AccountBalances) -> dict[str, Any]:
    from tui.credits import Failure, line_dict

    error = entry.error
    if error is None and not entry.has_endpoint and not entry.balances:
        error = Failure("unsupported", entry.note or "", "UNSUPPORTED")
    seen = entry.seen_at
    return {
        "account": entry.account,
        "provider": entry.provider,
        "balances": [line_dict(line) for line in entry.balances],
        "seen_at": None if seen is None else seen.isoformat(),
        "error": None if error is None else error.as_dict(),
    }


def _print_all(results: list[AccountBalances]) -> None:
    if not results:
        print("no account configured (porte-voix accounts add …)")
    for entry in results:
        print(f"{visible(entry.account)} ({entry.label})")
        if entry.note:
            print(f"  {entry.note}")
        if entry.error is not None:
            print(f"  FAILED: {visible(entry.error.message)}")
        for line in entry.balances:
            extra = [f"seen {line.seen_at:%Y-%m-%d %H:%M} ({line.where})"]
            if line.covers is not None and line.unit not in ("SMS",):
                extra.append(f"about {line.covers} messages")
            if line.threshold is not None:
                extra.append(f"{'LOW, ' if line.low else ''}threshold {line.threshold}")
            print(
                f"  {visible(line.name):<28} {line.amount:>12} {visible(line.unit):<8} "
                + ", ".join(extra)
            )


def _parse_day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliFailure(
            EXIT_INPUT, "invalid_date", f"{flag} expects YYYY-MM-DD, got {value!r}"
        ) from None


def cdr(args: argparse.Namespace) -> int:
    """getCDR through ``iter_cdr``: a period the platform finds too long (code 80) is split
    and read on, day after day; rows are printed as they are parsed."""
    import asyncio
    from contextlib import aclosing

    from tui.cli.support import json_text
    from tui.history import cdr_output

    start, stop = _parse_day(args.start, "--from"), _parse_day(args.stop, "--to")
    if stop < start:
        raise CliFailure(EXIT_INPUT, "invalid_date", "--to is before --from")
    account = load_account(args.account)
    info = provider_info(account.provider)
    if not info.capabilities & Capability.CDR:
        raise CliFailure(
            EXIT_INPUT, "unsupported", f"{info.label} has no sending history (CDR) API"
        )
    provider = open_provider(account)
    writer: cdr_output.CdrWriter
    if args.json:
        writer = cdr_output.JsonWriter(sys.stdout, account.name, json_text)
    elif args.csv:
        writer = cdr_output.CsvWriter(sys.stdout)
    else:
        writer = cdr_output.TextWriter(sys.stdout)
    done: list[date] = []
    gone: list[bool] = []  # the output's reader closed the pipe

    async def fetch() -> None:
        rows = provider.iter_cdr(  # type: ignore[attr-defined]
            start,
            stop,
            channel=args.channel,
            campaign=args.campaign,
            campaigns_only=args.campaigns_only,
            api_only=args.api_only,
            content=args.content,
            on_period=lambda _first, last: done.append(last),
        )
        try:
            async with aclosing(rows) as stream:
                async for row in stream:
                    writer.row(row)
        except BrokenPipeError:  # `porte-voix cdr | head`: the reply is read no further
            gone.append(True)
        finally:
            await provider.aclose()

    try:
        with mapped_errors():
            asyncio.run(fetch())
        if gone:
            raise BrokenPipeError
        writer.close()
        sys.stdout.flush()
    except BrokenPipeError:
        from tui.cli.history import closed_reader

        closed_reader()  # `porte-voix cdr | head`: nothing more to write
        return EXIT_OK
    except CliFailure as failure:
        # The rows read are out already: the output ends properly, saying where it stopped.
        through = done[-1] if done else None
        if not args.json:
            writer.close()
            if through is not None:
                failure.message += f" (every day through {through} was read)"
            raise
        error: dict[str, Any] = {
            "code": failure.code,
            "message": failure.message,
            "provider_code": failure.provider_code,
        }
        writer.close(error, through)
        return failure.exit_code
    return EXIT_OK


def sms_count(args: argparse.Namespace) -> int:
    provider: str | None = args.provider
    if args.account:
        provider = load_account(args.account).provider
    with mapped_errors():
        profile = sms_text.profile_for(provider, args.long)
        if not profile.sms:
            raise InputError(
                "channel", f"{profile.label} sends no SMS (voice only): there is nothing to count"
            )
        count = sms_text.count_sms(args.text, provider, Route(args.route), long=args.long)
    if args.json:
        emit_json(count.as_dict())
        return EXIT_OK
    print(
        f"{count.characters} characters, {count.encoding}, {count.units} units, "
        f"{count.segments} segment(s) ({_maximum(profile.label if provider else None, count)})"
    )
    if count.too_long:
        print(f"too long for {profile.label}")
    if count.stop_mention:
        print(f"includes the STOP mention {count.stop_mention!r} added by the provider")
    if count.unencodable:
        # A control character typed in the text is one of them: shown as its escape.
        print("cannot be sent by this provider: " + " ".join(map(visible, count.unencodable)))
    return EXIT_OK


def _maximum(label: str | None, count: sms_text.SmsCount) -> str:
    """The provider's maximum in words."""
    if label is None:
        return "no provider given: counted by the network's rules, with no provider's maximum"
    limits = []
    if count.max_segments is not None:
        limits.append(f"{count.max_segments} segment(s)")
    if count.max_characters is not None:
        limits.append(f"{count.max_characters} characters")
    if not limits:
        return f"{label} states no maximum"
    return f"{label} takes at most {' and '.join(limits)}"
