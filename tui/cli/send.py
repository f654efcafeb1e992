"""``porte-voix send sms|vms``: validate locally, confirm, journal, send, report.

Every send goes through ``tui.sending.deliver``, the orchestration the console uses: the intent
is committed before the request, and an unknown outcome is reported, never retried.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from providers import phone
from providers import text as sms_text
from providers.base import Provider, provider_info
from providers.errors import AuthenticationError
from providers.models import Message, Route, SmsMessage, VmsType, VoiceMessage
from tui.accounts import config as config_module
from tui.accounts.config import Account
from tui.cli.support import (
    EXIT_CONFIG,
    EXIT_INPUT,
    EXIT_OK,
    EXIT_PROVIDER,
    CliFailure,
    emit_json,
    load_account,
    mapped_errors,
    open_provider,
)
from tui.csv_import import NUMBER_COLUMNS, CsvImportError, read_table
from tui.errors import describe_text
from tui.outbox.schema import RecipientRow
from tui.outbox.store import SendState, Store
from tui.schedule import parse_schedule
from tui.sending import SendOutcome, deliver, validate


def run(args: argparse.Namespace) -> int:
    account = load_account(args.account)
    recipients = _recipients(args)
    with mapped_errors():
        schedule = parse_schedule(args.schedule)
    if args.send_kind == "sms":
        message: Message = SmsMessage(
            text=args.text,
            recipients=recipients,
            sender=args.sender,
            route=Route(args.route) if args.route else Route.NOTIFICATION,
            long=args.long,
            schedule=schedule,
            campaign_id=args.campaign_id,
        )
    else:
        message = VoiceMessage(
            recipients=recipients,
            sender=args.sender,
            vms_type=VmsType(args.vms_type) if args.vms_type else None,
            voice_msg=args.voice_msg,
            tts=args.tts,
            audio_token=args.audio,
            email=args.email,
            template_id=args.template,
            schedule=schedule,
            campaign_id=args.campaign_id,
        )
    provider = open_provider(account)
    try:
        with mapped_errors():
            validate(provider, message)
        if not args.dry_run and not args.yes:
            _confirm(account, message)
    except BaseException:
        asyncio.run(provider.aclose())
        raise
    # One event loop for the send and the closing of its connections.
    report = asyncio.run(_send(provider, account, message, args.dry_run))
    return _report(args, account, report)


@dataclass(frozen=True)
class SendReport:
    outcome: SendOutcome
    recipients: list[RecipientRow]
    provider_reference: str | None


async def _send(
    provider: Provider, account: Account, message: Message, dry_run: bool
) -> SendReport:
    try:
        return await _send_through_outbox(provider, account, message, dry_run)
    finally:
        await provider.aclose()


async def _send_through_outbox(
    provider: Provider, account: Account, message: Message, dry_run: bool
) -> SendReport:
    with Store(config_module.data_dir() / "porte-voix.db") as store:
        store.recover_interrupted()
        with mapped_errors():
            delivery = await deliver(store, provider, account.name, [message], dry_run=dry_run)
            if delivery.error is not None:
                raise delivery.error
        # One message, no cancel: a send that did not raise has its outcome.
        (outcome,) = delivery.outcomes
        row = store.get_send(outcome.reference)
        rows = store.recipients(outcome.reference, limit=max(outcome.total, 1))
        return SendReport(outcome, rows, row.provider_reference if row else None)


# --------------------------------------------------------------------------- input


def _recipients(args: argparse.Namespace) -> tuple[str, ...]:
    if args.to_file:
        items = read_number_file(Path(args.to_file))
    else:
        items = [item for value in args.to for item in phone.split_recipients(value)]
    parsed = phone.parse_recipients(items)
    if parsed.invalid:
        listed = "; ".join(f"{bad.raw!r}: {bad.reason}" for bad in parsed.invalid[:10])
        more = f" (and {len(parsed.invalid) - 10} more)" if len(parsed.invalid) > 10 else ""
        raise CliFailure(
            EXIT_INPUT,
            "invalid_recipient",
            f"{len(parsed.invalid)} invalid number(s): {listed}{more}",
        )
    if not parsed.valid:
        raise CliFailure(EXIT_INPUT, "invalid_recipient", "no recipient")
    if parsed.duplicates:
        print(f"{parsed.duplicates} duplicate number(s) removed", file=sys.stderr)
    return parsed.valid


def read_number_file(path: Path) -> list[str]:
    """Numbers from a text file (one per line) or a CSV whose header names a number column."""
    try:
        table = read_table(path)
    except CsvImportError as exc:
        raise CliFailure(EXIT_INPUT, "invalid_file", describe_text(exc)) from None
    if table.number_column is None:
        raise CliFailure(
            EXIT_INPUT,
            "invalid_file",
            f"{path}: no number column in the header {list(table.columns)!r} "
            f"(expected one of: {', '.join(NUMBER_COLUMNS)})",
        )
    return table.values(table.number_column)


def _confirm(account: Account, message: Message) -> None:
    if not sys.stdin.isatty():
        raise CliFailure(
            EXIT_INPUT,
            "confirmation_required",
            "sending costs money: pass --yes to send without a terminal (nothing was sent)",
        )
    label = provider_info(account.provider).label
    what = "an SMS" if isinstance(message, SmsMessage) else "a voice message"
    detail = ""
    if isinstance(message, SmsMessage):
        count = sms_text.count_sms(message.text, account.provider, message.route, message.long)
        detail = f", {count.segments} segment(s) each ({count.encoding})"
    when = f", scheduled {message.schedule:%Y-%m-%d %H:%M} Paris" if message.schedule else ""
    print(
        f"Send {what} to {len(message.recipients)} recipient(s) with {account.name} "
        f"({label}){detail}{when}.",
        file=sys.stderr,
    )
    # The prompt goes to stderr so that stdout stays one JSON object under --json.
    print("Send now? [y/N] ", end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    if answer not in ("y", "yes", "o", "oui"):
        raise CliFailure(EXIT_INPUT, "not_confirmed", "not sent")


# --------------------------------------------------------------------------- output

#: The outbox's state -> the contract's status (four values).
_JSON_STATUS = {
    SendState.ACCEPTED: "accepted",
    SendState.PARTIAL: "rejected",
    SendState.REJECTED: "rejected",
    SendState.UNKNOWN: "unknown",
    SendState.CANCELLED: "rejected",
    SendState.DRY_RUN: "dry-run",
}


def outcome_json(account: Account, report: SendReport) -> dict[str, Any]:
    outcome = report.outcome
    return {
        "account": account.name,
        "provider": account.provider,
        "status": _JSON_STATUS.get(outcome.state, "unknown"),
        "recipients": [
            {
                "number": r.number,
                "status": str(r.state),
                "message_id": r.message_id,
                "error": r.error,
            }
            for r in report.recipients
        ],
        "balance": str(outcome.balance) if outcome.balance is not None else None,
        "cost": str(outcome.cost) if outcome.cost is not None else None,
        "reference": outcome.reference,
        "provider_reference": report.provider_reference,
        # "status" keeps the contract's four values; "state" is the outbox's own, which tells
        # a partial or cancelled send (some recipients accepted) from an outright refusal.
        "state": str(outcome.state),
        "warnings": _warnings(outcome),
    }


def _warnings(outcome: SendOutcome) -> list[str]:
    return list(dict.fromkeys(w for receipt in outcome.receipts for w in receipt.warnings))


def _report(args: argparse.Namespace, account: Account, report: SendReport) -> int:
    outcome = report.outcome
    payload = outcome_json(account, report)
    code = EXIT_OK if payload["status"] in ("accepted", "dry-run") else EXIT_PROVIDER
    if any(isinstance(error, AuthenticationError) for error in outcome.errors):
        code = EXIT_CONFIG  # the credentials are the problem, not this message
    for warning in payload["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        emit_json(payload)
        return code
    stream = sys.stdout if code == EXIT_OK else sys.stderr
    status = payload["status"]
    if payload["state"] != status:
        status += (
            f" ({payload['state']}: accepted {outcome.accepted}, rejected {outcome.rejected},"
            f" not sent {outcome.cancelled})"
        )
    print(f"{status}: reference {outcome.reference}", file=stream)
    for recipient in payload["recipients"]:
        error = f"  {recipient['error']}" if recipient["error"] else ""
        ident = f"  id {recipient['message_id']}" if recipient["message_id"] else ""
        print(f"  {recipient['number']:<16} {recipient['status']:<9}{ident}{error}", file=stream)
    if outcome.balance is not None:
        print(f"balance: {outcome.balance}", file=stream)
    if payload["status"] == "unknown":
        print(
            "The outcome is unknown: the provider may have sent it. It will not be resent "
            "automatically; check the provider's history before resending.",
            file=stream,
        )
    return code
