"""``porte-voix optout``: the local opt-out list every send screens its numbers against.

``list`` (a header line, times in Paris time as the heading says; ``--json`` keeps ISO 8601
with the offset), ``add NUMBER``, ``remove NUMBER`` (asks on a terminal, ``--yes`` otherwise:
the number may be messaged again), ``import FILE`` (one number a line, or a CSV whose header
names the number column; every row added, counted as a repeat of an earlier row
(``duplicate``), or named with its line and reason: ``tui.compliance.optout_file``) and
``sync [--account A]`` (the account's eCampaign SMS blacklist copied in, ``tui.compliance.sync``;
without ``--account``, ``tui.cli.ecampaign_account`` picks it). Every command has ``--json``;
errors follow ``tui.cli.support`` (an invalid number exits 2, ``invalid_number``).
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from tui.cli.columns import ZONE_LABEL, Column, cell, print_table
from tui.cli.ecampaign_account import add_account_option, resolve_account
from tui.cli.support import EXIT_INPUT, EXIT_OK, EXIT_PROVIDER, CliFailure, emit_json, mapped_errors
from tui.errors import visible

if TYPE_CHECKING:
    from tui.outbox.optout import OptOut, OptOuts

SOURCES = ("manual", "import", "blacklist", "stop")
SHOWN_REJECTED = 20
PARIS = ZoneInfo("Europe/Paris")
LIST_COLUMNS = (
    Column("NUMBER", cap=16),
    Column("SOURCE", cap=9),
    Column(f"ADDED ({ZONE_LABEL})", cap=16),
    Column("ACCOUNT", cap=32),
    Column("NOTE"),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    optout = commands.add_parser(
        "optout", help="the opt-out list: numbers every send leaves out, on every provider"
    )
    optout.set_defaults(handler=run)
    sub = optout.add_subparsers(dest="optout_command", metavar="ACTION", required=True)

    listing = sub.add_parser("list", help="the numbers on the list, newest first")
    listing.add_argument("--source", choices=SOURCES)
    listing.add_argument("--account", help="only those from this account's blacklist or replies")
    listing.add_argument("--search", metavar="TEXT", help="digits of the number, or note text")
    listing.add_argument("--limit", type=int, metavar="N")
    listing.add_argument("--json", action="store_true")

    add = sub.add_parser("add", help="put a number on the list")
    add.add_argument("number", metavar="NUMBER")
    add.add_argument("--note", help="why (kept with the number)")
    add.add_argument("--json", action="store_true")

    remove = sub.add_parser("remove", help="take a number off the list (it may be messaged)")
    remove.add_argument("number", metavar="NUMBER")
    remove.add_argument("--yes", action="store_true", help="remove without asking")
    remove.add_argument("--json", action="store_true")

    imported = sub.add_parser("import", help="add the numbers of a file")
    imported.add_argument("file", metavar="FILE")
    imported.add_argument("--note", help="kept with each number added")
    imported.add_argument("--json", action="store_true")

    sync = sub.add_parser("sync", help="copy an eCampaign account's SMS blacklist in")
    add_account_option(sync)
    sync.add_argument("--json", action="store_true")


def run(args: argparse.Namespace) -> int:
    if args.optout_command == "sync":
        return _sync(args)  # opens the outbox once the blacklist is read
    from tui.cli.sends import open_outbox
    from tui.outbox.optout import OptOuts

    handlers = {"list": _list, "add": _add, "remove": _remove, "import": _import}
    handler = handlers[args.optout_command]
    if args.optout_command == "remove" and not args.yes:
        _confirm_removal(args.number)
    with open_outbox() as store, mapped_errors():
        return handler(args, OptOuts(store))


def entry_json(entry: OptOut) -> dict[str, Any]:
    return {
        "number": entry.number,
        "source": str(entry.source),
        "account": entry.account,
        "added_at": entry.added_at.isoformat(),
        "note": entry.note,
    }


def paris_time(moment: datetime) -> str:
    """``moment`` in Paris time, as every human time of these commands is shown (the heading
    or the text says so); --json keeps ISO 8601 with its offset."""
    return f"{moment.astimezone(PARIS):%Y-%m-%d %H:%M}"


def _row(entry: OptOut) -> list[str]:
    return [
        cell(entry.number),
        cell(str(entry.source)),
        paris_time(entry.added_at),
        cell(entry.account),
        cell(entry.note),
    ]


def _list(args: argparse.Namespace, optouts: OptOuts) -> int:
    from tui.outbox.optout import OptOutSource

    if args.limit is not None and args.limit < 1:
        raise CliFailure(EXIT_INPUT, "invalid_limit", "--limit must be at least 1")
    entries = optouts.entries(
        source=OptOutSource(args.source) if args.source else None,
        account=args.account,
        search=args.search,
        limit=args.limit,
    )
    total = optouts.count()
    if args.json:
        emit_json({"total": total, "entries": [entry_json(e) for e in entries]})
        return EXIT_OK
    if not entries:
        print("no number on the opt-out list" + (" matches" if total else ""))
    else:
        print_table(LIST_COLUMNS, [_row(entry) for entry in entries])
    if entries and len(entries) < total:
        print(f"({len(entries)} shown of {total})", file=sys.stderr)
    return EXIT_OK


def _add(args: argparse.Namespace, optouts: OptOuts) -> int:
    added = optouts.add(args.number, note=args.note)
    entry = optouts.get(args.number)
    assert entry is not None  # just added, or already there
    if args.json:
        emit_json({"number": entry.number, "added": added, "entry": entry_json(entry)})
    elif added:
        print(f"{entry.number} is on the opt-out list: no send will reach it")
    else:
        print(f"{entry.number} was already on the opt-out list ({entry.source}, kept as it was)")
    return EXIT_OK


def _confirm_removal(number: str) -> None:
    from tui.cli.templates import confirm

    confirm(
        f"Take {number} off the opt-out list? Messages from every account may reach it again.",
        "remove without a terminal (nothing was removed)",
    )


def _remove(args: argparse.Namespace, optouts: OptOuts) -> int:
    removed = optouts.remove(args.number)
    if removed is None:
        raise CliFailure(
            EXIT_INPUT, "not_listed", f"{visible(args.number)} is not on the opt-out list"
        )
    if args.json:
        emit_json({"number": removed.number, "removed": True, "entry": entry_json(removed)})
    else:
        print(
            f"{removed.number} is off the opt-out list (it was there since "
            f"{paris_time(removed.added_at)} Paris time, {removed.source})"
        )
    return EXIT_OK


def _import(args: argparse.Namespace, optouts: OptOuts) -> int:
    from tui.compliance.optout_file import read_optout_file
    from tui.outbox.optout import OptOutSource

    path = Path(args.file)
    found = read_optout_file(path)
    rejected = found.rejected
    result = optouts.add_many(
        found.numbers, OptOutSource.IMPORT, note=args.note or f"from {path.name}"
    )
    valid = found.numbers
    code = EXIT_OK if not rejected else EXIT_PROVIDER if valid else EXIT_INPUT
    if args.json:
        emit_json(
            {
                "added": len(result.added),
                "already": len(result.already),
                "duplicate": found.duplicate,
                "rejected": rejected,
            }
        )
        return code
    stream = sys.stdout if code == EXIT_OK else sys.stderr
    print(
        f"{len(result.added)} number(s) added, {len(result.already)} already listed, "
        f"{found.duplicate} repeated in the file (counted once), "
        f"{len(rejected)} line(s) rejected",
        file=stream,
    )
    for row in rejected[:SHOWN_REJECTED]:
        print(f"  line {row['line']}: {row['value']!s}: {row['reason']}", file=stream)
    if len(rejected) > SHOWN_REJECTED:
        print(f"  (and {len(rejected) - SHOWN_REJECTED} more; --json lists them all)", file=stream)
    return code


def _sync(args: argparse.Namespace) -> int:
    from providers.base import Capability
    from tui.cli.sends import open_outbox
    from tui.cli.templates import with_provider
    from tui.compliance.sync import fetch_blacklist, store_blacklist

    args.account = resolve_account(args.account, Capability.BLACKLIST).name
    account, entries = with_provider(
        args.account,
        Capability.BLACKLIST,
        "blacklist to copy (eCampaign has one)",
        lambda provider: fetch_blacklist(provider, args.account),
    )
    with open_outbox() as store, mapped_errors():
        report = store_blacklist(store, account.name, entries)
    if args.json:
        emit_json(
            {
                "account": report.account,
                "channel": "sms",
                "blacklist_entries": report.entries,
                "added": list(report.added),
                "already": len(report.already),
                "no_longer_on_blacklist": list(report.no_longer_listed),
                "unusable": list(report.unusable),
            }
        )
        return EXIT_OK
    print(
        f"{report.entries} number(s) on the SMS blacklist of {visible(account.name)}: "
        f"{len(report.added)} added to the opt-out list, {len(report.already)} already there"
    )
    for number in report.added:
        print(f"  + {number}")
    if report.no_longer_listed:
        print(
            f"{len(report.no_longer_listed)} number(s) came from this blacklist and are no "
            "longer on it; they stay on the opt-out list ('porte-voix optout remove NUMBER' "
            "takes one off): " + ", ".join(report.no_longer_listed)
        )
    if report.unusable:
        print(
            "entries without a usable number, skipped: " + ", ".join(report.unusable),
            file=sys.stderr,
        )
    return EXIT_OK
