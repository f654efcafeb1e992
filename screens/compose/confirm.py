"""The questions the composers ask before spending money: send this? resend that? send again?

Each is a ``ConfirmDialog`` whose safe button has the focus. The resend one says when the
provider may already have delivered the message, and then offers, where it exists, the way on
that cannot duplicate: only the numbers never sent. The duplicate one names the unfinished send
a new one would repeat, and offers to show it (from where ctrl+r finishes it) rather than send
everyone the message again. The send one warns, above its buttons, when the account's balance
is or would go below its low-balance threshold (``low_balance``): a warning, not a refusal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from providers.base import Capability, ProviderInfo
from providers.models import GroupTarget, Message, VoiceMessage
from screens.dialogs.common import ConfirmDialog
from tui.accounts.config import Account
from tui.errors import visible
from tui.outbox.balances import balance_warning
from tui.outbox.sends import Overlap
from tui.outbox.store import Store

if TYPE_CHECKING:  # a type only: the composers import this module before any send
    from tui.sending import ResendPlan

#: The buttons that go ahead (the others, and Escape, mean "no").
SEND, DRY_RUN = "send", "dry-run"
RESEND, RESEND_NEVER_SENT = "resend", "resend-unsent"
SHOW_EARLIER, SEND_AGAIN = "show-earlier", "send-again"


def describe_group(target: GroupTarget) -> str:
    criteria = f" {target.global_operator} ".join(
        f"{c.field} {c.operator} {c.value}".strip() for c in target.criteria
    )
    return f"Group #{target.group_id}, field {', '.join(target.fields)}" + (
        f", where {criteria}" if criteria else ""
    )


def excerpt(text: str, limit: int = 150) -> str:
    """A message as the confirmation quotes it: on one line, cut after ``limit`` characters
    (the dialog must keep its buttons on an 80×24 screen)."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    return f"{flat[: limit - 1]}… ({len(flat)} characters)"


def low_balance(
    store: Store, account: Account, messages: Sequence[Message], parts: int
) -> str | None:
    """What to say when this send takes the account's balance (of the message's channel, and
    of the route the account sends through) below its low-balance threshold, or past what it
    holds; ``parts``: recipients × SMS parts (voice: recipients). Reads SQLite: call it off the
    event loop."""
    channel = "voice" if any(isinstance(m, VoiceMessage) for m in messages) else "sms"
    return balance_warning(store.balances(account.name), account, channel, parts)


def send_confirmation(
    account: str,
    info: ProviderInfo,
    messages: Sequence[Message],
    details: Sequence[tuple[str, str]],
    *,
    balance: str | None = None,
) -> ConfirmDialog:
    """Ask before sending ``messages``; ``details`` are the composer's own summary lines
    (sender, text, segments...) and the rules' (how many numbers the opt-out list leaves out);
    ``balance``: the low-balance warning (``low_balance``), shown with the dialog's warning.
    """
    recipients = sum(len(m.recipients) for m in messages)
    group = next((m.group for m in messages if m.group), None)
    lines = [("Account", f"{account} · {info.label}")]
    if group is None:
        lines.append(("Recipients", f"{recipients}"))
    else:
        numbers = f"{recipients} + " if recipients else ""
        lines.append(("Recipients", numbers + "the members of " + describe_group(group)))
    lines.extend(details)
    schedule = messages[0].schedule
    lines.append(("When", f"{schedule:%Y-%m-%d %H:%M} (Paris)" if schedule else "now"))
    if info.capabilities & Capability.DRY_RUN:
        dry = "the provider checks the request and sends nothing"
    else:
        dry = "checked here only: this provider has no dry run"
    lines.append(("Dry run", dry))
    return SendConfirmDialog(
        "Send this message?",
        lines,
        [(DRY_RUN, "Dry run", "default"), (SEND, "Send", "error")],
        warning="Sending spends money and cannot be undone.",
        balance=balance,
    )


class SendConfirmDialog(ConfirmDialog):
    """The send confirmation. A low-balance warning (``balance``) stands right under the
    title, in the warning colour: at 80×24 a long summary scrolls, and what scrolls away must
    not be the one line that says the money is running out."""

    DEFAULT_CSS = """
    SendConfirmDialog #balance-warning { color: $warning; text-style: bold; margin-bottom: 1; }
    """

    def __init__(
        self,
        title: str,
        lines: list[tuple[str, str]],
        buttons: list[tuple[str, str, str]],
        *,
        warning: str | None = None,
        balance: str | None = None,
    ) -> None:
        super().__init__(title, lines, buttons, warning=warning)
        self.balance = balance

    def on_mount(self) -> None:  # ConfirmDialog.on_mount runs too: Textual calls both
        if self.balance:
            summary = self.query_one(".summary")
            text = Text(visible(f"Low balance: {self.balance}"))
            if isinstance(summary.parent, Widget):
                summary.parent.mount(Static(text, id="balance-warning"), before=summary)


def resend_confirmation(plan: ResendPlan, *, schedule: datetime | None = None) -> ConfirmDialog:
    """Ask a second time before a knowing resend, naming the send and who it would reach;
    ``schedule``: when it goes, moved to the next allowed time of the sending hours."""
    row = plan.send

    def reach(never_sent_only: bool) -> str:
        if never_sent_only:
            text = f"{plan.never_sent} never requested or refused (none can get it twice)"
        else:
            text = f"{plan.pending} not known to be accepted"
        again = plan.group_again_if_never_sent if never_sent_only else plan.group_again
        if plan.group is not None and again:
            text += f", and the whole of {describe_group(plan.group)}"
        return text

    buttons = [(RESEND, "Resend anyway", "error")]
    lines = [
        ("Send", f"{row.reference} ({row.state}) of {row.created_at:%Y-%m-%d %H:%M}"),
        ("Account", row.account),
        ("Recipients", reach(never_sent_only=False)),
    ]
    if schedule is not None:
        lines.append(("When", f"{schedule:%Y-%m-%d %H:%M} (Paris), the next allowed time"))
    if plan.may_duplicate:
        warning = "The provider may ALREADY have sent this message: resending may deliver it twice."
        if plan.offers_never_sent:
            # The safe way on after an unknown outcome: only numbers that cannot get it twice.
            label = f"Only the {plan.never_sent} never sent"
            buttons.insert(0, (RESEND_NEVER_SENT, label, "primary"))
            lines.append(("Never sent", reach(never_sent_only=True)))
    else:
        warning = "The recipients not accepted the first time will be sent the message again."
    return ConfirmDialog(f"Resend {row.reference}?", lines, buttons, warning=warning)


def duplicate_confirmation(overlap: Overlap) -> ConfirmDialog:
    """Ask before a send that repeats an unfinished one (same account and content, numbers in
    common, the last 48 hours); "Show it" is the way to finish that one instead."""
    row = overlap.send
    counts = (
        f"accepted {row.accepted} · rejected {row.rejected} · unknown {row.unknown} · "
        f"never sent {row.cancelled}"
    )
    lines = [
        ("Earlier send", f"{row.reference} ({row.state}) of {row.created_at:%Y-%m-%d %H:%M} UTC"),
        ("Account", row.account),
        ("In common", f"{overlap.shared} of these numbers, the same content"),
        ("Its recipients", counts),
    ]
    return ConfirmDialog(
        f"{row.reference} is unfinished: send again?",
        lines,
        [(SHOW_EARLIER, f"Show {row.reference}", "primary"), (SEND_AGAIN, "Send anyway", "error")],
        warning="Sending again may give these people the message twice. Show the earlier send "
        "to finish it (ctrl+r resends only what it did not send).",
    )
