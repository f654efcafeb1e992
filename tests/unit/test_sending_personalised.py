"""Several messages in a row (personalised texts): stop at the first that does not end well,
journal the ones never begun, never the ones that began."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage, VoiceMessage
from tests.unit.sending_fakes import NUMBERS, FakeProvider, fail, ok, sms
from tui.outbox.store import SendState, Store, StoreError
from tui.sending import Delivery, deliver

ANNE, BRUNO, CHLOE = NUMBERS[:3]
WHY = "not sent: an earlier personalised message failed"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def personalised() -> list[SmsMessage]:
    return [
        sms(ANNE, text="Bonjour Anne"),
        sms(BRUNO, NUMBERS[3], text="Bonjour Bruno"),
        sms(CHLOE, text="Bonjour Chloé"),
    ]


async def test_every_message_goes_when_all_are_accepted(store: Store) -> None:
    provider = FakeProvider()
    delivery = await deliver(store, provider, "acct", personalised())
    assert [m.text for m, _ in provider.calls] == ["Bonjour Anne", "Bonjour Bruno", "Bonjour Chloé"]
    assert [o.state for o in delivery.outcomes] == [SendState.ACCEPTED] * 3
    assert (delivery.error, delivery.not_sent, delivery.not_sent_recipients) == (None, (), 0)
    assert delivery.last is delivery.outcomes[-1]


async def test_a_refusal_stops_the_rest_which_are_journalled(store: Store) -> None:
    refused = ProviderError("fake", "NOT_ENOUGH_CREDITS", "no credit")
    provider = FakeProvider(ok, fail(refused))
    delivery = await deliver(store, provider, "acct", personalised())
    assert len(provider.calls) == 2
    assert [o.state for o in delivery.outcomes] == [SendState.ACCEPTED, SendState.REJECTED]
    assert delivery.errors == (refused,) and delivery.error is None
    (skipped,) = delivery.not_sent
    assert delivery.not_sent_recipients == 1
    row = store.get_send(skipped)
    assert row is not None and (row.state, row.cancelled) == (SendState.CANCELLED, 1)
    assert [r.error for r in store.recipients(skipped)] == [WHY]
    assert store.message_of(skipped).text == "Bonjour Chloé"
    assert store.count_sends() == 3


async def test_an_unknown_outcome_stops_the_rest(store: Store) -> None:
    provider = FakeProvider(fail(OutcomeUnknownError("fake", "read timeout")))
    delivery = await deliver(store, provider, "acct", personalised())
    assert len(provider.calls) == 1
    assert [o.state for o in delivery.outcomes] == [SendState.UNKNOWN]
    assert (len(delivery.not_sent), delivery.not_sent_recipients) == (2, 3)
    states = sorted(str(s.state) for s in store.list_sends())
    assert states == ["cancelled", "cancelled", "unknown"]


async def test_a_message_refused_before_it_began_is_journalled_with_the_rest(
    store: Store,
) -> None:
    provider = FakeProvider()
    provider.invalid = "Bruno"  # the second message fails the provider's local checks
    delivery = await deliver(store, provider, "acct", personalised())
    assert isinstance(delivery.error, InputError)
    assert [m.text for m, _ in provider.calls] == ["Bonjour Anne"]
    assert (len(delivery.not_sent), delivery.not_sent_recipients) == (2, 3)


async def test_a_message_that_began_keeps_its_own_entry(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_mark = store.mark_batch_sending
    marks: list[str] = []

    def second_refused(reference: str, *args: object, **kwargs: object) -> None:
        marks.append(reference)
        if len(marks) == 2:
            raise StoreError(f"send {reference} is unknown; nothing may be sent")
        real_mark(reference, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "mark_batch_sending", second_refused)
    delivery = await deliver(store, FakeProvider(), "acct", personalised())
    assert isinstance(delivery.error, StoreError)
    assert [o.reference for o in delivery.outcomes] == [marks[0]]
    assert len(delivery.not_sent) == 1 and marks[1] not in delivery.not_sent
    by_reference = {s.reference: s.state for s in store.list_sends()}
    assert by_reference[marks[0]] is SendState.ACCEPTED
    assert by_reference[marks[1]] is SendState.CANCELLED  # began, refused before any request
    assert len(by_reference) == 3


async def test_cancelled_before_the_first_message(store: Store) -> None:
    cancel = asyncio.Event()
    cancel.set()
    provider = FakeProvider()
    delivery = await deliver(store, provider, "acct", personalised(), cancel=cancel)
    assert provider.calls == [] and delivery.outcomes == ()
    assert (len(delivery.not_sent), delivery.not_sent_recipients) == (3, 4)


async def test_a_single_message_refused_at_once_journals_nothing(store: Store) -> None:
    provider = FakeProvider()
    provider.invalid = "€"
    delivery = await deliver(store, provider, "acct", [sms(text="5 €")])
    assert isinstance(delivery.error, InputError)
    assert delivery == Delivery(error=delivery.error)
    assert store.count_sends() == 0


async def test_warnings_are_gathered_once(store: Store) -> None:
    def shortened(message: SmsMessage | VoiceMessage) -> SendReceipt:
        result = RecipientResult(message.recipients[0], SendStatus.ACCEPTED)
        return SendReceipt("fake", SendStatus.ACCEPTED, (result,), warnings=("sender shortened",))

    delivery = await deliver(store, FakeProvider(shortened, shortened), "acct", personalised()[:2])
    assert delivery.warnings == ["sender shortened"]
    assert len(delivery.receipts) == 2
