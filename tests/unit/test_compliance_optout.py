"""Opted-out numbers are left out of every send (tui.compliance.optout, through the one send
orchestration), said so in the outcome, and kept only for a notification, knowingly."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest

from providers.base import Provider
from providers.errors import InputError
from providers.models import GroupTarget, Route, SmsMessage, VoiceMessage
from tests.unit.sending_fakes import A, B, C, FakeProvider
from tui.compliance.optout import (
    AllOptedOut,
    opted_out_in,
    override_refusal,
    screen,
)
from tui.outbox.optout import OptOuts, OptOutSource
from tui.outbox.store import SendState, Store
from tui.sending import deliver, plan_resend, resend, send


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        OptOuts(opened).add_many([B], OptOutSource.STOP, account="elsewhere")
        yield opened


def test_screen_leaves_out_and_names_them(store: Store) -> None:
    screened = screen(store, SmsMessage("hi", (A, B, C)))
    assert screened.message.recipients == (A, C)
    assert screened.opted_out == (B,)
    assert opted_out_in(store, [SmsMessage("x", (B, A)), SmsMessage("y", (B,))]) == (B,)


def test_every_number_opted_out_is_refused(store: Store) -> None:
    with pytest.raises(AllOptedOut) as caught:
        screen(store, SmsMessage("hi", (B,)))
    assert caught.value.field == "recipient" and caught.value.numbers == (B,)
    # A group send still goes (eCampaign screens its group with its own blacklist).
    grouped = screen(store, SmsMessage("hi", (B,), group=GroupTarget("7", ("mobile",))))
    assert grouped.message.recipients == () and grouped.opted_out == (B,)


def test_override_only_for_notifications(store: Store) -> None:
    kept = screen(store, SmsMessage("code 1234", (A, B)), include_opted_out=True)
    assert kept.message.recipients == (A, B) and kept.included == (B,) and not kept.opted_out
    with pytest.raises(InputError) as caught:
        screen(store, SmsMessage("promo", (A, B), route=Route.MARKETING), include_opted_out=True)
    assert caught.value.field == "include_opted_out"
    assert override_refusal(VoiceMessage((A,), tts="x"), promotional=True) is not None
    assert override_refusal(VoiceMessage((A,), tts="x")) is None


async def test_send_leaves_the_number_out_of_the_request_and_the_journal(store: Store) -> None:
    provider = FakeProvider()
    outcome = await send(store, cast(Provider, provider), "acct", SmsMessage("hi", (A, B, C)))
    assert outcome.opted_out == (B,)
    assert outcome.total == 2 and outcome.state is SendState.ACCEPTED
    ((message, _dry),) = provider.calls
    assert message.recipients == (A, C)
    assert [r.number for r in store.recipients(outcome.reference, limit=10)] == [A, C]


async def test_deliver_carries_the_override(store: Store) -> None:
    provider = FakeProvider()
    delivery = await deliver(
        store,
        cast(Provider, provider),
        "acct",
        [SmsMessage("code", (A, B))],
        include_opted_out=True,
    )
    assert delivery.error is None and delivery.outcomes[0].opted_out == ()
    assert provider.calls[0][0].recipients == (A, B)


async def test_a_resend_leaves_out_a_number_that_opted_out_since(store: Store) -> None:
    provider = FakeProvider(
        lambda m: (_ for _ in ()).throw(InputError("text", "refused"))  # type: ignore[arg-type]
    )
    first = await send(store, cast(Provider, provider), "acct", SmsMessage("hi", (A, C)))
    assert first.state is SendState.REJECTED
    OptOuts(store).add(C)
    assert plan_resend(store, first.reference) is not None
    again = await resend(store, cast(Provider, provider), first.reference)
    assert again.opted_out == (C,)
    assert provider.calls[-1][0].recipients == (A,)


async def test_a_personalised_text_for_opted_out_people_only_does_not_stop_the_others(
    store: Store,
) -> None:
    provider = FakeProvider()
    messages = [SmsMessage("Bonjour Anne", (A,)), SmsMessage("Bonjour Bob", (B,)),
                SmsMessage("Bonjour Chloé", (C,))]  # fmt: skip
    delivery = await deliver(store, cast(Provider, provider), "acct", messages)
    assert delivery.error is None and not delivery.not_sent
    assert delivery.opted_out == (B,)
    assert [m.recipients for m, _dry in provider.calls] == [(A,), (C,)]
    assert all(outcome.state is SendState.ACCEPTED for outcome in delivery.outcomes)


async def test_personalised_texts_all_opted_out_send_nothing(store: Store) -> None:
    OptOuts(store).add(A)
    provider = FakeProvider()
    messages = [SmsMessage("Bonjour Anne", (A,)), SmsMessage("Bonjour Bob", (B,))]
    delivery = await deliver(store, cast(Provider, provider), "acct", messages)
    assert isinstance(delivery.error, AllOptedOut) and delivery.opted_out == (A, B)
    assert provider.calls == [] and store.list_sends(limit=5) == []
