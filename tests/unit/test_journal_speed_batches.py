"""A batch found through the positions of its numbers (``tui.outbox.inflight``): the same rows
change, to the same values, as when each number is looked up; whatever is not a range of pending
numbers takes that general way, and is refused when a number is not pending."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage
from tui.outbox import inflight
from tui.outbox.journal import SendJournal, Tally
from tui.outbox.store import RecipientState, Store, StoreError

# Numbers of several lengths, one a prefix of the next, and an address with a non-ASCII letter
# (eCampaign mail): the padding of the positions' check must tell them all apart.
NUMBERS = (
    "+33611223344",
    "+4915112345678",
    "+3361122334",
    "+1202555012",
    "zoé@exemple.fr",
    "+33622334455",
    "+33633445566",
    "+33644556677",
)
A, B, C, D = NUMBERS[:4]
SHARED_COST = Decimal("0.035")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def begin(store: Store, numbers: tuple[str, ...] = NUMBERS) -> SendJournal:
    return SendJournal.begin(store, "acct", "octopush", SmsMessage("x", numbers))


def rows(store: Store, reference: str) -> list[tuple[object, ...]]:
    """What a send's recipients say, in order (what the readers read)."""
    return [
        tuple(row)
        for row in store._conn.execute(
            "SELECT position, number, state, batch, error, cost, message_id FROM send_recipients "
            "WHERE reference = ? ORDER BY position",
            (reference,),
        )
    ]


def state_of(store: Store, reference: str) -> dict[str, str]:
    return {str(row[1]): str(row[2]) for row in rows(store, reference)}


def counted_right(journal: SendJournal) -> bool:
    """The counters kept batch by batch are those of a full recount."""
    return journal.tally() == Tally.of(journal.store.recipient_counts(journal.reference))


ANSWERS = {
    "all alike": lambda batch: SendReceipt(
        "octopush",
        SendStatus.ACCEPTED,
        tuple(RecipientResult(n, SendStatus.ACCEPTED, cost=Decimal("0.035")) for n in batch),
        cost=Decimal("0.07"),
        reference="T1",
    ),
    "one cost object for all": lambda batch: SendReceipt(
        "octopush",
        SendStatus.ACCEPTED,
        tuple(RecipientResult(n, SendStatus.ACCEPTED, cost=SHARED_COST) for n in batch),
    ),
    "equal costs written apart": lambda batch: SendReceipt(
        "octopush",
        SendStatus.ACCEPTED,
        tuple(
            RecipientResult(
                n, SendStatus.ACCEPTED, cost=SHARED_COST if i % 2 else Decimal("0.0350")
            )
            for i, n in enumerate(batch)
        ),
    ),
    "one error for all": lambda batch: SendReceipt(
        "octopush",
        SendStatus.REJECTED,
        tuple(RecipientResult(n, SendStatus.REJECTED, error="invalid_recipient") for n in batch),
    ),
    "an error each": lambda batch: SendReceipt(
        "octopush",
        SendStatus.REJECTED,
        tuple(RecipientResult(n, SendStatus.REJECTED, error=f"code {n[-1]}") for n in batch),
    ),
    "some listed": lambda batch: SendReceipt(  # the others take the receipt's status
        "octopush",
        SendStatus.REJECTED,
        tuple(RecipientResult(n, SendStatus.ACCEPTED) for n in batch[:2]),
    ),
    "nothing listed": lambda batch: SendReceipt("capitole", SendStatus.ACCEPTED),
    "message ids": lambda batch: SendReceipt(
        "ecampaign",
        SendStatus.ACCEPTED,
        tuple(
            RecipientResult(n, SendStatus.ACCEPTED, message_id=f"m-{n}", cost=SHARED_COST)
            for n in batch
        ),
    ),
    "an empty message id": lambda batch: SendReceipt(
        "octopush",
        SendStatus.ACCEPTED,
        tuple(RecipientResult(n, SendStatus.ACCEPTED, message_id="") for n in batch),
    ),
    "mixed": lambda batch: SendReceipt(
        "octopush",
        SendStatus.ACCEPTED,
        (
            RecipientResult(batch[0], SendStatus.REJECTED, error="invalid_recipient"),
            RecipientResult(batch[1].lstrip("+"), SendStatus.ACCEPTED, message_id="m1"),
            RecipientResult(batch[2], SendStatus.UNKNOWN),
        ),  # the fourth is not listed: it takes the receipt's status
    ),
}


def run(store: Store, answer_name: str) -> tuple[str, list[tuple[object, ...]]]:
    journal = begin(store)
    for index in range(2):
        batch = NUMBERS[index * 4 : (index + 1) * 4]
        journal.leaving(index, batch, request_id=None)
        journal.result(index, ANSWERS[answer_name](batch))
        assert counted_right(journal)
    return journal.reference, rows(store, journal.reference)


@pytest.mark.parametrize("answer_name", list(ANSWERS))
def test_a_batch_by_its_positions_ends_as_by_its_numbers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer_name: str
) -> None:
    with Store(tmp_path / "ranges.db") as by_range:
        reference, ranged = run(by_range, answer_name)
        assert by_range.counters(reference)[0] == len(NUMBERS)
    with monkeypatch.context() as patch:
        patch.setattr(inflight, "mark", lambda *args: None)  # every number looked up
        with Store(tmp_path / "numbers.db") as by_number:
            _, looked_up = run(by_number, answer_name)
    assert ranged == looked_up
    assert {row[2] for row in ranged} != {RecipientState.SENDING.value}


def test_a_range_of_pending_numbers_is_marked_without_a_look_up_per_number(store: Store) -> None:
    journal = begin(store)
    statements: list[str] = []
    store._conn.set_trace_callback(statements.append)
    try:
        journal.leaving(0, NUMBERS[:4], request_id=None)
        journal.result(0, ANSWERS["all alike"](NUMBERS[:4]))
    finally:
        store._conn.set_trace_callback(None)
    writes = [s for s in statements if "send_recipients" in s and "UPDATE" in s]
    assert writes and all("position BETWEEN" in s and "json_each" not in s for s in writes)
    assert not any(s.startswith("SELECT id, number, state") for s in statements)  # not re-read
    assert set(state_of(store, journal.reference).values()) == {"accepted", "pending"}


@pytest.mark.parametrize(
    "batch",
    [
        (B, C),  # B was sent in batch 0
        (C, D, B),  # the last one was
        (A, A),  # twice in one batch
        (C, "+33699999999"),  # not in this send
        ("+33699999999",),
    ],
)
def test_a_batch_with_a_number_not_pending_is_refused_whole(
    store: Store, batch: tuple[str, ...]
) -> None:
    journal = begin(store)
    journal.leaving(0, (B,), request_id=None)
    journal.result(0, ANSWERS["nothing listed"]((B,)))
    before = rows(store, journal.reference)
    with pytest.raises(StoreError, match="some numbers are not pending in this send"):
        store.mark_batch_sending(journal.reference, 1, batch)
    assert rows(store, journal.reference) == before  # nothing marked, not even the pending ones
    assert store.batch_state(journal.reference, 1) is None


@pytest.mark.parametrize(
    "batch",
    [
        (C, A),  # not in the send's order
        (B, D),  # not consecutive
        (D, C, B),
        (NUMBERS[-1],),
    ],
)
def test_numbers_that_are_not_a_range_go_all_the_same(store: Store, batch: tuple[str, ...]) -> None:
    journal = begin(store)
    journal.leaving(0, batch, request_id=None)
    assert {n for n, s in state_of(store, journal.reference).items() if s == "sending"} == set(
        batch
    )
    journal.result(0, ANSWERS["mixed"]((*batch, A, B, C)[:4]))
    states = state_of(store, journal.reference)
    assert {n for n, s in states.items() if s != "pending"} == set(batch)
    assert counted_right(journal)


def test_a_number_padded_like_another_is_not_taken_for_it(store: Store) -> None:
    # The positions' check pads the numbers given with spaces: a number ending with a space
    # must not pass for the one without it, which holds the position after A.
    journal = begin(store, (A, "+33612", "+33612 "))
    journal.leaving(0, (A, "+33612 "), request_id=None)
    journal.result(0, ANSWERS["nothing listed"](()))
    assert state_of(store, journal.reference) == {
        A: "accepted",
        "+33612": "pending",
        "+33612 ": "accepted",
    }


@pytest.mark.parametrize(
    ("answer_name", "outcome"),
    [
        ("all alike", ["accepted"] * 4),
        ("an error each", ["rejected"] * 4),  # one statement per error
        ("some listed", ["accepted", "accepted", "rejected", "rejected"]),
    ],
)
def test_an_answer_after_another_process_settled_a_number_is_counted_right(
    store: Store, tmp_path: Path, answer_name: str, outcome: list[str]
) -> None:
    journal = begin(store)
    journal.leaving(0, NUMBERS[:4], request_id=None)
    # Meanwhile, another process's start-up recovery (on another host) found B unknown.
    other = sqlite3.connect(tmp_path / "outbox.db", isolation_level=None)
    other.execute(
        "UPDATE send_recipients SET state = 'unknown' WHERE reference = ? AND number = ?",
        (journal.reference, B),
    )
    other.execute("UPDATE sends SET unknown = 1 WHERE reference = ?", (journal.reference,))
    other.close()
    journal.result(0, ANSWERS[answer_name](NUMBERS[:4]))  # the provider's answer is the truth
    states = state_of(store, journal.reference)
    assert [states[n] for n in NUMBERS[:4]] == outcome
    assert counted_right(journal)
    assert journal.tally().unknown == 0


def test_a_batch_turned_away_goes_again_by_its_positions(store: Store) -> None:
    journal = begin(store)
    journal.leaving(0, NUMBERS[:4], request_id=None)
    journal.turned_away(0)
    assert set(state_of(store, journal.reference).values()) == {"pending"}
    journal.leaving(0, NUMBERS[:4], request_id=None)
    journal.result(0, ANSWERS["message ids"](NUMBERS[:4]))
    found = rows(store, journal.reference)
    assert [(r[2], r[3], r[6]) for r in found[:4]] == [
        ("accepted", 0, f"m-{n}") for n in NUMBERS[:4]
    ]
    assert counted_right(journal)


def test_a_batch_marked_by_its_positions_is_found_in_flight_after_a_crash(tmp_path: Path) -> None:
    crashed = Store(tmp_path / "outbox.db")
    journal = begin(crashed)
    journal.leaving(0, NUMBERS[:4], request_id=None)
    crashed.close()  # the request was out: it may have been processed
    with Store(tmp_path / "outbox.db") as store:
        (send,) = store.recover_interrupted_sends()
        assert (send.state, send.unknown, send.cancelled) == ("unknown", 4, 4)
        states = state_of(store, journal.reference)
        assert [states[n] for n in NUMBERS] == ["unknown"] * 4 + ["cancelled"] * 4
