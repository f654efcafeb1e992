"""``porte-voix blacklist``, ``replies`` and ``hlr``: eCampaign's blacklists (opt-outs) per
channel, the replies received, and what the mobile network knows about a number.

Exit codes and ``--json`` errors follow ``tui.cli.support``. Taking someone off a blacklist lets
messages reach a person who asked for none: it asks on a terminal (``--yes`` otherwise).
Everything printed from a reply (numbers, reasons, messages, operators) is made visible.

``--account`` may be left out (``tui.cli.ecampaign_account``). Tables have a header line and
say their dates are Paris time (eCampaign's own clock; ``--json`` gives them as received).
``hlr`` looks up mobile numbers only: a service or landline number is refused before anything
is sent (exit 2, ``invalid_recipient``), as the look-up is paid for and knows only mobiles.
"""

from __future__ import annotations

import argparse
import dataclasses

from providers.base import Capability, Provider
from tui import feedback
from tui.cli.columns import ZONE_LABEL, Column, cell, print_table
from tui.cli.ecampaign_account import add_account_option, resolve_account
from tui.cli.support import EXIT_INPUT, EXIT_OK, CliFailure, emit_json, mapped_errors
from tui.cli.templates import confirm, print_rows, with_provider
from tui.errors import visible

BLACKLIST = "blacklist or replies service"
#: eCampaign's code for "member not found": on a blacklist, the recipient is not on it.
NOT_LISTED_CODE = "22"
#: Dates are eCampaign's, in its platform's local time (Paris): the heading says so.
BLACKLIST_COLUMNS = (
    Column(f"DATE ({ZONE_LABEL})", cap=19),
    Column("NUMBER/ADDRESS", cap=40),
    Column("REASON"),
)
REPLY_COLUMNS = (
    Column(f"DATE ({ZONE_LABEL})", cap=19),
    Column("NUMBER", cap=16),
    Column("STOP", cap=4),
    Column("MESSAGE"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    blacklist = commands.add_parser("blacklist", help="eCampaign blacklists (opt-outs)")
    blacklist.set_defaults(handler=run_blacklist)
    sub = blacklist.add_subparsers(dest="blacklist_command", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="who is on a channel's blacklist")
    _common(listing)
    listing.add_argument("--search", metavar="TEXT", help="only entries containing TEXT")
    remove = sub.add_parser("remove", help="take a number or an address off a blacklist")
    remove.add_argument("recipient", metavar="NUMBER|ADDRESS")
    _common(remove)
    remove.add_argument("--yes", action="store_true", help="remove without asking")

    replies = commands.add_parser("replies", help="replies received (STOP ones marked)")
    replies.set_defaults(handler=run_replies)
    _common(replies, default="sms")
    replies.add_argument(
        "--search", metavar="TEXT", help="only replies containing TEXT (stop: STOP replies)"
    )

    hlr = commands.add_parser("hlr", help="look a mobile number up on its network (HLR)")
    hlr.set_defaults(handler=run_hlr)
    hlr.add_argument("number", metavar="NUMBER")
    add_account_option(hlr)
    hlr.add_argument("--json", action="store_true")


def _common(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    add_account_option(parser)
    parser.add_argument(
        "--channel", choices=feedback.CHANNELS, required=default is None, default=default
    )
    parser.add_argument("--json", action="store_true")


def run_blacklist(args: argparse.Namespace) -> int:
    if args.blacklist_command == "remove":
        return _remove(args)
    args.account = resolve_account(args.account, Capability.BLACKLIST).name
    account, entries = with_provider(
        args.account,
        Capability.BLACKLIST,
        BLACKLIST,
        lambda provider: _feedback(provider, args).get_blacklist(args.channel),
    )
    shown = [entry for entry in entries if feedback.entry_matches(entry, args.search or "")]
    if args.json:
        emit_json(
            {
                "account": account.name,
                "channel": args.channel,
                "entries": [feedback.entry_json(entry) for entry in shown],
            }
        )
        return EXIT_OK
    label = feedback.CHANNEL_LABELS[args.channel]
    if not shown:
        print(f"no entry on the {label} blacklist" + (" matches" if entries else ""))
        return EXIT_OK
    rows = [
        [cell(entry.date), cell(feedback.recipient_of(entry)), cell(entry.reason)]
        for entry in shown
    ]
    print_table(BLACKLIST_COLUMNS, rows)
    return EXIT_OK


def _feedback(provider: Provider, args: argparse.Namespace) -> feedback.FeedbackService:
    return feedback.feedback_service(provider, args.account)


def _remove(args: argparse.Namespace) -> int:
    label = feedback.CHANNEL_LABELS[args.channel]
    # Read before anything is asked or sent: a number the list cannot hold is refused here, and
    # the confirmation, the messages and --json name it in E.164 as every other command does.
    with mapped_errors():
        recipient = feedback.blacklist_recipient(args.channel, args.recipient)
    args.account = resolve_account(args.account, Capability.BLACKLIST).name
    if not args.yes:
        refused = "remove without a terminal (nothing was removed)"
        confirm(
            f"Take {recipient} off the {label} blacklist of {args.account}? They will "
            "receive messages again.",
            refused,
        )
    try:
        account, _ = with_provider(
            args.account,
            Capability.BLACKLIST,
            BLACKLIST,
            lambda provider: _feedback(provider, args).del_blacklist_member(
                args.channel, recipient
            ),
        )
    except CliFailure as failure:
        if failure.provider_code != NOT_LISTED_CODE:
            raise
        # eCampaign says "member not found": on a blacklist, that means it was not on it.
        message = (
            f"{visible(recipient)} is not on the {label} blacklist of {visible(args.account)} "
            f"(eCampaign code {NOT_LISTED_CODE}): nothing was removed"
        )
        raise dataclasses.replace(failure, message=message) from None
    if args.json:
        emit_json(
            {
                "account": account.name,
                "channel": args.channel,
                "recipient": recipient,
                "status": "removed",
            }
        )
    else:
        print(f"{visible(recipient)} is off the {label} blacklist of {visible(account.name)}")
    return EXIT_OK


def run_replies(args: argparse.Namespace) -> int:
    args.account = resolve_account(args.account, Capability.BLACKLIST).name
    account, received = with_provider(
        args.account,
        Capability.BLACKLIST,
        BLACKLIST,
        lambda provider: _feedback(provider, args).get_responses(args.channel),
    )
    replies = [
        r for r in feedback.replies_of(received) if feedback.reply_matches(r, args.search or "")
    ]
    if args.json:
        emit_json(
            {
                "account": account.name,
                "channel": args.channel,
                "replies": [feedback.reply_json(reply) for reply in replies],
            }
        )
        return EXIT_OK
    if not replies:
        print("no reply" + (" matches" if received else ""))
        return EXIT_OK
    rows = [
        [cell(reply.date), cell(reply.number), "STOP" if reply.stop else "", cell(reply.message)]
        for reply in replies
    ]
    print_table(REPLY_COLUMNS, rows)
    return EXIT_OK


def run_hlr(args: argparse.Namespace) -> int:
    # A look-up is paid for and only means something for a mobile: anything else is refused
    # here, before any account is opened or any request made.
    with mapped_errors():
        number = feedback.hlr_number(args.number)
    refusal = feedback.hlr_refusal(number)
    if refusal is not None:
        raise CliFailure(EXIT_INPUT, "invalid_recipient", refusal)
    args.account = resolve_account(args.account, Capability.HLR).name
    account, result = with_provider(
        args.account,
        Capability.HLR,
        "number look-up (HLR)",
        lambda provider: feedback.number_lookup(provider, args.account).hlr_lookup(number),
    )
    if args.json:
        emit_json({"account": account.name, **feedback.hlr_json(result)})
    else:
        print_rows(feedback.hlr_rows(result))
    return EXIT_OK
