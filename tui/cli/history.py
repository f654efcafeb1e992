"""``porte-voix history``: every send from porte-voix, one row per recipient, from the outbox.

Rows are read a batch at a time from one cursor and written at once (``tui.history.export``):
a million rows print in bounded memory. ``--json`` is one object, ``{"filters", "sort",
"rows": [{"reference", "account", "provider", "channel", "campaign_id",
"provider_reference", "number", "outcome", "state", "provider_code", "meaning", "error",
"sent_at", "state_at", "updated_at", "message_id", "dry_run"}], "count"}``; ``--csv`` the same
fields under a header line. Times are UTC (ISO 8601); ``--from``/``--to`` are days in Paris time,
both included. ``--status`` takes an outcome (accepted, rejected, unknown, cancelled…), a
delivery state (delivered, failed…) or ``undelivered`` (refused, never sent, or reported not
delivered: what "Resend to the undelivered" targets).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from providers.base import PROVIDER_KINDS
from tui.cli.support import EXIT_INPUT, EXIT_OK, CliFailure, json_text, mapped_errors
from tui.errors import visible

#: The human columns: (heading, width); the last one takes the rest of the line.
COLUMNS = (
    ("SENT (UTC)", 16),
    ("ACCOUNT", 14),
    ("NUMBER", 13),
    ("OUTCOME", 9),
    ("STATE", 10),
    ("REFERENCE", 10),
    ("CODE / ERROR", 0),
)


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "history", help="every send from porte-voix, one row per recipient (the outbox)"
    )
    parser.add_argument("--account")
    parser.add_argument("--provider", choices=PROVIDER_KINDS)
    parser.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (Paris)")
    parser.add_argument("--to", dest="stop", metavar="YYYY-MM-DD", help="last day, included")
    parser.add_argument(
        "--status",
        metavar="S",
        help="an outcome (accepted, rejected, unknown...), a delivery state (delivered, "
        "failed...) or undelivered",
    )
    parser.add_argument("--number", metavar="N", help="one recipient, in any usual form")
    parser.add_argument("--campaign", metavar="ID", help="a campaign id or a send's reference")
    parser.add_argument(
        "--sort", choices=("newest", "oldest", "account", "provider", "number"), default="newest"
    )
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", action="store_true")
    parser.set_defaults(handler=history)


def _day(value: str | None, flag: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CliFailure(
            EXIT_INPUT, "invalid_date", f"{flag} expects YYYY-MM-DD, got {value!r}"
        ) from None


def history(args: argparse.Namespace) -> int:
    from tui.accounts import config as config_module
    from tui.history import export
    from tui.outbox.history import HistoryFilter, HistoryReader, Sort
    from tui.outbox.store import Store

    flt = HistoryFilter(
        account=args.account,
        provider=args.provider,
        start=_day(args.start, "--from"),
        stop=_day(args.stop, "--to"),
        status=args.status,
        number=args.number,
        campaign=args.campaign,
    )
    with mapped_errors():
        flt = flt.checked()
    path = config_module.data_dir() / "porte-voix.db"
    with Store(path):  # creates or upgrades the outbox (its indexes) before reading
        pass
    reader = HistoryReader(path)
    try:
        sort = Sort(args.sort)
        if args.json or args.csv:
            with mapped_errors():
                export.export(
                    reader, flt, sort, sys.stdout, "json" if args.json else "csv",
                    json_text=json_text,
                )  # fmt: skip
        else:
            _print(export.records(reader.iter_raw(flt, sort)))
        sys.stdout.flush()
    except BrokenPipeError:
        reader.interrupt()
        closed_reader()  # `porte-voix history | head`: the reader of the output has gone
    finally:
        reader.close()
    return EXIT_OK


def closed_reader() -> None:
    """The output's reader closed the pipe: no more to write, and nothing to say about it
    (Python would complain again when it flushes stdout at exit)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _line(cells: list[object]) -> str:
    parts = [
        f"{'' if cell is None else cell!s:<{width}}"
        for (_, width), cell in zip(COLUMNS, cells, strict=True)
    ]
    return " ".join(parts).rstrip()


def _print(batches: Iterable[list[tuple[Any, ...]]]) -> None:
    from tui.history.export import FIELDS

    index = {name: i for i, name in enumerate(FIELDS)}
    shown = 0
    for batch in batches:
        for row in batch:
            if not shown:
                print(_line([name for name, _ in COLUMNS]))
            shown += 1
            sent = datetime.fromisoformat(row[index["sent_at"]])
            code = row[index["meaning"]] or row[index["error"]] or ""
            print(
                _line(
                    [
                        f"{sent:%Y-%m-%d %H:%M}",
                        visible(row[index["account"]]),
                        row[index["number"]],
                        row[index["outcome"]],
                        row[index["state"]] or "",
                        row[index["reference"]],
                        visible(code),
                    ]
                )
            )
    if not shown:
        print("no send matches")
