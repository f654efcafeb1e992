"""A batch costs the same at the end of a large send as at its start (issue 13, item 2).

Counted in SQLite virtual-machine steps (``set_progress_handler``), not in seconds, so the test
is exact on a busy machine: a query that reads the whole send (a scan of its recipients to find
one batch, a recount of every state) grows with the send, an indexed one does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage
from tui.outbox.journal import SendJournal, Tally
from tui.outbox.store import Store

BATCH = 500
STEP = 50  # VM instructions per progress call


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def numbers(count: int, offset: int = 0) -> list[str]:
    return [f"+3361{offset + i:07d}" for i in range(count)]


def steps(store: Store, work: Callable[[], object]) -> int:
    """The SQLite VM instructions ``work`` runs (to within ``STEP``)."""
    counted = [0]

    def tick() -> int:
        counted[0] += 1
        return 0

    store._conn.set_progress_handler(tick, STEP)
    try:
        work()
    finally:
        store._conn.set_progress_handler(None, STEP)
    return counted[0] * STEP


def receipt(batch: list[str]) -> SendReceipt:
    results = tuple(RecipientResult(n, SendStatus.ACCEPTED, message_id=f"m{n}") for n in batch)
    return SendReceipt("capitole", SendStatus.ACCEPTED, results, reference="T1")


def batch_cost(store: Store, reference: str, index: int, batch: list[str]) -> int:
    def one() -> None:
        journal = SendJournal(store, reference, "capitole")
        journal.leaving(index, batch, request_id=None)
        journal.result(index, receipt(batch))
        journal.tally()

    return steps(store, one)


def test_a_batch_costs_the_same_at_the_end_of_a_send_as_at_its_start(store: Store) -> None:
    small = numbers(2 * BATCH, offset=9_000_000)
    big = numbers(40 * BATCH)
    small_ref = store.begin_send("acct", "capitole", "sms", SmsMessage("x", tuple(small)))
    big_ref = store.begin_send("acct", "capitole", "sms", SmsMessage("x", tuple(big)))
    # Delivery reports for every number already sent: they must not be walked either.
    costs = []
    for index in range(40):
        batch = big[index * BATCH : (index + 1) * BATCH]
        costs.append(batch_cost(store, big_ref, index, batch))
        store._conn.execute(
            "UPDATE send_recipients SET delivery_state = 'delivered' WHERE reference = ? "
            "AND batch = ?",
            (big_ref, index),
        )
    first_small = batch_cost(store, small_ref, 0, small[:BATCH])
    start, end = costs[1], costs[-1]
    assert end <= start * 1.1, (start, end)
    # Nor at the start: a batch never walks the numbers still pending either.
    assert max(costs) <= first_small * 1.2, (first_small, costs)


def test_the_counters_follow_every_batch_without_a_recount(store: Store) -> None:
    sent = numbers(3 * BATCH)
    reference = store.begin_send("acct", "capitole", "sms", SmsMessage("x", tuple(sent)))
    journal = SendJournal(store, reference, "capitole")
    answers = [
        receipt(sent[:BATCH]),
        SendReceipt(
            "capitole",
            SendStatus.ACCEPTED,
            tuple(
                RecipientResult(n, SendStatus.REJECTED if i % 3 else SendStatus.UNKNOWN)
                for i, n in enumerate(sent[BATCH : 2 * BATCH])
            ),
        ),
    ]
    for index, answer in enumerate(answers):
        batch = sent[index * BATCH : (index + 1) * BATCH]
        journal.leaving(index, batch, request_id=None)
        journal.result(index, answer)
        assert journal.tally() == Tally.of(store.recipient_counts(reference))
    journal.stop("not sent")
    assert journal.tally() == Tally.of(store.recipient_counts(reference))
    assert journal.tally() == Tally(
        accepted=500, rejected=333, unknown=167, cancelled=500, remaining=0
    )


def test_a_batch_query_uses_the_batch_index(store: Store) -> None:
    plan = " ".join(
        row[3]
        for row in store._conn.execute(
            "EXPLAIN QUERY PLAN SELECT id, number, state FROM send_recipients "
            "WHERE reference = ? AND batch = ? AND state IN (?, ?) ORDER BY position",
            ("R", 0, "sending", "unknown"),
        )
    )
    assert "send_recipients_batch (reference=? AND batch=?)" in plan
    assert "TEMP B-TREE" not in plan
