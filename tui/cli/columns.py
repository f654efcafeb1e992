"""Human tables of the eCampaign management commands: a header line, then aligned columns.

Each column is as wide as its widest cell among the rows shown (and its heading), capped at the
column's own limit: an E.164 number (16 characters) or an account name (up to 32) always fits.
A cell longer than its cap is never cut (an id, a number or an address is something one types
back): it pushes that one line to the right and the next lines are aligned again. The last
column is free text and is not padded. Cells are made ``visible`` and kept on one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tui.errors import visible

#: What "Paris" means in a heading: the zone every human time of these commands is shown in.
ZONE_LABEL = "Paris"


@dataclass(frozen=True)
class Column:
    heading: str
    cap: int = 32
    right: bool = False  # numbers and ids read better right-aligned


def cell(value: str | None) -> str:
    """``value`` made visible, on one line."""
    return visible(value or "").replace("\n", " ").replace("\r", " ")


def lines(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> list[str]:
    """The header line and one line a row (cells already made visible with ``cell``)."""
    widths = [
        min(max([len(column.heading), *(len(row[i]) for row in rows)]), max(column.cap, 1))
        for i, column in enumerate(columns)
    ]
    return [
        _line(columns, widths, [column.heading for column in columns]),
        *(_line(columns, widths, row) for row in rows),
    ]


def _line(columns: Sequence[Column], widths: Sequence[int], row: Sequence[str]) -> str:
    last = len(columns) - 1
    parts = []
    for i, (column, width, text) in enumerate(zip(columns, widths, row, strict=True)):
        if i == last:
            parts.append(text)
        elif column.right:
            parts.append(text.rjust(width))
        else:
            parts.append(text.ljust(width))
    return "  ".join(parts).rstrip()


def print_table(columns: Sequence[Column], rows: Sequence[Sequence[str]]) -> None:
    for line in lines(columns, rows):
        print(line)
