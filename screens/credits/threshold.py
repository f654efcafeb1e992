"""The low-balance threshold of one balance, of its channel, or of the whole account."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from screens.dialogs.common import DIALOG_CSS, Dialog
from tui.errors import visible
from tui.outbox.balances import KnownBalance


@dataclass(frozen=True)
class ThresholdChoice:
    threshold: Decimal | None  # None: remove it
    channel: str
    route: str


class ThresholdDialog(Dialog[ThresholdChoice]):
    """Returns the threshold and where it applies; an empty value removes it."""

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ThresholdDialog")
        + """
    ThresholdDialog .form-row { height: 1; margin-bottom: 1; }
    ThresholdDialog .form-row Label { width: 12; color: $text-muted; }
    ThresholdDialog .form-row Input, ThresholdDialog .form-row Select { width: 1fr; }
    ThresholdDialog #threshold-error { height: auto; color: $error; }
    """
    )
    AUTO_FOCUS = "#threshold-value"

    def __init__(self, line: KnownBalance) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        line = self.line
        scopes = [(Text(visible(f"this balance ({line.name})")), "line")]
        if line.route:
            scopes.append((Text(f"every {line.channel or 'other'} balance"), "channel"))
        scopes.append((Text("the whole account"), "account"))
        value = Input(
            "" if line.threshold is None else str(line.threshold),
            placeholder=f"in {line.unit}; empty: no threshold",
            id="threshold-value",
            compact=True,
        )
        scope = Select[str](scopes, value="line", allow_blank=False, id="threshold-scope")
        scope.compact = True
        with Vertical():
            yield Label(
                Text(visible(f"Low-balance threshold: {line.account} · {line.name}")),
                classes="dialog-title",
            )
            yield Static(
                Text(
                    visible(
                        f"Now {line.amount} {line.unit}. Below the threshold, the header says LOW "
                        "and a send that would go past it asks first."
                    )
                )
            )
            yield Horizontal(Label("Threshold"), value, classes="form-row")
            yield Horizontal(Label("Applies to"), scope, classes="form-row")
            yield Static("", id="threshold-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        raw = self.query_one("#threshold-value", Input).value.strip().replace(",", ".")
        threshold: Decimal | None = None
        if raw:
            try:
                threshold = Decimal(raw)
            except InvalidOperation:
                threshold = None
            if threshold is None or not threshold.is_finite() or threshold < 0:
                self.query_one("#threshold-error", Static).update(
                    Text(visible(f"{raw!r} is not an amount (e.g. 100 or 12.50)"))
                )
                return
        scope = self.query_one("#threshold-scope", Select).value
        channel, route = self.line.channel, self.line.route
        if scope == "channel":
            route = ""
        elif scope == "account":
            channel = route = ""
        self.dismiss(ThresholdChoice(threshold, channel, route))
