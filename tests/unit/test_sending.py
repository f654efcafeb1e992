"""The send orchestrator (one message, many batches), with a fake provider recording calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from providers.base import Provider
from providers.errors import (
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    RateLimitedError,
)
from providers.models import (
    GroupTarget,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)
from tests.unit.sending_fakes import (
    NUMBERS,
    A,
    B,
    C,
    CampaignProvider,
    FakeProvider,
    Guarded,
    fail,
    ok,
    sent_sms,
    sms,
)
from tui.outbox.content import batch_request_id, content_hash
from tui.outbox.store import SendState, Store
from tui.sending import SendProgress, send
from tui.sending import orchestrate as sending


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    with Store(db) as opened:
        yield opened


def test_the_fake_provider_is_a_provider() -> None:
    assert isinstance(FakeProvider(), Provider)


async def test_invalid_input_writes_and_sends_nothing(store: Store) -> None:
    provider = FakeProvider()
    provider.invalid = "€"
    with pytest.raises(InputError, match="contains '€'"):
        await send(store, provider, "acct", sms(text="5 €"))
    assert provider.calls == []
    assert store.count_sends() == 0


async def test_the_intent_is_committed_before_the_request(store: Store, db: Path) -> None:
    provider = FakeProvider(db=db)
    outcome = await send(store, provider, "acct", sms(), batch_size=2)
    assert provider.seen == [
        [("sending", "sending")],  # batch 1 (A, B): committed as in flight
        [("sending", "sending")],  # batch 2 (C)
    ]
    assert outcome.state is SendState.ACCEPTED
    assert (outcome.total, outcome.accepted, outcome.rejected) == (3, 3, 0)
    assert (outcome.balance, outcome.cost) == (Decimal(100), Decimal("1.0"))
    send_row = store.get_send(outcome.reference)
    assert send_row is not None and send_row.state is SendState.ACCEPTED
    balance = store.last_balance("acct")
    assert balance is not None and balance.amount == Decimal(100)


async def test_ten_thousand_recipients_in_batches_of_500_with_progress(store: Store) -> None:
    provider = FakeProvider()
    reports: list[SendProgress] = []
    outcome = await send(store, provider, "acct", sms(*NUMBERS), progress=reports.append)
    # The default batch size comes from ProviderInfo; an unknown kind falls back to 500.
    assert [len(message.recipients) for message, _ in provider.calls] == [500] * 20
    sent = [n for message, _ in provider.calls for n in message.recipients]
    assert sent == list(NUMBERS)
    assert [r.done for r in reports] == [500 * (i + 1) for i in range(20)]
    assert [r.remaining for r in reports] == [10_000 - 500 * (i + 1) for i in range(20)]
    assert {(r.total, r.batches, r.failed) for r in reports} == {(10_000, 20, 0)}
    assert [r.batches_done for r in reports] == list(range(1, 21))
    assert outcome.state is SendState.ACCEPTED and outcome.accepted == 10_000
    assert store.recipient_counts(outcome.reference) == {"accepted": 10_000}


async def test_batch_size_defaults_to_the_provider_info(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Info:
        batch_size = 2

    monkeypatch.setattr(sending, "provider_info", lambda kind: Info())
    provider = FakeProvider()
    await send(store, provider, "acct", sms())
    assert [m.recipients for m, _ in provider.calls] == [(A, B), (C,)]


async def test_an_unknown_outcome_stops_the_send_and_is_never_retried(store: Store) -> None:
    provider = FakeProvider(ok, fail(OutcomeUnknownError("fake", "read timeout")), ok, ok)
    outcome = await send(store, provider, "acct", sms(*NUMBERS[:8]), batch_size=2)
    assert len(provider.calls) == 2
    assert outcome.state is SendState.UNKNOWN
    assert (outcome.accepted, outcome.unknown, outcome.cancelled) == (2, 2, 4)
    states = [r.state for r in store.recipients(outcome.reference)]
    assert states == ["accepted"] * 2 + ["unknown"] * 2 + ["cancelled"] * 4
    # Start-up recovery has nothing to do with it, and nothing resends it.
    assert store.recover_interrupted() == 0
    assert len(provider.calls) == 2


async def test_a_receipt_with_an_unknown_status_stops_too(store: Store) -> None:
    provider = FakeProvider(lambda m: SendReceipt("fake", SendStatus.UNKNOWN))
    outcome = await send(store, provider, "acct", sms(), batch_size=1)
    assert len(provider.calls) == 1
    assert (outcome.state, outcome.unknown, outcome.cancelled) == (SendState.UNKNOWN, 1, 2)


@pytest.mark.parametrize(
    ("error", "first_ok", "state"),
    [
        (AuthenticationError("fake", "AUTH_FAILED", "bad credentials"), False, "rejected"),
        (ProviderError("fake", "NOT_ENOUGH_CREDITS", "no credit", balance="0"), True, "partial"),
        (InputError("sender", "too long"), True, "partial"),
    ],
)
async def test_a_refused_batch_stops_the_send(
    store: Store, error: Exception, first_ok: bool, state: str
) -> None:
    script = [ok, fail(error)] if first_ok else [fail(error)]
    provider = FakeProvider(*script)
    outcome = await send(store, provider, "acct", sms(*NUMBERS[:6]), batch_size=2)
    assert len(provider.calls) == len(script)
    assert outcome.state == state
    assert outcome.errors == (error,)
    assert outcome.rejected == 2
    assert outcome.cancelled == 6 - 2 - outcome.accepted
    cancelled = [r for r in store.recipients(outcome.reference) if r.state == "cancelled"]
    assert cancelled and all("failed" in (r.error or "") for r in cancelled)


async def test_a_batch_with_an_unsure_number_stops_the_send(store: Store) -> None:
    def nothing_accepted_one_unsure(message: SmsMessage | VoiceMessage) -> SendReceipt:
        refused = RecipientResult(message.recipients[0], SendStatus.REJECTED, error="invalid")
        unsure = RecipientResult(message.recipients[1], SendStatus.UNKNOWN, error="not listed")
        return SendReceipt("fake", SendStatus.REJECTED, (refused, unsure))

    provider = FakeProvider(nothing_accepted_one_unsure)
    outcome = await send(store, provider, "acct", sms(*NUMBERS[:6]), batch_size=2)
    assert len(provider.calls) == 1
    counts = (outcome.rejected, outcome.unknown, outcome.cancelled)
    assert (outcome.state, *counts) == (SendState.UNKNOWN, 1, 1, 4)
    cancelled = store.recipients(outcome.reference, offset=2)
    assert {r.error for r in cancelled} == {"not sent: batch 1 left an outcome unknown"}


async def test_per_recipient_refusals_do_not_stop_the_send(store: Store) -> None:
    def one_refused(message: SmsMessage | VoiceMessage) -> SendReceipt:
        first = RecipientResult(message.recipients[0], SendStatus.REJECTED, error="invalid")
        return SendReceipt("fake", SendStatus.ACCEPTED, (first,))

    provider = FakeProvider(one_refused, one_refused)
    outcome = await send(store, provider, "acct", sms(*NUMBERS[:4]), batch_size=2)
    assert len(provider.calls) == 2
    assert (outcome.state, outcome.accepted, outcome.rejected) == (SendState.PARTIAL, 2, 2)


async def test_cancellation_between_batches(store: Store) -> None:
    cancel = asyncio.Event()

    def cancelled_while_out(message: SmsMessage | VoiceMessage) -> SendReceipt:
        cancel.set()  # the operator cancels while the second request is out
        return ok(message)

    provider = FakeProvider(ok, cancelled_while_out)
    outcome = await send(store, provider, "acct", sms(*NUMBERS[:10]), batch_size=2, cancel=cancel)
    assert len(provider.calls) == 2
    assert (outcome.state, outcome.accepted, outcome.cancelled) == (SendState.CANCELLED, 4, 6)
    cancelled = store.recipients(outcome.reference, offset=4)
    assert {(r.state, r.error) for r in cancelled} == {("cancelled", "cancelled by the operator")}


async def test_cancelled_before_the_first_batch_sends_nothing(store: Store) -> None:
    cancel = asyncio.Event()
    cancel.set()
    provider = FakeProvider()
    outcome = await send(store, provider, "acct", sms(), cancel=cancel)
    assert provider.calls == []
    assert (outcome.state, outcome.cancelled) == (SendState.CANCELLED, 3)


async def test_a_rate_limited_batch_waits_and_goes_again(store: Store) -> None:
    provider = Guarded(fail(RateLimitedError("fake", 0.01)), ok)
    reports: list[SendProgress] = []
    outcome = await send(store, provider, "acct", sms(), progress=reports.append)
    assert outcome.state is SendState.ACCEPTED
    first, second = sent_sms(provider)
    assert first.request_id is not None
    assert first == second  # the same batch, same request_id: it was refused, not processed
    assert [r.waiting for r in reports] == [0.01, None]


async def test_a_long_rate_limit_is_a_refusal(store: Store) -> None:
    provider = FakeProvider(fail(RateLimitedError("fake", 3600)))
    outcome = await send(store, provider, "acct", sms(), rate_limit_wait=60)
    assert len(provider.calls) == 1
    assert (outcome.state, outcome.rejected) == (SendState.REJECTED, 3)


async def test_a_send_killed_mid_request_is_recorded_unknown(store: Store) -> None:
    started = asyncio.Event()

    class Hanging(FakeProvider):
        async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
            started.set()
            await asyncio.Event().wait()
            raise AssertionError("unreachable")

    task = asyncio.create_task(send(store, Hanging(), "acct", sms(), batch_size=1))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    (row,) = store.list_sends()
    assert (row.state, row.unknown, row.cancelled) == (SendState.UNKNOWN, 1, 2)


async def test_a_provider_bug_after_the_request_is_an_unknown_outcome(store: Store) -> None:
    provider = FakeProvider(fail(KeyError("ticket")))
    with pytest.raises(KeyError):
        await send(store, provider, "acct", sms())
    (row,) = store.list_sends()
    assert (row.state, row.unknown) == (SendState.UNKNOWN, 3)


async def test_dry_run(store: Store) -> None:
    provider = FakeProvider()
    outcome = await send(store, provider, "acct", sms(), dry_run=True)
    assert [dry for _, dry in provider.calls] == [True]
    assert (outcome.state, outcome.accepted, outcome.dry_run) == (SendState.DRY_RUN, 3, True)
    assert store.recipient_counts(outcome.reference) == {"dry-run": 3}


async def test_a_dry_run_answered_like_a_real_send_is_unknown_and_stops(store: Store) -> None:
    class TestUrlIsLive(FakeProvider):
        async def _send(self, message: SmsMessage | VoiceMessage, dry_run: bool) -> SendReceipt:
            self.calls.append((message, dry_run))
            return ok(message)  # accepted, as a live service answers, dry run or not

    provider = TestUrlIsLive()
    outcome = await send(store, provider, "acct", sms(*NUMBERS[:4]), dry_run=True, batch_size=2)
    assert [dry for _, dry in provider.calls] == [True]
    assert (outcome.state, outcome.unknown, outcome.cancelled) == (SendState.UNKNOWN, 2, 2)
    assert any("answered like a real send" in w for r in outcome.receipts for w in r.warnings)
    row = store.get_send(outcome.reference)
    assert row is not None and (row.state, row.dry_run) == (SendState.UNKNOWN, True)


async def test_a_group_send_without_numbers_is_one_batch(store: Store) -> None:
    provider = FakeProvider()
    message = VoiceMessage(group=GroupTarget("42"), template_id="T1")
    outcome = await send(store, provider, "acct", message)
    assert [m for m, _ in provider.calls] == [message]
    assert (outcome.state, outcome.total) == (SendState.ACCEPTED, 0)


async def test_a_group_goes_with_the_first_batch_only(store: Store) -> None:
    provider = FakeProvider()
    group = GroupTarget("42")
    await send(
        store, provider, "acct", SmsMessage("Soldes", NUMBERS[:5], group=group), batch_size=2
    )
    calls = [m for m, _ in provider.calls]
    assert [(m.recipients, m.group) for m in calls] == [
        (NUMBERS[:2], group),
        (NUMBERS[2:4], None),
        (NUMBERS[4:5], None),
    ]


async def test_campaign_ids_let_callbacks_be_matched(store: Store) -> None:
    provider = CampaignProvider()
    outcome = await send(store, provider, "acct", sms(A, B, A), batch_size=1)
    reference = outcome.reference
    assert [(m.recipients, m.campaign_id, m.request_id) for m in sent_sms(provider)] == [
        ((A,), reference, None),
        ((B,), reference, None),
    ]
    row = store.get_send(reference)
    assert row is not None and row.campaign_id == reference
    # The stored message is the operator's: no injected ids, so a resend gets fresh ones.
    assert store.message_of(reference) == sms(A, B)

    plain = FakeProvider()
    await send(store, plain, "acct", SmsMessage("x", (A,), campaign_id="PROMO"))
    assert [m.campaign_id for m in sent_sms(plain)] == ["PROMO"]


async def test_each_batch_gets_its_own_duplicate_guard_id(store: Store) -> None:
    guarded = Guarded()
    await send(store, guarded, "acct", sms(A, B), batch_size=1)
    ids = [m.request_id for m in sent_sms(guarded)]
    content = content_hash("acct", sms())
    assert ids == [batch_request_id(content, [A]), batch_request_id(content, [B])]
    assert len(set(ids)) == 2
    assert all(i is not None and i.isalnum() and len(i) <= 64 for i in ids)  # Octopush's rule
    assert [m.campaign_id for m in sent_sms(guarded)] == [None, None]

    chosen = Guarded()
    await send(store, chosen, "acct", SmsMessage("x", (A, B), request_id="R"), batch_size=1)
    assert [m.request_id for m in sent_sms(chosen)] == ["RB0", "RB1"]
    single = Guarded()
    await send(store, single, "acct", SmsMessage("x", (A,), request_id="R"))
    assert [m.request_id for m in sent_sms(single)] == ["R"]


async def test_an_injected_id_the_provider_refuses_stops_everything(store: Store) -> None:
    class Strict(Guarded):
        def validate_sms(self, message: SmsMessage) -> None:
            if message.request_id is not None and len(message.request_id) > 5:
                raise InputError("request_id", "too long")

    provider = Strict()
    with pytest.raises(InputError, match="request_id"):
        await send(
            store, provider, "acct", SmsMessage("x", (A, B), request_id="ABCDE"), batch_size=1
        )
    assert (provider.calls, store.count_sends()) == ([], 0)


async def test_voice_messages_and_a_failing_progress_display(store: Store) -> None:
    def broken(progress: SendProgress) -> None:
        raise RuntimeError("display gone")

    provider = FakeProvider()
    outcome = await send(
        store, provider, "acct", VoiceMessage((A,), tts="Bonjour"), progress=broken
    )
    assert outcome.state is SendState.ACCEPTED
    assert isinstance(provider.calls[0][0], VoiceMessage)
