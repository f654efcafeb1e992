"""A staged list answers the sending-hours and opt-out questions without being read into
Python (``StagedNumbers.samples``, ``among``, ``without``), and the answers are those the
plain tuple of the same numbers gets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from providers.models import GroupTarget, Route, SmsMessage
from providers.phone import parse_number
from tui.compliance import hours
from tui.compliance import optout as optout_module
from tui.compliance.optout import AllOptedOut, opted_out_in, screen
from tui.outbox.optout import OptOuts, OptOutSource
from tui.outbox.store import Store
from tui.sending.recipients import StagedNumbers, as_recipients

MAINLAND = [f"+3361{i:07d}" for i in range(3_000)]
REUNION, MAYOTTE, GUADELOUPE = "+262692123456", "+262639012345", "+590690123456"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def staged(numbers: list[str]) -> StagedNumbers:
    return StagedNumbers.of(parse_number(n) for n in numbers)


def test_samples_give_one_number_per_prefix() -> None:
    numbers = staged([*MAINLAND[:5], REUNION, MAINLAND[5], MAYOTTE, GUADELOUPE])
    try:
        samples = numbers.samples(4)
        assert sorted(s[:4] for s in samples) == ["+262", "+336", "+590"]
        assert len(numbers.samples(7)) == 4  # +262692 and +262639 part at 7 characters
        assert set(numbers.samples(12)) == set(numbers)  # every number is its own prefix
    finally:
        numbers.close()


def test_among_finds_a_few_numbers_in_the_staged_order() -> None:
    numbers = staged(MAINLAND)
    try:
        wanted = [MAINLAND[2_999], "+33699999999", MAINLAND[7], MAINLAND[1_500], MAINLAND[7]]
        assert numbers.among(wanted) == (MAINLAND[7], MAINLAND[1_500], MAINLAND[2_999])
        assert numbers.among([]) == ()
        assert numbers.among(iter(MAINLAND)) == tuple(MAINLAND)  # more than a page
    finally:
        numbers.close()


def test_without_copies_the_rest_in_order_and_leaves_the_source_as_it_was() -> None:
    numbers = staged(MAINLAND)
    gone = [MAINLAND[0], MAINLAND[1_000], MAINLAND[2_999], "+33699999999"]
    kept = numbers.without(gone)
    try:
        expected = [n for n in MAINLAND if n not in gone]
        assert len(kept) == len(expected) and list(kept) == expected
        assert kept[998:1_001] == tuple(expected[998:1_001])  # positions without a gap
        assert kept.database != numbers.database and kept.database.exists()
        assert len(numbers) == 3_000 and list(numbers) == MAINLAND
    finally:
        kept.close()
        numbers.close()
    assert not kept.database.exists()


@pytest.mark.parametrize(
    ("listed", "limit"),
    [(1, 100_000), (5_000, 100_000), (2, 1)],
    ids=["short list", "list longer than the send", "list beyond the lookup limit"],
)
def test_screening_a_staged_list_matches_screening_the_tuple(
    store: Store, listed: int, limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whichever list is walked (the shorter, or the send's pages when the opt-out list is too
    long to read whole), the numbers left out and kept are the same."""
    monkeypatch.setattr(optout_module, "LOOKUP_LIMIT", limit)
    # One number of the send, or two among thousands that are not in it.
    on_list = [MAINLAND[2_500]] if listed == 1 else [MAINLAND[2_500], MAINLAND[10]]
    others = [f"+3362{i:07d}" for i in range(listed - len(on_list))]
    OptOuts(store).add_many([*on_list, *others], OptOutSource.STOP)
    numbers = staged(MAINLAND)
    try:
        as_tuple = screen(store, SmsMessage("hi", tuple(MAINLAND)))
        as_staged = screen(store, SmsMessage("hi", as_recipients(numbers)))
        assert as_staged.opted_out == as_tuple.opted_out
        assert list(as_staged.message.recipients) == list(as_tuple.message.recipients)
        assert opted_out_in(store, [SmsMessage("hi", as_recipients(numbers))]) == (
            as_tuple.opted_out
        )
        expected = (MAINLAND[10], MAINLAND[2_500]) if listed > 1 else (MAINLAND[2_500],)
        assert as_staged.opted_out == expected
    finally:
        numbers.close()


def test_a_staged_list_all_opted_out_is_refused_unless_it_goes_to_a_group(store: Store) -> None:
    OptOuts(store).add_many(MAINLAND[:3], OptOutSource.STOP)
    numbers = staged(MAINLAND[:3])
    try:
        with pytest.raises(AllOptedOut):
            screen(store, SmsMessage("hi", as_recipients(numbers)))
        group = GroupTarget("7", ("mobile",))
        grouped = screen(store, SmsMessage("hi", as_recipients(numbers), group=group))
        assert len(grouped.message.recipients) == 0 and len(grouped.opted_out) == 3
    finally:
        numbers.close()


def test_no_opt_out_list_leaves_the_staged_list_itself(store: Store) -> None:
    numbers = staged(MAINLAND)
    try:
        message = SmsMessage("hi", as_recipients(numbers))
        assert screen(store, message).message is message
    finally:
        numbers.close()


def test_the_hours_of_a_staged_list_are_those_of_its_numbers() -> None:
    """Sunday 10:00 Paris: refused for a marketing SMS, with the places of every number."""
    given = [*MAINLAND[:50], REUNION, *MAINLAND[50:100], GUADELOUPE, MAYOTTE]
    numbers = staged(given)
    at = datetime(2025, 3, 9, 9, 0, tzinfo=UTC)
    try:
        for recipients in (as_recipients(numbers), tuple(given)):
            message = SmsMessage("promo", recipients, route=Route.MARKETING)
            verdict = hours.check_messages([message], now=at)
            assert not verdict.allowed
            assert {p.region for p in verdict.places} == {"FR", "RE", "GP", "YT"}
            assert verdict.next_allowed == datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    finally:
        numbers.close()
