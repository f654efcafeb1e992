"""What became of a send, printed: the report of ``porte-voix send`` and ``porte-voix resend``.

``--json`` is the contract's send object (issue 2, section 4, plus ``provider_reference``,
``state`` and ``warnings``): ``resend`` adds its own keys after them. A send interrupted once its
intent was in the outbox is reported all the same, from the outbox, with its reference and its
state (``cancelled``, or ``unknown`` when a request was out), and exits 1.

The recipients are written as they are read from the outbox, a page at a time: a report of a
million numbers is never held in memory, in either form.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import TYPE_CHECKING, Any

from providers.errors import ProviderError
from tui.cli.compliance import opted_out_rows
from tui.cli.support import (
    EXIT_CONFIG,
    EXIT_OK,
    EXIT_PROVIDER,
    CliFailure,
    json_text,
    printable_json,
)
from tui.errors import code_name, describe, visible

if TYPE_CHECKING:
    from tui.outbox.store import Store
    from tui.sending import SendOutcome


#: (number, state, message id, error) of each recipient, a page at a time.
Pages = Iterator[list[tuple[str, str, str | None, str | None]]]


@dataclass(frozen=True)
class SendReport:
    account: str
    provider: str
    outcome: SendOutcome
    #: The send's recipients in order, read from the outbox a page at a time when printed.
    recipients: Callable[[], Pages]
    provider_reference: str | None


def stored_report(store: Store, outcome: SendOutcome) -> SendReport:
    row = store.get_send(outcome.reference)
    if row is None:  # pragma: no cover - a send's own row
        raise CliFailure(EXIT_PROVIDER, "internal_error", f"send {outcome.reference} vanished")
    return SendReport(
        row.account,
        row.provider,
        outcome,
        lambda: store.iter_results(outcome.reference),
        row.provider_reference,
    )


def report_interrupted(args: argparse.Namespace, store: Store, reference: str) -> int:
    """Ctrl+c once the send was in the outbox: its report all the same (exit 1)."""
    from tui.sending import SendOutcome

    row = store.get_send(reference)
    if row is None:  # pragma: no cover - begun means written
        raise KeyboardInterrupt
    outcome = SendOutcome(
        reference=row.reference,
        state=row.state,
        total=row.recipients_total,
        accepted=row.accepted,
        rejected=row.rejected,
        unknown=row.unknown,
        cancelled=row.cancelled,
        balance=row.balance,
        cost=row.cost,
        dry_run=row.dry_run,
    )
    print(
        f"porte-voix: interrupted: send {reference} is {row.state}; nothing more will be sent. "
        f"See it with 'porte-voix sends show {reference}'",
        file=sys.stderr,
    )
    report_outcome(args, stored_report(store, outcome))
    return EXIT_PROVIDER


#: The outbox's state -> the contract's status (four values).
_JSON_STATUS: dict[str, str] = {
    "accepted": "accepted",
    "partial": "rejected",
    "rejected": "rejected",
    "unknown": "unknown",
    "cancelled": "rejected",
    "dry-run": "dry-run",
}


def outcome_json(report: SendReport) -> dict[str, Any]:
    """The ``--json`` object; its ``"recipients"`` are pages read as they are written
    (``write_json``)."""
    outcome = report.outcome
    return {
        "account": report.account,
        "provider": report.provider,
        "status": _JSON_STATUS.get(outcome.state, "unknown"),
        "recipients": _recipients_json(report),
        "balance": str(outcome.balance) if outcome.balance is not None else None,
        "cost": str(outcome.cost) if outcome.cost is not None else None,
        "reference": outcome.reference,
        "provider_reference": report.provider_reference,
        # "status" keeps the contract's four values; "state" is the outbox's own, which tells
        # a partial or cancelled send (some recipients accepted) from an outright refusal.
        "state": str(outcome.state),
        "warnings": _warnings(outcome),
        "failure": _failure_json(outcome),
    }


def _failure_json(outcome: SendOutcome) -> dict[str, Any] | None:
    """What stopped the send, when a request failed (a refused login, an unreachable
    provider...): its name (as a failure's ``--json`` gives it), the provider's own code in its
    own field, and the sentence; None when no request failed. A script tells a wrong password
    from a refused number without reading the recipients' error texts."""
    if not outcome.errors:
        return None
    error = outcome.errors[-1]  # the one that stopped the send: nothing was requested after it
    return {
        "code": code_name(error),
        "provider_code": error.code if isinstance(error, ProviderError) else None,
        "message": describe(error).message,
    }


#: The keys of a recipient in ``--json``, in order; its values are a ``Pages`` row.
RECIPIENT_KEYS = ("number", "status", "message_id", "error")


def _recipients_json(report: SendReport) -> Pages:
    """The report's recipients, a page of rows at a time (``RECIPIENT_KEYS``), then those the
    opt-out list left out."""
    yield from report.recipients()
    left_out = opted_out_rows(report.outcome)  # each "opted_out"
    if left_out:
        yield [tuple(row[key] for key in RECIPIENT_KEYS) for row in left_out]


def write_json(payload: dict[str, Any]) -> None:
    """``emit_json(payload)``, its ``"recipients"`` (pages of rows) written as they are read:
    the same text, never held whole."""
    import secrets

    marker = f"recipients-{secrets.token_hex(8)}"
    head, tail = json_text({**payload, "recipients": marker}).split(f'"{marker}"')
    out = sys.stdout
    out.write(head + "[")
    first = True
    for page in payload["recipients"]:
        if page:
            # One page in one call: the items are separated as one json.dumps separates them.
            out.write(("" if first else ", ") + _page_json(page))
            first = False
    out.write("]" + tail + "\n")
    out.flush()


#: One recipient as ``json.dumps`` writes the dict of its ``RECIPIENT_KEYS``.
_ROW_JSON = '{"number": %s, "status": %s, "message_id": %s, "error": %s}'


def _page_json(page: list[tuple[str, str, str | None, str | None]]) -> str:
    """A page of rows as ``json_text`` writes the list of their dicts, without its brackets.

    Each text goes through the encoder ``json.dumps(ensure_ascii=False)`` uses for text, in
    C: a report of a million recipients is not a million dicts for ``json.dumps`` to walk."""
    text = encode_basestring
    try:
        written = ", ".join(
            [
                _ROW_JSON
                % (
                    text(number),
                    text(state),
                    "null" if message_id is None else text(message_id),
                    "null" if error is None else text(error),
                )
                for number, state, message_id, error in page
            ]
        )
    except TypeError:  # a value that is not text (never from the outbox): the general way
        return json_text([dict(zip(RECIPIENT_KEYS, row, strict=True)) for row in page])[1:-1]
    return printable_json(written)


def _warnings(outcome: SendOutcome) -> list[str]:
    return list(dict.fromkeys(w for receipt in outcome.receipts for w in receipt.warnings))


def exit_code(outcome: SendOutcome, status: str) -> int:
    """0 accepted (or checked), 1 refused or unknown; 3 when the account is the problem (its
    credentials, or a setting such as a malformed URL), not this message."""
    if any(code_name(error) in ("authentication", "configuration") for error in outcome.errors):
        return EXIT_CONFIG
    return EXIT_OK if status in ("accepted", "dry-run") else EXIT_PROVIDER


def report_outcome(
    args: argparse.Namespace, report: SendReport, extra: dict[str, Any] | None = None
) -> int:
    """Print what became of a send (``extra``: more keys for ``--json``); its exit code."""
    outcome = report.outcome
    payload = outcome_json(report)
    code = exit_code(outcome, payload["status"])
    for warning in payload["warnings"]:
        print(f"warning: {visible(warning)}", file=sys.stderr)
    if args.json:
        write_json({**payload, **(extra or {})})
        return code
    stream = sys.stdout if code == EXIT_OK else sys.stderr
    status = payload["status"]
    if payload["state"] != status:
        status += (
            f" ({payload['state']}: accepted {outcome.accepted}, rejected {outcome.rejected},"
            f" not sent {outcome.cancelled})"
        )
    print(f"{status}: reference {outcome.reference}", file=stream)
    for page in payload["recipients"]:
        for number, state, message_id, problem in page:
            error = f"  {visible(problem)}" if problem else ""
            ident = f"  id {visible(message_id)}" if message_id else ""
            print(f"  {number:<16} {state:<9}{ident}{error}", file=stream)
    if outcome.already_sent:
        print(
            f"{outcome.already_sent} recipient(s) already had it: the provider had received "
            "their batch before and did not send it again.",
            file=stream,
        )
    if outcome.balance is not None:
        print(f"balance: {outcome.balance}", file=stream)
    if payload["status"] == "unknown":
        print(
            "The outcome is unknown: the provider may have sent it. It will not be resent "
            "automatically; check the provider's history before resending "
            f"('porte-voix resend {outcome.reference} --only-never-sent' sends only the "
            "numbers never sent).",
            file=stream,
        )
    return code
