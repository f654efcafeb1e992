"""The fast paths of the history's outputs write the bytes the plain ways wrote.

``porte-voix cdr --csv`` (``tui.history.cdr_output.CsvWriter``) makes a message's line from the
record's cells, without ``dataclasses.asdict`` and with ``visible`` only when a text needs it:
here it is held to ``csv.DictWriter`` over ``printable(jsonable(row))``, the way it was written
before (its ``asdict`` kept here), for every kind of awkward value a reply may carry; ``--json``'s
fields (``jsonable``) are held to ``asdict``'s. ``porte-voix history --csv``
(``tui.history.export``) has SQLite write the lines: held to the csv module's file made from
the rows' columns, whatever an outside text holds.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from providers.ecampaign.cdr import CdrReader
from providers.models import CdrCampaign, CdrRecord, DeliveryState
from tests.unit.test_history_store import Clock, _send
from tui.errors import visible
from tui.history import export
from tui.history.cdr_output import CSV_FIELDS, CsvWriter, jsonable
from tui.outbox.history import HistoryFilter, HistoryReader, Sort
from tui.outbox.store import Store

TRICKY_TEXTS = (
    None,
    "",
    "plain",
    "a, comma",
    'a "quoted" word',
    "two\nlines",
    "carriage\rreturn",
    "crlf\r\nend",
    "tab\there",
    "escape \x1b]0;title\x07 sequence",
    "del \x7f and c1 \x85",
    "bidi \u202e reversed \u200b zero width",
    "accents: prête, n°1, Zoë, 東京",
    "emoji 🙂",
    " leading and trailing ",
    "\\x1b already escaped",
    "=1+2",
)


def plain_fields(row: CdrRecord | CdrCampaign) -> dict[str, Any]:
    """``jsonable`` as it was written first: every field through ``dataclasses.asdict``,
    Decimal as text."""
    return {
        key: str(value) if value is not None and not isinstance(value, (str, int, bool)) else value
        for key, value in dataclasses.asdict(row).items()
    }


def reference(rows: list[CdrRecord | CdrCampaign]) -> str:
    """The CSV as ``CsvWriter`` wrote it before its fast path: ``csv.DictWriter`` over every
    field, each text through ``visible``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, restval="")
    writer.writeheader()
    for row in rows:
        kind = "message" if isinstance(row, CdrRecord) else "campaign"
        fields = {k: visible(v) if isinstance(v, str) else v for k, v in plain_fields(row).items()}
        writer.writerow({"kind": kind, **fields})
    return out.getvalue()


def written(rows: list[CdrRecord | CdrCampaign]) -> str:
    out = io.StringIO()
    writer = CsvWriter(out)
    for row in rows:
        writer.row(row)
    writer.close()
    return out.getvalue()


def message(text: str | None, **fields: object) -> CdrRecord:
    values: dict[str, object] = {
        "id": "1",
        "channel": text,
        "date_init": "2026-01-02 03:04:05",
        "sender": text,
        "from_api": True,
        "credits": Decimal("1"),
        "message_ref": text,
        "number": "+33612345678",
        "mail_recipient": text,
        "status_code": "4",
        "state": DeliveryState.DELIVERED,
        "status_date": text,
        "content": text,
        "status_meaning": text,
    }
    values.update(fields)
    return CdrRecord(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_a_message_line_is_the_plain_csv_of_its_printable_fields(text: str | None) -> None:
    rows: list[CdrRecord | CdrCampaign] = [message(text)]
    assert written(rows) == reference(rows)


@pytest.mark.parametrize(
    "fields",
    [
        {"from_api": False},
        {"from_api": None},
        {"credits": None},
        {"credits": Decimal("312.50")},
        {"credits": Decimal("-0.5")},
        {"credits": Decimal("1E+3")},
        {"credits": Decimal("0.000001")},
        {"state": DeliveryState.UNKNOWN, "status_code": None, "status_meaning": None},
        {"state": DeliveryState.FAILED, "status_code": "8"},
        {"id": "", "channel": None, "number": None},
        {"id": "x\x00y"},
    ],
)
def test_every_kind_of_value_gives_the_same_cells(fields: dict[str, object]) -> None:
    rows: list[CdrRecord | CdrCampaign] = [message("text", **fields)]
    assert written(rows) == reference(rows)


def test_campaigns_and_messages_mixed_keep_their_columns() -> None:
    rows: list[CdrRecord | CdrCampaign] = [
        message("a"),
        CdrCampaign(
            id="2002",
            channel="voice",
            recipients_count=250,
            date_init="2016-05-03 09:00:00",
            sender="Zoë, \x1b[31m",
            from_api=False,
            credits=Decimal("312.5"),
            group_id="7",
            template_id="55",
        ),
        CdrCampaign(id="3"),
        message(None, credits=None, from_api=None),
        message("b\u202e"),
    ]
    text = written(rows)
    assert text == reference(rows)
    lines = list(csv.reader(io.StringIO(text)))
    assert [line[0] for line in lines] == [
        "kind",
        "message",
        "campaign",
        "campaign",
        "message",
        "message",
    ]
    assert all(len(line) == len(CSV_FIELDS) for line in lines)
    assert "\x1b" not in text and "\u202e" not in text  # made visible, never written raw


def test_rows_read_from_a_reply_give_the_same_csv() -> None:
    """The records the reader makes (``_made``: no ``__init__``) go through the fast path too."""
    messages = "".join(
        f'<message id="{n}" channel="sms"><date_init>2026-01-02 00:00:0{n}</date_init>'
        f"<sender>Shop, Inc</sender><from_api>{'true' if n % 2 else 'no'}</from_api>"
        f"<credits>{n}.50</credits><phone_code>33</phone_code>"
        f"<phone_number>61234567{n}</phone_number><status_id>{(4, 8, 99)[n % 3]}</status_id>"
        f"<content>n°{n} &amp; &quot;quote&quot;\r\nline</content></message>"
        for n in range(6)
    )
    campaign = '<campaign id="9" Channel="voice"><recipients_count>3</recipients_count></campaign>'
    data = (
        "<?xml version='1.0' encoding='UTF-8'?><ecampaign><code>0</code><message>ok</message>"
        f"<getCDR>{messages}{campaign}</getCDR></ecampaign>"
    ).encode()
    reader = CdrReader()
    rows = reader.feed(data) + reader.close()
    assert len(rows) == 7 and isinstance(rows[-1], CdrCampaign)
    assert written(rows) == reference(rows)


@pytest.mark.parametrize("size", [1, 7, 64, 10**6])
def test_rows_once_the_listing_is_known_are_still_only_its_children(size: int) -> None:
    """After its first row the reader knows ``<getCDR>`` by identity: a ``<message>`` nested
    in a row, or under the root, is still no row, and a second listing's rows still count."""
    data = (
        b"<ecampaign><code>0</code><message>ok</message><getCDR>"
        b'<message id="1"><status_id>4</status_id></message>'
        b'<message id="2"><message id="nested"/><status_id>8</status_id></message>'
        b'<campaign id="3"><recipients_count>2</recipients_count></campaign>'
        b'</getCDR><message>late</message><getCDR><message id="4"/></getCDR></ecampaign>'
    )
    reader = CdrReader("sms")
    rows = []
    for start in range(0, len(data), size):
        rows += reader.feed(data[start : start + size])
    rows += reader.close()
    assert [(type(row).__name__, row.id) for row in rows] == [
        ("CdrRecord", "1"),
        ("CdrRecord", "2"),
        ("CdrCampaign", "3"),
        ("CdrRecord", "4"),
    ]
    assert [getattr(row, "status_code", None) for row in rows] == ["4", "8", None, None]
    assert reader.message == "ok" and reader.rows_read == 4


# -- porte-voix history --csv: lines made by SQLite ----------------------------------------------

ODD_TEXTS = (
    "line1\nline2",  # a line break alone: no comma, no quote, ASCII, yet the cell is quoted
    "carriage\rreturn",
    "crlf\r\ninside",
    "tab\there",
    'a "quote"',
    "a, comma",
    "refusé: numéro invalide",
    "escape \x1b[2J",
    "bidi \u202e",
    "del \x7f",
    " spaces around ",
    "",
)


def _history_csv(reader: HistoryReader, tmp_path: Path) -> tuple[str, str, str]:
    """The csv module's file from the rows' columns, and the export through a text stream and
    through a file (whose plain lines go to its bytes)."""
    expected = io.StringIO()
    writer = csv.writer(expected)
    writer.writerow(export.FIELDS)
    for batch in export.records(reader.iter_raw(HistoryFilter())):
        writer.writerows(batch)
    as_text = io.StringIO()
    export.export(reader, HistoryFilter(), Sort.NEWEST, as_text, "csv")
    path = tmp_path / "out.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        export.export(reader, HistoryFilter(), Sort.NEWEST, out, "csv")
    return expected.getvalue(), as_text.getvalue(), path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("text", ODD_TEXTS)
@pytest.mark.parametrize("column", ["error", "message_id"])
def test_history_csv_is_the_csv_modules_for_any_outside_text(
    tmp_path: Path, text: str, column: str
) -> None:
    with Store(tmp_path / "outbox.db", clock=Clock()) as store:
        _send(store, "shop", "capitole", ["+33611111101", "+33611111102", "+33611111103"])
    with sqlite3.connect(tmp_path / "outbox.db") as conn:
        conn.execute(
            f"UPDATE send_recipients SET {column} = ? WHERE number = '+33611111102'", (text,)
        )
    reader = HistoryReader(tmp_path / "outbox.db")
    try:
        expected, as_text, as_file = _history_csv(reader, tmp_path)
    finally:
        reader.close()
    assert as_text == expected and as_file == expected
    rows = list(csv.DictReader(io.StringIO(expected)))
    assert len(rows) == 3  # one line a row: a line break inside a cell stays inside its quotes


def test_history_csv_rewrites_many_odd_rows_in_order(tmp_path: Path) -> None:
    """A batch where most lines need Python (French error texts): its odd rows are read in one
    query and written where their lines were."""
    numbers = [f"+336444444{i:02d}" for i in range(40)]
    with Store(tmp_path / "outbox.db", clock=Clock()) as store:
        _send(store, "shop", "ecampaign", numbers)
    with sqlite3.connect(tmp_path / "outbox.db") as conn:
        conn.execute(
            "UPDATE send_recipients SET error = 'numéro ' || number WHERE position % 3 != 0"
        )
        conn.execute("UPDATE sends SET provider_reference = 'x\ny'")
    reader = HistoryReader(tmp_path / "outbox.db")
    try:
        expected, as_text, as_file = _history_csv(reader, tmp_path)
    finally:
        reader.close()
    assert as_text == expected and as_file == expected
    rows = list(csv.DictReader(io.StringIO(expected)))
    assert [row["number"] for row in rows] == numbers[::-1]  # newest first: last position first
    assert {row["provider_reference"] for row in rows} == {"x\ny"}


def test_many_messages_keep_their_order_across_the_pending_lines() -> None:
    """Lines are written a few hundred at a time: the ones the csv module writes (a control
    character, a campaign) land where they belong, and ``close`` writes the last ones."""
    rows: list[CdrRecord | CdrCampaign] = []
    for n in range(1000):
        text = f"n°{n}, \x1b[1m" if n % 97 == 0 else f'message "{n}", ok'
        rows.append(message(text, id=str(n), credits=Decimal(n) / 4))
        if n % 301 == 0:
            rows.append(CdrCampaign(id=f"c{n}", recipients_count=n))
    text = written(rows)
    assert text == reference(rows)
    ids = [line[1] for line in csv.reader(io.StringIO(text))][1:]
    assert ids == [row.id for row in rows]


@pytest.mark.parametrize(
    "row",
    [
        message("a, \x1b"),
        message(None, credits=None, from_api=None, state=DeliveryState.UNKNOWN),
        message("b", credits=Decimal("1E+3"), from_api=False),
        CdrCampaign(id="1", channel="voice", recipients_count=3, credits=Decimal("0.5")),
        CdrCampaign(id="2"),
    ],
)
def test_json_fields_are_asdicts(row: CdrRecord | CdrCampaign) -> None:
    fields = jsonable(row)
    assert fields == plain_fields(row)
    assert list(fields) == list(plain_fields(row))  # the same order in the JSON object
    assert [type(value) for value in fields.values()] == [
        type(value) for value in plain_fields(row).values()
    ]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
@pytest.mark.parametrize("field", ["content", "status_meaning", "sender", "id"])
def test_one_awkward_field_among_plain_ones(text: str | None, field: str) -> None:
    """The usual reply: plain fields, and a text with commas or quotes (an SMS), which the
    fast line quotes itself; any other field that needs quoting sends the line the csv
    module's way."""
    rows: list[CdrRecord | CdrCampaign] = [message("plain", **{field: text or ""})]
    assert written(rows) == reference(rows)
