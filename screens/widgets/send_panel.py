"""Progress of a send, then its result per recipient, with delivery states as they arrive.

The table keeps to a few columns so that it fits 80 columns; the highlighted row is written out
whole under it (message id, delivery state with its code's meaning, the provider's refusal).
Provider codes always come with their meaning, worded by the provider's own ``describe_code``,
the same way for every provider: ``delivered (4: message delivered to the recipient)``.
A send whose rows cannot say what became of it (a group send, campaign totals, a provider that
sends no delivery reports) says so (``screens.compose.results``).
"""

from __future__ import annotations

from collections.abc import Sequence
from time import monotonic
from typing import TYPE_CHECKING

from rich.text import Text
from textual.containers import Vertical
from textual.coordinate import Coordinate
from textual.widgets import Static

from providers.base import ProviderInfo
from providers.phone import display
from tui.errors import visible
from tui.outbox.group_deliveries import GroupTotals
from tui.outbox.schema import EventRow, RecipientRow, RecipientState, SendRow, SendState

if TYPE_CHECKING:  # types only: the panel is made with the composer, before any send
    from textual.widgets import DataTable, ProgressBar
    from textual.widgets.data_table import ColumnKey

    from screens.compose.results import ResultContext
    from tui.sending.events import SendProgress

#: Rows shown under a result; the History screen pages through the rest.
SHOWN_ROWS = 200
#: Width of the delivery column: the state and the start of its code's meaning.
DELIVERY_WIDTH = 28
#: How long after a result is shown the panel keeps itself in view as it grows (``reveal``).
REVEAL_SECONDS = 1.0

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

Cells = tuple[str, str, str, str]


def delivery_text(state: str | None, code: str | None, info: ProviderInfo | None) -> str:
    """``delivered (4: message delivered to the recipient)``; the code alone when the
    provider is unknown; "" before any report."""
    if not state:
        return ""
    meaning = info.describe_code(code or "") if info else (code or "")
    return f"{state} ({meaning})" if meaning else state


class SendPanel(Vertical):
    DEFAULT_CSS = """
    SendPanel { height: auto; padding: 0 1; }
    SendPanel #send-status { height: auto; }
    SendPanel ProgressBar { height: 1; }
    SendPanel DataTable { height: auto; max-height: 12; overflow-x: hidden; }
    SendPanel #row-detail { height: auto; max-height: 4; color: $text-muted; }
    SendPanel #results-note { height: auto; color: $text-muted; }
    """

    def on_mount(self) -> None:
        self.display = False
        #: The parts are mounted when the panel first shows something (``_parts``).
        self._columns: list[ColumnKey] = []
        #: The cell values on screen, by row key, so a refresh changes only what changed.
        self._shown: dict[str, Cells] = {}
        self._rows: dict[str, RecipientRow] = {}
        #: The state of the send whose result is shown (None: progress or nothing).
        self.shown_state: SendState | None = None
        self.context: ResultContext | None = None
        #: No row shown has a delivery state yet.
        self.blank = True
        self.shown_account = ""
        self._reveal_until = 0.0

    #: The parts that hold the result, made by ``_parts``.
    _table: DataTable[str | Text]
    _bar: ProgressBar

    def _parts(self) -> None:
        """Mount the status, progress bar, table and notes, the first time they are needed.

        The panel is hidden until a send starts or a stored one is shown: composed with the
        composer, its table and progress bar would be styled at every console start for
        nothing. ``mount`` puts them in the DOM at once, so they can be queried and filled
        right after this call."""
        if self._columns:
            return
        # Their modules too load here, with the first send shown, not with every start.
        from textual.widgets import DataTable, ProgressBar

        table: DataTable[str | Text] = DataTable(
            id="results", cursor_type="row", zebra_stripes=True
        )
        self._table = table
        self._bar = ProgressBar(id="send-progress", show_eta=False)
        self.mount(
            Static("", id="send-status"),
            self._bar,
            table,
            Static("", id="row-detail"),
            Static("", id="results-note"),
        )
        self._columns = [
            table.add_column("number"),
            table.add_column("send"),
            table.add_column("delivery", width=DELIVERY_WIDTH),
            table.add_column("detail"),
        ]

    def start(self, total: int, what: str) -> None:
        self._parts()
        self.display = True
        self.shown_state = None
        self._table.clear()
        self._shown, self._rows = {}, {}
        for static in ("#row-detail", "#results-note"):
            self.query_one(static, Static).update("")
        bar = self._bar
        bar.display = True
        bar.update(total=max(total, 1), progress=0)
        self.query_one("#send-status", Static).update(
            Text(f"Sending {what} to {total} recipient(s)… (Escape cancels between requests)")
        )

    def show_progress(self, progress: SendProgress) -> None:
        self._parts()
        bar = self._bar
        finished = progress.done + progress.failed + progress.cancelled
        bar.update(total=max(progress.total, 1), progress=finished)
        waiting = (
            f" · rate limited: next request in {progress.waiting:.0f} s" if progress.waiting else ""
        )
        line = Text(progress.reference, style="bold")
        line.append(
            f" · done {progress.done} · failed {progress.failed} · "
            f"remaining {progress.remaining} · request {progress.batches_done}/{progress.batches}"
            f"{waiting}"
        )
        self.query_one("#send-status", Static).update(line)

    def show_result(
        self,
        send: SendRow,
        rows: list[RecipientRow],
        errors: Sequence[str],
        warnings: Sequence[str],
        context: ResultContext,
    ) -> None:
        self._parts()
        self.display = True
        self._bar.display = False
        self.shown_state = send.state
        self.shown_account = send.account
        self.context = context
        lines = [self._headline(send, context)]
        money = []
        if send.cost is not None:
            cost = f"cost {send.cost} {context.unit}".rstrip()
            money.append(cost + (" (priced, not spent)" if send.dry_run else ""))
        if send.balance is not None:
            money.append(f"balance after the send: {send.balance} {context.unit}".rstrip())
        if money:
            lines.append(Text(" · ".join(money)))
        lines.extend(Text(visible(error), style="red") for error in errors)
        lines.extend(Text(f"warning: {visible(warning)}", style="yellow") for warning in warnings)
        if send.state is SendState.UNKNOWN:
            lines.append(
                Text(
                    "The outcome is unknown: the provider may have sent it. Nothing was resent. "
                    "Check the delivery reports, or resend knowingly with ctrl+r.",
                    style="bold yellow",
                )
            )
        if send.recipients_total > SHOWN_ROWS:
            lines.append(
                Text(f"showing the first {SHOWN_ROWS} of {send.recipients_total} recipients")
            )
        self.query_one("#send-status", Static).update(Text("\n").join(lines))
        self._table.display = bool(rows)
        self.update_rows(rows)

    def reveal(self) -> None:
        """Bring the panel into view, its top first, and keep it there while it settles: a
        table knows its height only once it has laid its rows out (after an idle pass), so the
        panel keeps growing after it was first scrolled to."""
        self._reveal_until = monotonic() + REVEAL_SECONDS
        self.scroll_visible(top=True, animate=False)

    def on_resize(self) -> None:
        if monotonic() < self._reveal_until:
            self.scroll_visible(top=True, animate=False)

    def focus_results(self) -> None:
        """After a send: the results have the focus (their highlighted row written out whole
        under them), not the field the confirmation was opened from."""
        self._parts()
        table = self._table
        if table.display and table.row_count:
            table.focus(scroll_visible=False)

    def _headline(self, send: SendRow, context: ResultContext) -> Text:
        line = Text(send.reference, style="bold")
        line.append(" ")
        line.append(send.state.upper(), style=_STATE_STYLE.get(send.state, "bold"))
        if context.group is not None:
            from screens.compose.confirm import describe_group  # with the confirmations

            line.append(f" · group send: {visible(describe_group(context.group))}")
            line.append(_members_line(context.members))
            if not send.recipients_total:
                return line
            line.append("\nnumbers typed in:")
        line.append(
            f" · accepted {send.accepted} · rejected {send.rejected} · unknown {send.unknown}"
            f" · cancelled {send.cancelled}"
        )
        if context.totals is not None:
            totals = context.totals
            described = totals.description or delivery_text(
                totals.state, totals.provider_code, context.info
            )
            when = totals.occurred_at or totals.received_at
            line.append(f"\ndelivery, whole campaign: {visible(described)} ({when:%H:%M:%S})")
        return line

    def update_rows(self, rows: list[RecipientRow]) -> None:
        """Show ``rows``, touching only the cells whose value changed.

        Delivery reports refresh this as they arrive: rebuilding the table each time would
        throw the operator's cursor and scroll back to the top while they read the results.
        """
        self._parts()
        table = self._table
        info = self.context.info if self.context else None
        whole = _campaign_cell(self.context.totals) if self.context else ""
        shown = rows[:SHOWN_ROWS]
        wanted = {f"{row.position}": _cells(row, info, whole) for row in shown}
        self._rows = {f"{row.position}": row for row in shown}
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
                        table.update_cell(key, self._columns[column], styled[column])
        self._shown = wanted
        self.blank = not any(row.delivery_state for row in shown)
        self._show_note(shown)
        self._show_row_detail()

    def _show_note(self, rows: Sequence[RecipientRow]) -> None:
        """Why the table is empty, or what to expect while its delivery column is blank."""
        context = self.context
        note = ""
        if context is not None:
            if context.group is not None and context.members is None:
                note = (
                    "The provider sends a group to its members itself, and its reply listed "
                    "none of them: their reports cannot be counted here; its own history has "
                    f"them (porte-voix cdr --account {self.shown_account})."
                )
            elif context.group is not None:
                note = (
                    "The group's members are counted above, and their delivery reports update "
                    "the counts as they arrive"
                    + ("; the table lists the numbers typed in." if rows else ".")
                )
            elif not rows:
                note = "No recipient to show."
            elif (
                context.totals is None
                and not any(row.delivery_state for row in rows)
                # Only where a report may come: an accepted number.
                and any(row.state is RecipientState.ACCEPTED for row in rows)
            ):
                note = context.note
        self.query_one("#results-note", Static).update(Text(note))

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        self._show_row_detail()

    def _show_row_detail(self) -> None:
        """The highlighted row written out whole: nothing of it is lost to a narrow column."""
        table = self._table
        detail = self.query_one("#row-detail", Static)
        if not self._rows or table.cursor_row < 0 or table.cursor_row >= table.row_count:
            detail.update("")
            return
        key = table.coordinate_to_cell_key(Coordinate(table.cursor_row, 0)).row_key.value
        row = self._rows.get(key or "")
        if row is None:
            detail.update("")
            return
        parts = [display(row.number), str(row.state)]
        if row.message_id:
            parts.append(f"message id {row.message_id}")
        delivery = self._shown[key or ""][2]
        if delivery:
            at = f" at {row.delivery_at:%H:%M:%S}" if row.delivery_at else ""
            parts.append(delivery + at)
        if row.error:
            parts.append(row.error)
        detail.update(Text(visible(" · ".join(parts))))


def _members_line(members: GroupTotals | None) -> str:
    """What became of a group's members: sent to, refused, then their delivery reports."""
    if members is None:
        return "\nmembers: the provider's reply listed none"
    line = f"\nmembers: {members.members:,} sent to"
    if members.rejected:
        line += f" ({members.rejected:,} refused)"
    if members.unknown:
        line += f" ({members.unknown:,} outcome unknown)"
    return (
        f"{line} · delivered {members.delivered:,} · failed {members.failed:,}"
        f" · no final report yet {members.waiting:,}"
    )


def _campaign_cell(totals: EventRow | None) -> str:
    """What an accepted number's delivery cell says when only the campaign's totals came: all
    of them delivered, or how many (not which)."""
    if totals is None or totals.total is None or totals.delivered is None:
        return ""
    if totals.total and totals.delivered == totals.total:
        return f"delivered (whole campaign: {totals.delivered}/{totals.total})"
    return f"{totals.delivered} of {totals.total} delivered (whole campaign)"


def _cells(row: RecipientRow, info: ProviderInfo | None, whole: str = "") -> Cells:
    delivery = delivery_text(row.delivery_state, row.delivery_code, info)
    if not delivery and row.state is RecipientState.ACCEPTED:
        delivery = whole
    return (display(row.number), str(row.state), delivery, row.error or "")


def _styled(cells: Cells) -> tuple[str | Text, ...]:
    number, state, delivery, detail = cells
    return (
        number,
        Text(state, style=_STATE_STYLE.get(state, "")),
        Text(visible(delivery), no_wrap=True, overflow="ellipsis"),
        Text(visible(detail), no_wrap=True, overflow="ellipsis"),
    )
