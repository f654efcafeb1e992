"""The command line: ``porte-voix [--demo]`` opens the console; subcommands script it.

Exit codes are a contract: 0 accepted / done; 1 the provider refused or the outcome is unknown;
2 the input was refused locally (nothing was sent); 3 configuration or credentials problem.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from providers.base import PROVIDER_KINDS
from tui import logfile
from tui.accounts import config as config_module
from tui.cli.support import EXIT_CONFIG, EXIT_PROVIDER, CliFailure, fail
from tui.errors import describe_text

ROUTES = ("marketing", "notification")


def _version() -> str:
    try:
        return version("porte-voix")
    except PackageNotFoundError:  # running from a source tree without installation
        return "0+unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="porte-voix",
        description="Send SMS and voice messages through French providers, and watch them.",
    )
    parser.add_argument("--version", action="version", version=f"porte-voix {_version()}")
    parser.add_argument(
        "--demo", action="store_true", help="open the console on the built-in sandbox"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    _add_accounts(commands)
    _add_send(commands)

    credits = commands.add_parser("credits", help="show an account's balance or credits")
    credits.add_argument("--account", required=True)
    credits.add_argument("--json", action="store_true")

    cdr = commands.add_parser("cdr", help="eCampaign sending history (tracking/getCDR)")
    cdr.add_argument("--account", required=True)
    cdr.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
    cdr.add_argument("--to", dest="stop", required=True, metavar="YYYY-MM-DD")
    cdr.add_argument("--channel", choices=("sms", "voice", "mail", "fax"))
    cdr.add_argument("--campaign", metavar="ID")
    out = cdr.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", action="store_true")

    count = commands.add_parser("sms-count", help="count characters and segments of a text")
    count.add_argument("text")
    which = count.add_mutually_exclusive_group()
    which.add_argument("--account")
    which.add_argument("--provider", choices=PROVIDER_KINDS)
    count.add_argument("--route", choices=ROUTES, default="notification")
    count.add_argument("--long", action="store_true", help="CapitoleMobile long SMS (up to 4)")
    count.add_argument("--json", action="store_true")
    return parser


def _add_accounts(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    accounts = commands.add_parser("accounts", help="manage provider accounts")
    sub = accounts.add_subparsers(dest="accounts_command", metavar="ACTION", required=True)

    add = sub.add_parser("add", help="add an account")
    add.add_argument("name")
    add.add_argument("--provider", required=True, choices=PROVIDER_KINDS)
    add.add_argument("--login", default="")
    add.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="options")
    add.add_argument("--secret-stdin", action="store_true", help="read the secret from stdin")
    add.add_argument(
        "--store",
        choices=("keyring", "file", "env"),
        default=None,
        help="where the secret lives (default: keyring; env = only PORTE_VOIX_SECRET_<NAME>)",
    )
    add.add_argument("--default", action="store_true", help="make it the default account")

    edit = sub.add_parser("edit", help="change an account")
    edit.add_argument("name")
    edit.add_argument("--login")
    edit.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="options")
    edit.add_argument("--unset", action="append", default=[], metavar="KEY")
    edit.add_argument("--secret-stdin", action="store_true", help="replace the stored secret")
    edit.add_argument("--default", action="store_true", help="make it the default account")

    listing = sub.add_parser("list", help="list accounts (never their secrets)")
    listing.add_argument("--json", action="store_true")

    remove = sub.add_parser("remove", help="remove an account and its stored secret")
    remove.add_argument("name")

    check = sub.add_parser("check", help="authenticate with the cheapest read-only call")
    check.add_argument("name")
    check.add_argument("--json", action="store_true")

    move = sub.add_parser("move-secret", help="move a secret between the keyring and the file")
    move.add_argument("name")
    move.add_argument("--to", required=True, choices=("keyring", "file"))


def _add_common_send(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--account", required=True)
    targets = parser.add_mutually_exclusive_group(required=True)
    targets.add_argument("--to", action="append", metavar="NUMBER", help="repeatable")
    targets.add_argument("--to-file", metavar="FILE", help="numbers, one per line (or CSV)")
    parser.add_argument("--schedule", metavar="'YYYY-MM-DD HH:MM:SS'", help="Paris time")
    parser.add_argument("--campaign-id", metavar="ID")
    parser.add_argument("--dry-run", action="store_true", help="validate without sending")
    parser.add_argument("--yes", action="store_true", help="send without asking")
    parser.add_argument("--json", action="store_true")


def _add_send(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    send = commands.add_parser("send", help="send an SMS or a voice message")
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
    vms.add_argument("--type", choices=("AD", "DD"), dest="vms_type")
    vms.add_argument("--email", metavar="ADDR", help="VoicePartner end-of-campaign e-mail")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        logfile.configure(config_module.data_dir())
    except (OSError, ValueError) as exc:  # an unwritable data directory must not stop a send
        print(f"porte-voix: no log file ({describe_text(exc)})", file=sys.stderr)
    try:
        return _dispatch(parser, args)
    except CliFailure as failure:
        return fail(failure, as_json=bool(getattr(args, "json", False)))
    except KeyboardInterrupt:
        if args.command == "send":
            # A request may have been out: the outbox says unknown; the contract says exit 1.
            return fail(
                CliFailure(
                    EXIT_PROVIDER,
                    "interrupted",
                    "interrupted: a request may have left; the outcome is unknown and will not "
                    "be resent automatically",
                ),
                as_json=bool(getattr(args, "json", False)),
            )
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one JSON object even then; the traceback goes to the log
        logging.getLogger(__name__).exception("porte-voix %s failed", args.command)
        return fail(
            CliFailure(
                EXIT_PROVIDER,
                "internal_error",
                f"unexpected {type(exc).__name__}; see the log file",
            ),
            as_json=bool(getattr(args, "json", False)),
        )


def _dispatch(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.command is None:
        from tui.app import run_console

        return run_console(demo=args.demo)
    if args.demo:
        raise CliFailure(EXIT_CONFIG, "usage", "--demo opens the console; use it alone")
    if args.command == "accounts":
        from tui.cli import accounts as cli_accounts

        return cli_accounts.run(args)
    if args.command == "send":
        from tui.cli import send as cli_send

        return cli_send.run(args)
    from tui.cli import info as cli_info

    if args.command == "credits":
        return cli_info.credits(args)
    if args.command == "cdr":
        return cli_info.cdr(args)
    if args.command == "sms-count":
        return cli_info.sms_count(args)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
