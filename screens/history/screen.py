"""History (F6): every send from porte-voix, and eCampaign's own history (getCDR), each in its
tab (keys 1 and 2 from a table, ctrl+PgUp/PgDn from anywhere).

Both tabs keep their rows in SQLite and show a page at a time, so they stay fluid at a million
rows (``screens.history.local``, ``screens.history.cdr``). The palette lists every action of
the tab shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import TabbedContent, TabPane

from screens.base import ModeScreen
from screens.history.cdr import CdrHistory
from screens.history.local import LocalHistory
from tui.outbox.history import HistoryFilter

TABS = (("tab-sent", "1 Sent from here"), ("tab-cdr", "2 eCampaign history (getCDR)"))


class HistoryScreen(ModeScreen):
    MODE_TITLE = "History"
    AUTO_FOCUS = "#history-table"
    DEFAULT_CSS = """
    HistoryScreen #history-tabs { height: 1fr; }
    HistoryScreen TabPane { padding: 0; }
    """
    BINDINGS = [
        Binding("1", "show_tab('tab-sent')", "Sent from here", id="history.tab-sent", show=False),
        Binding("2", "show_tab('tab-cdr')", "eCampaign history", id="history.tab-cdr", show=False),
        Binding(
            "ctrl+pagedown",
            "next_tab",
            "Next tab",
            id="history.next-tab",
            show=False,
            priority=True,
        ),
        Binding(
            "ctrl+pageup",
            "next_tab",
            "Other tab",
            id="history.other-tab",
            show=False,
            priority=True,
        ),
    ]

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="history-tabs"):
            with TabPane(TABS[0][1], id=TABS[0][0]):
                yield LocalHistory(id="history-local")
            with TabPane(TABS[1][1], id=TABS[1][0]):
                yield CdrHistory(id="history-cdr")

    def on_screen_resume(self) -> None:
        self.query_one(CdrHistory).fill_accounts()
        local = self.query_one(LocalHistory)
        if local.page is not None:
            local.reload()  # sends made meanwhile

    @property
    def local(self) -> LocalHistory:
        return self.query_one(LocalHistory)

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab
        self.query_one("#history-table" if tab == "tab-sent" else "#cdr-table").focus()

    def action_next_tab(self) -> None:
        active = self.query_one(TabbedContent).active
        self.action_show_tab("tab-cdr" if active == "tab-sent" else "tab-sent")

    def show_send(self, reference: str) -> None:
        """The history of one send (others may open it on a send)."""
        self.action_show_tab("tab-sent")
        self.local.set_filter(HistoryFilter(campaign=reference))

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        local, cdr = self.local, self.query_one(CdrHistory)
        if self.query_one(TabbedContent).active == "tab-cdr":
            return [
                ("Read eCampaign history", "getCDR for the days in the form", cdr.action_read),
                ("Back to the listing", "From a campaign's messages", cdr.action_back),
                ("Export getCDR rows", "Every row read, to CSV or JSON", cdr.action_export),
                (
                    "Sent from here",
                    "The local history tab",
                    lambda: self.action_show_tab("tab-sent"),
                ),
            ]
        return [
            ("Send detail", "The selected send and its reports", local.action_detail),
            ("Filter the history", "Account, provider, days, status...", local.action_filter),
            ("Sort the history", "Newest, oldest, account, provider, number", local.action_sort),
            ("Export the history", "What is shown, to CSV or JSON", local.action_export),
            (
                "Resend to the undelivered",
                "A new Compose with the send's undelivered numbers",
                local.action_resend,
            ),
            ("eCampaign history", "getCDR in its tab", lambda: self.action_show_tab("tab-cdr")),
        ]
