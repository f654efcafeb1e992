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
