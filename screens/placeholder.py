"""Modes whose content a later version fills: they open and say what they will hold."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from screens.base import ModeScreen


class PlannedScreen(ModeScreen):
    """Shows what the mode is for; never fake data."""

    PLAN = ""

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(classes="planned"):
            yield Static(f"[b]{self.MODE_TITLE}[/b]", classes="planned-title")
            yield Static(self.PLAN, classes="planned-text")


class CreditsScreen(PlannedScreen):
    MODE_TITLE = "Credits"
    PLAN = (
        "Not available yet. This screen will show the balance or credits of every account side "
        "by side. Today: the bar at the top shows the current account's last known balance, "
        "and `porte-voix credits --account NAME` asks the provider."
    )


class HistoryScreen(PlannedScreen):
    MODE_TITLE = "History"
    PLAN = (
        "Not available yet. This screen will page through every send recorded in the outbox, "
        "with its recipients and their delivery states, and reconcile unknown outcomes with "
        "the provider's history (eCampaign CDR)."
    )
