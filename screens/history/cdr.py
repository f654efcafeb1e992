"""The History screen's second tab: eCampaign's getCDR, streamed into the outbox and the table.

A fetch reads ``iter_cdr`` (any range: the provider splits a period refused with code 80 and
reads on, day after day) and stores its rows a batch at a time as the reply is parsed; the
table shows the fetch's first page from the first batch on and pages through the rest
(``cdr_page``: keyset pages on the row id), so a 100,000-message reply never sits in a widget
and the console answers keys while it loads. Enter on a campaign reads its messages (a fetch
of its own); Backspace goes back. Every status shows its code and meaning.
"""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import aclosing
from datetime import date, timedelta
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, DataTable, Input, Select, Static

from providers.base import Capability
from providers.errors import InputError, ProviderError
from screens.history.dialogs import parse_day
from screens.history.messages import CdrProgress
from screens.history.table import PagedTable
from screens.host import host_app
from tui.accounts.credentials import CredentialError
from tui.errors import describe_text, visible
from tui.outbox.cdr_store import CdrReader, StoredCdr

COLUMNS = ("Id", "Kind", "Channel", "Recipient", "Date", "Status")
PAGE = 100
#: Rows stored per transaction while a reply is read; a batch is also stored after this long.
BATCH, BATCH_SECONDS = 2000, 0.3
CHANNELS = ("sms", "voice", "mail", "fax")
#: A row id past any other: the page before it is the last one.
LAST = 2**62


def cdr_cells(row: StoredCdr) -> list[Text]:
    if row.kind == "campaign":
        status = Text(f"{row.recipients_count or 0} recipients · Enter: its messages", style="dim")
        target = Text("")
    else:
        status = Text(visible(f"{row.state or ''} · {row.status_code or '—'}: "))
        status.append(visible(row.status_meaning or "no status yet"))
        target = Text(visible(row.target))
    return [
        Text(visible(row.cdr_id)),
        Text("campaign", style="bold") if row.kind == "campaign" else Text("msg"),
        Text(visible(row.channel or "")),
        target,
        Text(_short_date(row.date_init)),
        status,
    ]


def _short_date(text: str | None) -> str:
    """``2026-10-29 08:00:29`` as ``10-29 08:00`` (the year is the form's)."""
    if text and len(text) >= 16 and text[4] == "-" and text[10] == " ":
        return text[5:16]
    return visible(text or "")


class CdrHistory(Vertical):
    """getCDR of an eCampaign account: the form, the rows of the current fetch, its progress."""

    DEFAULT_CSS = """
    CdrHistory { height: 1fr; }
    CdrHistory .cdr-form { height: 1; padding: 0 1; }
    CdrHistory .cdr-form Select { width: 22; }
    CdrHistory .cdr-form #cdr-channel { width: 16; }
    CdrHistory .cdr-form Input { width: 14; margin-left: 1; }
    CdrHistory .cdr-form Checkbox { margin-left: 1; }
    CdrHistory .cdr-form Button { margin-left: 1; }
    CdrHistory #cdr-keys { height: 1; padding: 0 1; color: $text-muted; }
    CdrHistory #cdr-table { height: 1fr; }
    CdrHistory #cdr-status { height: 1; padding: 0 1; }
    """
    BINDINGS = [
        Binding("backspace", "back", "Back to the listing", id="cdr.back", show=False),
        Binding("x", "export", "Export", id="cdr.export", show=False),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.fetch_id: int | None = None
        self.parents: list[int] = []  # the fetches a drill-down came from
        self.rows: dict[str, StoredCdr] = {}
        self.stored = 0
        self.done_through: date | None = None
        self.reading = False
        self.loading = False
        self._again: tuple[int | None, str] | None = None
        self._reader: CdrReader | None = None

    def compose(self) -> ComposeResult:
        today = date.today()
        with Horizontal(classes="cdr-form"):
            yield Select[str]([], prompt="eCampaign account", id="cdr-account")
            yield Input(str(today - timedelta(days=30)), placeholder="from", id="cdr-from")
            yield Input(str(today), placeholder="to", id="cdr-to")
            yield Button("Read (Enter)", id="cdr-fetch")
        with Horizontal(classes="cdr-form"):
            yield Select[str](
                [(Text(c), c) for c in CHANNELS], prompt="any channel", id="cdr-channel"
            )
            yield Input(placeholder="campaign id", id="cdr-campaign")
            yield Checkbox("campaigns only", id="cdr-campaigns-only")
            yield Checkbox("API only", id="cdr-api-only")
            yield Checkbox("texts", id="cdr-content")
        yield Static(
            Text.from_markup(
                "Enter reads · on a campaign, Enter: its messages · [b]Backspace[/b] back · "
                "[b]x[/b] export"
            ),
            id="cdr-keys",
        )
        yield PagedTable(id="cdr-table")
        yield Static("", id="cdr-status")

    def on_mount(self) -> None:
        for widget in self.query("Input, Select, Checkbox, Button"):
            widget.compact = True  # type: ignore[attr-defined]
        self.query_one(PagedTable).set_columns(COLUMNS)
        self.fill_accounts()
        self._status()

    def fill_accounts(self) -> None:
        app = host_app(self)
        names = [a.name for a in app.session.accounts_with(Capability.CDR)]
        select = self.query_one("#cdr-account", Select)
        with self.prevent(Select.Changed):
            select.set_options([(Text(name), name) for name in names])
            current = app.current_account
            if current in names:
                select.value = current
            elif names:
                select.value = names[0]

    # -- reading --------------------------------------------------------------------------------
    def _form(self) -> tuple[str, date, date, dict[str, Any]]:
        account = self.query_one("#cdr-account", Select).value
        if not isinstance(account, str):
            raise InputError("account", "choose an eCampaign account (F8 adds one)")
        start = parse_day(self.query_one("#cdr-from", Input).value, "from")
        stop = parse_day(self.query_one("#cdr-to", Input).value, "to")
        if start is None or stop is None:
            raise InputError("date", "give the first and the last day (YYYY-MM-DD)")
        if stop < start:
            raise InputError("date", "the last day is before the first")
        channel = self.query_one("#cdr-channel", Select).value
        options = {
            "channel": channel if isinstance(channel, str) else None,
            "campaign": self.query_one("#cdr-campaign", Input).value.strip() or None,
            "campaigns_only": self.query_one("#cdr-campaigns-only", Checkbox).value,
            "api_only": self.query_one("#cdr-api-only", Checkbox).value,
            "content": self.query_one("#cdr-content", Checkbox).value,
        }
        return account, start, stop, options

    def action_read(self) -> None:
        try:
            account, start, stop, options = self._form()
        except InputError as exc:
            self.notify(describe_text(exc), title="Not read", severity="warning")
            return
        self.parents = []
        self.read(account, start, stop, options)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_read()

    @on(Button.Pressed, "#cdr-fetch")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_read()

    @work(exclusive=True, group="cdr-fetch")
    async def read(self, account: str, start: date, stop: date, options: dict[str, Any]) -> None:
        session = host_app(self).session
        store = session.store
        scope = options.get("campaign") or ""
        fetch_id = await asyncio.to_thread(store.begin_cdr_fetch, account, start, stop, options)
        self.fetch_id, self.rows, self.loading = fetch_id, {}, False
        self.stored, self.done_through, self.reading = 0, None, True
        self.query_one(PagedTable).show([], more_before=False, more_after=False)
        self._status()
        loop = asyncio.get_running_loop()
        batch: list[Any] = []
        flushed = loop.time()
        error: str | None = None

        def period(_first: date, last: date) -> None:
            self.done_through = last

        async def flush() -> None:
            nonlocal batch, flushed
            rows, batch, flushed = batch, [], loop.time()
            await asyncio.to_thread(store.add_cdr_rows, fetch_id, account, rows, campaign=scope)
            self.stored += len(rows)
            self.post_message(CdrProgress(fetch_id, self.stored, self.done_through))

        try:
            provider = await session.provider(account)
            stream = provider.iter_cdr(  # type: ignore[attr-defined]
                start, stop, on_period=period, **options
            )
            async with aclosing(stream) as rows:
                async for row in rows:
                    batch.append(row)
                    if len(batch) >= BATCH or loop.time() - flushed > BATCH_SECONDS:
                        await flush()
            await flush()
        except (ProviderError, InputError, CredentialError) as exc:
            await flush()
            error = describe_text(exc)
        except sqlite3.Error as exc:  # the journal refused a batch: the rows read so far stay
            error = f"the journal could not keep the rows: {exc}"
        except asyncio.CancelledError:
            await asyncio.shield(asyncio.to_thread(store.finish_cdr_fetch, fetch_id, "stopped"))
            raise
        await asyncio.to_thread(store.finish_cdr_fetch, fetch_id, error)
        self.post_message(CdrProgress(fetch_id, self.stored, self.done_through, True, error))

    def on_cdr_progress(self, message: CdrProgress) -> None:
        if message.fetch_id != self.fetch_id:
            return
        if message.finished:
            self.reading = False
            if message.error:
                self.notify(message.error, title="getCDR stopped", severity="error")
        if len(self.rows) < PAGE:
            self.show_page(None, "first")  # the first page fills as the rows come
        else:
            self.query_one(PagedTable).more_after = True
        self._status(message.error)

    # -- pages ----------------------------------------------------------------------------------
    @property
    def reader(self) -> CdrReader:
        if self._reader is None:
            self._reader = CdrReader(host_app(self).session.store.path)
        return self._reader

    def on_unmount(self) -> None:
        if self._reader is not None:
            self._reader.close()

    def show_page(self, anchor: int | None, direction: str) -> None:
        """Read a page in a thread (the outbox's lock is never waited for here)."""
        if self.fetch_id is None:
            return
        if self.loading:
            self._again = (anchor, direction)  # once the page being read has come
            return
        self.loading = True
        self._load_page(self.fetch_id, anchor, direction)

    @work(thread=True, group="cdr-page")
    def _load_page(self, fetch_id: int, anchor: int | None, direction: str) -> None:
        if direction == "previous":
            found = self.reader.page(fetch_id, before=anchor, limit=PAGE)
        else:
            found = self.reader.page(fetch_id, after=anchor, limit=PAGE)
        self.app.call_from_thread(self._show, fetch_id, direction, *found)

    def _show(
        self,
        fetch_id: int,
        direction: str,
        rows: list[StoredCdr],
        more_before: bool,
        more_after: bool,
    ) -> None:
        self.loading = False
        again, self._again = self._again, None
        if again is not None:
            self.show_page(*again)
            return
        if fetch_id != self.fetch_id or (not rows and direction != "first"):
            return
        table = self.query_one(PagedTable)
        keep = table.cursor_row if direction == "first" else None
        self.rows = {str(row.id): row for row in rows}
        table.show(
            [(key, cdr_cells(row)) for key, row in self.rows.items()],
            more_before=more_before,
            more_after=more_after or (self.reading and len(rows) == PAGE),
            at_end=direction == "previous",
        )
        if keep is not None and 0 < keep < table.row_count:
            table.move_cursor(row=keep)
        self._status()

    @on(PagedTable.PageRequested, "#cdr-table")
    def _page(self, event: PagedTable.PageRequested) -> None:
        event.stop()
        rows = list(self.rows.values())
        if event.direction == "next" and rows:
            self.show_page(rows[-1].id, "next")
        elif event.direction == "previous" and rows:
            self.show_page(rows[0].id, "previous")
        elif event.direction == "first":
            self.show_page(None, "first")
        else:  # the last page: the rows before one past the last
            self.show_page(LAST, "previous")

    @on(DataTable.RowSelected, "#cdr-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        row = self.rows.get(str(event.row_key.value))
        fetch = None if self.fetch_id is None else host_app(self).session.store.cdr_fetch(
            self.fetch_id
        )  # fmt: skip
        if row is None or row.kind != "campaign" or fetch is None:
            return
        self.parents.append(fetch.id)
        day = parse_day((row.date_init or "")[:10], "date") or fetch.first_day
        options = {"channel": row.channel, "campaign": row.cdr_id}
        self.read(fetch.account, min(day, fetch.last_day), fetch.last_day, options)

    def action_back(self) -> None:
        if not self.parents:
            return
        self.workers.cancel_group(self, "cdr-fetch")
        self.fetch_id = self.parents.pop()
        self.reading = False
        fetch = host_app(self).session.store.cdr_fetch(self.fetch_id)
        self.stored = 0 if fetch is None else fetch.rows
        self.done_through = None if fetch is None else fetch.done_through
        self.show_page(None, "first")
        self._status()

    def _status(self, error: str | None = None) -> None:
        text = Text()
        if self.fetch_id is None:
            if self.query_one("#cdr-account", Select).is_blank():
                text.append("No eCampaign account: F8 adds one.")
            else:
                text.append("Choose the days (any range) and the options, then press Enter.")
        else:
            text.append("reading… " if self.reading else "", style="italic")
            text.append(f"{self.stored:,} row{'' if self.stored == 1 else 's'}")
            if self.done_through is not None:
                text.append(f" · days read through {self.done_through}")
            if self.rows:
                text.append(f" · {len(self.rows)} on this page (PgUp/PgDn)", style="dim")
            if self.parents:
                text.append(" · a campaign's messages (Backspace: back)")
            if error:
                text.append(f" · stopped: {visible(error)}", style="red")
        self.query_one("#cdr-status", Static).update(text)

    def action_export(self) -> None:
        from screens.history.export_worker import export_cdr_rows

        if self.fetch_id is not None:
            export_cdr_rows(self, self.fetch_id)
