"""A table that holds one page: the History screen's rows stay in SQLite, a page comes to it.

Textual's DataTable takes about 20 s to lay out 100,000 rows; a page of a hundred takes a few
milliseconds. Moving past the last row asks for the next page (``PageRequested``), past the
first for the previous one, so the cursor keys scroll through a million rows, one page in the
widget at a time. Cells are ``Text`` made by the screen (outside text made visible, never
markup).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

Direction = Literal["next", "previous", "first", "last"]


class PagedTable(DataTable[Text]):
    """One page of rows; ``show()`` replaces it, the cursor on its first or last row."""

    BINDINGS = [
        Binding("home", "first_page", "First page", id="history.first", show=False),
        Binding("end", "last_page", "Last page", id="history.last", show=False),
    ]

    @dataclass
    class PageRequested(Message):
        """The cursor went past the page's edge, or Home/End asked for an end of the list."""

        table: PagedTable
        direction: Direction

        @property
        def control(self) -> PagedTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.more_before = False
        self.more_after = False

    def set_columns(self, labels: Sequence[str]) -> None:
        self.clear(columns=True)
        for label in labels:
            self.add_column(label, key=label.lower())

    def show(
        self,
        rows: Sequence[tuple[str, Sequence[Text]]],
        *,
        more_before: bool,
        more_after: bool,
        at_end: bool = False,
    ) -> None:
        """The page's rows as (key, cells); the cursor on the first row, or the last."""
        self.more_before, self.more_after = more_before, more_after
        self.clear()
        for key, cells in rows:
            self.add_row(*cells, key=key)
        if rows:
            self.move_cursor(row=len(rows) - 1 if at_end else 0, scroll=True)
        self.check_idle()  # measures the new rows (nothing else wakes the table when idle)

    def selected_key(self) -> str | None:
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def _ask(self, direction: Direction) -> None:
        self.post_message(self.PageRequested(self, direction))

    # Past the edges, the next or previous page.
    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            if self.more_after:
                self._ask("next")
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            if self.more_before:
                self._ask("previous")
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            if self.more_after:
                self._ask("next")
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            if self.more_before:
                self._ask("previous")
        else:
            super().action_page_up()

    def action_first_page(self) -> None:
        self._ask("first")

    def action_last_page(self) -> None:
        self._ask("last")
