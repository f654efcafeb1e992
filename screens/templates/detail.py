"""A template's details, and the way to everything that can be done with it.

The dialog only shows and returns the action chosen (``use``, ``edit``, ``recordings``,
``delete``); the Templates tab does it. Every value is the provider's, shown as text with its
control characters made visible (``tui.templates.detail_rows``). The details scroll, the
buttons stay: at 80×24 a long e-mail body never pushes them off the screen.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Label, Static

from providers.models import Template
from screens.dialogs.common import DIALOG_CSS, Dialog
from tui import templates as tpl

#: What "Use this template" does per type; e-mail templates have no composer.
USE_HINT = {
    "sms": "Use opens Compose SMS with this template.",
    "voice": "Use opens Compose voice with this template.",
    "mail": "Compose sends SMS and voice messages: an e-mail template is used from eCampaign.",
}


class TemplateDetail(Dialog[str | None]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="TemplateDetail")
        + """
    TemplateDetail > Vertical { width: 90; padding: 0 1; }
    TemplateDetail .dialog-title { margin-bottom: 0; }
    TemplateDetail #detail-body { height: auto; max-height: 100vh; }
    TemplateDetail #detail-rows { height: auto; }
    TemplateDetail .hint { height: auto; }
    TemplateDetail .dialog-buttons { margin-top: 0; height: 1; }
    TemplateDetail .dialog-buttons Button { min-width: 0; }
    """
    )
    BINDINGS = [
        Binding("u", "choose('use')", "Use", id="template.use"),
        Binding("e", "choose('edit')", "Edit", id="template.edit"),
        Binding("r", "choose('recordings')", "Recordings", id="template.recordings"),
        Binding("delete", "choose('delete')", "Delete", id="template.delete", key_display="Del"),
    ]

    def __init__(self, template: Template) -> None:
        super().__init__()
        self.template = template

    def compose(self) -> ComposeResult:
        template = self.template
        rows = Table.grid(padding=(0, 2))
        rows.add_column(style="bold", no_wrap=True)
        rows.add_column(overflow="fold")
        for label, value in tpl.detail_rows(template):
            rows.add_row(Text(label), Text(value))
        voice = template.type == "voice"
        with Vertical():
            yield Label(Text(f"Template {tpl.summary(template)}"), classes="dialog-title")
            with VerticalScroll(id="detail-body"):
                yield Static(rows, id="detail-rows")
                hint = USE_HINT.get(template.type, "")
                if voice:
                    hint += " Recordings pushes or downloads its MP3 files."
                yield Static(hint, classes="hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    "Use (u)", id="use", variant="primary", disabled=template.type == "mail"
                )
                yield Button("Edit (e)", id="edit")
                if voice:
                    yield Button("Recordings (r)", id="recordings")
                yield Button("Delete (Del)", id="delete", variant="error")
                yield Button("Close", id="cancel")

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.compact = True
        self.query_one("#cancel", Button).focus()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        names = {
            "use": "Use this template in Compose",
            "edit": "Edit this template",
            "recordings": "Voice recordings of this template",
            "delete": "Delete this template",
        }
        return [
            (title, tpl.summary(self.template), partial(self.action_choose, action))
            for action, title in names.items()
            if self.check_action("choose", (action,))
        ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "choose" and parameters:
            if parameters[0] == "recordings" and self.template.type != "voice":
                return None
            if parameters[0] == "use" and self.template.type == "mail":
                return None
        return True

    def action_choose(self, action: str) -> None:
        self.dismiss(action)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)
