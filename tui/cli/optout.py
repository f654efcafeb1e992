"""``porte-voix optout``: the local opt-out list every send screens its numbers against.

``list``, ``add NUMBER``, ``remove NUMBER`` (asks on a terminal, ``--yes`` otherwise: the
number may be messaged again), ``import FILE`` (one number a line, or a CSV whose header names
the number column; every row added or named with its line and reason) and ``sync --account A``
(the account's eCampaign SMS blacklist copied in, ``tui.compliance.sync``). Every command has
``--json``; errors follow ``tui.cli.support`` (an invalid number exits 2, ``invalid_number``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.cli.support import EXIT_INPUT, EXIT_OK, EXIT_PROVIDER, CliFailure, emit_json, mapped_errors
from tui.errors import visible

if TYPE_CHECKING:
    from tui.csv_import import Table
    from tui.outbox.optout import OptOut, OptOuts

SOURCES = ("manual", "import", "blacklist", "stop")
SHOWN_REJECTED = 20


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
    sync.add_argument("--account", required=True)
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


def _line(entry: OptOut) -> str:
    when = f"{entry.added_at:%Y-%m-%d %H:%M} UTC"
    account = visible(entry.account or "")
    return (
        f"{entry.number:<16}  {entry.source:<9}  {when}  {account:<16}  {visible(entry.note or '')}"
    )


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
    for entry in entries:
        print(_line(entry))
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
            f"{removed.added_at:%Y-%m-%d}, {removed.source})"
        )
    return EXIT_OK


def _import(args: argparse.Namespace, optouts: OptOuts) -> int:
    from providers.phone import parse_recipients
    from tui.csv_import import NUMBER_COLUMNS, read_table
    from tui.outbox.optout import OptOutSource

    path = Path(args.file)
    table = read_table(path)
    if table.number_column is None:
        raise CliFailure(
            EXIT_INPUT,
            "invalid_file",
            f"{path}: no number column in the header {list(table.columns)!r} "
            f"(expected one of: {', '.join(NUMBER_COLUMNS)})",
        )
    column = [row.get(table.number_column, "") for row in table.rows]
    valid: list[str] = []
    rejected: list[dict[str, Any]] = []
    for index, value in enumerate(column):
        line = _line_number(table, index)
        parsed = parse_recipients([value]) if value.strip() else None
        if parsed is None or parsed.invalid:
            reason = parsed.invalid[0].reason if parsed else "no number"
            rejected.append({"line": line, "value": visible(value), "reason": reason})
        else:
            valid.extend(parsed.valid)
    result = optouts.add_many(valid, OptOutSource.IMPORT, note=args.note or f"from {path.name}")
    code = EXIT_OK if not rejected else EXIT_PROVIDER if valid else EXIT_INPUT
    if args.json:
        emit_json(
            {"added": len(result.added), "already": len(result.already), "rejected": rejected}
        )
        return code
    stream = sys.stdout if code == EXIT_OK else sys.stderr
    print(
        f"{len(result.added)} number(s) added, {len(result.already)} already listed, "
        f"{len(rejected)} line(s) rejected",
        file=stream,
    )
    for row in rejected[:SHOWN_REJECTED]:
        print(f"  line {row['line']}: {row['value']!s}: {row['reason']}", file=stream)
    if len(rejected) > SHOWN_REJECTED:
        print(f"  (and {len(rejected) - SHOWN_REJECTED} more; --json lists them all)", file=stream)
    return code


def _line_number(table: Table, index: int) -> int:
    """The file's line of row ``index`` (the header being line 1 of a CSV)."""
    from tui.csv_import import Rows

    return table.rows.line(index) if isinstance(table.rows, Rows) else index + 1


def _sync(args: argparse.Namespace) -> int:
    from providers.base import Capability
    from tui.cli.sends import open_outbox
    from tui.cli.templates import with_provider
    from tui.compliance.sync import fetch_blacklist, store_blacklist

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
