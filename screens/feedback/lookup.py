"""The Number look-up tab: what the mobile network (HLR) knows about a number: the look-up's
status, the number's state, its operator, whether it was ported, its country, each code with
its meaning (``tui.feedback.hlr_rows``). A look-up is a paid request: it runs on Enter only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static

from providers.base import Capability
from screens.templates.messages import NumberLookedUp
from screens.templates.pane import AccountPane
from tui import feedback

HELP = "Enter looks the number up (French by default, or +country): state, operator, porting."


class LookupPane(AccountPane):
    CAPABILITY = Capability.HLR
    WHAT = "number look-up"
    DEFAULT_CSS = """
    LookupPane #lookup-result { height: 1fr; padding: 0 1; }
    LookupPane .pane-row Button { margin-left: 1; }
    """

    def compose(self) -> ComposeResult:
        with Horizontal(classes="pane-row"):
            yield Input(placeholder="number to look up, e.g. 06 12 34 56 78", id="lookup-number")
            yield Button("Look up", id="lookup", variant="primary")
        yield Static(HELP, classes="pane-keys")
        with VerticalScroll(id="lookup-result"):
            yield Static("", id="lookup-rows")
        yield Static("", classes="pane-status")

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [("Look the number up (Enter)", "Ask the network (HLR)", self.look_up)]

    def activate(self) -> None:
        # Nothing to load: a look-up waits for a number. Say why it cannot run, if it cannot.
        if self.account is None or not self.supported():
            super().activate()
        else:
            self.status("")

    def clear(self) -> None:
        self.query_one("#lookup-rows", Static).update("")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "lookup-number":
            self.look_up()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "lookup":
            self.look_up()

    def look_up(self) -> None:
        number = self.query_one("#lookup-number", Input).value.strip()
        if self.account is None or not self.supported():
            self.activate()
            return
        if not number:
            self.status("Type a number first.", "red")
            return
        self.status(f"Looking {number} up…")
        self.clear()
        self.run_lookup(self.account, number)

    @work(exclusive=True, group="lookup")
    async def run_lookup(self, account: str, number: str) -> None:
        try:
            lookup = feedback.number_lookup(await self.provider(), account)
            result = await lookup.hlr_lookup(number)
        except Exception as exc:  # a worker's exception would close the console
            self.failed(account, f"{number} not looked up", exc)
            return
        self.post_message(NumberLookedUp(account, result))

    def on_number_looked_up(self, event: NumberLookedUp) -> None:
        if not self.mine(event.account):
            return
        rows = Table.grid(padding=(0, 2))
        rows.add_column(style="bold", no_wrap=True)
        rows.add_column(overflow="fold")
        for label, value in feedback.hlr_rows(event.result):
            rows.add_row(Text(label), Text(value))
        self.query_one("#lookup-rows", Static).update(rows)
        valid = event.result.error_code in (None, "", "0")
        self.status(
            "The network knows this number." if valid else "The network reports a problem.",
            "green" if valid else "yellow",
        )
