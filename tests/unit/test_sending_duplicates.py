"""Never twice (issue 8, item 1): a new send repeating an unfinished one is refused, the same
batch carries the same request id whatever path sends it, and the provider's "already received"
(Octopush code 120) is recorded as already sent, not as a failure."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from providers.errors import AlreadySentError, OutcomeUnknownError
from providers.models import SendReceipt, SmsMessage, VoiceMessage
from tests.unit.sending_fakes import NUMBERS, A, B, C, FakeProvider, Guarded, ok, sms
from tui.outbox.content import batch_request_id, content_hash
from tui.outbox.store import SendState, Store, StoreError
from tui.sending import deliver, plan_resend, resend, send
from tui.sending.overlap import DuplicateSendError, find_overlap
from tui.sending.run import ALREADY_SENT


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def timed_out(message: SmsMessage | VoiceMessage) -> SendReceipt:
    raise OutcomeUnknownError("fake", "timed out after sending")


def already_received(message: SmsMessage | VoiceMessage) -> SendReceipt:
    assert isinstance(message, SmsMessage)
    raise AlreadySentError("octopush", "120", "already received", request_id=message.request_id)


async def unknown_send(
    store: Store, message: SmsMessage, provider: FakeProvider | None = None
) -> str:
    """A send whose second batch timed out: the first accepted, the rest never sent."""
    provider = provider or FakeProvider(ok, timed_out)
    outcome = await send(store, provider, "acct", message, batch_size=1)
    assert outcome.state is SendState.UNKNOWN
    return outcome.reference


# --------------------------------------------------------------------------- overlap


async def test_a_new_send_repeating_an_unknown_one_is_refused_before_anything(
    store: Store,
) -> None:
    earlier = await unknown_send(store, sms())
    provider = FakeProvider()
    with pytest.raises(DuplicateSendError) as refused:
        await deliver(store, provider, "acct", [sms(C)])
    assert refused.value.overlap.send.reference == earlier
    assert refused.value.overlap.shared == 1
    assert earlier in str(refused.value)
    assert provider.calls == []
    assert [row.reference for row in store.list_sends()] == [earlier]  # nothing written

    delivery = await deliver(store, provider, "acct", [sms(C)], allow_duplicates=True)
    assert delivery.last is not None and delivery.last.state is SendState.ACCEPTED
    # A dry run sends nothing: it is never refused.
    checked = await deliver(store, FakeProvider(), "acct", [sms()], dry_run=True)
    assert checked.last is not None and checked.last.state is SendState.DRY_RUN


async def test_only_the_same_account_content_and_numbers_of_an_unfinished_send_overlap(
    store: Store,
) -> None:
    await unknown_send(store, sms(A, B))
    assert find_overlap(store, "acct", [sms(C)]) is None  # no number in common
    assert find_overlap(store, "other", [sms(A)]) is None  # another account
    assert find_overlap(store, "acct", [sms(A, text="Autre chose")]) is None
    assert find_overlap(store, "acct", [SmsMessage("x", (A,)), sms(B)]) is not None
    later = datetime.now(UTC) + timedelta(hours=49)
    assert find_overlap(store, "acct", [sms(A)], now=later) is None  # older than 48 hours
    # A send that ended accepted is finished: sending it again is the operator's business.
    done = await send(store, FakeProvider(), "acct", sms(A, text="Fini"))
    assert done.state is SendState.ACCEPTED
    assert find_overlap(store, "acct", [sms(A, text="Fini")]) is None


async def test_a_cancelled_send_is_unfinished_too(store: Store) -> None:
    cancel = asyncio.Event()
    outcome = await send(
        store, FakeProvider(), "acct", sms(), batch_size=1, cancel=cancel,
        progress=lambda _p: cancel.set(),
    )  # fmt: skip
    assert outcome.state is SendState.CANCELLED
    overlap = find_overlap(store, "acct", [sms(C)])
    assert overlap is not None and overlap.send.reference == outcome.reference
    assert [r.reference for r in store.list_sends(unfinished=True)] == [outcome.reference]


def test_the_overlap_check_is_one_indexed_look_up_and_cheap_at_100000_numbers(
    store: Store,
) -> None:
    numbers = tuple(f"+3361{i:07d}" for i in range(100_000))
    message = SmsMessage("Grande campagne", numbers)
    reference = store.begin_send("acct", "fake", "sms", message)
    store.finish_send(reference, "unknown")
    for other in range(20):  # other accounts' and contents' sends are never looked at
        store.begin_send(f"acct{other}", "fake", "sms", SmsMessage("x", numbers[:1000]))
    overlap = find_overlap(store, "acct", [SmsMessage("Grande campagne", numbers[::-1])])
    assert overlap is not None and overlap.shared == 100_000
    # Cheap is proven by the plan (the index), not by a stopwatch a loaded machine can break.
    plan = store._conn.execute(
        "EXPLAIN QUERY PLAN SELECT reference FROM sends WHERE account = ? AND content_hash = ? "
        "AND created_at >= ?",
        ("acct", content_hash("acct", message), ""),
    ).fetchall()
    assert "sends_content" in " ".join(str(row["detail"]) for row in plan)


# --------------------------------------------------------------------------- request ids


async def test_the_same_batch_carries_the_same_request_id_on_any_path(store: Store) -> None:
    first = Guarded(ok, timed_out)
    outcome = await send(store, first, "acct", sms(*NUMBERS[:4]), batch_size=2)
    again = Guarded()
    await resend(store, again, outcome.reference, batch_size=2)
    rerun = Guarded()
    await send(store, rerun, "acct", sms(*NUMBERS[:4]), batch_size=2)

    def ids(provider: FakeProvider) -> list[str | None]:
        return [m.request_id for m, _ in provider.calls if isinstance(m, SmsMessage)]

    content = content_hash("acct", sms())
    expected = [batch_request_id(content, NUMBERS[:2]), batch_request_id(content, NUMBERS[2:4])]
    assert ids(first) == expected
    assert ids(again) == expected[1:]  # the unknown batch, same numbers: the same id
    assert ids(rerun) == expected
    # Another text, another account or a dry run: other ids.
    other = Guarded()
    await send(store, other, "acct", sms(*NUMBERS[:2], text="Autre"), dry_run=True)
    await send(store, other, "acct2", sms(*NUMBERS[:2]))
    await send(store, other, "acct", sms(*NUMBERS[:2]), dry_run=True)
    assert not set(ids(other)) & set(expected)


async def test_a_batch_the_provider_had_already_received_is_already_sent(store: Store) -> None:
    provider = Guarded(ok, already_received, ok)
    outcome = await send(store, provider, "acct", sms(), batch_size=1)
    assert (outcome.state, outcome.accepted, outcome.already_sent) == (SendState.ACCEPTED, 3, 1)
    assert outcome.errors == ()
    rows = store.recipients(outcome.reference)
    assert [(r.state, r.error) for r in rows] == [
        ("accepted", None),
        ("accepted", ALREADY_SENT),
        ("accepted", None),
    ]
    assert "already" in outcome.receipts[1].warnings[0]


async def test_a_resend_of_everything_already_received_reports_already_sent(
    store: Store,
) -> None:
    earlier = await unknown_send(store, sms(A, B), Guarded(ok, timed_out))
    provider = Guarded(already_received)
    outcome = await resend(store, provider, earlier, batch_size=1)
    assert (outcome.state, outcome.already_sent, outcome.rejected) == (SendState.ACCEPTED, 1, 0)
    assert [r.error for r in store.recipients(outcome.reference)] == [ALREADY_SENT]


# --------------------------------------------------------------------------- delivery reports


async def test_delivery_reports_settle_unknown_recipients(store: Store) -> None:
    from providers.models import DeliveryEvent, DeliveryState, EventKind

    outcome = await send(store, FakeProvider(timed_out), "acct", sms(A, B))
    assert (outcome.state, outcome.unknown) == (SendState.UNKNOWN, 2)
    plan = plan_resend(store, outcome.reference)
    assert plan is not None and plan.pending == 2
    for number in (A, B):
        event = DeliveryEvent(
            provider="fake",
            kind=EventKind.DELIVERY,
            state=DeliveryState.DELIVERED,
            provider_code="DELIVRD",
            campaign_id=outcome.reference,
            number=number,
        )
        assert store.record_event(event, b"", account="acct")
    rows = store.recipients(outcome.reference)
    assert [(r.state, r.delivery_state) for r in rows] == [("accepted", "delivered")] * 2
    assert all("delivery report" in (r.error or "") for r in rows)
    row = store.get_send(outcome.reference)
    assert row is not None and (row.state, row.accepted, row.unknown) == ("accepted", 2, 0)
    assert plan_resend(store, outcome.reference) is None  # nothing is offered for resend


async def test_a_second_resend_never_targets_what_an_earlier_one_requested(store: Store) -> None:
    earlier = await unknown_send(store, sms())  # A accepted, B unknown, C never sent
    first = FakeProvider()
    await resend(store, first, earlier, skip_unknown=True)
    assert [m.recipients for m, _ in first.calls] == [(C,)]
    plan = plan_resend(store, earlier)
    assert plan is not None and (plan.pending, plan.never_sent, plan.unknown) == (1, 0, 1)
    with pytest.raises(StoreError, match="no recipient left"):
        await resend(store, FakeProvider(), earlier, skip_unknown=True)
    knowingly = FakeProvider()
    await resend(store, knowingly, earlier)
    assert [m.recipients for m, _ in knowingly.calls] == [(B,)]
    assert plan_resend(store, earlier) is None  # nothing left to offer
