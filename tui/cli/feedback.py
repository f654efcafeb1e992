"""``porte-voix blacklist``, ``replies`` and ``hlr``: eCampaign's blacklists (opt-outs) per
channel, the replies received, and what the mobile network knows about a number.

Exit codes and ``--json`` errors follow ``tui.cli.support``. Taking someone off a blacklist lets
messages reach a person who asked for none: it asks on a terminal (``--yes`` otherwise).
Everything printed from a reply (numbers, reasons, messages, operators) is made visible.
"""

from __future__ import annotations

import argparse

from providers.base import Capability, Provider
from tui import feedback
from tui.cli.support import EXIT_OK, emit_json
from tui.cli.templates import confirm, print_rows, with_provider
from tui.errors import visible

BLACKLIST = "blacklist or replies service"


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

    hlr = commands.add_parser("hlr", help="look a number up on the mobile network (HLR)")
    hlr.set_defaults(handler=run_hlr)
    hlr.add_argument("number", metavar="NUMBER")
    hlr.add_argument("--account", required=True)
    hlr.add_argument("--json", action="store_true")


def _common(parser: argparse.ArgumentParser, default: str | None = None) -> None:
    parser.add_argument("--account", required=True)
    parser.add_argument(
        "--channel", choices=feedback.CHANNELS, required=default is None, default=default
    )
    parser.add_argument("--json", action="store_true")


def run_blacklist(args: argparse.Namespace) -> int:
    if args.blacklist_command == "remove":
        return _remove(args)
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
    for entry in shown:
        recipient = feedback.recipient_of(entry)
        print(f"{visible(entry.date or ''):<19}  {visible(recipient):<28}  ", end="")
        print(visible(entry.reason or ""))
    return EXIT_OK


def _feedback(provider: Provider, args: argparse.Namespace) -> feedback.FeedbackService:
    return feedback.feedback_service(provider, args.account)


def _remove(args: argparse.Namespace) -> int:
    label = feedback.CHANNEL_LABELS[args.channel]
    if not args.yes:
        refused = "remove without a terminal (nothing was removed)"
        confirm(
            f"Take {args.recipient} off the {label} blacklist of {args.account}? They will "
            "receive messages again.",
            refused,
        )
    account, _ = with_provider(
        args.account,
        Capability.BLACKLIST,
        BLACKLIST,
        lambda provider: _feedback(provider, args).del_blacklist_member(
            args.channel, args.recipient
        ),
    )
    if args.json:
        emit_json(
            {
                "account": account.name,
                "channel": args.channel,
                "recipient": args.recipient,
                "status": "removed",
            }
        )
    else:
        print(f"{visible(args.recipient)} is off the {label} blacklist")
    return EXIT_OK


def run_replies(args: argparse.Namespace) -> int:
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
    for reply in replies:
        mark = "STOP" if reply.stop else ""
        print(
            f"{visible(reply.date or ''):<19}  {visible(reply.number or ''):<16}  {mark:<4}  ",
            end="",
        )
        print(visible(reply.message).replace("\n", " "))
    return EXIT_OK


def run_hlr(args: argparse.Namespace) -> int:
    account, result = with_provider(
        args.account,
        Capability.HLR,
        "number look-up (HLR)",
        lambda provider: feedback.number_lookup(provider, args.account).hlr_lookup(args.number),
    )
    if args.json:
        emit_json({"account": account.name, **feedback.hlr_json(result)})
    else:
        print_rows(feedback.hlr_rows(result))
    return EXIT_OK
