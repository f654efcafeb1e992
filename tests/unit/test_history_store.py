"""The History reader: filters and sorts in SQL, keyset pages (never OFFSET), query plans that
use an index for every filter, streamed exports (issue 11)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from providers.errors import InputError
from providers.models import (
    DeliveryEvent,
    DeliveryState,
    EventKind,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
)
from tui.history import export
from tui.outbox.history import HistoryFilter, HistoryReader, Sort
from tui.outbox.store import Store

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


def _send(store: Store, account: str, provider: str, numbers: list[str], **kw: object) -> str:
    message = SmsMessage("Bonjour", tuple(numbers))
    reference = store.begin_send(account, provider, "sms", message, **kw)  # type: ignore[arg-type]
    store.mark_batch_sending(reference, 0, numbers)
    results = tuple(
        RecipientResult(
            n,
            SendStatus.REJECTED if n.endswith("00") else SendStatus.ACCEPTED,
            message_id=f"m{n[-4:]}",
            error="REFUSED: blacklisted \x1b[31m" if n.endswith("00") else None,
        )
        for n in numbers
    )
    store.record_batch_result(reference, SendReceipt(provider, SendStatus.ACCEPTED, results))
    store.finish_send(
        reference, "partial" if any(n.endswith("00") for n in numbers) else "accepted"
    )
    return reference


@pytest.fixture
def filled(tmp_path: Path) -> Iterator[tuple[Store, HistoryReader, list[str]]]:
    store = Store(tmp_path / "outbox.db", clock=Clock())
    refs = [
        _send(store, "shop", "capitole", ["+33611111101", "+33611111100"]),
        _send(store, "octo", "octopush", ["+33622222201"], campaign_id="SPRING"),
        _send(store, "shop", "capitole", [f"+336333333{i:02d}" for i in range(1, 8)]),
        _send(store, "ecp", "ecampaign", ["+33644444401", "+33611111101"]),
    ]
    store.record_event(
        DeliveryEvent(
            "ecampaign",
            EventKind.DELIVERY,
            DeliveryState.FAILED,
            "8",
            "m4401",
            occurred_at=T0 + timedelta(hours=1),
        ),
        b"x",
    )
    reader = HistoryReader(store.path)
    yield store, reader, refs
    reader.close()
    store.close()


def _all_pages(reader: HistoryReader, flt: HistoryFilter, sort: Sort, size: int) -> list[str]:
    page = reader.page(flt, sort, limit=size)
    keys = [f"{r.reference}/{r.number}" for r in page.rows]
    while page.more_after:
        page = reader.page(flt, sort, after=page.rows[-1].key, limit=size)
        keys += [f"{r.reference}/{r.number}" for r in page.rows]
    return keys


@pytest.mark.parametrize("sort", list(Sort))
def test_keyset_pages_walk_every_row_once_both_ways(filled: tuple, sort: Sort) -> None:
    _store, reader, _refs = filled
    whole = [f"{r.reference}/{r.number}" for r in reader.iter_rows(HistoryFilter(), sort)]

    assert len(whole) == 12 == len(set(whole)) == reader.count(HistoryFilter())
    assert _all_pages(reader, HistoryFilter(), sort, 5) == whole
    # Backwards from the last page gives the same rows in the same order.
    page = reader.page(HistoryFilter(), sort, last=True, limit=5)
    back = [f"{r.reference}/{r.number}" for r in page.rows]
    while page.more_before:
        page = reader.page(HistoryFilter(), sort, before=page.rows[0].key, limit=5)
        back = [f"{r.reference}/{r.number}" for r in page.rows] + back
    assert back == whole


def test_sorts_order_the_rows(filled: tuple) -> None:
    _store, reader, refs = filled
    newest = list(reader.iter_rows(HistoryFilter(), Sort.NEWEST))
    numbers = [r.number for r in reader.iter_rows(HistoryFilter(), Sort.NUMBER)]
    accounts = [r.account for r in reader.iter_rows(HistoryFilter(), Sort.ACCOUNT)]

    assert [r.reference for r in newest][:2] == [refs[3], refs[3]]
    assert newest[-1].reference == refs[0]
    assert numbers == sorted(numbers)
    assert accounts == sorted(accounts)


def test_filters(filled: tuple) -> None:
    _store, reader, refs = filled

    def numbers(**kw: object) -> list[str]:
        flt = HistoryFilter(**kw).checked()  # type: ignore[arg-type]
        return sorted(r.number for r in reader.iter_rows(flt))

    assert len(numbers(account="shop")) == 9
    assert numbers(provider="octopush") == ["+33622222201"]
    assert numbers(number="06 11 11 11 01") == ["+33611111101", "+33611111101"]
    assert numbers(campaign="SPRING") == ["+33622222201"]
    assert numbers(campaign=refs[1].lower()) == ["+33622222201"]  # our reference, any case
    assert numbers(status="rejected") == ["+33611111100"]
    assert numbers(status="failed") == ["+33644444401"]
    assert numbers(status="undelivered") == ["+33611111100", "+33644444401"]
    assert numbers(start=date(2026, 3, 10), stop=date(2026, 3, 10)) != []
    assert numbers(start=date(2026, 3, 11)) == []
    assert numbers(stop=date(2026, 3, 9)) == []


def test_a_row_carries_its_state_code_and_times(filled: tuple) -> None:
    _store, reader, refs = filled
    (row,) = reader.iter_rows(HistoryFilter(status="failed"))

    assert (row.reference, row.account, row.provider) == (refs[3], "ecp", "ecampaign")
    assert (row.outcome, row.state, row.provider_code) == ("accepted", "failed", "8")
    assert row.state_at == T0 + timedelta(hours=1) and row.created_at.tzinfo is not None


def test_wrong_filters_are_named() -> None:
    with pytest.raises(InputError, match="status"):
        HistoryFilter(status="sunny").checked()
    with pytest.raises(InputError):
        HistoryFilter(number="12").checked()
    with pytest.raises(InputError, match="before"):
        HistoryFilter(start=date(2026, 2, 2), stop=date(2026, 2, 1)).checked()


@pytest.mark.parametrize(
    ("flt", "sort", "index"),
    [
        (HistoryFilter(), Sort.NEWEST, "history_send_rows"),
        (HistoryFilter(), Sort.OLDEST, "history_send_rows"),
        (HistoryFilter(account="a"), Sort.NEWEST, "sends_account"),
        (HistoryFilter(provider="octopush"), Sort.NEWEST, "history_provider"),
        (HistoryFilter(status="failed"), Sort.NEWEST, "history_send_delivery"),
        (HistoryFilter(status="unknown"), Sort.NEWEST, "send_recipients_settled"),
        (HistoryFilter(number="+33611111101"), Sort.NEWEST, "send_recipients_number"),
        (HistoryFilter(), Sort.NUMBER, "send_recipients_number"),
        (HistoryFilter(), Sort.ACCOUNT, "sends_account"),
    ],
)
def test_every_filter_and_sort_has_its_index(
    filled: tuple, flt: HistoryFilter, sort: Sort, index: str
) -> None:
    _store, reader, _refs = filled
    plan = " | ".join(reader.plan(flt, sort))

    assert index in plan, plan
    # The time sorts come out of the nested loop already ordered: nothing is sorted whole.
    if sort in (Sort.NEWEST, Sort.OLDEST) and not flt.number:
        assert "TEMP B-TREE" not in plan, plan


def test_no_query_uses_offset() -> None:
    source = Path("tui/outbox/history.py").read_text()
    assert "OFFSET" not in source.split('"""', 2)[2]


def test_interrupt_stops_a_running_query(filled: tuple) -> None:
    _store, reader, _refs = filled
    reader.interrupt()  # nothing running: the next query is unaffected
    assert reader.count(HistoryFilter()) == 12
    rows = reader.iter_raw(HistoryFilter(), batch=1)
    next(rows)
    reader.interrupt()
    with pytest.raises(sqlite3.OperationalError, match="interrupt"):
        list(rows)


def test_export_csv_and_json_stream_the_same_rows(filled: tuple) -> None:
    _store, reader, _refs = filled
    as_csv, as_json = io.StringIO(), io.StringIO()
    seen: list[int] = []

    written = export.export(reader, HistoryFilter(), Sort.NEWEST, as_csv, "csv")
    export.export(
        reader, HistoryFilter(account="shop"), Sort.NEWEST, as_json, "json", progress=seen.append
    )

    rows = list(csv.DictReader(io.StringIO(as_csv.getvalue())))
    assert written == len(rows) == 12
    assert list(rows[0]) == list(export.FIELDS)
    refused = next(r for r in rows if r["outcome"] == "rejected")
    assert "\x1b" not in refused["error"] and "\\x1b" in refused["error"]
    failed = next(r for r in rows if r["state"] == "failed")
    assert failed["meaning"].startswith("8: ")
    payload = json.loads(as_json.getvalue())
    assert payload["count"] == 9 == len(payload["rows"]) and seen == [9]
    assert payload["filters"]["account"] == "shop"


def test_export_can_be_stopped(filled: tuple) -> None:
    import threading

    _store, reader, _refs = filled
    stop = threading.Event()
    stop.set()
    with pytest.raises(export.ExportCancelled):
        export.export(reader, HistoryFilter(), Sort.NEWEST, io.StringIO(), "csv", cancel=stop)


def test_an_outbox_of_schema_3_gains_the_history_indexes(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    with Store(path) as store:
        _send(store, "shop", "capitole", ["+33611111101"])
    conn = sqlite3.connect(path)
    for index in ("history_send_rows", "history_send_delivery", "history_provider"):
        conn.execute(f"DROP INDEX {index}")
    conn.execute("DROP TABLE balance_lines")
    conn.execute("INSERT INTO balances VALUES ('shop', 'capitole', '997', '[]', '2026-01-01')")
    conn.execute("PRAGMA user_version = 3")
    conn.commit()
    conn.close()

    with Store(path) as store:
        indexes = {row[0] for row in store._conn.execute("SELECT name FROM sqlite_master")}
        (legacy,) = store.balances("shop")
    assert {"history_send_rows", "history_send_delivery", "history_provider"} <= indexes
    assert (legacy.channel, legacy.amount) == ("", 997)  # kept until a reply replaces it


def test_the_fast_csv_is_what_the_csv_module_writes(filled: tuple, tmp_path: Path) -> None:
    """SQLite writes the plain lines; any cell to quote or make visible goes through Python:
    the file is the csv module's, byte for byte, through a text stream or its bytes."""
    store, reader, refs = filled
    with sqlite3.connect(store.path) as conn:
        conn.execute(
            "UPDATE send_recipients SET error = ?, message_id = ? WHERE number = ?",
            ('refusé, "bloqué"\nligne 2 \x1b[2J', "id,with,commas", "+33633333303"),
        )
        conn.execute("UPDATE sends SET provider_reference = 'réf\u202e' WHERE reference = ?",
                     (refs[1],))  # fmt: skip
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

    assert as_text.getvalue() == expected.getvalue()
    assert path.read_bytes().decode("utf-8") == expected.getvalue()
    assert "\x1b" not in expected.getvalue() and "\u202e" not in expected.getvalue()
    rows = list(csv.DictReader(io.StringIO(expected.getvalue())))
    odd = next(r for r in rows if r["number"] == "+33633333303")
    assert odd["message_id"] == "id,with,commas" and odd["error"].startswith('refusé, "bloqué"')
