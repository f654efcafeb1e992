"""Progress of a send, then its result per recipient, with delivery states as they arrive."""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, ProgressBar, Static

from providers.phone import display
from tui.outbox.schema import RecipientRow, RecipientState, SendRow, SendState
from tui.sending.events import SendProgress

#: Rows shown under a result; the History screen pages through the rest.
SHOWN_ROWS = 200

#: Send and recipient states share their names (both are StrEnums): one style per name.
_STATE_STYLE: dict[str, str] = {
    RecipientState.ACCEPTED: "green",
    SendState.PARTIAL: "yellow",
    RecipientState.DRY_RUN: "cyan",
    RecipientState.REJECTED: "red",
    RecipientState.UNKNOWN: "bold yellow",
    RecipientState.CANCELLED: "dim",
    RecipientState.PENDING: "dim",
    RecipientState.SENDING: "yellow",
}


class SendPanel(Vertical):
    DEFAULT_CSS = """
    SendPanel { height: auto; padding: 0 1; }
    SendPanel #send-status { height: auto; }
    SendPanel ProgressBar { height: 1; }
    SendPanel DataTable { height: auto; max-height: 14; }
    """

    def compose(self) -> ComposeResult:
        yield Static("", id="send-status")
        yield ProgressBar(id="send-progress", show_eta=False)
        yield DataTable(id="results", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.display = False
        table = self.query_one(DataTable)
        self._columns = table.add_columns("number", "send", "message id", "delivery", "detail")
        #: The cell values on screen, by row key, so a refresh changes only what changed.
        self._shown: dict[str, tuple[str, str, str, str, str]] = {}
        #: The state of the send whose result is shown (None: progress or nothing).
        self.shown_state: SendState | None = None

    def start(self, total: int, what: str) -> None:
        self.display = True
        self.shown_state = None
        self.query_one(DataTable).clear()
        self._shown = {}
        bar = self.query_one(ProgressBar)
        bar.display = True
        bar.update(total=max(total, 1), progress=0)
        self.query_one("#send-status", Static).update(
            f"Sending {escape(what)} to {total} recipient(s)… (Escape cancels between requests)"
        )

    def show_progress(self, progress: SendProgress) -> None:
        bar = self.query_one(ProgressBar)
        finished = progress.done + progress.failed + progress.cancelled
        bar.update(total=max(progress.total, 1), progress=finished)
        waiting = (
            f" · rate limited: next request in {progress.waiting:.0f} s" if progress.waiting else ""
        )
        self.query_one("#send-status", Static).update(
            f"[b]{progress.reference}[/b] · done {progress.done} · failed {progress.failed} · "
            f"remaining {progress.remaining} · request {progress.batches_done}/{progress.batches}"
            f"{waiting}"
        )

    def show_result(
        self,
        send: SendRow,
        rows: list[RecipientRow],
        errors: Sequence[str],
        warnings: Sequence[str] = (),
    ) -> None:
        self.display = True
        self.query_one(ProgressBar).display = False
        self.shown_state = send.state
        style = _STATE_STYLE.get(send.state, "bold")
        lines = [
            f"[b]{send.reference}[/b] [{style}]{send.state.upper()}[/] · accepted {send.accepted}"
            f" · rejected {send.rejected} · unknown {send.unknown} · cancelled {send.cancelled}"
        ]
        money = []
        if send.cost is not None:
            money.append(f"cost {send.cost}" + (" (priced, not spent)" if send.dry_run else ""))
        if send.balance is not None:
            money.append(f"balance after the send: {send.balance}")
        if money:
            lines.append(" · ".join(money))
        lines.extend(f"[red]{escape(error)}[/red]" for error in errors)
        lines.extend(f"[yellow]warning: {escape(warning)}[/yellow]" for warning in warnings)
        if send.state is SendState.UNKNOWN:
            lines.append(
                "[bold yellow]The outcome is unknown: the provider may have sent it. Nothing was "
                "resent. Check the delivery reports, or resend knowingly with ctrl+r.[/bold yellow]"
            )
        if send.recipients_total > SHOWN_ROWS:
            lines.append(f"showing the first {SHOWN_ROWS} of {send.recipients_total} recipients")
        self.query_one("#send-status", Static).update("\n".join(lines))
        self.update_rows(rows)

    def update_rows(self, rows: list[RecipientRow]) -> None:
        """Show ``rows``, touching only the cells whose value changed.

        Delivery reports refresh this as they arrive: rebuilding the table each time would
        throw the operator's cursor and scroll back to the top while they read the results.
        """
        table = self.query_one(DataTable)
        wanted = {f"{row.position}": _cells(row) for row in rows[:SHOWN_ROWS]}
        if list(wanted) != list(self._shown):
            table.clear()
            for key, cells in wanted.items():
                table.add_row(*_styled(cells), key=key)
        else:
            for key, cells in wanted.items():
                if cells == self._shown[key]:
                    continue
                styled = _styled(cells)
                for column, (old, new) in enumerate(zip(self._shown[key], cells, strict=True)):
                    if old != new:
                        table.update_cell(
                            key, self._columns[column], styled[column], update_width=True
                        )
        self._shown = wanted


def _cells(row: RecipientRow) -> tuple[str, str, str, str, str]:
    delivery = str(row.delivery_state) if row.delivery_state else ""
    return (
        display(row.number),
        str(row.state),
        row.message_id or "",
        delivery,
        row.error or row.delivery_code or "",
    )


def _styled(cells: tuple[str, str, str, str, str]) -> tuple[str | Text, ...]:
    number, state, message_id, delivery, detail = cells
    return (
        number,
        Text(state, style=_STATE_STYLE.get(state, "")),
        Text(message_id),
        Text(delivery),
        Text(detail),
    )
