"""``porte-voix events``: the delivery reports, replies and STOP the outbox holds, oldest first.

``--json`` prints ``{"events": [{"account", "provider", "kind", "state", "number", "message_id",
"campaign_id", "provider_code", "meaning", "occurred_at", "received_at", "reference"}]}``, times
in UTC ISO 8601, ``reference`` the send the event belongs to (null for an orphan: a report for a
message the outbox does not know yet). The rows are read and written a chunk at a time, so a
long history streams in bounded memory.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from tui.cli.support import EXIT_OK, CliFailure, json_text
from tui.errors import visible

if TYPE_CHECKING:
    from tui.outbox.schema import EventRow

KEYS = (
    "account",
    "provider",
    "kind",
    "state",
    "number",
    "message_id",
    "campaign_id",
    "provider_code",
    "meaning",
    "occurred_at",
    "received_at",
    "reference",
)
_DURATION = re.compile(r"^(\d{1,6})\s*([mhd])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    events = commands.add_parser(
        "events", help="delivery reports, replies and STOP received, oldest first"
    )
    events.set_defaults(handler=_run)
    events.add_argument("--account", metavar="A", help="only those received for account A")
    events.add_argument(
        "--orphans", action="store_true", help="only those not matched to a send (yet)"
    )
    events.add_argument(
        "--since",
        metavar="TIME",
        help="received since TIME: 'YYYY-MM-DD[ HH:MM[:SS]]' (Paris time), or 30m, 2h, 7d ago",
    )
    events.add_argument("--json", action="store_true")


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """An aware datetime from 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM[:SS]' (Paris time), an ISO time
    with its offset, or a duration ago ('90m', '2h', '7d')."""
    from tui.schedule import PARIS

    value = text.strip()
    now = now or datetime.now(UTC)
    duration = _DURATION.match(value)
    if duration:
        return now - timedelta(**{_UNITS[duration.group(2)]: int(duration.group(1))})
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CliFailure(
            2,
            "invalid_since",
            f"--since {visible(value)!r}: give 'YYYY-MM-DD[ HH:MM[:SS]]' (Paris time) or a "
            "duration such as 30m, 2h, 7d",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PARIS)


def meaning_of(row: EventRow) -> str:
    """The provider's meaning of the event's code, else what the parser said of it."""
    from providers.base import PROVIDER_KINDS, provider_info

    if row.provider_code and row.provider in PROVIDER_KINDS:
        return provider_info(row.provider).describe_delivery(row.provider_code)
    return row.description or ""


def as_json(row: EventRow) -> dict[str, Any]:
    return {
        "account": row.account,
        "provider": row.provider,
        "kind": str(row.kind),
        "state": str(row.state),
        "number": row.number,
        "message_id": row.message_id,
        "campaign_id": row.campaign_id,
        "provider_code": row.provider_code or None,
        "meaning": meaning_of(row),
        "occurred_at": None if row.occurred_at is None else row.occurred_at.isoformat(),
        "received_at": row.received_at.isoformat(),
        "reference": row.matched_reference,
    }


def _run(args: argparse.Namespace) -> int:
    from tui.cli.sends import open_outbox

    since = parse_since(args.since) if args.since else None
    store = open_outbox()
    try:
        rows = store.iter_events(account=args.account, orphans=args.orphans, since=since)
        if args.json:
            _write_json(rows)
        else:
            _write_text(rows)
    finally:
        store.close()
    return EXIT_OK


def _write_json(rows: Iterable[EventRow]) -> None:
    """One JSON object on one line, written as the rows are read."""
    out = sys.stdout
    out.write('{"events": [')
    for index, row in enumerate(rows):
        out.write((", " if index else "") + json_text(as_json(row)))
    out.write("]}\n")


def _write_text(rows: Iterable[EventRow]) -> None:
    count = 0
    for row in rows:
        count += 1
        when = (row.occurred_at or row.received_at).astimezone(UTC)
        code = f"{row.provider_code}: " if row.provider_code else ""
        where = row.matched_reference or "orphan"
        text = f" «{row.text}»" if row.text else ""
        print(
            visible(
                f"{when:%Y-%m-%d %H:%M:%S}Z  {row.account or '-'}  {row.kind}  {row.state}  "
                f"{row.number or row.message_id or row.campaign_id or '-'}  "
                f"{code}{meaning_of(row)}{text}  {where}"
            )
        )
    if not count:
        print("no events", file=sys.stderr)
