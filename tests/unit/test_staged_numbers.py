"""``StagedNumbers``: a send's numbers out of memory, in order, once each, parsed once; the
outbox copies them by attaching the file; the file is private and never left behind."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from providers.models import SmsMessage
from providers.phone import LineType, Number, parse_number
from tests.unit.sending_fakes import FakeProvider
from tui.outbox.store import Store
from tui.sending import send
from tui.sending.recipients import PREFIX, StagedNumbers, as_recipients, remove_stale

ROOT = Path(__file__).resolve().parents[2]


def numbers(count: int) -> list[Number]:
    return [parse_number(f"+3361{i:07d}") for i in range(count)]


def test_a_sequence_of_parsed_numbers_in_order_once_each(tmp_path: Path) -> None:
    given = numbers(2_500)
    staged = StagedNumbers.of([*given, given[3], given[2_000]])
    try:
        assert (len(staged), staged.duplicates) == (2_500, 2)
        assert list(staged) == given
        assert staged[0] == given[0] and staged[-1] == given[-1]
        assert staged[998:1_003] == tuple(given[998:1_003])
        assert staged[2_400:9_999] == tuple(given[2_400:])
        assert given[1_234] in staged and "+33699999999" not in staged
        with pytest.raises(IndexError):
            staged[2_500]
        page = staged[10:12]
        assert all(isinstance(n, Number) and n.line_type is LineType.MOBILE for n in page)
        assert repr(staged) == "<StagedNumbers of 2500 numbers>"
    finally:
        staged.close()


def test_the_file_is_private_and_removed(tmp_path: Path) -> None:
    staged = StagedNumbers(tmp_path)
    staged.add(numbers(3))
    path = staged.database
    assert path.parent == tmp_path and path.name.startswith(PREFIX)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    staged.close()
    assert not path.exists()


def test_a_file_left_by_a_killed_process_is_removed_by_the_next(tmp_path: Path) -> None:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone = int(child.stdout)
    stale = tmp_path / f"{PREFIX}{gone}-abcdef.db"
    stale.write_bytes(b"")
    mine = tmp_path / f"{PREFIX}{os.getpid()}-abcdef.db"
    mine.write_bytes(b"")
    remove_stale(tmp_path)
    assert not stale.exists() and mine.exists()


async def test_the_outbox_copies_a_staged_list_and_the_batches_read_it(tmp_path: Path) -> None:
    given = numbers(1_100)
    staged = StagedNumbers.of([*given, given[0]])
    provider = FakeProvider()
    with Store(tmp_path / "outbox.db") as store:
        outcome = await send(store, provider, "acct", SmsMessage("x", as_recipients(staged)))
        rows = store._conn.execute(
            "SELECT position, number FROM send_recipients WHERE reference = ? ORDER BY position",
            (outcome.reference,),
        ).fetchall()
        assert [tuple(row) for row in rows] == list(enumerate(given))
        row = store.get_send(outcome.reference)
        assert row is not None and (row.recipients_total, row.accepted) == (1_100, 1_100)
    sent = [m.recipients for m, _ in provider.calls]
    assert [len(batch) for batch in sent] == [500, 500, 100]
    assert [n for batch in sent for n in batch] == given
    staged.close()
