"""``porte-voix sends``, ``sends show REF`` and ``resend REF``: the outbox from the command line.

``sends`` lists the sends, newest first (``--unfinished``: still sending, of unknown outcome, or
with numbers never sent); ``sends show`` prints one send and its recipients, read from the
outbox a page at a time. ``resend`` finishes an unfinished send knowingly, with the console's
rules (``tui.sending.plan_resend``): ``--only-never-sent`` targets the numbers never requested or
refused, never one whose outcome is unknown, so nobody can get the message twice;
``--all`` targets every number not known to be accepted, the unknown ones too, so on a
terminal it asks twice and otherwise needs ``--yes --allow-duplicates``.

Every command that opens the outbox first settles the sends an earlier process left
interrupted, and says so on stderr (``open_outbox``). Heavy modules are imported by the handlers.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from tui.cli.support import EXIT_INPUT, EXIT_OK, CliFailure, emit_json, json_text
from tui.errors import stored_code_name, visible

if TYPE_CHECKING:
    from tui.outbox.schema import RecipientRow, SendRow
    from tui.outbox.store import Store
    from tui.sending.overlap import DuplicateSendError


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sends = commands.add_parser(
        "sends", help="list the sends in the outbox, or show one with its recipients"
    )
    sends.set_defaults(handler=_run_list)
    sends.add_argument(
        "--unfinished",
        action="store_true",
        help="only sends still sending, of unknown outcome, or with numbers never sent",
    )
    sends.add_argument("--limit", type=int, default=50, metavar="N", help="default 50")
    sends.add_argument("--json", action="store_true")
    actions = sends.add_subparsers(dest="sends_command", metavar="ACTION")
    show = actions.add_parser("show", help="one send and each of its recipients")
    show.add_argument("reference", metavar="REF")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_run_show)

    resend = commands.add_parser("resend", help="finish an unfinished send, knowingly")
    resend.set_defaults(handler=_run_resend, may_send=True)
    resend.add_argument("reference", metavar="REF")
    which = resend.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--only-never-sent",
        action="store_true",
        help="the numbers never requested or refused: nobody can get it twice",
    )
    which.add_argument(
        "--all",
        action="store_true",
        help="every number not known to be accepted, those of unknown outcome too "
        "(they may get it twice)",
    )
    resend.add_argument("--yes", action="store_true", help="resend without asking")
    resend.add_argument(
        "--allow-duplicates",
        action="store_true",
        help="with --all and --yes: resend numbers that may already have the message",
    )
    resend.add_argument(
        "--promotional",
        action="store_true",
        help="the resend is commercial (kept to the French sending hours) even on a "
        "notification route: the mark is not stored with a send, say it again here",
    )
    resend.add_argument("--json", action="store_true")


# --------------------------------------------------------------------------- the outbox


def open_outbox() -> Store:
    """The outbox, with the sends an earlier process left interrupted settled and named on
    stderr (an unknown outcome is never resent automatically)."""
    from tui.accounts import config as config_module
    from tui.outbox.store import Store

    store = Store(config_module.data_dir() / "porte-voix.db")
    for row in store.recover_interrupted_sends():
        print(
            f"porte-voix: send {row.reference} ({visible(row.account)}, "
            f"{row.created_at:%Y-%m-%d %H:%M} UTC) was interrupted; it is now {row.state}: "
            f"{_counts_text(row)}. See it with 'porte-voix sends show {row.reference}'"
            + (
                f"; finish it with 'porte-voix resend {row.reference} --only-never-sent'"
                if row.cancelled
                else ""
            ),
            file=sys.stderr,
        )
    return store


def duplicate_failure(error: DuplicateSendError) -> CliFailure:
    """The refusal of a new send that repeats an unfinished one, naming it and the way on."""
    row = error.overlap.send
    ways = [f"See it with 'porte-voix sends show {row.reference}'"]
    if row.cancelled or row.rejected:
        ways.append(f"finish it with 'porte-voix resend {row.reference} --only-never-sent'")
    if row.unknown:
        ways.append(
            "check the provider's history for the numbers of unknown outcome ('porte-voix "
            f"resend {row.reference} --all' resends them too, knowingly)"
        )
    ways.append("or pass --allow-duplicates to send to everyone anyway")
    return CliFailure(
        EXIT_INPUT,
        "duplicate_send",
        f"not sent: {error.overlap.shared} of these numbers were already in send "
        f"{row.reference} of {row.created_at:%Y-%m-%d %H:%M} UTC from {visible(row.account)} "
        f"with the same content, which is unfinished ({row.state}: {_counts_text(row)}). "
        + "; ".join(ways),
    )


def _counts_text(row: SendRow) -> str:
    counts = _counts(row)
    parts = [f"{counts[key]} {label}" for key, label in _COUNT_LABELS if counts[key]]
    return ", ".join(parts) or "no recipient"


_COUNT_LABELS = (
    ("accepted", "accepted"),
    ("rejected", "rejected"),
    ("unknown", "of unknown outcome"),
    ("cancelled", "never sent"),
    ("pending", "still to send"),
)


def _counts(row: SendRow) -> dict[str, int]:
    settled = row.accepted + row.rejected + row.unknown + row.cancelled
    return {
        "accepted": row.accepted,
        "rejected": row.rejected,
        "unknown": row.unknown,
        "cancelled": row.cancelled,
        "pending": max(row.recipients_total - settled, 0),
    }


def send_json(row: SendRow, resent_by: list[str]) -> dict[str, Any]:
    return {
        "reference": row.reference,
        "account": row.account,
        "provider": row.provider,
        "channel": str(row.channel),
        "created_at": row.created_at.isoformat(),
        "state": str(row.state),
        "dry_run": row.dry_run,
        "summary": row.summary,
        "recipients_total": row.recipients_total,
        "counts": _counts(row),
        "resend_of": row.resend_of,
        "resent_by": resent_by,
    }


# --------------------------------------------------------------------------- sends


def _run_list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliFailure(EXIT_INPUT, "invalid_limit", "--limit must be at least 1")
    with open_outbox() as store:
        rows = store.list_sends(limit=args.limit, unfinished=args.unfinished)
        listed = [(row, store.resends_of(row.reference)) for row in rows]
    if args.json:
        emit_json({"sends": [send_json(row, resent) for row, resent in listed]})
        return EXIT_OK
    if not listed:
        print("no unfinished send" if args.unfinished else "no send yet")
        return EXIT_OK
    for row, resent in listed:
        again = f"  resent by {', '.join(resent)}" if resent else ""
        print(
            f"{row.reference}  {row.created_at:%Y-%m-%d %H:%M}  {visible(row.account):<16} "
            f"{row.state:<9} {row.recipients_total:>7} recipient(s): {_counts_text(row)}"
            f"{' (dry run)' if row.dry_run else ''}{again}"
        )
        print(f"    {visible(row.summary[:70])}")
    if args.unfinished:
        print(
            "Finish one with 'porte-voix resend REF --only-never-sent' (nobody gets it twice).",
            file=sys.stderr,
        )
    return EXIT_OK


def _run_show(args: argparse.Namespace) -> int:
    from tui.outbox.schema import SendState

    with open_outbox() as store:
        row = store.get_send(args.reference.strip().upper())
        if row is None:
            raise CliFailure(EXIT_INPUT, "unknown_send", f"no send {visible(args.reference)}")
        head = send_json(row, store.resends_of(row.reference))
        # Names everywhere, the provider's own code in its own field (as a failure's --json).
        code = row.error_code
        head["error"] = {
            "code": stored_code_name(code, row.state is SendState.UNKNOWN) if code else None,
            "provider_code": code,
            "message": row.error_message,
        }
        members = store.group_totals(row.reference)
        # An eCampaign group send: what became of the members the provider sent to.
        head["group_members"] = None if members is None else dataclasses.asdict(members)
        recipients = store.iter_recipients(row.reference)
        if args.json:
            _stream_json(head, recipients)
        else:
            _print_send(row, head, recipients)
    return EXIT_OK


def _stream_json(head: dict[str, Any], recipients: Iterator[RecipientRow]) -> None:
    """One JSON object on one line, its recipients written as they are read."""
    out = sys.stdout
    out.write(json_text(head)[:-1] + ',"recipients":[')
    for index, recipient in enumerate(recipients):
        out.write(("," if index else "") + json_text(recipient_json(recipient)))
    out.write("]}\n")
    out.flush()


def recipient_json(row: RecipientRow) -> dict[str, Any]:
    return {
        "number": row.number,
        "state": str(row.state),
        "message_id": row.message_id,
        "error": row.error,
        "delivery_state": None if row.delivery_state is None else str(row.delivery_state),
        "delivery_code": row.delivery_code,
        "delivery_at": None if row.delivery_at is None else row.delivery_at.isoformat(),
    }


def _print_send(row: SendRow, head: dict[str, Any], recipients: Iterator[RecipientRow]) -> None:
    print(
        f"{row.reference}  {row.state}  {row.created_at:%Y-%m-%d %H:%M} UTC  "
        f"{visible(row.account)} ({row.provider}, {row.channel})"
        f"{'  dry run' if row.dry_run else ''}"
    )
    print(f"  {visible(row.summary)}")
    print(f"  {row.recipients_total} recipient(s): {_counts_text(row)}")
    members = head["group_members"]
    if members is not None:
        print(
            f"  group members: {members['members']} sent to ({members['rejected']} refused, "
            f"{members['unknown']} unknown): delivered {members['delivered']}, failed "
            f"{members['failed']}, no final report yet {members['waiting']}"
        )
    if row.error_code:
        print(f"  last error: {visible(row.error_code)}: {visible(row.error_message or '')}")
    if row.resend_of:
        print(f"  a resend of {row.resend_of}")
    if head["resent_by"]:
        print(f"  resent by {', '.join(head['resent_by'])}")
    for recipient in recipients:
        delivery = f"  {recipient.delivery_state}" if recipient.delivery_state else ""
        ident = f"  id {visible(recipient.message_id)}" if recipient.message_id else ""
        error = f"  {visible(recipient.error)}" if recipient.error else ""
        print(f"  {recipient.number:<16} {recipient.state:<9}{delivery}{ident}{error}")


# --------------------------------------------------------------------------- resend


def _run_resend(args: argparse.Namespace) -> int:
    from tui.cli.resend import run

    return run(args)
