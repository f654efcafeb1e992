"""Recipients from a file: plain numbers (one per line) or a CSV whose columns feed placeholders.

Nothing is dropped without a word: every row of the file becomes a row of the table, or the file
is refused (``CsvImportError``) naming the line and the reason — a quote never closed, a quote
that swallows the lines after it, a row with more cells than the header names. A row with no
number, or an invalid one, is named by ``Table.values`` / ``Table.recipients``, once the number
column is known. Blank lines carry nothing and are skipped.

Limits, refused before anything is sent: a regular file only (a FIFO would wait for a writer
for ever, ``/dev/zero`` never ends), at most ``MAX_FILE_BYTES`` and ``MAX_ROWS`` rows, no line
over ``MAX_LINE`` characters. The file is read a line at a time, and rows are kept as tuples
(a row's dict is built when it is read), so memory follows the cells, not Python's dicts;
``open_table`` keeps none at all (``porte-voix send --to-file`` reads a million rows so).
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, overload

from tui.csv_lines import (
    LIMITS,
    MAX_FILE_BYTES,
    MAX_LINE,
    MAX_ROWS,
    CsvImportError,
    StrictRows,
    open_lines,
    text_lines,
)

if TYPE_CHECKING:
    from providers.phone import RecipientList

__all__ = [
    "LIMITS",
    "MAX_FILE_BYTES",
    "MAX_LINE",
    "MAX_ROWS",
    "NUMBER_COLUMNS",
    "SHOWN_PROBLEMS",
    "CsvImportError",
    "RowStream",
    "Rows",
    "Table",
    "open_table",
    "parse_lines",
    "parse_table",
    "read_table",
    "stream_lines",
]

#: How many problems a refusal lists before "and N more".
SHOWN_PROBLEMS = 10
NUMBER_COLUMNS = (
    "number", "numero", "numéro", "phone", "telephone", "téléphone", "tel", "mobile", "gsm",
    "portable", "msisdn",
)  # fmt: skip
_DELIMITERS = (";", "\t", ",")


def _listing(problems: Sequence[str], what: str) -> str:
    shown = "; ".join(problems[:SHOWN_PROBLEMS])
    more = len(problems) - SHOWN_PROBLEMS
    return f"{len(problems)} {what}: {shown}" + (f" (and {more} more)" if more > 0 else "")


class Rows(Sequence[dict[str, str]]):
    """A table's rows as tuples of cells, with the line each one starts on."""

    def __init__(
        self, columns: tuple[str, ...], cells: list[tuple[str, ...]], lines: list[int]
    ) -> None:
        self.columns = columns
        self._cells = cells
        self._lines = lines

    def __len__(self) -> int:
        return len(self._cells)

    @overload
    def __getitem__(self, index: int) -> dict[str, str]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, str]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, str] | list[dict[str, str]]:
        if isinstance(index, slice):
            return [self._row(cells) for cells in self._cells[index]]
        return self._row(self._cells[index])

    def __iter__(self) -> Iterator[dict[str, str]]:
        return map(self._row, self._cells)

    def _row(self, cells: tuple[str, ...]) -> dict[str, str]:
        return {name: (cells[i] if i < len(cells) else "") for i, name in enumerate(self.columns)}

    def column(self, name: str) -> list[str]:
        i = self.columns.index(name)
        return [cells[i] if i < len(cells) else "" for cells in self._cells]

    def line(self, index: int) -> int:
        return self._lines[index]


@dataclass(frozen=True)
class Table:
    """A file read as rows of named columns (a plain list of numbers has one column)."""

    columns: tuple[str, ...]
    rows: Sequence[dict[str, str]] = ()
    number_column: str | None = None  # the detected number column, if any

    def where(self, index: int) -> str:
        """``line 12`` for a row read from a file, ``row 3`` otherwise."""
        if isinstance(self.rows, Rows):
            return f"line {self.rows.line(index)}"
        return f"row {index + 1}"

    def values(self, column: str) -> list[str]:
        """Every row's cell in ``column``, in the file's order, none left out: a row whose cell
        is empty is refused with its line (``CsvImportError``)."""
        if isinstance(self.rows, Rows) and column in self.rows.columns:
            values = self.rows.column(column)
        else:
            values = [row.get(column, "") for row in self.rows]
        empty = [self.where(i) for i, value in enumerate(values) if not value.strip()]
        if empty:
            raise CsvImportError(_listing(empty, f"row(s) with nothing in the column {column!r}"))
        return values

    def recipients(self, column: str, *, channel: str | None = None) -> RecipientList:
        """``column`` read as phone numbers (``providers.phone.parse_recipients``: E.164,
        duplicates counted), every row without a valid number refused with its line."""
        from providers.phone import parse_recipients

        values = self.values(column)
        parsed = parse_recipients(values, channel=channel)
        if parsed.invalid:
            reasons = {bad.raw: bad.reason for bad in parsed.invalid}
            problems = [
                f"{self.where(i)}: {reasons[value.strip()]}"
                for i, value in enumerate(values)
                if value.strip() in reasons
            ]
            raise CsvImportError(_listing(problems, f"invalid number(s) in the column {column!r}"))
        return parsed


# --------------------------------------------------------------------------- reading a file


def read_table(path: Path) -> Table:
    """The file at ``path``, refused (``CsvImportError``) beyond the limits or when broken."""
    with open_table(path) as stream:
        return stream.table()


@contextlib.contextmanager
def open_table(path: Path) -> Iterator[RowStream]:
    """The file at ``path`` read as it goes (``RowStream``): its header at once, its rows one at
    a time, none kept. The same limits and refusals as ``read_table``, raised as the rows are
    read (rows wider than the header: after the last one)."""
    with open_lines(path) as lines:
        yield stream_lines(lines)


def parse_table(content: str) -> Table:
    """``content`` read as a recipients file (``read_table`` without the file)."""
    return parse_lines(text_lines(content))


def _looks_like_a_number(cell: str) -> bool:
    from providers.errors import InputError
    from providers.phone import normalise

    try:
        normalise(cell)
    except InputError:
        return False
    return True


def parse_lines(lines: Iterable[str]) -> Table:
    """Rows of named columns. The first non-blank line is a header only when none of its cells
    is a phone number: "Anne;0611223344" is a recipient, not a header to drop."""
    return stream_lines(lines).table()


@dataclass
class RowStream:
    """A recipients file read as it goes: what its header says, then ``rows``, (line, cells)
    one at a time. Reading the rows raises ``CsvImportError`` where the file turns out broken
    or beyond the limits; rows wider than the header are all named after the last row."""

    columns: tuple[str, ...]  # a file without header: "column 1"... as wide as its first row
    number_column: str | None
    rows: Iterator[tuple[int, tuple[str, ...]]]
    headerless: bool = False

    def cells(self, column: str) -> Iterator[tuple[int, str]]:
        """(line, the row's cell in ``column``, "" when the row is shorter) for every row."""
        i = self.columns.index(column)
        return ((line, cells[i] if i < len(cells) else "") for line, cells in self.rows)

    def table(self) -> Table:
        cells: list[tuple[str, ...]] = []
        lines: list[int] = []
        for line, row in self.rows:
            cells.append(row)
            lines.append(line)
        columns = self.columns
        if self.headerless and cells:
            columns = tuple(f"column {i + 1}" for i in range(max(len(row) for row in cells)))
        return Table(columns, Rows(columns, cells, lines), self.number_column)


def stream_lines(lines: Iterable[str]) -> RowStream:
    """``parse_lines`` as it goes: the header is read now, the rows when they are asked for."""
    numbered = enumerate(lines, start=1)
    found = next(((number, line) for number, line in numbered if line.strip()), None)
    if found is None:
        return RowStream(("number",), "number", iter(()))
    number, first = found
    delimiter = next((sep for sep in _DELIMITERS if sep in first), None)
    if delimiter is None:
        return RowStream(("number",), "number", _one_column(number, first, numbered))
    return _csv(number, first, numbered, delimiter)


def _over_the_limit(count: int) -> None:
    if count >= MAX_ROWS:
        raise CsvImportError(f"more than {MAX_ROWS:,} rows: the limit is {LIMITS}")


def _one_column(
    number: int, first: str, numbered: Iterator[tuple[int, str]]
) -> Iterator[tuple[int, tuple[str, ...]]]:
    count = 0
    if not (any(ch.isalpha() for ch in first) and not _looks_like_a_number(first.strip())):
        count += 1
        yield number, (first.strip(),)  # else a header such as "mobile"
    for number, line in numbered:
        if line.strip():
            _over_the_limit(count)
            count += 1
            yield number, (line.strip(),)


def _csv(
    first_line: int, first: str, numbered: Iterator[tuple[int, str]], delimiter: str
) -> RowStream:
    rows_read = StrictRows(first_line, first, numbered, delimiter).rows()
    header_line, header_cells = next(rows_read, (first_line, [""]))
    header = [cell.strip() for cell in header_cells]
    has_header = not any(_looks_like_a_number(cell) for cell in header if cell)
    if not has_header:
        # No header: the columns are named, the first line is a recipient.
        head: tuple[int, list[str]] | None = (header_line, header_cells)
        columns = tuple(f"column {i + 1}" for i in range(len(header)))
    else:
        if len(set(header)) != len(header) or any(not name for name in header):
            raise CsvImportError("the CSV header has empty or repeated column names")
        head = next(rows_read, None)
        columns = tuple(header)
    rows = _csv_rows(head, rows_read, len(header) if has_header else None)
    number_column = next((name for name in columns if name.lower() in NUMBER_COLUMNS), None)
    if number_column is None and head is not None:
        first_row = [cell.strip() for cell in head[1]]
        number_column = next(
            (
                name
                for i, name in enumerate(columns)
                if i < len(first_row) and _looks_like_a_number(first_row[i])
            ),
            None,
        )
    return RowStream(columns, number_column, rows, headerless=not has_header)


def _csv_rows(
    head: tuple[int, list[str]] | None,
    rows_read: Iterator[tuple[int, list[str]]],
    width: int | None,
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """The data rows; ``width``: the header's, when there is one."""
    if head is None:
        return
    too_wide: list[str] = []
    for count, (line, row) in enumerate(itertools.chain([head], rows_read)):
        _over_the_limit(count)
        if width is not None and len(row) > width and any(cell.strip() for cell in row[width:]):
            too_wide.append(f"line {line}: {len(row)} cells, the header names {width}")
        yield line, tuple(cell.strip() for cell in row)
    if too_wide:
        raise CsvImportError(_listing(too_wide, "row(s) with more cells than the header"))
