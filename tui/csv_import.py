"""Recipients from a file: plain numbers (one per line) or a CSV whose columns feed placeholders."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

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


def parse_table(content: str) -> Table:
    lines = content.splitlines()
    first = lines[0] if lines else ""
    if not any(ch.isalpha() for ch in first):
        # No header: a plain list of numbers.
        rows = tuple({"number": line.strip()} for line in lines if line.strip())
        return Table(("number",), rows, "number")
    delimiter = next((sep for sep in (";", "\t", ",") if sep in first), ",")
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader)]
    if len(set(header)) != len(header) or any(not name for name in header):
        raise CsvImportError("the CSV header has empty or repeated column names")
    rows = tuple(
        {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
        for row in reader
        if any(cell.strip() for cell in row)
    )
    number_column = next((name for name in header if name.lower() in NUMBER_COLUMNS), None)
    return Table(tuple(header), rows, number_column)
