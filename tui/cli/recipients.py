"""The numbers of ``porte-voix send``: ``--to`` values or a ``--to-file``, parsed once, staged.

Each number is parsed once, here (``providers.phone.parse_number``), and put in a
``StagedNumbers`` (``tui.sending.recipients``) as it is read: a file of a million rows is never
held in memory, not even as its lines. Every problem is found before anything is asked or
sent, and refused with exit 2: a number that is not one (typed: quoted; in a file: with its
line), a row with nothing in the number column, a file beyond the limits of
``tui.csv_import`` or broken. The first ``SHOWN`` problems are named, the rest counted.
Duplicates are left out (the first one stays) and counted on stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from tui.cli.support import EXIT_INPUT, CliFailure

if TYPE_CHECKING:
    from providers.phone import Number
    from tui.sending.recipients import StagedNumbers

#: Problems named in a refusal; the others are counted.
SHOWN = 10


class Problems:
    """The first ``SHOWN`` problems of a kind, and how many there were."""

    def __init__(self) -> None:
        self.count = 0
        self.shown: list[str] = []

    def add(self, problem: str) -> None:
        self.count += 1
        if len(self.shown) < SHOWN:
            self.shown.append(problem)

    def text(self, what: str) -> str:
        """As ``tui.csv_import`` words its listings: "3 <what>: a; b; c (and N more)"."""
        more = self.count - len(self.shown)
        return f"{self.count} {what}: {'; '.join(self.shown)}" + (
            f" (and {more} more)" if more > 0 else ""
        )


def read_recipients(args: argparse.Namespace) -> StagedNumbers:
    """The send's numbers, staged beside the outbox (its file holds the same numbers, and is
    removed when the send ends); ``CliFailure`` (exit 2) for any problem, nothing staged."""
    from tui.accounts import config as config_module
    from tui.sending.recipients import StagedNumbers

    folder = config_module.data_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    # What the numbers must be able to receive: a special-rate number is named with its line.
    channel = {"sms": "sms", "vms": "voice"}.get(getattr(args, "send_kind", ""))
    staged = StagedNumbers(folder)
    try:
        if args.to_file:
            _read_file(Path(args.to_file), staged, channel)
        else:
            _read_typed(args.to, staged, channel)
        if not staged:
            raise CliFailure(EXIT_INPUT, "invalid_recipient", "no recipient")
    except BaseException:
        staged.close()
        raise
    if staged.duplicates:
        print(f"{staged.duplicates} duplicate number(s) removed", file=sys.stderr)
    return staged


def _parsed(
    items: Iterable[tuple[object, str]],
    problems: Problems,
    channel: str | None,
    where: Callable[[object], str],
) -> Iterator[Number]:
    """``items`` (place, raw) parsed; those that are not numbers, or that cannot receive
    ``channel`` ("sms", "voice": a special-rate number), go to ``problems``, named by
    ``where(place)`` (worded only for them: a million good rows word nothing)."""
    from providers.errors import InputError
    from providers.phone import parse_number, unreachable_reason

    for place, raw in items:
        try:
            number = parse_number(raw, field="recipient")
        except InputError as exc:
            problems.add(f"{where(place)}{exc.message}")
            continue
        reason = None if channel is None else unreachable_reason(number, channel)
        if reason is not None:
            problems.add(f"{where(place)}{reason}")
            continue
        yield number


def _typed(raw: object) -> str:
    return f"{str(raw).strip()!r}: "


def _line(line: object) -> str:
    return f"line {line}: "


def _read_typed(values: list[str], staged: StagedNumbers, channel: str | None = None) -> None:
    from providers.phone import split_recipients

    invalid = Problems()
    typed = ((raw, raw) for value in values for raw in split_recipients(value))
    staged.add(_parsed(typed, invalid, channel, _typed))
    if invalid.count:
        raise CliFailure(EXIT_INPUT, "invalid_recipient", invalid.text("invalid number(s)"))


def _read_file(path: Path, staged: StagedNumbers, channel: str | None = None) -> None:
    """A text file (one number a line) or a CSV whose header names a number column."""
    from tui.csv_import import NUMBER_COLUMNS, CsvImportError, open_table
    from tui.errors import describe_text

    empty, invalid = Problems(), Problems()
    try:
        with open_table(path) as table:
            column = table.number_column
            if column is None:
                raise CliFailure(
                    EXIT_INPUT,
                    "invalid_file",
                    f"{path}: no number column in the header {list(table.columns)!r} "
                    f"(expected one of: {', '.join(NUMBER_COLUMNS)})",
                )

            def cells() -> Iterator[tuple[int, str]]:
                for line, cell in table.cells(column):
                    if cell.strip():
                        yield line, cell
                    else:
                        empty.add(f"line {line}")

            staged.add(_parsed(cells(), invalid, channel, _line))
        # Every row is read first: a file is refused whole, naming each line, or not at all.
        if empty.count:
            raise CsvImportError(empty.text(f"row(s) with nothing in the column {column!r}"))
        if invalid.count:
            raise CsvImportError(invalid.text(f"invalid number(s) in the column {column!r}"))
    except CsvImportError as exc:
        raise CliFailure(EXIT_INPUT, "invalid_file", describe_text(exc)) from None
