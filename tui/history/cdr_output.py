"""``porte-voix cdr`` output, written row by row as the getCDR reply is read.

A busy month is 100,000 rows and more: nothing here holds the messages. ``--json`` stays one
object, ``{"account", "messages": [...], "campaigns": [...]}``, its messages written as they
come (campaigns, a few per day, are kept until the end); a failure after some rows closes the
object with an ``"error"`` and how far the reading got. ``--csv`` is one table whose ``kind``
column says whether a row is a campaign or a message; the human output lists the messages under
column headers, then the campaigns. Every text from the reply is made visible (CSV lands on
terminals and in spreadsheets, both of which obey control characters).
"""

from __future__ import annotations

import csv
import dataclasses
import operator
from datetime import date
from typing import Any, Protocol, TextIO

from providers.models import CdrCampaign, CdrRecord
from tui.errors import visible

CdrRow = CdrRecord | CdrCampaign

MESSAGE_FIELDS = [field.name for field in dataclasses.fields(CdrRecord)]
CAMPAIGN_FIELDS = [field.name for field in dataclasses.fields(CdrCampaign)]
CSV_FIELDS = ["kind", *MESSAGE_FIELDS, *(f for f in CAMPAIGN_FIELDS if f not in MESSAGE_FIELDS)]
#: A row's cells in its fields' order.
_MESSAGE_CELLS = operator.attrgetter(*MESSAGE_FIELDS)
_CAMPAIGN_CELLS = operator.attrgetter(*CAMPAIGN_FIELDS)

#: The human columns: (heading, width); the last one takes the rest of the line.
CAMPAIGN_COLUMNS = (("CAMPAIGN", 10), ("CHANNEL", 7), ("CREATED", 20), ("RECIPIENTS", 0))
MESSAGE_COLUMNS = (
    ("MESSAGE", 10),
    ("CHANNEL", 7),
    ("RECIPIENT", 16),
    ("STATE", 11),
    ("DATE", 20),
    ("STATUS", 0),
)


def jsonable(row: CdrRow) -> dict[str, Any]:
    """The row's fields, Decimal as text (JSON has no Decimal).

    ``dataclasses.asdict``'s dictionary without its deep copy: the fields are flat (texts,
    numbers, a Decimal, an enum), and 100,000 rows copied field by field cost more than
    reading them.
    """
    if isinstance(row, CdrRecord):
        names, values = MESSAGE_FIELDS, _MESSAGE_CELLS(row)
    else:
        names, values = CAMPAIGN_FIELDS, _CAMPAIGN_CELLS(row)
    return {
        key: (
            str(value) if value is not None and not isinstance(value, (str, int, bool)) else value
        )
        for key, value in zip(names, values, strict=True)
    }


def printable(row: dict[str, Any]) -> dict[str, Any]:
    """The row's texts with their control characters made visible (they came from the reply)."""
    return {key: visible(value) if isinstance(value, str) else value for key, value in row.items()}


def status_text(row: CdrRecord) -> str:
    if not row.status_code:
        return ""
    return visible(f"{row.status_code}: {row.status_meaning or 'undocumented code'}")


class CdrWriter(Protocol):
    def row(self, row: CdrRow) -> None: ...
    def close(self, error: dict[str, Any] | None = None, done_through: date | None = None) -> None:
        """The end of the output; ``error``: the reading stopped there (its failure)."""


class JsonWriter:
    def __init__(self, out: TextIO, account: str, dump: Any) -> None:
        self._out, self._dump = out, dump
        self._campaigns: list[dict[str, Any]] = []
        self._first = True
        out.write('{"account": ' + dump(account) + ', "messages": [')

    def row(self, row: CdrRow) -> None:
        if isinstance(row, CdrCampaign):
            self._campaigns.append(jsonable(row))
            return
        self._out.write(("" if self._first else ", ") + self._dump(jsonable(row)))
        self._first = False

    def close(self, error: dict[str, Any] | None = None, done_through: date | None = None) -> None:
        self._out.write('], "campaigns": ' + self._dump(self._campaigns))
        if error is not None:
            through = None if done_through is None else done_through.isoformat()
            self._out.write(', "error": ' + self._dump(error))
            self._out.write(', "done_through": ' + self._dump(through))
        self._out.write("}\n")


#: The campaign columns a message leaves blank (``DictWriter``'s ``restval``).
_MESSAGE_REST = ("",) * (len(CSV_FIELDS) - 1 - len(MESSAGE_FIELDS))
_BOOLEAN = {None: "", True: "True", False: "False"}
#: Separators before ``content`` on a message's line (``kind`` first), and the line's end:
#: the blank campaign columns and the csv module's line end.
_HEAD_COMMAS = CSV_FIELDS.index("content") - 1
_END = "," * len(_MESSAGE_REST) + "\r\n"
#: Lines joined before they are written: a text stream's ``write`` costs as much as making
#: the line (it encodes and queues each piece on its own).
_PENDING_LINES = 256


class CsvWriter:
    """``--csv``: a header, then one line a row, as ``csv.DictWriter`` writes
    ``printable(jsonable(row))`` with ``kind`` first and blanks for the other kind's columns.

    A reply is 100,000 messages and more, and those steps cost more than reading the row
    (``asdict`` copies every field; ``visible`` walks every character in Python; the csv
    module looks at every character too), so a message's line is joined here from its cells
    when nothing in them needs more: no character that is not printable (which rules out line
    breaks), and no quote or comma but in the text, which is then quoted as the csv module
    quotes (a field is quoted when it holds a comma, a quote or a line break, its quotes
    doubled). Any other message goes the csv module's way. ``tests/unit/test_history_perf.py``
    holds the two ways to the same bytes.

    Lines are written ``_PENDING_LINES`` at a time, and by ``close`` (which the CLI calls on a
    failure too, before saying where the reading stopped).
    """

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, restval="")
        self._writer.writeheader()
        self._lines = csv.writer(out)  # the dialect DictWriter uses: excel, "\r\n"
        self._pending: list[str] = []

    def _flush(self) -> None:
        self._out.write("".join(self._pending))
        self._pending.clear()

    def row(self, row: CdrRow) -> None:
        if type(row) is not CdrRecord:
            self._flush()
            kind = "message" if isinstance(row, CdrRecord) else "campaign"
            self._writer.writerow({"kind": kind, **printable(jsonable(row))})
            return
        cells = _MESSAGE_CELLS(row)
        (ident, channel, date_init, sender, from_api, credits, message_ref, member, number,
         mail, subject, code, state, status_date, content, meaning) = cells  # fmt: skip
        head = (
            f"message,{ident},{channel or ''},{date_init or ''},{sender or ''},"
            f"{_BOOLEAN[from_api]},{'' if credits is None else str(credits)},"
            f"{message_ref or ''},{member or ''},{number or ''},{mail or ''},{subject or ''},"
            f"{code or ''},{state},{status_date or ''}"
        )
        text, meaning = content or "", meaning or ""
        if (
            head.isprintable()
            and text.isprintable()
            and meaning.isprintable()
            and head.count(",") == _HEAD_COMMAS
            and '"' not in head
            and "," not in meaning
            and '"' not in meaning
        ):
            if "," in text or '"' in text:
                text = '"' + text.replace('"', '""') + '"'
            self._pending.append(f"{head},{text},{meaning}{_END}")
            if len(self._pending) >= _PENDING_LINES:
                self._flush()
            return
        self._flush()
        if not all(cell.isprintable() for cell in cells if isinstance(cell, str)):
            cells = tuple(visible(cell) if isinstance(cell, str) else cell for cell in cells)
        # The csv module writes a Decimal as ``str`` does, as ``jsonable`` did.
        self._lines.writerow(("message", *cells, *_MESSAGE_REST))

    def close(self, error: dict[str, Any] | None = None, done_through: date | None = None) -> None:
        self._flush()


def _line(columns: tuple[tuple[str, int], ...], cells: list[object]) -> str:
    parts = [
        f"{'' if cell is None else cell!s:<{width}}"
        for (_, width), cell in zip(columns, cells, strict=True)
    ]
    return " ".join(parts).rstrip()


class TextWriter:
    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._campaigns: list[CdrCampaign] = []
        self._messages = 0

    def row(self, row: CdrRow) -> None:
        if isinstance(row, CdrCampaign):
            self._campaigns.append(row)
            return
        if not self._messages:
            print(_line(MESSAGE_COLUMNS, [name for name, _ in MESSAGE_COLUMNS]), file=self._out)
        self._messages += 1
        cells: list[object] = [
            row.id,
            row.channel,
            row.number or row.mail_recipient,
            row.state.value,
            row.status_date,
            status_text(row),
        ]
        print(_line(MESSAGE_COLUMNS, [_shown(cell) for cell in cells]), file=self._out)

    def close(self, error: dict[str, Any] | None = None, done_through: date | None = None) -> None:
        if not self._messages and not self._campaigns and error is None:
            print("no messages in this period", file=self._out)
        if self._campaigns:
            if self._messages:
                print(file=self._out)
            print(_line(CAMPAIGN_COLUMNS, [name for name, _ in CAMPAIGN_COLUMNS]), file=self._out)
            for campaign in self._campaigns:
                cells: list[object] = [
                    campaign.id,
                    campaign.channel,
                    campaign.date_init,
                    campaign.recipients_count or 0,
                ]
                print(_line(CAMPAIGN_COLUMNS, [_shown(cell) for cell in cells]), file=self._out)


def _shown(cell: object) -> object:
    return visible(cell) if isinstance(cell, str) else cell
