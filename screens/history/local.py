"""The History screen's first tab: every send from porte-voix, one row per recipient.

The rows stay in SQLite. A thread worker reads one page (``tui.outbox.history.HistoryReader``,
a connection of its own, keyset pages) and posts it; the table holds that page only. A new
filter or sort interrupts the query still running for the old one, and answers carry a
generation number so a late one is dropped. The full count comes afterwards from a second
reader, so the first page never waits for it. Cells are ``Text`` with outside text made
visible.
"""

from __future__ import annotations

import asyncio
import sqlite3
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from screens.history.detail import SendDetail, SendDetailDialog
from screens.history.dialogs import FilterDialog
from screens.history.export_worker import export_history
from screens.history.messages import PageLoaded, QueryFailed, RowsCounted
from screens.history.resend import open_compose
from screens.history.table import PagedTable
from screens.host import host_app
from tui.history.words import code_meaning, outside
from tui.outbox.history import HistoryFilter, HistoryReader, HistoryRow, Page, Sort

COLUMNS = ("Sent", "Account", "Number", "Outcome", "Delivery", "Reference")
SORT_WORDS = {
    Sort.NEWEST: "newest first",
    Sort.OLDEST: "oldest first",
    Sort.ACCOUNT: "by account",
    Sort.PROVIDER: "by provider",
    Sort.NUMBER: "by number",
}
#: A click on a column's header sorts by it (the time column flips newest/oldest).
HEADER_SORTS = {"account": Sort.ACCOUNT, "number": Sort.NUMBER}
KEYS = (
    "[b]Enter[/b] detail · [b]f[/b] filter · [b]s[/b] sort · [b]x[/b] export · "
    "[b]u[/b] resend undelivered · PgUp/PgDn pages · Home/End"
)
OUTCOME_STYLES = {"rejected": "red", "unknown": "yellow", "cancelled": "yellow"}
STATE_STYLES = {"failed": "red", "no-answer": "red", "busy": "red", "delivered": "green"}


def row_cells(row: HistoryRow) -> list[Text]:
    sent = row.created_at.astimezone()
    outcome = Text(row.outcome.value, style=OUTCOME_STYLES.get(row.outcome.value, ""))
    if row.state is not None:
        delivery = Text(row.state.value, style=STATE_STYLES.get(row.state.value, ""))
        meaning = code_meaning(row.provider, row.provider_code)
        if meaning:
            delivery.append(f" · {meaning}")
    elif row.error:
        delivery = Text(outside(row.error), style="red")
    else:
        delivery = Text("—", style="dim")
    delivery.truncate(46, overflow="ellipsis")
    return [
        Text(f"{sent:%m-%d %H:%M}"),
        Text(row.account, no_wrap=True),
        Text(row.number),
        outcome,
        delivery,
        Text(row.reference + (" (dry run)" if row.dry_run else "")),
    ]


def filter_words(flt: HistoryFilter) -> str:
    parts = [
        f"{name} {value}"
        for name, value in (
            ("account", flt.account),
            ("provider", flt.provider),
            ("from", flt.start),
            ("to", flt.stop),
            ("status", flt.status),
            ("number", flt.number),
            ("campaign", flt.campaign),
        )
        if value
    ]
    return ", ".join(parts) if parts else "every send"


class LocalHistory(Vertical):
    """Sent messages, a page at a time; the screen opens dialogs for its keys."""

    DEFAULT_CSS = """
    LocalHistory { height: 1fr; }
    LocalHistory #history-keys { height: 1; padding: 0 1; color: $text-muted; }
    LocalHistory #history-filter { height: 1; padding: 0 1; }
    LocalHistory #history-table { height: 1fr; }
    LocalHistory #history-status { height: 1; padding: 0 1; }
    """
    BINDINGS = [
        Binding("f", "filter", "Filter", id="history.filter", show=False),
        Binding("s", "sort", "Sort", id="history.sort", show=False),
        Binding("x", "export", "Export", id="history.export", show=False),
        Binding("u", "resend", "Resend undelivered", id="history.resend", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.filter = HistoryFilter()
        self.sort = Sort.NEWEST
        self.page: Page | None = None
        self.rows: dict[str, HistoryRow] = {}
        self.count: int | None = None
        self.first_number: int | None = 1  # 1-based number of the page's first row
        self.generation = 0
        self.loading = False
        self._readers: tuple[HistoryReader, HistoryReader] | None = None

    def compose(self) -> ComposeResult:
        yield Static(Text.from_markup(KEYS), id="history-keys")
        yield Static("", id="history-filter")
        yield PagedTable(id="history-table")
        yield Static("", id="history-status")

    def on_mount(self) -> None:
        self.query_one(PagedTable).set_columns(COLUMNS)
        self.reload()

    def on_unmount(self) -> None:
        if self._readers is not None:
            for reader in self._readers:
                reader.interrupt()

    @property
    def readers(self) -> tuple[HistoryReader, HistoryReader]:
        """(pages, counts): two connections, so a running count never delays a page."""
        if self._readers is None:
            path = host_app(self).session.store.path
            self._readers = (HistoryReader(path), HistoryReader(path))
        return self._readers

    # -- what is shown ------------------------------------------------------------------------
    def set_filter(self, flt: HistoryFilter) -> None:
        self.filter = flt
        self.reload()

    def set_sort(self, sort: Sort) -> None:
        self.sort = sort
        self.reload()

    def reload(self) -> None:
        """From the first page, with the current filter and sort; counted afresh."""
        self.generation += 1
        self.count = None
        pages, counts = self.readers
        pages.interrupt()
        counts.interrupt()
        self.query_one("#history-filter", Static).update(
            Text(f"{outside(filter_words(self.filter))} · {SORT_WORDS[self.sort]}")
        )
        self._request("first")
        self._count(self.generation, self.filter)

    def selected(self) -> HistoryRow | None:
        key = self.query_one(PagedTable).selected_key()
        return None if key is None else self.rows.get(key)

    # -- workers ------------------------------------------------------------------------------
    def _request(self, direction: str) -> None:
        page = self.page
        after = before = None
        if direction == "next" and page and page.rows:
            after = page.rows[-1].key
        elif direction == "previous" and page and page.rows:
            before = page.rows[0].key
        self.loading = True
        self._status()
        self._load(self.generation, direction, after, before)

    @work(thread=True, group="history-page")
    def _load(self, generation: int, direction: str, after: Any, before: Any) -> None:
        try:
            page = self.readers[0].page(
                self.filter, self.sort, after=after, before=before, last=direction == "last"
            )
        except sqlite3.OperationalError as exc:
            if "interrupt" not in str(exc):
                self.post_message(QueryFailed(generation, str(exc)))
            return
        at_end = direction in ("previous", "last")
        self.post_message(PageLoaded(generation, page, direction, at_end))

    @work(thread=True, group="history-count")
    def _count(self, generation: int, flt: HistoryFilter) -> None:
        try:
            count = self.readers[1].count(flt)
        except sqlite3.OperationalError:
            return  # interrupted by a newer filter, or the store is busy: the count is optional
        self.post_message(RowsCounted(generation, count))

    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.generation != self.generation:
            return
        self.loading = False
        page, previous = message.page, self.page
        shown = len(previous.rows) if previous else 0
        if message.direction == "first":
            self.first_number = 1
        elif message.direction == "next" and self.first_number is not None:
            self.first_number += shown
        elif message.direction == "previous" and self.first_number is not None:
            self.first_number = max(1, self.first_number - len(page.rows))
        elif message.direction == "last":
            self.first_number = None if self.count is None else self.count - len(page.rows) + 1
        self.page = page
        self.rows = {f"{row.reference}/{row.number}": row for row in page.rows}
        table = self.query_one(PagedTable)
        table.show(
            [(key, row_cells(row)) for key, row in self.rows.items()],
            more_before=page.more_before,
            more_after=page.more_after,
            at_end=message.at_end,
        )
        self._status()

    def on_rows_counted(self, message: RowsCounted) -> None:
        if message.generation == self.generation:
            self.count = message.count
            if self.first_number is None and self.page is not None:
                self.first_number = message.count - len(self.page.rows) + 1
            self._status()

    def on_query_failed(self, message: QueryFailed) -> None:
        if message.generation == self.generation:
            self.loading = False
            self.query_one("#history-status", Static).update(
                Text(f"could not read the history: {outside(message.message)}", style="red")
            )

    def _status(self) -> None:
        text = Text()
        if self.loading:
            text.append("loading… ", style="italic")
        page = self.page
        if page is not None and page.rows:
            if self.first_number is not None:
                last = self.first_number + len(page.rows) - 1
                text.append(f"rows {self.first_number:,}–{last:,}")
            else:
                text.append(f"{len(page.rows)} rows")
        elif page is not None and not self.loading:
            text.append("no send matches" if not self.filter.empty else "nothing sent yet")
        if self.count is not None and page is not None and page.rows:
            text.append(f" of {self.count:,}")
        elif page is not None and page.rows:
            text.append(" (counting…)", style="dim")
        self.query_one("#history-status", Static).update(text)

    # -- keys ---------------------------------------------------------------------------------
    @on(PagedTable.PageRequested)
    def _page_requested(self, event: PagedTable.PageRequested) -> None:
        event.stop()
        if not self.loading:
            self._request(event.direction)

    @on(DataTable.HeaderSelected)
    def _header(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        key = str(event.column_key.value)
        if key == "sent":
            self.set_sort(Sort.OLDEST if self.sort is Sort.NEWEST else Sort.NEWEST)
        elif key in HEADER_SORTS:
            self.set_sort(HEADER_SORTS[key])

    def action_sort(self) -> None:
        order = list(Sort)
        self.set_sort(order[(order.index(self.sort) + 1) % len(order)])

    @on(DataTable.RowSelected, "#history-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_detail()

    def action_detail(self) -> None:
        row = self.selected()
        if row is not None:
            self._load_detail(row)

    @work(thread=True, group="history-detail")
    def _load_detail(self, row: HistoryRow) -> None:
        store = host_app(self).session.store
        events = [e for e in store.events_for(row.reference) if e.matched_number == row.number]
        undelivered = len(self.readers[0].undelivered(row.reference))
        detail = SendDetail(row, store.get_send(row.reference), events, undelivered)
        self.app.call_from_thread(self._show_detail, detail)

    def _show_detail(self, detail: SendDetail) -> None:
        def chosen(choice: str | None) -> None:
            if choice == "only":
                self.set_filter(HistoryFilter(campaign=detail.row.reference))
            elif choice == "resend":
                self.resend(detail.row.reference)

        self.app.push_screen(SendDetailDialog(detail), chosen)

    def action_filter(self) -> None:
        def chosen(flt: HistoryFilter | None) -> None:
            if flt is not None:
                self.set_filter(flt)

        accounts = list(host_app(self).session.accounts)
        self.app.push_screen(FilterDialog(self.filter, accounts), chosen)

    def action_export(self) -> None:
        export_history(self, self.filter, self.sort)

    def action_resend(self) -> None:
        row = self.selected()
        if row is not None:
            self.resend(row.reference)

    @work(group="history-resend")
    async def resend(self, reference: str) -> None:
        app = host_app(self)
        numbers = await asyncio.to_thread(self.readers[0].undelivered, reference)
        if not numbers:
            self.notify(
                f"{reference}: every number was delivered, or may have been (an unknown "
                "outcome is never resent from here).",
                markup=False,
            )
            return
        await open_compose(app, reference, numbers)
