"""The members of a group, one page at a time: the table never holds more than a page.

Textual's DataTable takes seconds to lay out tens of thousands of rows; a group can have more.
The members stay in a ``MemberList`` and the table is refilled with one page (a hundred rows)
when the page changes. Moving past the last row asks for the next page (``PageRequested``),
past the first for the previous one, so the cursor keys scroll through the whole group.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from tui.groups.service import MemberList

PAGE_SIZE = 100


class MembersTable(DataTable[Text]):
    """A page of members; row keys are member ids."""

    @dataclass
    class PageRequested(Message):
        """The cursor went past the page's edge: ``delta`` is +1 (next) or -1 (previous)."""

        table: MembersTable
        delta: int

        @property
        def control(self) -> MembersTable:
            return self.table

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
        self.members = MemberList(())
        self.page_index = 0

    @property
    def page_count(self) -> int:
        return self.members.page_count(PAGE_SIZE)

    def show(self, members: MemberList, page: int = 0, *, at_end: bool = False) -> None:
        """Page ``page`` of ``members`` (clamped); the cursor on its first or last row."""
        self.members = members
        self.page_index = min(max(0, page), self.page_count - 1)
        self.clear(columns=True)
        for label in ("id", *members.fields):
            self.add_column(Text(label), key=label)
        rows = members.page(self.page_index, PAGE_SIZE)
        for member in rows:
            self.add_row(*(Text(cell) for cell in members.row(member)), key=member.id)
        if rows:
            self.move_cursor(row=len(rows) - 1 if at_end else 0, scroll=True)
        self.check_idle()  # measures the new rows (nothing else wakes the table when idle)

    def turn(self, delta: int) -> bool:
        """Show the next (+1) or previous (-1) page; False when there is none."""
        target = self.page_index + delta
        if not 0 <= target < self.page_count or target == self.page_index:
            return False
        self.show(self.members, target, at_end=delta < 0)
        return True

    def selected_id(self) -> str | None:
        if self.row_count == 0:
            return None
        return str(self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value)

    def bounds(self) -> tuple[int, int]:
        """The 1-based numbers of the first and last members shown."""
        first = self.page_index * PAGE_SIZE
        return (first + 1 if self.row_count else 0, first + self.row_count)

    # Past the edges, the next or previous page.
    def action_cursor_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageRequested(self, +1))
        else:
            super().action_cursor_down()

    def action_cursor_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.PageRequested(self, -1))
        else:
            super().action_cursor_up()

    def action_page_down(self) -> None:
        if self.row_count and self.cursor_row >= self.row_count - 1:
            self.post_message(self.PageRequested(self, +1))
        else:
            super().action_page_down()

    def action_page_up(self) -> None:
        if self.row_count and self.cursor_row <= 0:
            self.post_message(self.PageRequested(self, -1))
        else:
            super().action_page_up()
