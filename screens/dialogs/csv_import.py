"""Import recipients from a CSV file: pick the file, then the column that holds the numbers.

Column names and cells are the file's: shown as ``Text`` (never markup) with control characters
made visible, while the table returned keeps them as read. Nothing is dropped without a word: a
file ``tui.csv_import`` refuses is named with its line, and Import checks every row of the chosen
column (off the event loop) and names each row without a valid number instead of importing.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from screens.dialogs.common import DIALOG_CSS, Dialog
from tui.csv_import import CsvImportError, Table, read_table
from tui.errors import describe_text, visible

PREVIEW_ROWS = 3


class CsvImportDialog(Dialog[Table | None]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="CsvImportDialog")
        + """
    CsvImportDialog #csv-info { margin: 1 0; }
    CsvImportDialog #csv-preview { margin-top: 1; color: $text-muted; }
    """
    )

    def __init__(self) -> None:
        super().__init__()
        self.table: Table | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label("Import recipients from a CSV file", classes="dialog-title")
            yield Input(
                placeholder="path to the file, e.g. ~/clients.csv", id="csv-path", compact=True
            )
            yield Static("Enter loads the file.", id="csv-info", classes="hint")
            yield Select[str](
                [], prompt="column holding the numbers", id="csv-column", compact=True
            )
            yield Static("", id="csv-preview")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Import", id="import", variant="primary", disabled=True, compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.load(event.value)

    @work(thread=True, exclusive=True)
    def load(self, raw_path: str) -> None:
        path = Path(raw_path.strip()).expanduser()
        try:
            table = read_table(path)
        except CsvImportError as exc:
            self.app.call_from_thread(self._failed, describe_text(exc))
            return
        self.app.call_from_thread(self._loaded, table)

    def _failed(self, message: str) -> None:
        self.query_one("#csv-info", Static).update(Text(visible(message), style="red"))
        self.query_one("#import", Button).disabled = True

    def _loaded(self, table: Table) -> None:
        self.table = table
        info = self.query_one("#csv-info", Static)
        info.update(Text(visible(f"{len(table.rows)} rows, columns: {', '.join(table.columns)}")))
        select = self.query_one("#csv-column", Select)
        select.set_options([(Text(visible(name)), name) for name in table.columns])
        if table.number_column:
            select.value = table.number_column
        # One line per row: a line break inside a quoted cell would look like another row.
        preview = [
            " | ".join(visible(row.get(c, "")).replace("\n", "\\n") for c in table.columns)
            for row in table.rows[:PREVIEW_ROWS]
        ]
        self.query_one("#csv-preview", Static).update(Text("\n".join(preview)))
        self.query_one("#import", Button).disabled = not table.rows
        select.focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "import" or self.table is None:
            self.dismiss(None)
            return
        column = self.query_one("#csv-column", Select).value
        if not isinstance(column, str):
            self._failed("choose the column that holds the numbers")
            return
        self.query_one("#import", Button).disabled = True
        self.query_one("#csv-info", Static).update(
            Text(f"Checking the {len(self.table.rows):,} numbers…")
        )
        self.check(replace(self.table, number_column=column))

    @work(thread=True, exclusive=True)
    def check(self, table: Table) -> None:
        """Every row of the column must hold a valid number; else the rows are named."""
        assert table.number_column is not None
        try:
            table.recipients(table.number_column)
        except CsvImportError as exc:
            self.app.call_from_thread(self._failed, describe_text(exc))
            return
        self.app.call_from_thread(self._checked, table)

    def _checked(self, table: Table) -> None:
        if self.app.screen is self:  # not cancelled meanwhile
            self.dismiss(table)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "csv-column" and self.table is not None:
            self.query_one("#import", Button).disabled = not self.table.rows
