"""Credits (F5): every account's balances side by side, asked all at once.

Each account with a balance call is asked in its own task (``tui.credits.refresh_one``); its
row changes as its answer comes, and an account that fails says so on its own row, under the
figures last seen for it (with their time). CapitoleMobile has no balance endpoint: its SMS and
voice balances are those its send replies carried, and its rows say so. A balance below its
low-balance threshold is marked LOW; where the unit cost is known, the number of messages it
still covers is shown. The selected balance's history is drawn below the table (a sparkline:
plain characters, fine over SSH at 80×24). Provider text (route names, errors) is shown with
its control characters made visible, never as markup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Sparkline, Static

from screens.base import ModeScreen
from screens.credits.threshold import ThresholdChoice, ThresholdDialog
from tui import credits as service
from tui.errors import visible
from tui.outbox.balances import KnownBalance

#: (label, width); None: as wide as its content (the note, last).
COLUMNS = (
    ("Account", 13),
    ("Balance", 16),
    ("Amount", 13),
    ("Covers", 7),
    ("Seen", 5),
    ("Note", None),
)
KEYS = (
    "[b]r[/b] refresh all · [b]t[/b] low-balance threshold · the history of the selected "
    "balance below"
)
HISTORY_DAYS = 30


def _seen(moment: datetime) -> str:
    """Its time today, its day otherwise (the detail line below gives both)."""
    local = moment.astimezone()
    today = datetime.now().astimezone().date()
    return f"{local:%H:%M}" if local.date() == today else f"{local:%m-%d}"


def _cells(account: Text, balance: Text, note: Text, **more: Text) -> list[Text]:
    """The six cells of a row (account, balance, amount, covers, seen, note)."""
    empty = Text("")
    return [account, balance, more.get("amount", empty), more.get("covers", empty),
            more.get("seen", empty), note]  # fmt: skip


def account_rows(entry: service.AccountBalances, asking: bool) -> list[tuple[str, list[Text]]]:
    """The table rows of one account: its note, its failure, then each balance."""
    rows: list[tuple[str, list[Text]]] = []

    def first() -> Text:
        if rows:
            return Text("")
        return Text(visible(entry.account), style="bold", no_wrap=True, overflow="ellipsis")

    def add(key: str, cells: list[Text]) -> None:
        rows.append((f"{entry.account}|{key}", cells))

    if asking:
        add("!asking", _cells(first(), Text("asking…", style="italic"), Text("")))
    if entry.error is not None:
        failed = Text("FAILED", style="bold red")
        add("!error", _cells(first(), failed, Text(visible(entry.error.message), style="red")))
    if entry.note is not None:
        add("!note", _cells(first(), Text("no balance call", style="dim"), Text("see below")))
    for line in entry.balances:
        amount = Text(f"{line.amount} {visible(line.unit)}", justify="right")
        if line.low:
            amount.stylize("bold red")
        note = Text("LOW " if line.low else "", style="bold red")
        note.append("reply" if line.source == "send" else "")
        covers = "" if line.covers is None or line.unit == "SMS" else f"≈{line.covers:,}"
        add(
            f"{line.channel}|{line.route}",
            _cells(
                first(),
                Text(visible(line.name), no_wrap=True, overflow="ellipsis"),
                note,
                amount=amount,
                covers=Text(covers, justify="right"),
                seen=Text(_seen(line.seen_at)),
            ),
        )
    if not rows:
        add("!none", _cells(first(), Text("nothing known yet", style="dim"), Text("")))
    return rows


class CreditsScreen(ModeScreen):
    MODE_TITLE = "Credits"
    AUTO_FOCUS = "#credits-table"
    DEFAULT_CSS = """
    CreditsScreen #credits-keys { height: 1; padding: 0 1; color: $text-muted; }
    CreditsScreen #credits-table { height: 1fr; }
    CreditsScreen #credits-detail { height: auto; max-height: 4; padding: 0 1; }
    CreditsScreen #credits-spark { height: 3; margin: 0 1; }
    """
    BINDINGS = [
        Binding("r", "refresh", "Refresh all", id="credits.refresh", show=False),
        Binding("t", "threshold", "Threshold", id="credits.threshold", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[str, service.AccountBalances] = {}
        self.asking: set[str] = set()
        self.lines: dict[str, KnownBalance] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(Text.from_markup(KEYS), id="credits-keys")
        yield DataTable[Text](id="credits-table", cursor_type="row", zebra_stripes=True)
        yield Static("", id="credits-detail")
        yield Sparkline([], id="credits-spark")

    def on_mount(self) -> None:
        table = self.query_one("#credits-table", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, key=label.lower(), width=width)
        self.show_known()
        self.action_refresh()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [
            ("Refresh every balance", "Ask every account's provider at once", self.action_refresh),
            ("Low-balance threshold", "Set it for the selected balance", self.action_threshold),
        ]

    # -- data ---------------------------------------------------------------------------------
    def show_known(self) -> None:
        accounts = list(self.session.accounts.values())
        for entry in service.known(self.session.store, accounts):
            previous = self.entries.get(entry.account)
            error = previous.error if previous is not None else None
            self.entries[entry.account] = service.AccountBalances(
                entry.account,
                entry.provider,
                entry.label,
                entry.has_endpoint,
                entry.balances,
                error,
            )
        for gone in set(self.entries) - {a.name for a in accounts}:
            del self.entries[gone]
        self.fill()

    def on_screen_resume(self) -> None:
        self.show_known()  # an account added or a send made meanwhile

    def action_refresh(self) -> None:
        self.show_known()
        self.asking = {name for name, entry in self.entries.items() if entry.has_endpoint}
        self.fill()
        self.refresh_all()

    @work(exclusive=True, group="credits-refresh")
    async def refresh_all(self) -> None:
        session = self.session
        accounts = [a for a in session.accounts.values() if a.name in self.asking]

        async def open_provider(account: Any) -> Any:
            return await session.provider(account.name)

        tasks = [
            asyncio.ensure_future(service.refresh_one(session.store, a, open_provider))
            for a in accounts
        ]
        for done in asyncio.as_completed(tasks):
            entry = await done
            self.entries[entry.account] = entry
            self.asking.discard(entry.account)
            self.fill()
        self.porte_voix.balance_changed()

    # -- display ------------------------------------------------------------------------------
    def fill(self) -> None:
        table = self.query_one("#credits-table", DataTable)
        selected = self.selected_key()
        table.clear()
        self.lines = {}
        keys: list[str] = []
        for entry in self.entries.values():
            for key, cells in account_rows(entry, entry.account in self.asking):
                table.add_row(*cells, key=key)
                keys.append(key)
            for line in entry.balances:
                self.lines[f"{line.account}|{line.channel}|{line.route}"] = line
        if selected in keys:
            table.move_cursor(row=keys.index(selected))
        table.check_idle()
        self.show_detail()

    def selected_key(self) -> str | None:
        table = self.query_one("#credits-table", DataTable)
        if table.row_count == 0:
            return None
        return str(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def selected_line(self) -> KnownBalance | None:
        key = self.selected_key()
        return None if key is None else self.lines.get(key)

    @on(DataTable.RowHighlighted, "#credits-table")
    def _highlighted(self, _event: DataTable.RowHighlighted) -> None:
        self.show_detail()

    def show_detail(self) -> None:
        """Below the table: the selected row in full, and the balance's history drawn."""
        line = self.selected_line()
        detail = self.query_one("#credits-detail", Static)
        spark = self.query_one("#credits-spark", Sparkline)
        spark.display = False
        if line is None:
            detail.update(self._row_words())
            return
        since = datetime.now(UTC) - timedelta(days=HISTORY_DAYS)
        store = self.session.store
        points = store.balance_history(line.account, line.channel, line.route, since=since)
        text = Text(
            visible(f"{line.account} · {line.name}: {line.amount} {line.unit}"), style="bold"
        )
        text.append(f", seen {line.seen_at.astimezone():%Y-%m-%d %H:%M} ({line.where})")
        extra = []
        if line.covers is not None and line.unit != "SMS" and line.unit_cost is not None:
            extra.append(f"covers about {line.covers:,} messages at {line.unit_cost:.4g} each")
        if line.threshold is not None:
            extra.append(
                f"{'LOW: below' if line.low else 'low-balance'} threshold {line.threshold}"
            )
        if line.expires:
            extra.append(visible(f"expires {line.expires}"))
        if line.overdraft:
            extra.append(f"overdraft allowed {line.overdraft}")
        if extra:
            text.append("\n" + "; ".join(extra))
        if len(points) > 1:
            amounts = [amount for _at, amount in points]
            text.append(
                f"\n{len(points)} figures since {points[0][0].astimezone():%m-%d %H:%M}: "
                f"{min(amounts)} to {max(amounts)} {visible(line.unit)}",
                style="dim",
            )
            spark.data = [float(amount) for _at, amount in points]
            spark.display = True
        else:
            text.append("\nonly one figure so far: its history draws as more come", style="dim")
        detail.update(text)

    def _row_words(self) -> Text:
        """What a row that is not a balance says, whole (its cells are cut at 80 columns)."""
        key = self.selected_key() or ""
        entry = self.entries.get(key.split("|", 1)[0])
        if entry is None:
            return Text("Select a balance to see its history.", style="dim")
        if key.endswith("|!error") and entry.error is not None:
            return Text(visible(f"{entry.account}: {entry.error.message}"), style="red")
        if key.endswith("|!note") and entry.note is not None:
            return Text(f"{visible(entry.account)}: {entry.note}.")
        if key.endswith("|!asking"):
            return Text(f"{visible(entry.account)}: asking its provider…", style="italic")
        return Text(visible(f"{entry.account}: no balance known yet."), style="dim")

    # -- thresholds ---------------------------------------------------------------------------
    def action_threshold(self) -> None:
        line = self.selected_line()
        if line is None:
            self.notify("Select a balance first.", severity="warning")
            return

        def chosen(choice: ThresholdChoice | None) -> None:
            if choice is not None:
                self.session.store.set_threshold(
                    line.account, choice.threshold, channel=choice.channel, route=choice.route
                )
                self.show_known()
                self.porte_voix.balance_changed()

        self.app.push_screen(ThresholdDialog(line), chosen)
