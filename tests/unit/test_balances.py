"""Balances per account and channel or route, their history, thresholds, what a balance covers,
the warning before a send (issue 9 item 2, issue 11), and getCDR rows kept as read."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from providers.errors import ProviderError
from providers.models import (
    Balance,
    BalanceLine,
    CdrCampaign,
    CdrRecord,
    DeliveryState,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)
from tui.outbox.balances import balance_for, balance_warning
from tui.outbox.store import Store

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
A, B = "+33611223344", "+33622334455"


@dataclass
class Acct:
    name: str
    options: dict[str, str] = field(default_factory=dict)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "outbox.db") as opened:
        yield opened


def _send(
    store: Store, channel: str, balance: str | None, *, cost: str | None = None, n: int = 1
) -> str:
    numbers = (A, B)[:n]
    message = SmsMessage("x", numbers) if channel == "sms" else VoiceMessage(numbers, tts="x")
    reference = store.begin_send("cap", "capitole", channel, message)
    store.mark_batch_sending(reference, 0, list(numbers))
    store.record_batch_result(
        reference,
        SendReceipt(
            "capitole",
            SendStatus.ACCEPTED,
            tuple(RecipientResult(num, SendStatus.ACCEPTED) for num in numbers),
            balance=None if balance is None else Decimal(balance),
            cost=None if cost is None else Decimal(cost),
        ),
    )
    store.finish_send(reference, "accepted")
    return reference


def test_a_voice_reply_is_the_voice_balance_never_the_sms_one(store: Store) -> None:
    _send(store, "sms", "994")
    voice = _send(store, "voice", "999")

    lines = {line.channel: line for line in store.balances("cap")}
    assert {c: line.amount for c, line in lines.items()} == {"sms": 994, "voice": 999}
    assert lines["voice"].source == "send" and lines["voice"].reference == voice
    assert lines["voice"].where == f"send reply {voice}"
    account = Acct("cap")
    assert balance_for(store.balances("cap"), account, "sms").amount == 994  # type: ignore[union-attr]
    assert balance_for(store.balances("cap"), account, "voice").amount == 999  # type: ignore[union-attr]


def test_an_error_reply_keeps_its_balance_for_its_channel(store: Store) -> None:
    reference = store.begin_send("cap", "capitole", "voice", VoiceMessage((A,), tts="x"))
    store.mark_batch_sending(reference, 0, [A])
    store.record_batch_error(
        reference, None, ProviderError("capitole", "NO_CREDIT", "no credit", balance="3")
    )

    (line,) = store.balances("cap")
    assert (line.channel, line.amount, line.unit) == ("voice", 3, "credits")


def test_the_drop_across_sends_gives_the_unit_cost_and_coverage(store: Store) -> None:
    _send(store, "sms", "1000")
    _send(store, "sms", "996", n=2)  # two recipients, 4 credits: 2 a message

    (line,) = store.balances("cap")
    assert line.unit_cost == 2 and line.covers == 498
    history = store.balance_history("cap", "sms", "")
    assert [amount for _at, amount in history] == [1000, 996]


def test_a_reply_cost_gives_the_unit_cost(store: Store) -> None:
    _send(store, "sms", "100", cost="0.30", n=2)

    (line,) = store.balances("cap")
    assert line.unit_cost == Decimal("0.15") and line.covers == 666


def test_a_balance_call_replaces_its_lines_and_keeps_replies(store: Store) -> None:
    def routes(*amounts: int) -> Balance:
        lines = tuple(
            BalanceLine(f"route {i}", Decimal(a), "credits", str(i), "SMS" if i == 1 else "Voice")
            for i, a in enumerate(amounts, 1)
        )
        return Balance("ecampaign", lines, as_of=T0)

    store.record_balance("ecp", "ecampaign", routes(500, 200))
    store.record_balance("ecp", "ecampaign", routes(498))

    (line,) = store.balances("ecp")
    assert (line.label, line.channel, line.route, line.amount, line.source) == (
        "route 1", "sms", "1", 498, "api"
    )  # fmt: skip
    assert [a for _t, a in store.balance_history("ecp", "sms", "1")] == [500, 498]


def test_the_route_the_account_sends_through_fits_the_screen(store: Store) -> None:
    lines = (
        BalanceLine("SMS Premium", Decimal(500), "credits", "1", "SMS"),
        BalanceLine("SMS Low cost", Decimal(50), "credits", "5", "SMS"),
        BalanceLine("Voice", Decimal(200), "credits", "2", "Voice"),
    )
    store.record_balance("ecp", "ecampaign", Balance("ecampaign", lines))
    known = store.balances("ecp")

    assert balance_for(known, Acct("ecp", {"route": "5"}), "sms").label == "SMS Low cost"  # type: ignore[union-attr]
    assert balance_for(known, Acct("ecp", {"route": "1"}), "voice").label == "Voice"  # type: ignore[union-attr]
    assert balance_for(known, Acct("ecp"), None).label == "SMS Premium"  # type: ignore[union-attr]
    vp = Balance("voicepartner", (BalanceLine("credit", Decimal(50), "EUR"),))
    store.record_balance("vp", "voicepartner", vp)
    assert balance_for(store.balances("vp"), Acct("vp"), "voice").amount == 50  # type: ignore[union-attr]


def test_thresholds_the_most_precise_wins(store: Store) -> None:
    _send(store, "sms", "40")
    _send(store, "voice", "900")
    store.set_threshold("cap", Decimal(100))  # the whole account
    store.set_threshold("cap", Decimal(10), channel="sms")

    lines = {line.channel: line for line in store.balances("cap")}
    assert (lines["sms"].threshold, lines["sms"].low) == (10, False)
    assert (lines["voice"].threshold, lines["voice"].low) == (100, False)
    store.set_threshold("cap", Decimal(50), channel="sms")
    assert next(line for line in store.balances("cap") if line.channel == "sms").low
    store.set_threshold("cap", None, channel="sms")
    assert next(line for line in store.balances("cap") if line.channel == "sms").threshold == 100


def test_the_warning_before_a_send(store: Store) -> None:
    _send(store, "sms", "120")
    _send(store, "sms", "118", n=2)  # one credit a message
    account = Acct("cap")

    assert balance_warning(store.balances("cap"), account, "sms", 10) is None
    store.set_threshold("cap", Decimal(100), channel="sms")
    warning = balance_warning(store.balances("cap"), account, "sms", 30)
    assert warning is not None and "fall to about 88" in warning and "threshold of 100" in warning
    assert "send reply" in warning
    too_much = balance_warning(store.balances("cap"), account, "sms", 500)
    assert too_much is not None and "below" in too_much
    store.set_threshold("cap", Decimal(200), channel="sms")
    already = balance_warning(store.balances("cap"), account, "sms", 1)
    assert already is not None and "already below" in already
    assert balance_warning(store.balances("cap"), account, "voice", 1) is None  # unknown


def test_cdr_rows_are_stored_as_read_and_paged(store: Store) -> None:
    fetch = store.begin_cdr_fetch("ecp", date(2026, 3, 1), date(2026, 3, 31), {"channel": "sms"})
    rows = [
        CdrRecord(str(i), "sms", number=f"+336{i:08d}", status_code="4",
                  state=DeliveryState.DELIVERED, status_meaning="delivered")
        for i in range(250)
    ]  # fmt: skip
    store.add_cdr_rows(fetch, "ecp", rows[:200])
    store.add_cdr_rows(fetch, "ecp", [*rows[200:], CdrCampaign("5001", "sms", 3)])
    store.cdr_period_done(fetch, date(2026, 3, 15))
    store.finish_cdr_fetch(fetch)

    first = store.cdr_page(fetch, limit=100)
    second = store.cdr_page(fetch, after=first[-1].id, limit=100)
    back = store.cdr_page(fetch, before=second[0].id, limit=100)
    every = list(store.iter_cdr_rows(fetch, page=64))
    assert [r.cdr_id for r in first][:2] == ["0", "1"] and back == first
    assert len(every) == 251 and every[-1].kind == "campaign"
    assert every[-1].recipients_count == 3 and every[0].target == "+33600000000"
    done = store.cdr_fetch(fetch)
    assert done is not None and (done.rows, done.done_through) == (251, date(2026, 3, 15))
    assert done.finished_at is not None and done.options == {"channel": "sms"}
    # Read again by a later fetch: updated in place, and belonging to that fetch.
    again = store.begin_cdr_fetch("ecp", date(2026, 3, 1), date(2026, 3, 1), {})
    store.add_cdr_rows(again, "ecp", [CdrRecord("0", "sms", status_code="8")])
    assert [r.status_code for r in store.cdr_page(again)] == ["8"]
    assert len(list(store.iter_cdr_rows(fetch))) == 250


def test_history_points_keep_their_time(store: Store) -> None:
    store.record_balance(
        "vp", "voicepartner", Balance("vp", (BalanceLine("credit", Decimal(9), "EUR"),), T0)
    )
    assert store.balance_history("vp", "", "", since=T0 + timedelta(days=1)) == []
    assert store.balance_history("vp", "", "") == [(T0, Decimal(9))]
