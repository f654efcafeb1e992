"""An opt-out file read for ``optout import``: every line a number added, a repeat, or a
rejection with its line and reason; nothing dropped without a word.

The file is read by ``tui.csv_import`` (one number a line, or a CSV whose header names the
number column; its limits and refusals). One rule is stricter here: the first line is a header
only when none of its cells is a number (``tui.csv_import``'s rule) *and* it names a number
column (``mobile``, ``numéro``…) or holds no digit at all. A first line such as ``O6 12 34 56 78``
(a letter O typed for a zero) or ``Martin;06 12 34`` is no header: it is row 1, validated and
reported like every other row, never silently skipped. A number given twice (in any form) is
added once and counted as a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from providers.errors import InputError
from providers.phone import parse_recipient
from tui.csv_import import NUMBER_COLUMNS, CsvImportError, Rows, Table, read_table
from tui.errors import visible

_DELIMITERS = (";", "\t", ",")


@dataclass
class OptOutFile:
    """What a file holds: valid numbers (E.164, first occurrence only, in the file's order),
    repeats, and rejected rows ({"line", "value", "reason"})."""

    numbers: list[str] = field(default_factory=list)
    duplicate: int = 0
    rejected: list[dict[str, object]] = field(default_factory=list)


def read_optout_file(path: Path) -> OptOutFile:
    """``path`` read and every row validated; ``CsvImportError`` when the file cannot be read
    or has no number column."""
    table = read_table(path)
    cells = _number_cells(path, table)
    found = OptOutFile()
    seen: set[str] = set()
    for line, value in cells:
        if not value.strip():
            found.rejected.append({"line": line, "value": visible(value), "reason": "no number"})
            continue
        try:
            number = str(parse_recipient(value))
        except InputError as exc:
            found.rejected.append({"line": line, "value": visible(value), "reason": exc.message})
            continue
        if number in seen:
            found.duplicate += 1
        else:
            seen.add(number)
            found.numbers.append(number)
    return found


def _number_cells(path: Path, table: Table) -> list[tuple[int, str]]:
    """(line, cell of the number column) for every row, the first line included when it was
    read as a header but is none (see the module's rule)."""
    lines = [
        table.rows.line(i) if isinstance(table.rows, Rows) else i + 1
        for i in range(len(table.rows))
    ]
    first = _first_line(path)
    dropped = first is not None and (not lines or lines[0] != first[0])
    one_column = first is not None and not any(sep in first[1] for sep in _DELIMITERS)
    header = ((first[1],) if one_column else table.columns) if first is not None else ()
    column = table.number_column
    if not dropped or first is None or _is_a_header(header):
        if column is None:
            raise CsvImportError(
                f"{path}: no number column in the header {list(table.columns)!r} "
                f"(expected one of: {', '.join(NUMBER_COLUMNS)})"
            )
        return list(zip(lines, (row.get(column, "") for row in table.rows), strict=True))
    # The first line is row 1. Without a header, the number column is the one whose cell
    # reads as a number on the first data row (``tui.csv_import``'s choice).
    if one_column:
        return [
            (first[0], first[1]),
            *zip(lines, (row.get(column or "", "") for row in table.rows), strict=True),
        ]
    if column is None:
        raise CsvImportError(
            f"{path}: line {first[0]} ({visible(first[1])!r}) is not a header (it holds digits) "
            "and no column of the next row is a valid number: add a header naming the number "
            f"column ({', '.join(NUMBER_COLUMNS[:3])}...)"
        )
    # The header's cells are the first row's: the number column's name is its number.
    values = (row.get(column, "") for row in table.rows)
    return [(first[0], column), *zip(lines, values, strict=True)]


def _is_a_header(cells: tuple[str, ...]) -> bool:
    """A header names the number column, or holds no digit (names, not data)."""
    if any(cell.strip().lower() in NUMBER_COLUMNS for cell in cells):
        return True
    return not any(char.isdigit() for cell in cells for char in cell)


def _first_line(path: Path) -> tuple[int, str] | None:
    """The first line with something in it, and its number, counted as ``tui.csv_import``
    counts (a lone carriage return ends a line too). Called once ``read_table`` accepted the
    file: a regular UTF-8 file within the limits, of which only the start is read."""
    with path.open(encoding="utf-8-sig") as lines:
        for number, line in enumerate(lines, start=1):
            if line.strip():
                return number, line.strip()
    return None
