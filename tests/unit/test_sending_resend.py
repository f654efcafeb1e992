"""A knowing resend: what it targets, the group, the refusals, the plan the operator confirms."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from providers.errors import OutcomeUnknownError, ProviderError
from providers.models import GroupTarget, SendReceipt, SmsMessage, VoiceMessage
from tests.unit.sending_fakes import NUMBERS, A, Capitole, FakeProvider, fail, ok, sms
from tui.outbox.store import SendState, Store, StoreError
from tui.sending import SendProgress, plan_resend, resend, send
from tui.sending.resend import group_in_resend


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    with Store(db) as opened:
        yield opened


async def test_a_resend_does_not_send_an_accepted_group_again(store: Store) -> None:
    cancel = asyncio.Event()

    def after_first_batch(progress: SendProgress) -> None:
        cancel.set()

    group = GroupTarget("42")
    message = SmsMessage("Soldes", NUMBERS[:4], group=group)
    first = await send(
        store,
        FakeProvider(),
        "acct",
        message,
        batch_size=2,
        cancel=cancel,
        progress=after_first_batch,
    )
    assert first.state is SendState.CANCELLED
    again = FakeProvider()
    await resend(store, again, first.reference, batch_size=2)
    assert [(m.recipients, m.group) for m, _ in again.calls] == [(NUMBERS[2:4], None)]
    # Asking for every recipient again is the operator's explicit choice: the group comes too.
    everyone = FakeProvider()
    await resend(store, everyone, first.reference, all_recipients=True, batch_size=4)
    assert [(m.recipients, m.group) for m, _ in everyone.calls] == [(NUMBERS[:4], group)]


async def test_a_resend_can_leave_out_the_unknown_outcomes(store: Store) -> None:
    def first_unsure(message: SmsMessage | VoiceMessage) -> SendReceipt:
        raise OutcomeUnknownError("fake", "timed out after sending")

    group = GroupTarget("42")
    message = SmsMessage("Soldes", NUMBERS[:6], group=group)
    first = await send(store, FakeProvider(first_unsure), "acct", message, batch_size=2)
    assert (first.state, first.unknown, first.cancelled) == (SendState.UNKNOWN, 2, 4)
    # Only the numbers never requested: neither the unknown ones nor the group can get it twice.
    assert not group_in_resend(store, first.reference, skip_unknown=True)
    safe = FakeProvider()
    await resend(store, safe, first.reference, skip_unknown=True, batch_size=10)
    assert [(m.recipients, m.group) for m, _ in safe.calls] == [(NUMBERS[2:6], None)]
    # Knowingly, everything unsettled goes again, the group included, but not the numbers the
    # first resend already requested: they have it.
    assert group_in_resend(store, first.reference)
    plan = plan_resend(store, first.reference)
    assert plan is not None and (plan.pending, plan.never_sent, plan.unknown) == (2, 0, 2)
    everything = FakeProvider()
    await resend(store, everything, first.reference, batch_size=10)
    assert [(m.recipients, m.group) for m, _ in everything.calls] == [(NUMBERS[:2], group)]
    # No number is left that neither the send nor a resend of it requested.
    left = plan_resend(store, first.reference)
    assert left is not None and (left.pending, left.unknown) == (0, 0)


async def test_a_resend_keeps_a_group_whose_request_was_refused(store: Store) -> None:
    refused = ProviderError("fake", "25", "no credit", "Crédit insuffisant")
    message = VoiceMessage(recipients=(A,), group=GroupTarget("42"), template_id="T1")
    first = await send(store, FakeProvider(fail(refused)), "acct", message)
    assert first.state is SendState.REJECTED
    again = FakeProvider()
    await resend(store, again, first.reference)
    assert [(m.recipients, m.group) for m, _ in again.calls] == [((A,), GroupTarget("42"))]


async def test_resend_targets_what_was_not_accepted(store: Store) -> None:
    provider = FakeProvider(ok, fail(OutcomeUnknownError("fake", "timeout")))
    first = await send(store, provider, "acct", sms(*NUMBERS[:6]), batch_size=2)
    assert first.state is SendState.UNKNOWN
    again = FakeProvider()
    outcome = await resend(store, again, first.reference)
    assert [m.recipients for m, _ in again.calls] == [NUMBERS[2:6]]
    row = store.get_send(outcome.reference)
    assert row is not None and row.resend_of == first.reference
    assert outcome.state is SendState.ACCEPTED

    everyone = FakeProvider()
    await resend(store, everyone, first.reference, all_recipients=True)
    assert [m.recipients for m, _ in everyone.calls] == [NUMBERS[:6]]


async def test_resend_refusals(store: Store) -> None:
    done = await send(store, FakeProvider(), "acct", sms())
    with pytest.raises(StoreError, match="is accepted"):
        await resend(store, FakeProvider(), done.reference)
    dry = await send(store, FakeProvider(), "acct", sms(), dry_run=True)
    with pytest.raises(StoreError, match="dry-run"):
        await resend(store, FakeProvider(), dry.reference)
    refused = await send(store, FakeProvider(fail(ProviderError("fake", "X", "no"))), "acct", sms())
    with pytest.raises(StoreError, match="not capitole"):
        await resend(store, Capitole(), refused.reference)
    with pytest.raises(StoreError, match="no send"):
        await resend(store, FakeProvider(), "PVMISSING")


async def test_the_plan_after_an_unknown_batch_offers_the_never_sent(store: Store) -> None:
    group = GroupTarget("42")
    message = SmsMessage("Soldes", NUMBERS[:6], group=group)
    unsure = fail(OutcomeUnknownError("fake", "timed out after sending"))
    first = await send(store, FakeProvider(ok, unsure), "acct", message, batch_size=2)
    plan = plan_resend(store, first.reference)
    assert plan is not None and plan.send.reference == first.reference
    assert (plan.pending, plan.never_sent) == (4, 2)
    assert plan.group == group
    # The group went with the accepted first batch: neither kind of resend names it again.
    assert (plan.group_again, plan.group_again_if_never_sent) == (False, False)
    assert plan.may_duplicate and plan.offers_never_sent


async def test_the_plan_names_the_group_whose_outcome_is_unknown(store: Store) -> None:
    message = SmsMessage("Soldes", NUMBERS[:4], group=GroupTarget("42"))
    unsure = fail(OutcomeUnknownError("fake", "timed out after sending"))
    first = await send(store, FakeProvider(unsure), "acct", message, batch_size=2)
    plan = plan_resend(store, first.reference)
    assert plan is not None
    assert (plan.group_again, plan.group_again_if_never_sent) == (True, False)


async def test_the_plan_of_a_refusal_warns_of_no_duplicate(store: Store) -> None:
    refused = await send(store, FakeProvider(fail(ProviderError("fake", "X", "no"))), "acct", sms())
    plan = plan_resend(store, refused.reference)
    assert plan is not None
    assert (plan.pending, plan.never_sent, plan.group, plan.group_again) == (3, 3, None, False)
    assert not plan.may_duplicate and not plan.offers_never_sent


async def test_no_plan_for_a_send_that_may_not_be_resent(store: Store) -> None:
    done = await send(store, FakeProvider(), "acct", sms())
    assert done.state is SendState.ACCEPTED
    assert plan_resend(store, done.reference) is None
    assert plan_resend(store, "PVMISSING") is None
