"""Members from a CSV file: read it, map its columns to the group's fields, check every row.

The first line names the columns. A column named like a field (ignoring case) feeds it unless the
operator maps it elsewhere; other columns are left out. Every row is checked and normalised
before anything is sent (``plan_import``): a row is either ready, with its values in the
provider's form, or rejected with its line number and the reason. Within the file, a value
repeated in an anti-duplicate field is rejected at its second appearance, as the platform would.
Line numbers are the file's own (the header is line 1), so the operator can find the row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from providers.errors import InputError
from providers.models import Group, MemberValue
from tui.csv_lines import CsvImportError, open_lines, strict_rows, text_lines
from tui.errors import visible
from tui.groups.values import field_named, member_value

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
#: A mapping target that leaves the column out.
SKIP = "-"


@dataclass(frozen=True)
class SourceRow:
    line: int
    cells: Mapping[str, str]


@dataclass(frozen=True)
class CsvFile:
    columns: tuple[str, ...]
    rows: tuple[SourceRow, ...] = ()


@dataclass(frozen=True)
class ReadyRow:
    line: int
    values: tuple[MemberValue, ...]


@dataclass(frozen=True)
class Rejected:
    line: int
    reason: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "reason": self.reason}


@dataclass
class ImportPlan:
    """What an import will send, and what it already refused."""

    mapping: dict[str, str]  # column -> field
    ready: list[ReadyRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    unmapped: tuple[str, ...] = ()

    @property
    def rows(self) -> int:
        return len(self.ready) + len(self.rejected)


def read_csv(path: Path) -> CsvFile:
    """The member file at ``path``: a regular file within the limits, read as strictly as a
    recipients file (``tui.csv_lines``), refused (``CsvImportError``) naming the line."""
    with open_lines(path) as lines:
        first, size = "", 0
        read: list[str] = []
        for line in lines:
            read.append(line)
            size += len(line)
            if size > MAX_FILE_BYTES:
                raise CsvImportError(f"{path} is larger than {MAX_FILE_BYTES // 2**20} MB")
            if not first and line.strip():
                first = line
        return _parse(read, first)


def parse_csv(content: str) -> CsvFile:
    """Columns from the first line (``;``, tab or ``,`` separated), then the rows with the
    number of the line each starts on; blank lines are skipped. A quote never closed, one that
    swallows the rows after it, or a row with more cells than the header names is refused
    naming its line: no row is imported half-read."""
    lines = text_lines(content)
    return _parse(lines, next((line for line in lines if line.strip()), ""))


def _parse(lines: list[str], first: str) -> CsvFile:
    if not first:
        raise CsvImportError("the file is empty")
    delimiter = next((sep for sep in (";", "\t", ",") if sep in first), ",")
    header: list[str] | None = None
    rows: list[SourceRow] = []
    too_wide: list[int] = []
    for start, record in strict_rows(lines, delimiter):
        if header is None:
            header = [cell.strip() for cell in record]
            _check_header(header)
            continue
        if len(rows) >= MAX_ROWS:
            raise CsvImportError(f"more than {MAX_ROWS:,} rows: split the file")
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header) :]):
            too_wide.append(start)  # a cell with no column would be lost without a word
        cells = {
            name: (record[i].strip() if i < len(record) else "") for i, name in enumerate(header)
        }
        rows.append(SourceRow(start, cells))
    if too_wide:
        shown = ", ".join(map(str, too_wide[:10])) + (" …" if len(too_wide) > 10 else "")
        raise CsvImportError(
            f"{len(too_wide)} row(s) have more cells than the first line names columns "
            f"(line(s) {shown}): name every column, or remove the extra cells"
        )
    assert header is not None
    return CsvFile(tuple(header), tuple(rows))


def _check_header(header: list[str]) -> None:
    if any(not name for name in header):
        raise CsvImportError("the first line must name every column (one is empty)")
    folded = [name.casefold() for name in header]
    repeated = sorted({name for name in header if folded.count(name.casefold()) > 1})
    if repeated:
        raise CsvImportError(f"the first line names a column twice: {visible(repeated[0])}")


def default_mapping(columns: Iterable[str], group: Group) -> dict[str, str]:
    """Each column named like one of the group's fields (ignoring case) feeds that field."""
    fields = {f.name.casefold(): f.name for f in group.fields}
    return {c: fields[c.casefold()] for c in columns if c.casefold() in fields}


def mapping_with(
    columns: tuple[str, ...], group: Group, overrides: Iterable[str]
) -> dict[str, str]:
    """The default mapping changed by ``COLUMN=FIELD`` pairs (``COLUMN=-`` leaves it out)."""
    mapping = default_mapping(columns, group)
    by_name = {c.casefold(): c for c in columns}
    for pair in overrides:
        column, sep, target = pair.partition("=")
        if not sep or not column.strip() or not target.strip():
            raise InputError("map", f"--map expects COLUMN=FIELD, got {pair!r}")
        found = by_name.get(column.strip().casefold())
        if found is None:
            raise InputError("map", f"the file has no column {column.strip()!r}")
        if target.strip() == SKIP:
            mapping.pop(found, None)
        else:
            mapping[found] = field_named(group, target).name
    return mapping


def check_mapping(mapping: Mapping[str, str]) -> None:
    if not mapping:
        raise InputError("map", "no column feeds a field of the group: map one (COLUMN=FIELD)")
    targets = list(mapping.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        columns = ", ".join(c for c, t in mapping.items() if t == twice[0])
        raise InputError("map", f"the columns {columns} all feed the field {twice[0]!r}")


def plan_import(source: CsvFile, group: Group, mapping: Mapping[str, str]) -> ImportPlan:
    """Every row checked and normalised; nothing is sent."""
    check_mapping(mapping)
    fields = {column: field_named(group, name) for column, name in mapping.items()}
    unique = {f.name for f in group.fields if f.unique}
    seen: dict[tuple[str, str, str | None], int] = {}
    plan = ImportPlan(dict(mapping), unmapped=tuple(c for c in source.columns if c not in mapping))
    for row in source.rows:
        try:
            values = tuple(
                member_value(fields[column], row.cells.get(column, "")) for column in mapping
            )
        except InputError as exc:
            plan.rejected.append(Rejected(row.line, visible(f"{exc.field}: {exc.message}")))
            continue
        values = tuple(v for v in values if v.value)
        if not values:
            plan.rejected.append(Rejected(row.line, "no value in the mapped columns"))
            continue
        repeat = _repeat(values, unique, seen, row.line)
        if repeat is not None:
            plan.rejected.append(Rejected(row.line, repeat))
            continue
        plan.ready.append(ReadyRow(row.line, values))
    return plan


def _repeat(
    values: tuple[MemberValue, ...],
    unique: set[str],
    seen: dict[tuple[str, str, str | None], int],
    line: int,
) -> str | None:
    """Why the row repeats an earlier one in an anti-duplicate field, or None (and remembered)."""
    keys = [(v.name, v.value.casefold(), v.code) for v in values if v.name in unique]
    for key in keys:
        if key in seen:
            return visible(f"{key[0]}: {key[1]} is already on line {seen[key]} (no duplicates)")
    for key in keys:
        seen[key] = line
    return None
