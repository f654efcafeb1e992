"""Read-only subcommands: ``credits``, ``cdr``, ``sms-count``.

What a provider returned (balance labels and units, CDR fields) is printed with its control
characters made visible: a reply must not be able to drive the operator's terminal.

``sms-count`` stays cheap: the outbox (where balances are kept) and asyncio are imported by
``credits`` and ``cdr`` only.
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from providers import text as sms_text
from providers.base import PROVIDER_KINDS, Capability, provider_info
from providers.errors import InputError
from providers.models import Balance, CdrReport, Route
from tui.cli.support import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PROVIDER,
    CliFailure,
    emit_json,
    load_account,
    mapped_errors,
    open_provider,
)
from tui.errors import visible

if TYPE_CHECKING:
    from tui.outbox.store import Store

ROUTES = ("marketing", "notification")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    credits_parser = commands.add_parser("credits", help="show an account's balance or credits")
    credits_parser.add_argument("--account", required=True)
    credits_parser.add_argument("--json", action="store_true")
    credits_parser.set_defaults(handler=credits)

    cdr_parser = commands.add_parser("cdr", help="eCampaign sending history (tracking/getCDR)")
    cdr_parser.add_argument("--account", required=True)
    cdr_parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    cdr_parser.add_argument("--to", dest="stop", required=True, metavar="YYYY-MM-DD")
    cdr_parser.add_argument("--channel", choices=("sms", "voice", "mail", "fax"))
    cdr_parser.add_argument("--campaign", metavar="ID")
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
    """Providers without a balance call: show the balance their last reply carried."""
    with _store() as store:
        known = store.last_balance(name)
    if known is None:
        # The provider layer's code for it (its balance() raises it): in its own field.
        raise CliFailure(
            EXIT_PROVIDER,
            "unsupported",
            f"{label} has no balance call; its balance is known after the first send",
            "UNSUPPORTED",
        )
    rows = _balance_rows(Balance(known.provider, known.lines))
    if not rows and known.amount is not None:
        rows = [
            {
                "label": "balance",
                "amount": str(known.amount),
                "unit": "credits",
                "route_id": None,
                "channel": None,
                "expires": None,
            }
        ]
    if args.json:
        emit_json(
            {
                "account": name,
                "provider": known.provider,
                "balance": rows,
                "as_of": known.seen_at.isoformat(),
            }
        )
        return EXIT_OK
    for row in rows:
        # Stored from an earlier reply: as foreign as a fresh one.
        print(
            f"{visible(row['label']):<30} {row['amount']:>12} {visible(row['unit'])}"
            f"  (last seen {known.seen_at:%Y-%m-%d %H:%M})"
        )
    return EXIT_OK


def _parse_day(value: str, flag: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliFailure(
            EXIT_INPUT, "invalid_date", f"{flag} expects YYYY-MM-DD, got {value!r}"
        ) from None


def cdr(args: argparse.Namespace) -> int:
    import asyncio

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

    async def fetch() -> CdrReport:
        try:
            report: CdrReport = await provider.get_cdr(  # type: ignore[attr-defined]
                start, stop, channel=args.channel, campaign_id=args.campaign
            )
            return report
        finally:
            await provider.aclose()

    with mapped_errors():
        report = asyncio.run(fetch())
    messages = [_jsonable(asdict(record)) for record in report.messages]
    campaigns = [_jsonable(asdict(campaign)) for campaign in report.campaigns]
    if args.json:
        emit_json({"account": account.name, "messages": messages, "campaigns": campaigns})
    elif args.csv:
        _write_csv(messages, campaigns)
    else:
        _print_cdr(messages, campaigns)
    return EXIT_OK


#: The human columns of ``cdr``: (heading, width); the last one takes the rest of the line.
CAMPAIGN_COLUMNS = (("CAMPAIGN", 10), ("CHANNEL", 7), ("CREATED", 20), ("RECIPIENTS", 0))
MESSAGE_COLUMNS = (("MESSAGE", 10), ("CHANNEL", 7), ("RECIPIENT", 16), ("STATE", 11), ("DATE", 0))


def _line(columns: tuple[tuple[str, int], ...], cells: list[object]) -> str:
    parts = [
        f"{'' if cell is None else cell!s:<{width}}"
        for (_, width), cell in zip(columns, cells, strict=True)
    ]
    return " ".join(parts).rstrip()


def _print_cdr(messages: list[dict[str, Any]], campaigns: list[dict[str, Any]]) -> None:
    if not messages and not campaigns:
        print("no messages in this period")
        return
    if campaigns:
        print(_line(CAMPAIGN_COLUMNS, [name for name, _ in CAMPAIGN_COLUMNS]))
        for row in map(_printable, campaigns):
            cells = [row["id"], row["channel"], row["date_init"], row["recipients_count"] or 0]
            print(_line(CAMPAIGN_COLUMNS, cells))
    if messages:
        if campaigns:
            print()
        print(_line(MESSAGE_COLUMNS, [name for name, _ in MESSAGE_COLUMNS]))
        for row in map(_printable, messages):
            target = row["number"] or row["mail_recipient"]
            cells = [row["id"], row["channel"], target, row["state"], row["status_date"]]
            print(_line(MESSAGE_COLUMNS, cells))


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (
            str(value) if value is not None and not isinstance(value, (str, int, bool)) else value
        )
        for key, value in row.items()
    }


def _printable(row: dict[str, Any]) -> dict[str, Any]:
    """The row's texts with their control characters made visible (they came from the reply)."""
    return {key: visible(value) if isinstance(value, str) else value for key, value in row.items()}


def _write_csv(messages: list[dict[str, Any]], campaigns: list[dict[str, Any]]) -> None:
    """One table: a ``kind`` column says whether a row is a campaign or a message.

    CSV usually lands on a terminal or in a spreadsheet, both of which obey control characters:
    the cells are made visible as on screen (a CDR field never legitimately holds one).
    """
    rows = [{"kind": "campaign", **_printable(row)} for row in campaigns]
    rows += [{"kind": "message", **_printable(row)} for row in messages]
    fields: list[str] = []
    for row in rows:
        fields.extend(key for key in row if key not in fields)
    writer = csv.DictWriter(sys.stdout, fieldnames=fields or ["kind"], restval="")
    writer.writeheader()
    writer.writerows(rows)


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
