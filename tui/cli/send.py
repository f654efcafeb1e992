"""``porte-voix send sms|vms``: validate locally, confirm, journal, send, report.

Every send goes through ``tui.sending.deliver``, the orchestration the console uses: the intent
is committed before the request, and an unknown outcome is reported, never retried. A send that
repeats an unfinished one (same account and content, numbers in common, the last 48 hours) is
refused before anything is asked or sent, unless ``--allow-duplicates``. Interrupted (ctrl+c)
once its intent is in the outbox, the command still reports the send, naming its reference
and its state (``cancelled``, or ``unknown`` when a request was out).

The numbers are parsed once, as they are read, and staged out of memory
(``tui.cli.recipients``); the report is written as it is read from the outbox
(``tui.cli.outcome``): a send of a million numbers runs in the memory of a send of ten.

Heavy modules (the outbox, the orchestration, the CSV reader, asyncio) are imported by the
handler, so that building the parser stays cheap.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cli.compliance import add_send_options, check_send
from tui.cli.outcome import outcome_json, report_interrupted, report_outcome, stored_report
from tui.cli.support import (
    EXIT_INPUT,
    EXIT_INTERRUPTED,
    CliFailure,
    load_account,
    mapped_errors,
    open_provider,
)
from tui.errors import visible

if TYPE_CHECKING:
    from providers.base import Provider
    from providers.models import Message
    from tui.accounts.config import Account
    from tui.outbox.store import Store
    from tui.sending import SendOutcome
    from tui.sending.recipients import StagedNumbers

ROUTES = ("marketing", "notification")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = commands.add_parser("send", help="send an SMS or a voice message")
    send.set_defaults(handler=run, may_send=True)
    kinds = send.add_subparsers(dest="send_kind", metavar="KIND", required=True)

    sms = kinds.add_parser("sms", help="send an SMS")
    _add_common_send(sms)
    sms.add_argument("--text", required=True)
    sms.add_argument("--sender")
    sms.add_argument("--route", choices=ROUTES)
    sms.add_argument("--long", action="store_true")

    vms = kinds.add_parser("vms", help="send a voice message")
    _add_common_send(vms)
    content = vms.add_mutually_exclusive_group(required=True)
    content.add_argument("--voice-msg", metavar="NAME", help="CapitoleMobile recorded message")
    content.add_argument("--tts", metavar="TEXT", help="text-to-speech")
    content.add_argument("--audio", metavar="TOKEN", help="VoicePartner audio file token")
    content.add_argument("--template", metavar="ID", help="eCampaign voice template")
    vms.add_argument("--sender", metavar="NUMBER")
    vms.add_argument(
        "--type",
        choices=("AD", "DD"),
        dest="vms_type",
        help="CapitoleMobile: AD plays the message when the callee answers (landlines and "
        "mobiles), DD drops it into a mobile's voicemail; default AD, as in the console",
    )
    vms.add_argument("--email", metavar="ADDR", help="VoicePartner end-of-campaign e-mail")


#: What ``--to-file`` reads, with the limits ``tui.csv_import`` enforces (``tui.csv_lines``
#: words them: the CSV reader itself loads only when a file is read).
TO_FILE_HELP = "numbers, one per line, or a CSV whose header names the number column; {limits}"


def _add_common_send(parser: argparse.ArgumentParser) -> None:
    from tui.csv_lines import LIMITS

    parser.add_argument("--account", required=True)
    targets = parser.add_mutually_exclusive_group(required=True)
    targets.add_argument("--to", action="append", metavar="NUMBER", help="repeatable")
    targets.add_argument("--to-file", metavar="FILE", help=TO_FILE_HELP.format(limits=LIMITS))
    parser.add_argument("--schedule", metavar="'YYYY-MM-DD HH:MM:SS'", help="Paris time")
    parser.add_argument("--campaign-id", metavar="ID")
    parser.add_argument("--dry-run", action="store_true", help="validate without sending")
    parser.add_argument("--yes", action="store_true", help="send without asking")
    parser.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="send even to numbers an unfinished send of the same content (the last 48 hours) "
        "already had",
    )
    parser.add_argument("--json", action="store_true")
    add_send_options(parser)  # --promotional, --include-opted-out


def run(args: argparse.Namespace) -> int:
    from tui.cli.recipients import read_recipients

    account = load_account(args.account)
    staged = read_recipients(args)
    try:
        return _run(args, account, staged)
    finally:
        staged.close()


def _run(args: argparse.Namespace, account: Account, staged: StagedNumbers) -> int:
    import asyncio

    from providers.base import provider_info
    from tui.cli.sends import open_outbox
    from tui.sending.recipients import as_recipients

    message = _message(args, account, as_recipients(staged))
    provider = open_provider(account)
    allow_duplicates = bool(getattr(args, "allow_duplicates", False))
    try:
        with mapped_errors():
            from tui.sending import validate

            validate(provider, message)
        store = open_outbox()
    except BaseException:
        asyncio.run(provider.aclose())
        raise
    with store:
        try:
            # Sending hours, and the opted-out numbers left out (counted, for the confirmation).
            shown = check_send(args, store, message, provider_info(account.provider))
            if not args.dry_run and not allow_duplicates:
                refuse_duplicates(store, account.name, message)
            # A warning, never a refusal: said before the question, and kept for --json.
            balance = low_balance(store, account, shown)
            if balance is not None:
                print(f"warning: {visible(balance)}", file=sys.stderr)
            if not args.dry_run and not args.yes:
                _confirm(account, shown)
        except BaseException:
            asyncio.run(provider.aclose())
            raise
        begun: list[str] = []
        try:
            # One event loop for the send and the closing of its connections. What it returns
            # stays small (the outcome): the report is read from the outbox afterwards.
            outcome = asyncio.run(
                _send(
                    store,
                    provider,
                    account,
                    message,
                    args.dry_run,
                    begun.append,
                    include_opted_out=bool(args.include_opted_out),
                )
            )
        except KeyboardInterrupt:
            if not begun:
                # Stopped before the intent was journalled: no request can have left.
                raise CliFailure(
                    EXIT_INTERRUPTED,
                    "interrupted",
                    "interrupted before the send began: nothing was sent",
                ) from None
            return report_interrupted(args, store, begun[-1])
        report = stored_report(store, outcome)
        extra = None
        if balance is not None:
            # Into the report's own "warnings" (the provider's remarks), first: no new key.
            extra = {"warnings": [balance, *outcome_json(report)["warnings"]]}
        return report_outcome(args, report, extra)


def low_balance(store: Store, account: Account, message: Message) -> str | None:
    """The low-balance warning before sending ``message`` (``tui.outbox.balances``): its
    recipients × SMS parts (voice: recipients) against the balance of its channel and of the
    route the account sends through; None when nothing is known to be wrong."""
    from providers import text as sms_text
    from providers.models import SmsMessage
    from tui.outbox.balances import balance_warning

    channel, parts = "voice", 1
    if isinstance(message, SmsMessage):
        count = sms_text.count_sms(message.text, account.provider, message.route, message.long)
        channel, parts = "sms", count.segments
    known = store.balances(account.name)
    return balance_warning(known, account, channel, len(message.recipients) * parts)


def refuse_duplicates(store: Store, account: str, message: Message) -> None:
    """``CliFailure`` (exit 2) naming the unfinished send ``message`` would repeat, if any."""
    from tui.cli.sends import duplicate_failure
    from tui.sending.overlap import DuplicateSendError, find_overlap

    overlap = find_overlap(store, account, [message])
    if overlap is not None:
        raise duplicate_failure(DuplicateSendError(overlap))


async def _send(
    store: Store,
    provider: Provider,
    account: Account,
    message: Message,
    dry_run: bool,
    on_begin: Callable[[str], None],
    *,
    include_opted_out: bool = False,
) -> SendOutcome:
    from tui.cli.sends import duplicate_failure
    from tui.sending import deliver
    from tui.sending.overlap import DuplicateSendError

    try:
        with mapped_errors():
            try:
                delivery = await deliver(
                    store,
                    provider,
                    account.name,
                    [message],
                    dry_run=dry_run,
                    # Checked before the confirmation; the operator may have said so too.
                    allow_duplicates=True,
                    on_begin=on_begin,
                    include_opted_out=include_opted_out,
                )
            except DuplicateSendError as exc:
                raise duplicate_failure(exc) from None
            if delivery.error is not None:
                raise delivery.error
    finally:
        await provider.aclose()
    # One message, no cancel: a send that did not raise has its outcome.
    (outcome,) = delivery.outcomes
    return outcome


# --------------------------------------------------------------------------- input


def _message(args: argparse.Namespace, account: Account, recipients: tuple[str, ...]) -> Message:
    from providers.base import provider_info
    from providers.models import Route, SmsMessage, VmsType, VoiceMessage
    from tui.schedule import parse_schedule

    with mapped_errors():
        schedule = parse_schedule(args.schedule)
    if args.send_kind == "sms":
        return SmsMessage(
            text=args.text,
            recipients=recipients,
            sender=args.sender,
            route=Route(args.route) if args.route else Route.NOTIFICATION,
            long=args.long,
            schedule=schedule,
            campaign_id=args.campaign_id,
        )
    # The provider's default voice type, as in the console (CapitoleMobile: AD).
    kind = args.vms_type or provider_info(account.provider).default_voice_type
    return VoiceMessage(
        recipients=recipients,
        sender=args.sender,
        vms_type=VmsType(kind) if kind else None,
        voice_msg=args.voice_msg,
        tts=args.tts,
        audio_token=args.audio,
        email=args.email,
        template_id=args.template,
        schedule=schedule,
        campaign_id=args.campaign_id,
    )


def _confirm(account: Account, message: Message) -> None:
    from providers import text as sms_text
    from providers.base import provider_info
    from providers.models import SmsMessage

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
