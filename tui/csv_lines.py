"""Reading a CSV file safely and strictly: the lines of a regular file within limits, and its
rows with the line each starts on, refused where a quote is broken (``CsvImportError``).

Shared by the recipients files (``tui.csv_import``) and a group's member files
(``tui.groups.csv_members``): both must refuse ``/dev/zero``, a FIFO, a huge file and a quote
that swallows the rows after it, naming the line, never import half a file silently.
"""

from __future__ import annotations

import contextlib
import csv
import os
import re
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

MAX_FILE_BYTES = 200 * 1024 * 1024
MAX_ROWS = 2_000_000
MAX_LINE = 65_536  # characters; also the longest cell
#: The limits in words, for ``--help`` and the README.
LIMITS = f"a regular file of at most {MAX_FILE_BYTES // (1024 * 1024)} MB and {MAX_ROWS:,} rows"
#: A carriage return not followed by a line feed ends a line too (old Mac files).
LONE_CR = re.compile(r"(?<=\r)(?!\n)")


def split_lf(text: str) -> list[str]:
    """``text`` cut after each line feed, the line feeds kept."""
    lines = text.split("\n")
    last = lines.pop()  # what follows the last line feed: "" when the text ends with one
    return [line + "\n" for line in lines] + ([last] if last else [])


class CsvImportError(ValueError):
    pass


@contextlib.contextmanager
def open_lines(path: Path) -> Iterator[Iterator[str]]:
    """The lines of the regular file at ``path`` (``decoded_lines``), read as they are used;
    anything else, or a file beyond the limits, is refused (``CsvImportError``)."""
    try:
        # Non-blocking: opening a FIFO without a writer would otherwise wait for ever.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise CsvImportError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CsvImportError(
                f"{path} is not a regular file (a directory, a pipe or a device): save the "
                "list to a file first"
            )
        if info.st_size > MAX_FILE_BYTES:
            raise CsvImportError(f"{path} is larger than {LIMITS}")
    except BaseException:
        os.close(fd)
        raise
    with open(fd, "rb") as handle:
        try:
            yield decoded_lines(handle, path)
        except OSError as exc:  # the disk failed under us
            raise CsvImportError(f"cannot read {path}: {exc.strerror or exc}") from None


def decoded_lines(handle: BinaryIO, path: Path) -> Iterator[str]:
    """The file's lines as text, within the limits; a line that is not UTF-8 is named."""
    size, number = 0, 0
    while raw := handle.readline(MAX_LINE * 4 + 1):  # UTF-8: at most 4 bytes a character
        size += len(raw)
        if size > MAX_FILE_BYTES:  # a file that grows while it is read, or lies about its size
            raise CsvImportError(f"{path} is larger than {LIMITS}")
        try:
            text = raw.decode("utf-8-sig" if number == 0 else "utf-8")
        except UnicodeDecodeError:
            raise CsvImportError(f"{path} is not UTF-8 text (line {number + 1})") from None
        # A line without a carriage return (nearly every one) needs no split.
        for line in LONE_CR.split(text) if "\r" in text else (text,):
            number += 1
            if len(line) > MAX_LINE or len(raw) > MAX_LINE * 4:
                raise CsvImportError(f"line {number} is longer than {MAX_LINE:,} characters")
            yield line


def text_lines(content: str) -> list[str]:
    """``content`` cut into lines as a file's would be (line feeds kept, lone CRs end one)."""
    if content.startswith("\ufeff"):
        content = content[1:]
    return [line for text in split_lf(content) for line in LONE_CR.split(text)]


def strict_rows(lines: Iterable[str], delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """(the line a row starts on, its cells) for every row of ``lines`` with something in
    it, as strictly as ``StrictRows`` reads."""
    numbered = enumerate(lines, start=1)
    first = next(numbered, None)
    if first is None:
        return iter(())
    return StrictRows(1, first[1], numbered, delimiter).rows()


class StrictRows:
    """``csv.reader`` over numbered lines, strict about quotes: a refusal names the line."""

    def __init__(
        self, first_line: int, first: str, numbered: Iterator[tuple[int, str]], delimiter: str
    ) -> None:
        self.line = first_line  # the line the reader has read up to
        self.first, self.numbered, self.delimiter = first, numbered, delimiter

    def _lines(self) -> Iterator[str]:
        yield self.first
        for line, text in self.numbered:
            self.line = line
            yield text

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """(the line a row starts on, its cells) for every row with something in it."""
        reader = csv.reader(self._lines(), delimiter=self.delimiter, strict=True)
        start = self.line
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise CsvImportError(self._broken(start, str(exc))) from None
            if self.line > start:
                self._check_span(start, row)
            if any(cell.strip() for cell in row):
                yield start, row
            start = self.line + 1

    def _broken(self, start: int, error: str) -> str:
        if "end of data" in error:
            return f"line {start}: a quote opened on this line is never closed"
        if "field larger" in error:
            return f"line {start}: a cell is longer than {csv.field_size_limit():,} characters"
        if "expected after" in error:
            return (
                f"line {self.line}: a quote closes a cell but more text follows it before the "
                f"next {self.delimiter!r}"
            )
        return f"line {self.line}: unreadable CSV ({error})"

    def _check_span(self, start: int, row: list[str]) -> None:
        """A quoted cell may hold a line break (an address), but not a line break *and* the
        separator: that is a stray quote that took in the rest of its line and the rows after
        it, which would be lost as recipients."""
        for cell in row:
            if self.delimiter in cell and len(cell.splitlines()) > 1:
                raise CsvImportError(
                    f"line {start}: a quote opened on this line runs to line {self.line}, taking "
                    f"the rows between into one cell; close it or remove it"
                )
