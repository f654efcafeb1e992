"""Recipients from a file: plain numbers (one per line) or a CSV whose columns feed placeholders."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from providers.errors import InputError
from providers.phone import normalise

MAX_FILE_BYTES = 20 * 1024 * 1024
NUMBER_COLUMNS = (
    "number", "numero", "numéro", "phone", "telephone", "téléphone", "tel", "mobile", "gsm",
    "portable", "msisdn",
)  # fmt: skip


class CsvImportError(ValueError):
    pass


@dataclass(frozen=True)
class Table:
    """A file read as rows of named columns (a plain list of numbers has one column)."""

    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...] = field(default_factory=tuple)
    number_column: str | None = None  # the detected number column, if any

    def values(self, column: str) -> list[str]:
        return [row.get(column, "") for row in self.rows if row.get(column, "").strip()]


def read_table(path: Path) -> Table:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CsvImportError(f"{path} is larger than 20 MB")
        content = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CsvImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise CsvImportError(f"{path} is not UTF-8 text") from None
    return parse_table(content)


def _looks_like_a_number(cell: str) -> bool:
    try:
        normalise(cell)
    except InputError:
        return False
    return True


def parse_table(content: str) -> Table:
    """Rows of named columns. The first non-blank line is a header only when none of its cells
    is a phone number: "Anne;0611223344" is a recipient, not a header to drop."""
    lines = [line for line in content.splitlines() if line.strip()]
    if not lines:
        return Table(("number",), (), "number")
    first = lines[0]
    delimiter = next((sep for sep in (";", "\t", ",") if sep in first), None)
    if delimiter is None:
        if any(ch.isalpha() for ch in first) and not _looks_like_a_number(first):
            lines = lines[1:]  # a one-column file with a header such as "mobile"
        return Table(("number",), tuple({"number": line.strip()} for line in lines), "number")
    try:
        rows_in = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    except csv.Error as exc:
        raise CsvImportError(f"this is not a readable CSV file: {exc}") from None
    header = [cell.strip() for cell in rows_in[0]]
    if any(_looks_like_a_number(cell) for cell in header if cell):
        # No header: name the columns, and find the one that holds numbers.
        header = [f"column {i + 1}" for i in range(max(len(row) for row in rows_in))]
        body = rows_in
    else:
        body = rows_in[1:]
    if len(set(header)) != len(header) or any(not name for name in header):
        raise CsvImportError("the CSV header has empty or repeated column names")
    rows = tuple(
        {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        for row in body
        if any(cell.strip() for cell in row)
    )
    number_column = next((name for name in header if name.lower() in NUMBER_COLUMNS), None)
    if number_column is None:
        number_column = next(
            (name for name in header if rows and _looks_like_a_number(rows[0].get(name, ""))),
            None,
        )
    return Table(tuple(header), rows, number_column)
