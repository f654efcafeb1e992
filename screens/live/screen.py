"""Live (F7): the sends of the last days, their recipients counted per state as reports arrive.

Where the states come from is said on top: the ``listen`` daemon (running or not), the console's
embedded receiver, eCampaign's getCDR poll. The screen never shares anything with whoever writes
the states: a thread worker watches the outbox (``PRAGMA data_version``, microseconds a look) on
a connection of its own, reads only the events that are new, and posts ``LiveChanged``; a burst
of reports merges into one message (``can_replace``), and only the sends those events concern
are counted again, by another worker. Enter opens one send's recipients
(``screens.live.detail``). A send whose failures pass the threshold of ``listen.toml``
(``failure_alert``, percent of its final states) raises a notification, once.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Sparkline, Static
from textual.worker import get_current_worker

from screens.base import ModeScreen
from screens.live import render
from screens.live.detail import SendDetailScreen
from screens.messages import LiveChanged, LiveRefreshed
from tui.listen.live import LiveReader, SendSummary

log = logging.getLogger(__name__)

#: Seconds between two looks at the outbox while the screen shows, and while it does not.
WATCH_EVERY = 0.25
WATCH_HIDDEN = 1.0
#: Sends listed at most (the newest of the last days).
MAX_SENDS = 200
#: A failure rate is judged once this many recipients (or all of a smaller send) are final.
MIN_SAMPLE = 10
CHART_MINUTES = 60
KEYS = "Enter: the send's recipients · ctrl+r: read again"


class LiveScreen(ModeScreen):
    MODE_TITLE = "Live"
    AUTO_FOCUS = "#live-sends"
    DEFAULT_CSS = """
    LiveScreen #live-sources { height: auto; padding: 0 1; color: $text-muted; }
    LiveScreen #live-sends { height: 1fr; }
    LiveScreen #live-legend { height: auto; padding: 0 1; color: $text-muted; }
    LiveScreen #live-chart-title { height: 1; padding: 0 1; }
    LiveScreen #live-chart { height: 2; margin: 0 1; }
    LiveScreen #live-keys { height: 1; padding: 0 1; color: $text-muted; }
    """
    BINDINGS = [
        Binding("enter", "open_send", "Recipients", id="live.open", show=False),
        Binding("ctrl+r", "reload", "Read again", id="live.reload", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.sends: dict[str, SendSummary] = {}
        self.alerted: set[str] = set()
        #: Deliveries per minute ("YYYY-MM-DDTHH:MM", UTC), for the chart.
        self.per_minute: Counter[str] = Counter()
        #: Sends to count again at the next reading, and whether one is under way.
        self._dirty: set[str] = set()
        self._initial = False
        self._reading = False

    def compose_body(self) -> ComposeResult:
        yield Static(id="live-sources")
        table: DataTable[Text] = DataTable(id="live-sends", cursor_type="row", cell_padding=0)
        yield table
        yield Static(render.legend(), id="live-legend")
        yield Static(id="live-chart-title")
        yield Sparkline([0] * CHART_MINUTES, id="live-chart")
        yield Static(KEYS, id="live-keys")

    def on_mount(self) -> None:
        super().on_mount()
        table = self.query_one("#live-sends", DataTable)
        for key, title in render.columns():
            table.add_column(title, key=key)
        self.show_sources()
        self.set_interval(5, self.show_sources)
        self.set_interval(30, self.draw_chart)
        self.request_refresh(set(), initial=True)
        self.watch_outbox()

    # -- what the screen says about the sources -------------------------------------------------
    def show_sources(self) -> None:
        listening = self.session.listening
        lines = listening.sources(self.session.demo) if listening else ["No receiver."]
        self.query_one("#live-sources", Static).update(Text("\n".join(lines)))

    # -- workers -------------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="live-watch", exit_on_error=False)
    def watch_outbox(self) -> None:
        """Look at the outbox's data_version; on a change, post what is new. A look that fails
        (the outbox busy beyond its timeout) is tried again at the next one."""
        worker = get_current_worker()
        reader = LiveReader(self.session.store.path)
        try:
            version = reader.data_version()
            last = reader.last_event_id()
            while not worker.is_cancelled:
                time.sleep(WATCH_EVERY if self._in_sight() else WATCH_HIDDEN)
                try:
                    now = reader.data_version()
                    if now == version:
                        continue
                    new = reader.new_events(last)
                except sqlite3.Error:
                    log.warning("the Live screen could not read the outbox", exc_info=True)
                    continue
                version = now
                if new:
                    last = new[-1].id
                refs = {event.reference for event in new if event.reference}
                delivered = [event.at for event in new if event.delivered]
                self.post_message(LiveChanged(refs, delivered))
        finally:
            reader.close()

    def request_refresh(self, references: set[str], *, initial: bool = False) -> None:
        """One reading at a time: what arrives meanwhile waits for the next, merged."""
        self._dirty |= references
        self._initial = self._initial or initial
        if self._reading:
            return
        self._reading = True
        dirty, self._dirty = self._dirty, set()
        initial, self._initial = self._initial, False
        self.refresh_sends(dirty, dict(self.sends), initial)

    @work(thread=True, group="live-read", exit_on_error=False)
    def refresh_sends(
        self, references: set[str], known: dict[str, SendSummary], initial: bool
    ) -> None:
        """Read the list of sends; count afresh those named, those that moved, and new ones.
        A reading that fails leaves what is shown, and those sends to read at the next one."""
        try:
            self._read_sends(references, known, initial)
        except sqlite3.Error:
            log.warning("the Live screen could not read the outbox", exc_info=True)
            self.post_message(LiveRefreshed(list(known.values()), set(), retry=references))

    def _read_sends(
        self, references: set[str], known: dict[str, SendSummary], initial: bool
    ) -> None:
        reader = LiveReader(self.session.store.path)
        try:
            since = datetime.now(UTC) - timedelta(days=self._days())
            deliveries: list[str] | None = None
            if initial:
                known = {}
                first = reader.first_event_since(datetime.now(UTC) - timedelta(minutes=60))
                deliveries = reader.deliveries_since(first)
            listed = reader.recent_sends(since, MAX_SENDS, counted=False)
            changed = set(references) | set(reader.changed_sends(list(known.values())))
            sends: list[SendSummary] = []
            recounted: set[str] = set()
            for send in listed:
                current = known.get(send.reference)
                if current is None or send.reference in changed:
                    reader.count([send])
                    recounted.add(send.reference)
                    sends.append(send)
                else:
                    sends.append(current)
            self.post_message(LiveRefreshed(sends, recounted, deliveries))
        finally:
            reader.close()

    def _in_sight(self) -> bool:
        """Whether the operator looks at this screen or at one of its sends."""
        return self.is_current or isinstance(self.app.screen, SendDetailScreen)

    def _days(self) -> int:
        listening = self.session.listening
        return listening.settings.live_days if listening else 3

    # -- messages ------------------------------------------------------------------------------
    def on_live_changed(self, message: LiveChanged) -> None:
        for at in message.deliveries:
            self.per_minute[at[:16]] += 1
        self.draw_chart()
        self.request_refresh(message.references)

    def on_live_refreshed(self, message: LiveRefreshed) -> None:
        self._reading = False
        if message.deliveries is not None:
            self.per_minute = Counter(at[:16] for at in message.deliveries)
        self._show(message.sends, message.changed)
        self.draw_chart()
        for reference in message.changed:
            self._check_failures(self.sends[reference])
        shown = self.app.screen
        if isinstance(shown, SendDetailScreen) and shown.reference in message.changed:
            shown.update_summary(self.sends[shown.reference])
        if self._dirty or self._initial:
            self.request_refresh(set())
        # What a failed reading left goes with the next change, not at once: a store that fails
        # for good must not be read in a loop.
        self._dirty |= message.retry

    def _show(self, sends: list[SendSummary], changed: set[str]) -> None:
        table = self.query_one("#live-sends", DataTable)
        order = [send.reference for send in sends]
        same_rows = order == list(self.sends)
        self.sends = {send.reference: send for send in sends}
        if same_rows:
            for reference in changed:
                cells = render.send_cells(self.sends[reference])
                for (key, _title), cell in zip(render.columns(), cells, strict=True):
                    table.update_cell(reference, key, cell)
        else:
            cursor = self._cursor_reference(table)
            table.clear()
            for send in sends:
                table.add_row(*render.send_cells(send), key=send.reference)
            if cursor in self.sends:
                table.move_cursor(row=table.get_row_index(cursor))
        empty = f"No send in the last {self._days()} days. " if not sends else ""
        self.query_one("#live-keys", Static).update(empty + KEYS)

    def draw_chart(self) -> None:
        now = datetime.now(UTC)
        minutes = [(now - timedelta(minutes=back)).isoformat()[:16] for back in range(60)]
        data = [self.per_minute.get(minute, 0) for minute in reversed(minutes)]
        oldest = minutes[-1]
        for minute in [m for m in self.per_minute if m < oldest]:
            del self.per_minute[minute]
        self.query_one("#live-chart", Sparkline).data = data
        self.query_one("#live-chart-title", Static).update(render.chart_title(data))

    def _check_failures(self, send: SendSummary) -> None:
        listening = self.session.listening
        threshold = listening.settings.failure_alert if listening else 0
        rate = send.failure_rate
        if not threshold or rate is None or send.reference in self.alerted:
            return
        if send.final < min(MIN_SAMPLE, max(send.total, 1)):
            return
        if rate * 100 >= threshold:
            self.alerted.add(send.reference)
            self.notify(
                f"{send.reference} ({send.account}): {send.counts['failed']} of {send.final} "
                f"final states are failures ({rate:.0%}, alert at {threshold}%).",
                title="Failure rate alert",
                severity="warning",
                timeout=20,
                markup=False,
            )

    # -- actions -------------------------------------------------------------------------------
    def _cursor_reference(self, table: DataTable[Text] | None = None) -> str | None:
        table = table or self.query_one("#live-sends", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return None if key.value is None else str(key.value)

    @on(DataTable.RowSelected, "#live-sends")
    def _selected(self, _event: DataTable.RowSelected) -> None:
        self.action_open_send()

    def action_open_send(self) -> None:
        reference = self._cursor_reference()
        if reference is not None:
            self.app.push_screen(SendDetailScreen(self.sends[reference]))

    def action_reload(self) -> None:
        self.show_sources()
        self.request_refresh(set(), initial=True)

    def palette_commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        return [
            (
                "Live: the send's recipients (Enter)",
                "Each recipient's state",
                self.action_open_send,
            ),
            ("Live: read again (ctrl+r)", "Read the sends again", self.action_reload),
        ]
