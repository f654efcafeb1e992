"""One send's recipients on the Live screen: each one's state, code and meaning, and when.

A page of ``PAGE`` recipients at a time, in the send's order (keyset on the position: no
OFFSET, however large the send), filtered by normalised state. The highlighted recipient's
states are listed below the table, each with its time and where it came from (a callback, or
eCampaign's getCDR poll). The Live screen reloads the page when reports for this send arrive.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Select, Static

from providers.base import PROVIDER_KINDS, provider_info
from screens.host import host_app
from screens.live import render
from tui.errors import describe, visible
from tui.listen.live import LIVE_STATES, LiveReader, RecipientLive, SendSummary, StateSeen

PAGE = 100
FILTERS: list[tuple[str, str]] = [("every state", ""), *((s, s) for s in LIVE_STATES)]
KEYS = "Esc back · f filter · n next page · p previous page"


def _time(text: str | None) -> str:
    if not text:
        return ""
    return f"{datetime.fromisoformat(text).astimezone():%H:%M:%S}"


class SendDetailScreen(Screen[None]):
    """The recipients of one send, as the Live screen counts them."""

    AUTO_FOCUS = "#detail-table"
    DEFAULT_CSS = """
    SendDetailScreen #detail-title { height: auto; padding: 0 1; background: $panel; }
    SendDetailScreen #detail-filter { width: 30; margin: 0 1; }
    SendDetailScreen #detail-table { height: 1fr; }
    SendDetailScreen #detail-history { height: auto; max-height: 4; padding: 0 1; }
    SendDetailScreen #detail-keys { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("escape", "app.pop_screen", "Back", id="live.detail.back"),
        Binding("f", "filter", "Filter", id="live.detail.filter"),
        Binding("n", "next_page", "Next", id="live.detail.next"),
        Binding("p", "previous_page", "Previous", id="live.detail.previous"),
    ]

    def __init__(self, send: SendSummary) -> None:
        super().__init__()
        self.send = send
        self.reference = send.reference
        self.state: str = ""
        #: The position each page starts after: the first is -1.
        self.pages: list[int] = [-1]
        self.rows: list[RecipientLive] = []
        self.seen: dict[str, list[StateSeen]] = {}

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="detail-title")
        choice: Select[str] = Select(FILTERS, value="", allow_blank=False, id="detail-filter")
        choice.compact = True
        yield choice
        table: DataTable[Text] = DataTable(id="detail-table", cursor_type="row")
        table.add_columns("Number", "State", "Code: meaning", "At", "Via")
        yield table
        yield Static(id="detail-history")
        yield Static(KEYS, id="detail-keys")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.reload()

    def _title(self) -> Text:
        send = self.send
        counts = " · ".join(f"{state} {send.counts[state]}" for state in LIVE_STATES)
        head = f"{send.reference} · {send.account} · {send.channel} · {send.state}"
        return Text(visible(f"{head} · {send.summary}\n{counts}"), no_wrap=False)

    def update_summary(self, send: SendSummary) -> None:
        self.send = send
        self.query_one("#detail-title", Static).update(self._title())
        self.reload()

    # -- reading -------------------------------------------------------------------------------
    def reload(self) -> None:
        self.load_page(self.pages[-1], self.state)

    @work(thread=True, exclusive=True, group="live-detail", exit_on_error=False)
    def load_page(self, after: int, state: str) -> None:
        reader = LiveReader(host_app(self).session.store.path)
        try:
            rows = reader.recipients(self.reference, state=state or None, after=after, limit=PAGE)
            seen = reader.states_seen(self.reference, [row.number for row in rows])
        except sqlite3.Error as exc:
            described = describe(exc)
            self.app.call_from_thread(
                self.notify, described.message, title="Recipients not read", severity="error",
                markup=False,
            )  # fmt: skip
            return
        finally:
            reader.close()
        self.app.call_from_thread(self._show, rows, seen)

    def _show(self, rows: list[RecipientLive], seen: dict[str, list[StateSeen]]) -> None:
        self.rows, self.seen = rows, seen
        table = self.query_one("#detail-table", DataTable)
        cursor = table.cursor_row
        table.clear()
        # The meaning takes what the other columns leave (it is whole below the table).
        width = max(20, self.size.width - 46)
        for row in rows:
            states = seen.get(row.number, [])
            via = states[-1].source if states else ""
            table.add_row(
                Text(row.number),
                Text(row.state, style=render.STYLES.get(row.state, "")),
                Text(render.fit(self._meaning(row), width)),
                Text(_time(row.at)),
                Text(render.VIA.get(via, "?")),
                key=row.number,
            )
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        page = len(self.pages)
        more = " (more: n)" if len(rows) == PAGE else ""
        self.query_one("#detail-keys", Static).update(
            f"Page {page}, {len(rows)} recipient(s){more} · {KEYS}"
        )
        self._history()

    @on(DataTable.RowHighlighted, "#detail-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self._history()

    def _meaning(self, row: RecipientLive) -> str:
        """The code and its meaning (the provider's words), else the refusal's error."""
        kind = self.send.provider
        if row.code and kind in PROVIDER_KINDS:
            return provider_info(kind).describe_code(row.code)
        return row.error or ""

    def _history(self) -> None:
        """The highlighted recipient: its state and meaning whole, then each state it went
        through, with its time and where it came from."""
        table = self.query_one("#detail-table", DataTable)
        lines: list[str] = []
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            row = self.rows[table.cursor_row]
            meaning = self._meaning(row)
            lines.append(f"{row.number}: {row.state}" + (f" · {meaning}" if meaning else ""))
            states = self.seen.get(row.number, [])
            steps = [f"{s.state} {_time(s.at)} ({s.source})" for s in states]
            lines.append(" → ".join(steps) if steps else "no delivery report yet")
        self.query_one("#detail-history", Static).update(Text(visible("\n".join(lines))))

    # -- actions -------------------------------------------------------------------------------
    @on(Select.Changed, "#detail-filter")
    def _filtered(self, event: Select.Changed) -> None:
        self.state = str(event.value or "")
        self.pages = [-1]
        self.reload()

    def action_filter(self) -> None:
        self.query_one("#detail-filter", Select).focus()

    def action_next_page(self) -> None:
        if len(self.rows) == PAGE:
            self.pages.append(self.rows[-1].position)
            self.reload()

    def action_previous_page(self) -> None:
        if len(self.pages) > 1:
            self.pages.pop()
            self.reload()
