"""Read-only subcommands: ``credits``, ``cdr``, ``sms-count``.

What a provider returned (balance labels and units, CDR fields) is printed with its control
characters made visible: a reply must not be able to drive the operator's terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import sys
from dataclasses import asdict
from datetime import date
from typing import Any

from providers import text as sms_text
from providers.base import Capability, provider_info
from providers.errors import ProviderError
from providers.models import Balance, CdrReport, Route
from tui.accounts import config as config_module
from tui.cli.support import (
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PROVIDER,
    CliFailure,
    emit_json,
    failure_from,
    load_account,
    mapped_errors,
    open_provider,
)
from tui.errors import visible
from tui.outbox.store import Store


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


def credits(args: argparse.Namespace) -> int:
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
    with Store(config_module.data_dir() / "porte-voix.db") as store:
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
    with Store(config_module.data_dir() / "porte-voix.db") as store:
        known = store.last_balance(name)
    if known is None:
        raise CliFailure(
            EXIT_PROVIDER,
            "UNSUPPORTED",
            f"{label} has no balance call; its balance is known after the first send",
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
        for campaign in map(_printable, campaigns):
            print(
                f"campaign {campaign['id']:<10} {campaign['channel'] or '':<6} "
                f"{campaign['date_init'] or '':<20} {campaign['recipients_count'] or 0} recipients"
            )
        for message in map(_printable, messages):
            target = message["number"] or message["mail_recipient"] or ""
            print(
                f"message {message['id']:<11} {message['channel'] or '':<6} {target:<16} "
                f"{message['state']:<11} {message['status_date'] or ''}"
            )
        if not messages and not campaigns:
            print("no messages in this period")
    return EXIT_OK


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
    try:
        count = sms_text.count_sms(args.text, provider, Route(args.route), long=args.long)
    except ProviderError as exc:  # pragma: no cover - counting never calls a provider
        raise failure_from(exc) from None
    if args.json:
        emit_json(count.as_dict())
        return EXIT_OK
    print(
        f"{count.characters} characters, {count.encoding}, {count.units} units, "
        f"{count.segments} segment(s) (max {count.max_segments})"
    )
    if count.stop_mention:
        print(f"includes the STOP mention {count.stop_mention!r} added by the provider")
    if count.unencodable:
        # A control character typed in the text is one of them: shown as its escape.
        print("cannot be sent by this provider: " + " ".join(map(visible, count.unencodable)))
    return EXIT_OK
