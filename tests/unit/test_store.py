"""The outbox: schema, the send lifecycle, start-up recovery, exact message round trip."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from providers.errors import OutcomeUnknownError, ProviderError
from providers.models import (
    FilterCriterion,
    GroupTarget,
    RecipientResult,
    Route,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VmsType,
    VoiceMessage,
)
from tui.outbox.codec import CodecError, decode_message, encode_message
from tui.outbox.schema import SCHEMA_VERSION
from tui.outbox.store import RecipientState, SendState, Store, StoreError, new_reference

A, B, C = "+33611223344", "+33622334455", "+33633445566"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "outbox.db"


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    with Store(db) as opened:
        yield opened


def sms(*numbers: str, **fields: Any) -> SmsMessage:
    return SmsMessage(text="Réunion à 9 h", recipients=numbers or (A, B, C), **fields)


def accepted(*results: RecipientResult, **fields: Any) -> SendReceipt:
    return SendReceipt("capitole", SendStatus.ACCEPTED, recipients=results, **fields)


def raw_rows(db: Path, query: str, *params: object) -> list[tuple[object, ...]]:
    """Read with a connection of our own, as another process would."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


# --------------------------------------------------------------------------- schema


def test_schema_is_created_in_wal_mode_with_foreign_keys(store: Store, db: Path) -> None:
    assert raw_rows(db, "PRAGMA journal_mode") == [("wal",)]
    assert raw_rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    conn = store._conn
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    tables = {row[0] for row in raw_rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sends", "send_recipients", "send_batches", "events", "balances"} <= tables


def test_reopening_keeps_data_and_a_newer_schema_is_refused(db: Path) -> None:
    with Store(db) as store:
        reference = store.begin_send("main", "capitole", "sms", sms())
    with Store(db) as store:
        assert store.get_send(reference) is not None
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StoreError, match="newer porte-voix"):
        Store(db)


def test_references_are_capitole_campaign_ids() -> None:
    references = {new_reference() for _ in range(200)}
    assert len(references) == 200
    for reference in references:
        assert re.fullmatch(r"PV[A-Z2-7]{8}", reference)


# --------------------------------------------------------------------------- intent and batches


def test_begin_send_commits_the_intent_before_returning(store: Store, db: Path) -> None:
    reference = store.begin_send("main", "capitole", "sms", sms(A, B, A, C))
    # Seen from another connection: committed, not merely written.
    assert raw_rows(db, "SELECT state, recipients_total FROM sends") == [("sending", 3)]
    assert raw_rows(
        db,
        "SELECT number, state FROM send_recipients WHERE reference=? ORDER BY position",
        reference,
    ) == [(A, "pending"), (B, "pending"), (C, "pending")]
    stored = raw_rows(db, "SELECT message_json FROM sends")[0][0]
    assert A not in str(stored)  # recipients live in send_recipients only


def test_begin_send_refusals(store: Store) -> None:
    with pytest.raises(StoreError, match="invalid reference"):
        store.begin_send("main", "capitole", "sms", sms(), reference="PV-1")
    with pytest.raises(StoreError, match="invalid reference"):
        store.begin_send("main", "capitole", "sms", sms(), reference="TOOLONGREF11")
    with pytest.raises(StoreError, match="cannot be sent on channel voice"):
        store.begin_send("main", "capitole", "voice", sms())
    with pytest.raises(StoreError, match="no send 'PVNOTHERE'"):
        store.begin_send("main", "capitole", "sms", sms(), resend_of="PVNOTHERE")
    store.begin_send("main", "capitole", "sms", sms(), reference="PVFIXED1")
    with pytest.raises(StoreError, match="already used"):
        store.begin_send("main", "capitole", "sms", sms(), reference="PVFIXED1")
    assert store.count_sends() == 1


def test_a_number_can_never_be_marked_for_sending_twice(store: Store) -> None:
    reference = store.begin_send("main", "capitole", "sms", sms())
    store.mark_batch_sending(reference, 0, [A, B])
    with pytest.raises(StoreError, match="already requested"):
        store.mark_batch_sending(reference, 0, [C])
    with pytest.raises(StoreError, match="not pending"):
        store.mark_batch_sending(reference, 1, [B, C])
    with pytest.raises(StoreError, match="not pending"):
        store.mark_batch_sending(reference, 1, ["+33699999999"])
    # The refused attempts changed nothing.
    assert store.recipient_counts(reference) == {"sending": 2, "pending": 1}
    store.record_batch_result(reference, accepted())
    store.finish_send(reference, SendState.PARTIAL)
    with pytest.raises(StoreError, match="is partial; nothing may be sent"):
        store.mark_batch_sending(reference, 1, [C])


def test_batch_result_applies_per_recipient_results(store: Store) -> None:
    reference = store.begin_send("acct", "octopush", "sms", sms())
    store.mark_batch_sending(reference, 0, [A, B, C], request_id=f"{reference}-0")
    receipt = accepted(
        RecipientResult("33611223344", SendStatus.ACCEPTED, "m-1", cost=Decimal("0.05")),
        RecipientResult(B, SendStatus.REJECTED, error="blacklisted"),
        balance=Decimal("12.50"),
        cost=Decimal("0.05"),
        reference="api1100",
    )
    store.record_batch_result(reference, receipt)
    rows = {r.number: r for r in store.recipients(reference)}
    assert (rows[A].state, rows[A].message_id, rows[A].cost) == ("accepted", "m-1", Decimal("0.05"))
    assert (rows[B].state, rows[B].error) == ("rejected", "blacklisted")
    assert rows[C].state is RecipientState.ACCEPTED  # not listed: the overall status
    assert {r.batch for r in rows.values()} == {0}
    send = store.get_send(reference)
    assert send is not None
    assert (send.accepted, send.rejected, send.unknown, send.cancelled) == (2, 1, 0, 0)
    assert (send.balance, send.cost, send.provider_reference) == (
        Decimal("12.50"),
        Decimal("0.05"),
        "api1100",
    )
    balance = store.last_balance("acct")
    assert balance is not None and balance.amount == Decimal("12.50")
    assert raw_rows(store.path, "SELECT request_id, state FROM send_batches") == [
        (f"{reference}-0", "accepted")
    ]


def test_batch_errors_record_unknown_or_rejected(store: Store) -> None:
    reference = store.begin_send("acct", "capitole", "sms", sms())
    store.mark_batch_sending(reference, 0, [A])
    store.record_batch_error(reference, None, OutcomeUnknownError("capitole", "read timeout"))
    store.mark_batch_sending(reference, 1, [B])
    refusal = ProviderError("capitole", "NOT_ENOUGH_CREDITS", "no credit", "x", balance="3")
    store.record_batch_error(reference, [B], refusal)
    assert store.cancel_remaining(reference) == 1
    states = {r.number: (r.state, r.error) for r in store.recipients(reference)}
    assert states[A] == ("unknown", "UNKNOWN: read timeout")
    assert states[B] == ("rejected", "NOT_ENOUGH_CREDITS: no credit (provider said: x)")
    assert states[C] == ("cancelled", "cancelled by the operator")
    send = store.get_send(reference)
    assert send is not None and send.error_code == "NOT_ENOUGH_CREDITS"
    assert send.balance == Decimal(3)


def test_release_batch_makes_numbers_pending_again(store: Store) -> None:
    reference = store.begin_send("acct", "voicepartner", "sms", sms())
    store.mark_batch_sending(reference, 0, [A, B])
    store.release_batch(reference, 0)
    assert store.recipient_counts(reference) == {"pending": 3}
    store.mark_batch_sending(reference, 0, [A, B])  # the same batch may now go again


def test_finish_send_cancels_what_was_never_requested(store: Store) -> None:
    reference = store.begin_send("acct", "capitole", "sms", sms())
    store.mark_batch_sending(reference, 0, [A])
    store.record_batch_result(reference, accepted())
    store.finish_send(reference, "cancelled")
    send = store.get_send(reference)
    assert send is not None
    assert (send.state, send.accepted, send.cancelled) == (SendState.CANCELLED, 1, 2)
    with pytest.raises(StoreError, match="not a final state"):
        store.finish_send(reference, SendState.SENDING)


def test_a_cancelled_send_with_an_unknown_recipient_is_unknown(store: Store) -> None:
    reference = store.begin_send("acct", "capitole", "sms", sms())
    store.mark_batch_sending(reference, 0, [A, B])
    unsure = RecipientResult(B, SendStatus.UNKNOWN, error="missing from the reply")
    store.record_batch_result(reference, SendReceipt("capitole", SendStatus.ACCEPTED, (unsure,)))
    assert store.finish_send(reference, "cancelled") is SendState.UNKNOWN
    send = store.get_send(reference)
    assert send is not None
    assert (send.state, send.accepted, send.unknown, send.cancelled) == ("unknown", 1, 1, 1)


# --------------------------------------------------------------------------- recovery


def test_a_crash_between_batches_after_an_unknown_one_is_unknown(db: Path) -> None:
    crashed = Store(db)
    reference = crashed.begin_send("acct", "capitole", "sms", sms())
    crashed.mark_batch_sending(reference, 0, [A])
    crashed.record_batch_result(reference, SendReceipt("capitole", SendStatus.UNKNOWN))
    crashed.close()  # nothing in flight when it stopped, but A may have been sent
    with Store(db) as store:
        assert store.recover_interrupted() == 1
        send = store.get_send(reference)
        assert send is not None
        assert (send.state, send.unknown, send.cancelled) == ("unknown", 1, 2)


def test_interrupted_sends_become_unknown_or_cancelled_at_start_up(db: Path) -> None:
    crashed = Store(db)
    in_flight = crashed.begin_send("acct", "capitole", "sms", sms())
    crashed.mark_batch_sending(in_flight, 0, [A, B])
    never_started = crashed.begin_send("acct", "capitole", "sms", sms())
    crashed.close()  # as good as a crash: the owner is gone, the sends are still "sending"
    with Store(db) as store:
        live = store.begin_send("acct", "capitole", "sms", sms())
        assert store.recover_interrupted() == 2
        assert store.recover_interrupted() == 0
        first, second, third = (store.get_send(r) for r in (in_flight, never_started, live))
        assert first is not None and second is not None and third is not None
        assert (first.state, first.unknown, first.cancelled) == ("unknown", 2, 1)
        assert first.error_code == "INTERRUPTED"
        assert (second.state, second.cancelled) == ("cancelled", 3)
        assert third.state is SendState.SENDING  # owned by a store that is still open
        unknown = [r for r in store.recipients(in_flight) if r.state == "unknown"]
        assert [r.number for r in unknown] == [A, B]


def test_a_crashed_process_send_becomes_unknown_but_a_live_one_is_left_alone(db: Path) -> None:
    Store(db).close()
    script = textwrap.dedent(
        f"""
        import sys
        from providers.models import SmsMessage
        from tui.outbox.store import Store
        store = Store({str(db)!r})
        ref = store.begin_send("acct", "capitole", "sms", SmsMessage("x", ({A!r},)))
        store.mark_batch_sending(ref, 0, [{A!r}])
        print(ref, flush=True)
        sys.stdin.read()  # stay alive, request "in flight", until killed
        """
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        reference = child.stdout.readline().strip()
        with Store(db) as store:
            assert store.recover_interrupted() == 0  # its owner process is alive
            child.kill()
            child.wait(timeout=30)
            assert store.recover_interrupted() == 1
            send = store.get_send(reference)
            assert send is not None and send.state is SendState.UNKNOWN
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


# --------------------------------------------------------------------------- message round trip

PARIS = ZoneInfo("Europe/Paris")
FULL_SMS = SmsMessage(
    text="Soldes d’été : -50 % sur l’œuvre… €😀",
    recipients=(A, B),
    sender="Boutique",
    route=Route.MARKETING,
    long=True,
    schedule=datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=PARIS),  # the repeated hour
    campaign_id="PROMO1",
    template_id="T1",
    group=GroupTarget(
        group_id="42",
        fields=("mobile", "ville"),
        global_operator="AND",
        criteria=(FilterCriterion("ville", "=", "Paris"), FilterCriterion("age", ">")),
    ),
    caller_id="0102030405",
    request_id="REQ-1",
)
FULL_VOICE = VoiceMessage(
    recipients=(C,),
    sender="0102030405",
    vms_type=VmsType.DD,
    voice_msg="accueil",
    tts="Bonjour, ceci est un rappel",
    audio_token="tok",
    email="ops@example.fr",
    lang="en",
    speech_rate=1.25,
    notify_url="https://example.fr/cb?t=1",
    schedule=datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
    campaign_id="C1",
)


@pytest.mark.parametrize("message", [FULL_SMS, FULL_VOICE, SmsMessage("x"), VoiceMessage()])
def test_messages_round_trip_exactly(store: Store, message: SmsMessage | VoiceMessage) -> None:
    decoded = decode_message(encode_message(message))
    assert decoded == message
    assert type(decoded) is type(message)
    if message.schedule is not None:
        assert decoded.schedule is not None
        assert decoded.schedule.tzinfo == message.schedule.tzinfo
        assert decoded.schedule.fold == message.schedule.fold
    channel = "sms" if isinstance(message, SmsMessage) else "voice"
    reference = store.begin_send("acct", "capitole", channel, message)
    assert store.message_of(reference) == message


@settings(max_examples=50, deadline=None)
@given(
    text=st.text(max_size=50),
    long=st.booleans(),
    sender=st.none() | st.text(max_size=11),
    schedule=st.none() | st.datetimes(timezones=st.just(UTC)),
)
def test_any_sms_round_trips(
    text: str, long: bool, sender: str | None, schedule: datetime | None
) -> None:
    message = SmsMessage(text=text, long=long, sender=sender, schedule=schedule)
    assert decode_message(encode_message(message)) == message


def test_message_of_filters_recipients_by_state(store: Store) -> None:
    reference = store.begin_send("acct", "capitole", "sms", sms())
    store.mark_batch_sending(reference, 0, [A])
    store.record_batch_result(reference, accepted())
    store.finish_send(reference, "cancelled")
    assert store.message_of(reference, states=["cancelled"]).recipients == (B, C)
    assert store.message_of(reference).recipients == (A, B, C)


def test_codec_refuses_what_it_cannot_rebuild_faithfully() -> None:
    document = encode_message(SmsMessage("x")).replace('"text":"x"', '"text":"x","colour":"red"')
    with pytest.raises(CodecError, match="does not know: \\['colour'\\]"):
        decode_message(document)
    with pytest.raises(CodecError, match="unknown type"):
        decode_message('{"format":1,"type":"MailMessage","fields":{}}')
    with pytest.raises(CodecError, match="expected a str"):
        decode_message('{"format":1,"type":"SmsMessage","fields":{"text":5}}')
