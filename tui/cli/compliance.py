"""What ``porte-voix send`` checks before it asks or sends: the French sending hours and the
opt-out list (``tui.compliance``), and how the opted-out numbers appear in its report.

* ``--promotional`` marks a message commercial (an SMS on the marketing route is anyway): a
  commercial send outside its window is refused, exit 2 (``invalid_sending_hours``), naming the
  next allowed time and the ``--schedule`` that sends it then.
* ``--include-opted-out`` keeps the numbers on the opt-out list in *this* notification,
  knowingly; refused (exit 2, ``invalid_include_opted_out``) for a marketing-route SMS or a
  message marked promotional. Without it they are left out, counted before the confirmation,
  and listed in the report with the status ``opted_out``.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from typing import TYPE_CHECKING, Any

from tui.cli.support import EXIT_INPUT, CliFailure, mapped_errors

if TYPE_CHECKING:
    from providers.base import ProviderInfo
    from providers.models import Message
    from tui.outbox.store import Store
    from tui.sending import SendOutcome

#: What a left-out number says in the report.
OPTED_OUT_ERROR = "on the opt-out list: left out of this send"


def add_send_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--promotional",
        action="store_true",
        help="a commercial message: French sending hours apply (SMS Monday-Saturday "
        "08:00-20:00, voice Monday-Friday 10:00-13:00 and 14:00-20:00, never on public "
        "holidays, in the recipient's time); the marketing route implies it",
    )
    parser.add_argument(
        "--include-opted-out",
        action="store_true",
        help="send this notification to numbers on the opt-out list too, knowingly (refused "
        "for the marketing route and with --promotional)",
    )


def check_send(
    args: argparse.Namespace, store: Store, message: Message, info: ProviderInfo | None = None
) -> Message:
    """Refuse a send outside its hours or a misused override (``CliFailure``, exit 2); say how
    many numbers the opt-out list leaves out. Returns the message as it will go (for the
    confirmation); the send itself leaves them out again, and reports them."""
    from tui.compliance import hours
    from tui.compliance.optout import left_out, opted_out_in, override_refusal
    from tui.compliance.settings import load_settings

    promotional = bool(getattr(args, "promotional", False))
    include = bool(getattr(args, "include_opted_out", False))
    with mapped_errors():
        settings = load_settings()
        verdict = hours.check_messages(
            [message], promotional=promotional, alsace_moselle=settings.alsace_moselle
        )
    if not verdict.allowed:
        when = verdict.next_allowed
        hint = ""
        if when is not None and (info is None or hours.schedulable(info, [message])):
            hint = f"; send it then with --schedule '{hours.paris_text(when)}'"
        elif when is not None:
            # CapitoleMobile's voice API has no date: a --schedule would only be refused.
            hint = f"; this provider cannot schedule it: send it at {hours.paris_text(when)}"
        raise CliFailure(EXIT_INPUT, "invalid_sending_hours", verdict.refusal() + hint)
    if include:
        refusal = override_refusal(message, promotional=promotional)
        if refusal is not None:
            raise CliFailure(EXIT_INPUT, "invalid_include_opted_out", refusal)
    listed = opted_out_in(store, [message])
    if not listed:
        return message
    if include:
        print(
            f"{len(listed)} number(s) on the opt-out list included knowingly (--include-opted-out)",
            file=sys.stderr,
        )
        return message
    shown = ", ".join(listed[:10]) + (" …" if len(listed) > 10 else "")
    print(
        f"{len(listed)} number(s) on the opt-out list will be left out: {shown}",
        file=sys.stderr,
    )
    if len(listed) == len(message.recipients) and message.group is None:
        from tui.compliance.optout import AllOptedOut

        with mapped_errors():
            raise AllOptedOut(listed)
    return dataclasses.replace(message, recipients=left_out(message.recipients, listed))


def opted_out_rows(outcome: SendOutcome) -> list[dict[str, Any]]:
    """The report's recipients left out by the opt-out list, each with its own status."""
    from tui.compliance.optout import OPTED_OUT

    return [
        {"number": number, "status": OPTED_OUT, "message_id": None, "error": OPTED_OUT_ERROR}
        for number in outcome.opted_out
    ]
