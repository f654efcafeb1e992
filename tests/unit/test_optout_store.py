"""The opt-out list in the outbox (tui.outbox.optout): one row per number, first reason kept."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from providers.errors import InputError
from tui.outbox.optout import (
    OptOuts,
    OptOutSource,
    add_numbers,
    ensure_table,
    opted_out_among,
)
from tui.outbox.store import Store

NOW = datetime(2025, 3, 4, 10, 30, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "pv.db", clock=lambda: NOW) as opened:
        yield opened


def test_add_normalises_and_keeps_the_first_reason(store: Store) -> None:
    optouts = OptOuts(store)
    assert optouts.add("06 12 34 56 78", note="asked by phone")
    # Again, from another source: still the first reason and date.
    assert not optouts.record_stop("+33612345678", "shop", text="STOP  merci")
    entry = optouts.get("+33 6 12 34 56 78")
    assert entry is not None
    assert entry.number == "+33612345678"
    assert entry.source is OptOutSource.MANUAL
    assert entry.note == "asked by phone"
    assert entry.added_at == NOW
    assert "0612345678" in optouts
    assert "not a number" not in optouts


def test_record_stop_keeps_account_and_reply(store: Store) -> None:
    optouts = OptOuts(store)
    assert optouts.record_stop("+33698765432", "shop", text="STOP\n36xxx")
    (entry,) = optouts.entries()
    assert (entry.source, entry.account, entry.note) == (
        OptOutSource.STOP,
        "shop",
        "reply: STOP 36xxx",
    )


def test_invalid_number_refuses_the_whole_addition(store: Store) -> None:
    optouts = OptOuts(store)
    with pytest.raises(InputError) as caught:
        optouts.add_many(["0612345678", "12"], OptOutSource.IMPORT)
    assert caught.value.field == "number"
    assert optouts.count() == 0


def test_among_in_chunks_and_remove(store: Store) -> None:
    optouts = OptOuts(store)
    listed = [f"+336{n:08d}" for n in range(0, 1300, 2)]
    result = optouts.add_many(listed, OptOutSource.IMPORT)
    assert len(result.added) == 650 and not result.already
    asked = [f"+336{n:08d}" for n in range(1300)]
    assert optouts.among(asked) == frozenset(listed)
    removed = optouts.remove("+33600000000")
    assert removed is not None and removed.source is OptOutSource.IMPORT
    assert optouts.remove("+33600000000") is None
    assert optouts.count() == 649


def test_entries_filter_and_search(store: Store) -> None:
    optouts = OptOuts(store)
    optouts.add("0612345678")
    optouts.add_many(["0698765432"], OptOutSource.BLACKLIST, account="ecp", note="eCampaign")
    assert [e.number for e in optouts.entries(source=OptOutSource.BLACKLIST)] == ["+33698765432"]
    assert [e.number for e in optouts.entries(account="ecp")] == ["+33698765432"]
    assert [e.number for e in optouts.entries(search="06 12 34")] == ["+33612345678"]
    assert [e.number for e in optouts.entries(search="ecampaign")] == ["+33698765432"]
    assert len(optouts.entries(limit=1)) == 1


def test_a_database_made_before_the_table_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with Store(path) as store:
        with store._write() as conn:
            conn.execute("DROP TABLE IF EXISTS optouts")
        assert OptOuts(store).add("0612345678")
        assert OptOuts(store).count() == 1


def test_connection_level_api_for_the_receiver() -> None:
    conn = sqlite3.connect(":memory:")
    ensure_table(conn)
    first = add_numbers(conn, ["+33612345678", "+33612345678"], OptOutSource.STOP, NOW)
    assert first.added == ("+33612345678",)
    again = add_numbers(conn, ["+33612345678"], OptOutSource.STOP, NOW, account="a")
    assert again.already == ("+33612345678",)
    assert opted_out_among(conn, ["+33612345678", "+33700000000"]) == {"+33612345678"}
