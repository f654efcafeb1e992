"""``porte-voix resend REF --only-never-sent | --all``: the console's resend dialog, as a command.

What each choice targets is ``tui.sending.plan_resend``'s, as in the console:

* ``--only-never-sent``: the numbers never requested, or refused; never one whose outcome is
  unknown, so nobody can get the message twice. Asked once on a terminal; ``--yes`` otherwise.
* ``--all``: every number not known to be accepted, those of unknown outcome too. When the
  provider may already have sent it to some of them, it asks twice on a terminal (the second
  time, the reference must be typed) and needs ``--yes --allow-duplicates`` otherwise.

A batch the provider had already received (Octopush refuses a repeated request id, and the ids
are derived from the content and the numbers) is reported as already sent, not as a failure.
The report is ``porte-voix send``'s, plus ``resend_of`` and ``already_sent``.

The French sending hours apply as to ``porte-voix send``: a commercial resend (a marketing-route
SMS, or one marked ``--promotional``: the mark is not stored with the
send) outside its window is refused before anything is asked, exit 2 ``invalid_sending_hours``,
naming the next allowed time.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tui.cli.outcome import report_interrupted, report_outcome, stored_report
from tui.cli.sends import open_outbox
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
    from tui.outbox.store import Store
    from tui.sending import SendOutcome

#: Reads the operator's answer to a question asked on stderr (replaced by tests).
Ask = Callable[[str], str]


def terminal_answer(question: str) -> str:
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip()


def run(args: argparse.Namespace, ask: Ask = terminal_answer) -> int:
    import asyncio

    from providers.base import Provider
    from tui.outbox.store import StoreError
    from tui.sending import plan_resend, resend

    reference = args.reference.strip().upper()
    skip_unknown = bool(args.only_never_sent)
    with open_outbox() as store:
        plan = plan_resend(store, reference)
        if plan is None:
            row = store.get_send(reference)
            if row is None:
                raise CliFailure(EXIT_INPUT, "unknown_send", f"no send {visible(reference)}")
            raise CliFailure(
                EXIT_INPUT,
                "not_resendable",
                f"send {reference} is {row.state}: only unknown, rejected or cancelled sends "
                "with numbers not yet sent (nor resent) can be resent",
            )
        row = plan.send
        if row.dry_run:
            raise CliFailure(
                EXIT_INPUT, "not_resendable", f"send {reference} was a dry run: send it instead"
            )
        targets = plan.never_sent if skip_unknown else plan.pending
        group = plan.group_again_if_never_sent if skip_unknown else plan.group_again
        if not targets and not group:
            raise CliFailure(
                EXIT_INPUT,
                "nothing_to_resend",
                f"send {reference} has no number "
                + ("never sent" if skip_unknown else "not known to be accepted")
                + (
                    f" ({plan.unknown} of unknown outcome: only --all resends them)"
                    if skip_unknown and plan.unknown
                    else ""
                ),
            )
        _within_hours(args, store, reference, skip_unknown)
        at_risk = 0 if skip_unknown else plan.unknown
        if not at_risk and plan.may_duplicate and group and not skip_unknown:
            at_risk = 1  # a group whose first request's outcome is unknown
        _confirm(args, reference, row.account, targets, at_risk, ask)
        account = load_account(row.account)
        provider: Provider = open_provider(account)
        begun: list[str] = []

        async def go() -> SendOutcome:
            try:
                with mapped_errors():
                    return await resend(
                        store,
                        provider,
                        reference,
                        skip_unknown=skip_unknown,
                        on_begin=begun.append,
                    )
            finally:
                await provider.aclose()

        try:
            # The loop returns the outcome only: the report is read from the outbox after it.
            report = stored_report(store, asyncio.run(go()))
        except StoreError as exc:
            raise CliFailure(EXIT_INPUT, "not_resendable", visible(str(exc))) from None
        except KeyboardInterrupt:
            if not begun:
                # Stopped before the intent was journalled: no request can have left.
                raise CliFailure(
                    EXIT_INTERRUPTED,
                    "interrupted",
                    "interrupted before the resend began: nothing was sent",
                ) from None
            return report_interrupted(args, store, begun[-1])
        extra = {"resend_of": reference, "already_sent": report.outcome.already_sent}
        return report_outcome(args, report, extra)


def _within_hours(
    args: argparse.Namespace, store: Store, reference: str, skip_unknown: bool
) -> None:
    """Refuse a commercial resend outside the French sending hours as ``send`` refuses a new
    send (``CliFailure``, exit 2, ``invalid_sending_hours``), before any question."""
    from tui.compliance.settings import load_settings
    from tui.outbox.store import StoreError
    from tui.sending.resend import resend_hours

    promotional = bool(getattr(args, "promotional", False))
    try:
        with mapped_errors():
            settings = load_settings()
            verdict = resend_hours(
                store,
                reference,
                skip_unknown=skip_unknown,
                promotional=promotional,
                alsace_moselle=settings.alsace_moselle,
            )
    except StoreError as exc:
        raise CliFailure(EXIT_INPUT, "not_resendable", visible(str(exc))) from None
    if not verdict.allowed:
        hint = "; resend it then" if verdict.next_allowed else ""
        raise CliFailure(EXIT_INPUT, "invalid_sending_hours", verdict.refusal() + hint)


def _confirm(
    args: argparse.Namespace, reference: str, account: str, targets: int, at_risk: int, ask: Ask
) -> None:
    """Ask (twice when some may get it twice), or require the flags that say yes."""
    if args.yes:
        if at_risk and not args.allow_duplicates:
            raise CliFailure(
                EXIT_INPUT,
                "duplicates_not_allowed",
                f"not resent: the provider may already have sent send {reference} to {at_risk} "
                "of these numbers, who may get it twice. Pass --allow-duplicates with --yes to "
                "resend anyway, or use --only-never-sent",
            )
        return
    if not sys.stdin.isatty():
        flags = "--yes --allow-duplicates" if at_risk else "--yes"
        raise CliFailure(
            EXIT_INPUT,
            "confirmation_required",
            f"resending costs money: pass {flags} to resend without a terminal (nothing was sent)",
        )
    question = (
        f"Resend {reference} with {visible(account)} to {targets} recipient(s)"
        + (f", {at_risk} of whom may ALREADY have it" if at_risk else "")
        + "? [y/N] "
    )
    if ask(question).lower() not in ("y", "yes", "o", "oui"):
        raise CliFailure(EXIT_INPUT, "not_confirmed", "not resent")
    if at_risk:
        typed = ask(
            f"The provider may already have sent it to {at_risk} of them: they may get it "
            f"twice. Type {reference} to resend anyway: "
        )
        if typed.strip().upper() != reference:
            raise CliFailure(EXIT_INPUT, "not_confirmed", "not resent")
