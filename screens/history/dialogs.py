"""The History screen's forms: the filter, and where and how to export what is shown.

Each is a ``Dialog`` returning its answer with ``dismiss()`` (None: cancelled); a label and its
field share a line, so the whole form fits 80×24. Values are checked here and a wrong one is
named under the form, nothing dismissed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from providers.base import PROVIDER_KINDS, provider_info
from providers.errors import InputError
from screens.dialogs.common import DIALOG_CSS, Dialog
from tui.errors import describe_text, visible
from tui.outbox.history import STATUSES, HistoryFilter

T = TypeVar("T")

FORM_CSS = """
{name} .form-row {{ height: 1; }}
{name} .form-row Label {{ width: 10; color: $text-muted; }}
{name} .form-row Input, {name} .form-row Select {{ width: 1fr; }}
{name} #form-error {{ height: auto; color: $error; }}
"""


def parse_day(text: str, what: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(what, f"expects YYYY-MM-DD, got {text!r}") from None


class _Form(Dialog[T]):
    def error(self, message: str) -> None:
        self.query_one("#form-error", Static).update(Text(visible(message)))

    def row(self, label: str, field: Input | Select[str]) -> Horizontal:
        field.compact = True
        return Horizontal(Label(label), field, classes="form-row")

    def buttons(self, *labels: tuple[str, str]) -> ComposeResult:
        yield Static("", id="form-error")
        with Horizontal(classes="dialog-buttons"):
            for button_id, label in labels:
                yield Button(label, id=button_id, compact=True)
            yield Button("Cancel", id="cancel", compact=True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
            return
        try:
            self.submit(event.button.id or "")
        except InputError as exc:
            self.error(describe_text(exc))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.submit("ok")
        except InputError as exc:
            self.error(describe_text(exc))

    def submit(self, button: str) -> None:
        raise NotImplementedError


class FilterDialog(_Form[HistoryFilter]):
    """Narrow the history: account, provider, days, outcome or state, number, campaign."""

    DEFAULT_CSS = DIALOG_CSS.format(name="FilterDialog") + FORM_CSS.format(name="FilterDialog")

    def __init__(self, current: HistoryFilter, accounts: list[str]) -> None:
        super().__init__()
        self.current = current
        self.accounts = accounts

    def compose(self) -> ComposeResult:
        flt = self.current

        def choice(options: list[tuple[Text, str]], value: str | None, id: str) -> Select[str]:
            select = Select[str](options, prompt="any", id=id, allow_blank=True)
            if value:
                select.value = value
            return select

        accounts = [(Text(name), name) for name in self.accounts]
        if flt.account and flt.account not in self.accounts:
            accounts.append((Text(flt.account), flt.account))  # an account removed since
        providers = [(Text(provider_info(kind).label), kind) for kind in PROVIDER_KINDS]
        with Vertical():
            yield Label("Filter the history", classes="dialog-title")
            yield self.row("Account", choice(accounts, flt.account, "filter-account"))
            yield self.row("Provider", choice(providers, flt.provider, "filter-provider"))
            yield self.row(
                "From",
                Input(_day(flt.start), placeholder="YYYY-MM-DD (Paris)", id="filter-from"),
            )
            yield self.row(
                "To", Input(_day(flt.stop), placeholder="YYYY-MM-DD, included", id="filter-to")
            )
            statuses = [(Text(status), status) for status in STATUSES]
            yield self.row("Status", choice(statuses, flt.status, "filter-status"))
            yield self.row(
                "Number", Input(flt.number or "", placeholder="any form", id="filter-number")
            )
            yield self.row(
                "Campaign",
                Input(
                    flt.campaign or "",
                    placeholder="campaign id, provider's or our reference",
                    id="filter-campaign",
                ),
            )
            yield from self.buttons(("ok", "Apply"), ("clear", "Clear all"))

    def _value(self, selector: str) -> str | None:
        widget = self.query_one(selector)
        if isinstance(widget, Select):
            value = widget.value
            return value if isinstance(value, str) else None
        assert isinstance(widget, Input)
        return widget.value.strip() or None

    def submit(self, button: str) -> None:
        if button == "clear":
            self.dismiss(HistoryFilter())
            return
        flt = HistoryFilter(
            account=self._value("#filter-account"),
            provider=self._value("#filter-provider"),
            start=parse_day(self._value("#filter-from") or "", "from"),
            stop=parse_day(self._value("#filter-to") or "", "to"),
            status=self._value("#filter-status"),
            number=self._value("#filter-number"),
            campaign=self._value("#filter-campaign"),
        )
        self.dismiss(flt.checked())


def _day(day: date | None) -> str:
    return "" if day is None else day.isoformat()


@dataclass(frozen=True)
class ExportChoice:
    path: Path
    format: str  # csv or json


class ExportDialog(_Form[ExportChoice]):
    """Where to write what is shown, and as CSV or JSON; an existing file is never replaced."""

    DEFAULT_CSS = DIALOG_CSS.format(name="ExportDialog") + FORM_CSS.format(name="ExportDialog")

    def __init__(self, what: str, stem: str, directory: Path) -> None:
        super().__init__()
        self.what = what
        self.stem = stem
        self.directory = directory

    def compose(self) -> ComposeResult:
        name = f"{self.stem}-{datetime.now():%Y%m%d-%H%M%S}.csv"
        with Vertical():
            yield Label(Text(visible(f"Export {self.what}")), classes="dialog-title")
            formats = [("CSV", "csv"), ("JSON", "json")]
            yield self.row(
                "Format",
                Select[str](formats, value="csv", allow_blank=False, id="export-format"),
            )
            yield self.row("File", Input(str(self.directory / name), id="export-path"))
            yield Static(
                "Written from the database as it is read: any number of rows.", classes="hint"
            )
            yield from self.buttons(("ok", "Export"))

    def on_select_changed(self, event: Select.Changed) -> None:
        path = self.query_one("#export-path", Input)
        if isinstance(event.value, str) and path.value.endswith((".csv", ".json")):
            path.value = str(Path(path.value).with_suffix(f".{event.value}"))

    def submit(self, button: str) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            raise InputError("file", "give a file name")
        path = Path(raw).expanduser()
        if path.exists():
            raise InputError("file", f"{path} exists: choose another name")
        if not path.parent.is_dir():
            raise InputError("file", f"{path.parent} is not a directory")
        value = self.query_one("#export-format", Select).value
        self.dismiss(ExportChoice(path, value if isinstance(value, str) else "csv"))
