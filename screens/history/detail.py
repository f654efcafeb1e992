"""One send in detail, from a row of the History screen: the send, this recipient, its reports.

Returns ``"resend"`` (Resend to the undelivered: a new Compose with the send's refused, never
sent and undelivered numbers), ``"only"`` (the history of this send alone) or None. Everything
shown that came from outside (texts, errors, provider codes) is plain text made visible.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from screens.dialogs.common import DIALOG_CSS, Dialog
from tui.errors import visible
from tui.history.words import code_meaning
from tui.outbox.history import HistoryRow
from tui.outbox.schema import EventRow, SendRow


@dataclass(frozen=True)
class SendDetail:
    row: HistoryRow
    send: SendRow | None
    events: list[EventRow]  # this number's reports, in the order they happened
    undelivered: int  # numbers a resend to the undelivered would target


class SendDetailDialog(Dialog[str]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="SendDetailDialog")
        + """
    SendDetailDialog > Vertical { width: 90; }
    SendDetailDialog VerticalScroll { height: auto; max-height: 14; }
    """
    )
    BINDINGS = [
        Binding("u", "choose('resend')", "Resend to the undelivered", id="detail.resend"),
        Binding("o", "choose('only')", "Only this send", id="detail.only"),
    ]
    AUTO_FOCUS = "#close"

    def __init__(self, detail: SendDetail) -> None:
        super().__init__()
        self.detail = detail

    def compose(self) -> ComposeResult:
        detail, row = self.detail, self.detail.row
        send = detail.send
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")

        self.lines: list[tuple[str, str]] = []

        def line(label: str, value: object) -> None:
            if value not in (None, ""):
                self.lines.append((label, visible(str(value))))
                grid.add_row(Text(label), Text(self.lines[-1][1]))

        line("Send", f"{row.reference} · {row.account} · {row.provider} · {row.channel}")
        if send is not None:
            line("Sent", f"{send.created_at.astimezone():%Y-%m-%d %H:%M:%S}")
            counts = (
                f"{send.state}: {send.recipients_total} recipient(s), {send.accepted} accepted, "
                f"{send.rejected} refused, {send.unknown} unknown, {send.cancelled} never sent"
            )
            line("State", counts + (" (dry run)" if send.dry_run else ""))
            line("Message", send.summary)
            line("Campaign", send.campaign_id)
            line("Provider's ref.", send.provider_reference)
            if send.error_code:
                line("Error", f"{send.error_code}: {send.error_message or ''}")
            line("Resend of", send.resend_of)
        line("Number", row.number)
        line("Outcome", row.outcome.value + (f" · {row.error}" if row.error else ""))
        if row.state is not None:
            line("Delivery", f"{row.state.value} · {code_meaning(row.provider, row.provider_code)}")
            if row.state_at is not None:
                line("Reported at", f"{row.state_at.astimezone():%Y-%m-%d %H:%M:%S}")
        for event in detail.events:
            said = code_meaning(event.provider, event.provider_code)
            when = event.occurred_at or event.received_at
            line("Report", f"{when.astimezone():%m-%d %H:%M:%S} {event.state.value} {said}")
        with Vertical():
            yield Label(Text(visible(f"Send {row.reference}")), classes="dialog-title")
            with VerticalScroll():
                yield Static(grid)
            with Horizontal(classes="dialog-buttons"):
                if detail.undelivered:
                    yield Button(
                        f"Resend to the {detail.undelivered} undelivered (u)",
                        id="resend",
                        variant="warning",
                        compact=True,
                    )
                yield Button("Only this send (o)", id="only", compact=True)
                yield Button("Close", id="close", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "close" else event.button.id)

    def action_choose(self, choice: str) -> None:
        if choice == "resend" and not self.detail.undelivered:
            self.notify("Every number of this send was delivered or may have been.")
            return
        self.dismiss(choice)
