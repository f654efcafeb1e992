"""Modal dialogs. Each returns its answer through ``dismiss()``; Escape always means "no".

What a dialog shows from its caller (titles, summary values, warnings, reasons) is plain text,
never markup, with control characters made visible: it often quotes a message, a group or a
file name that came from outside.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from providers.base import provider_info
from tui.errors import visible

if TYPE_CHECKING:
    from tui.session import Session

T = TypeVar("T")

DIALOG_CSS = """
{name} {{
    align: center middle;
}}
{name} > Vertical {{
    width: 72;
    max-width: 100%;
    height: auto;
    max-height: 100%;
    border: thick $primary;
    background: $surface;
    padding: 1 2;
    overflow-y: auto;
}}
{name} .dialog-title {{
    text-style: bold;
    margin-bottom: 1;
}}
{name} .dialog-buttons {{
    /* Docked: on a short screen the rest scrolls, the buttons stay in sight. */
    dock: bottom;
    height: auto;
    margin-top: 1;
    align-horizontal: right;
}}
{name} .dialog-buttons Button {{
    margin-left: 1;
}}
"""


class Dialog(ModalScreen[T]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)


class AccountPicker(Dialog[str | None]):
    DEFAULT_CSS = DIALOG_CSS.format(name="AccountPicker")

    def __init__(self, session: Session, current: str | None) -> None:
        super().__init__()
        self.session = session
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Choose the account", classes="dialog-title")
            options = [
                Option(_account_line(name, provider_info(a.provider).label, a.login), id=name)
                for name, a in self.session.accounts.items()
            ]
            yield OptionList(*options, id="accounts")
            yield Static("Enter chooses, Escape cancels.", classes="hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.current in self.session.accounts:
            options.highlighted = list(self.session.accounts).index(self.current)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


def _account_line(name: str, provider: str, login: str) -> Text:
    """One line per account, the name first; the login (when there is one) dimmed after."""
    line = Text(name, style="bold", no_wrap=True, overflow="ellipsis")
    line.append(f"  {provider}")
    if login:
        line.append(f"  {login}", style="dim")
    return line


class WelcomeDialog(Dialog[str | None]):
    """Shown when no account is configured."""

    DEFAULT_CSS = DIALOG_CSS.format(name="WelcomeDialog")

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Welcome to porte-voix", classes="dialog-title")
            yield Static(
                "No account is configured yet.\n\n"
                "• Open the demo: five provider sandboxes run on this machine; nothing leaves it.\n"
                "• Or add your provider account (Accounts screen, F8)."
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("Open the demo", id="demo", variant="primary", compact=True)
                yield Button("Add an account", id="add", compact=True)
                yield Button("Quit", id="quit", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id)


class ConfirmDialog(Dialog[str | None]):
    """A summary and a choice of buttons; returns the id of the button pressed.

    The safe choice has the focus, so an Enter pressed by habit never spends money.
    """

    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ConfirmDialog")
        + """
    ConfirmDialog .summary { height: auto; }
    ConfirmDialog .warning { color: $warning; margin-top: 1; }
    """
    )

    def __init__(
        self,
        title: str,
        lines: list[tuple[str, str]],
        buttons: list[tuple[str, str, str]],
        *,
        warning: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.lines = lines
        self.buttons = buttons  # (id, label, variant)
        self.warning = warning

    def compose(self) -> ComposeResult:
        # A grid, not padded text: a long value wraps under itself, not under the labels.
        summary = Table.grid(padding=(0, 2))
        summary.add_column(style="bold", no_wrap=True)
        summary.add_column(overflow="fold")
        for label, value in self.lines:
            summary.add_row(Text(label), Text(visible(value)))
        with Vertical():
            yield Label(Text(visible(self.title_text)), classes="dialog-title")
            yield Static(summary, classes="summary")
            if self.warning:
                yield Static(Text(visible(self.warning)), classes="warning")
            with Horizontal(classes="dialog-buttons"):
                for button_id, label, variant in self.buttons:
                    yield Button(label, id=button_id, variant=variant, compact=True)  # type: ignore[arg-type]
                yield Button("Cancel", id="cancel", compact=True)

    #: Focused as soon as the dialog is composed, before anything else can be: an Enter pressed
    #: by habit, however fast, never lands on Send or Dry run.
    AUTO_FOCUS = "#cancel"

    def on_mount(self) -> None:
        # Toasts draw above every screen: an earlier "Not sent" would cover the summary and
        # the buttons of the decision being made now.
        self.app.clear_notifications()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(None if event.button.id == "cancel" else event.button.id)


class PassphraseDialog(Dialog[str | None]):
    """Asks the passphrase of the encrypted file store; it is kept in memory only."""

    DEFAULT_CSS = DIALOG_CSS.format(name="PassphraseDialog")

    def __init__(self, reason: str, *, confirm: bool = False) -> None:
        super().__init__()
        self.reason = reason
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Passphrase of the encrypted file store", classes="dialog-title")
            yield Static(Text(visible(self.reason)))
            yield Input(password=True, placeholder="passphrase", id="passphrase", compact=True)
            if self.confirm:
                yield Input(password=True, placeholder="the same again", id="again", compact=True)
            yield Static("", id="passphrase-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Unlock", id="ok", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_input_submitted(self, _event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "ok":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        value = self.query_one("#passphrase", Input).value
        error = self.query_one("#passphrase-error", Static)
        if not value.strip():
            error.update("The passphrase cannot be blank.")
            return
        if self.confirm and value != self.query_one("#again", Input).value:
            error.update("The two passphrases differ.")
            return
        self.dismiss(value)
