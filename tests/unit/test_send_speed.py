"""The fast paths of a bulk send (issue 13) say exactly what the slow ones said: form bodies
byte for byte as ``urlencode``, a staged list checked through one number of each kind, the
French shortcut for plain national numbers, replies read with their amounts read once."""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import threading
import urllib.parse
from collections.abc import Callable, Sized
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from phonenumbers import PhoneNumberType

from providers import phone_fr
from providers.ecampaign.core import Reply as EcampaignReply
from providers.ecampaign.receipt import EcampaignRecipientResult, send_receipt
from providers.errors import InputError
from providers.forms import form_encode
from providers.models import RecipientResult, SendReceipt, SendStatus, SmsMessage, VoiceMessage
from providers.octopush.codes import parse_json, recipient_e164
from providers.phone import Number, parse_number
from tests.unit.sending_fakes import FakeProvider
from tui.outbox.store import Store
from tui.sending import send
from tui.sending.dispatch import validate
from tui.sending.recipients import StagedNumbers, as_recipients

values = st.one_of(st.text(max_size=40), st.binary(max_size=60))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=8), values), max_size=5))
def test_a_form_body_is_what_urlencode_writes(fields: list[tuple[str, str | bytes]]) -> None:
    try:
        expected = urllib.parse.urlencode(fields).encode("ascii")
    except UnicodeEncodeError:  # a lone surrogate: refused alike
        with pytest.raises(UnicodeEncodeError):
            form_encode(fields)
        return
    assert form_encode(fields) == expected


def test_an_xml_body_with_every_byte_is_escaped_as_urlencode_does() -> None:
    xml = bytes(range(256)) * 3 + "<a>% + é €</a>".encode()
    assert form_encode([("XML", xml)]) == urllib.parse.urlencode({"XML": xml}).encode("ascii")


def written_way(raw: str) -> tuple[str, int, int] | None:
    """What ``phone_fr.read`` says of ``raw`` through its general reading (spaces, separators,
    prefixes), without the shortcut for plain national numbers."""
    found = phone_fr._WRITTEN.fullmatch("".join(raw.split()).translate(phone_fr._SEPARATORS))
    if found is None:
        return None
    kind = phone_fr.kind_of(found.group(1))
    return None if kind == PhoneNumberType.UNKNOWN else (f"+33{found.group(1)}", 33, kind)


def test_plain_national_numbers_take_the_shortcut_with_the_same_verdicts() -> None:
    draw = random.Random(13)
    for _ in range(20_000):
        raw = f"0{draw.randrange(10**9):09d}"
        assert phone_fr.read(raw) == written_way(raw), raw
        assert phone_fr.read(raw) == phone_fr.read(f" {raw[:2]} {raw[2:]} "), raw
    for raw in ("0611223344", "0011223344", "061122334", "06112233445", "061122334x"):
        assert phone_fr.read(raw) == written_way(raw), raw
    assert phone_fr.read("06112233\u0664\u0664") is None  # Arabic-Indic digits: not a number


class Recording(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.validated: list[tuple[str, ...]] = []

    def validate_sms(self, message: SmsMessage) -> None:
        self.validated.append(tuple(message.recipients))
        super().validate_sms(message)


def staged(numbers: list[str]) -> StagedNumbers:
    return StagedNumbers.of(parse_number(n) for n in numbers)


def test_a_staged_list_is_checked_through_the_first_number_of_each_kind() -> None:
    numbers = [f"+3361{i:07d}" for i in range(3_000)]
    numbers[1_700] = "+33140000000"  # a landline
    numbers[2_500] = "+33141000000"  # another, later
    numbers[2_900] = "+34612345678"  # a Spanish mobile
    listed = staged(numbers)
    try:
        kinds = listed.representatives()
        assert kinds == ("+33610000000", "+33140000000", "+34612345678")
        assert all(isinstance(n, Number) for n in kinds)
        provider = Recording()
        message = SmsMessage("hello", as_recipients(listed))
        validate(provider, message)
        validate(provider, message)  # checked already: not again
        # One check, with one number of each kind, in the order given.
        assert provider.validated == [kinds]
    finally:
        listed.close()


def test_a_refusal_names_the_first_number_refused_as_a_full_check_would() -> None:
    from providers.octopush import rules

    numbers = [f"+3361{i:07d}" for i in range(2_000)]
    numbers[1_234] = "+33140000000"
    numbers[1_500] = "+33150000000"
    listed = staged(numbers)
    try:
        with pytest.raises(InputError) as whole:
            rules.check_recipients(tuple(parse_number(n) for n in numbers))
        with pytest.raises(InputError) as kinds:
            rules.check_recipients(listed.representatives())
        assert kinds.value.message == whole.value.message
        assert "01 40 00 00 00" in kinds.value.message
    finally:
        listed.close()


def test_octopush_numbers_are_read_in_every_writing() -> None:
    assert recipient_e164("+33601010101") == "+33601010101"
    assert recipient_e164("33601010101") == "+33601010101"
    assert recipient_e164(33601010101) == "+33601010101"
    assert recipient_e164("0033601010101") == "+33601010101"
    assert recipient_e164(" 33 601010101 ") == "+33601010101"
    assert recipient_e164("0601010101") == "0601010101"  # national: left for the caller


def test_octopush_amounts_read_once_keep_their_own_writing() -> None:
    items = [
        {"recipient": "+33601010101", "country_code": "FR", "cost": 0.050, "sms_needed": 1},
        {"recipient": "+33601010102", "country_code": "FR", "cost": "0.05", "sms_needed": "1"},
        {"recipient": "+33601010103", "country_code": "FR", "cost": "0,050", "sms_needed": 1},
        {"recipient": "+33601010104", "country_code": ["FR"], "cost": None, "sms_needed": 2.5},
    ]
    body = (
        '{"error_code": "000", "successs": ['
        + ", ".join(json.dumps(i).replace("0.05,", "0.050,") for i in items)
        + "]}"
    )
    reply = parse_json(body.encode())
    read = [(s.recipient, s.country_code, s.cost, s.sms_needed) for s in reply.successes]
    assert read == [
        ("+33601010101", "FR", Decimal("0.050"), 1),
        ("+33601010102", "FR", Decimal("0.05"), 1),
        ("+33601010103", "FR", Decimal("0.050"), 1),
        ("+33601010104", "['FR']", None, None),
    ]
    assert [str(s.cost) for s in reply.successes[:3]] == ["0.050", "0.05", "0.050"]


def test_ecampaign_destinations_read_the_first_child_of_each_name() -> None:
    root = etree.fromstring(
        b"<ecampaign><code>0</code><recipients>"
        b"<destination code='33' number='611223344'><state> ok </state><msgid>A1</msgid>"
        b"<msgid>A2</msgid><credits>1.0</credits><!-- note --></destination>"
        b"<destination code='33' number='611223345'><state>KO</state><msgid></msgid>"
        b"<credits>1.0</credits><memberID>7</memberID></destination>"
        b"</recipients></ecampaign>"
    )

    class Core:
        def scrub(self, text: str) -> str:
            return text

    phones = [("+33611223344", "33", "611223344"), ("+33611223345", "33", "611223345")]
    receipt = send_receipt(Core(), EcampaignReply(0, "", root), phones)  # type: ignore[arg-type]
    first, second = receipt.recipients
    assert (first.number, first.status, first.message_id, first.cost) == (
        "+33611223344",
        SendStatus.ACCEPTED,
        "A1",
        Decimal("1.0"),
    )
    assert isinstance(second, EcampaignRecipientResult)
    assert (second.status, second.message_id, second.member_id) == (
        SendStatus.REJECTED,
        None,
        "7",
    )
    assert receipt.cost == Decimal("2.0")


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(max_size=12),
            st.sampled_from(["accepted", "rejected", "unknown"]),
            st.none() | st.text(max_size=12),
            st.none() | st.text(max_size=30),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_a_report_page_is_written_as_json_text_writes_its_dicts(
    page: list[tuple[str, str, str | None, str | None]],
) -> None:
    from tui.cli.outcome import RECIPIENT_KEYS, _page_json
    from tui.cli.support import json_text

    dicts = [dict(zip(RECIPIENT_KEYS, row, strict=True)) for row in page]
    assert _page_json(page) == json_text(dicts)[1:-1]
    assert json.loads("[" + _page_json(page) + "]") == dicts


def test_a_report_page_with_odd_characters_is_escaped_alike() -> None:
    from tui.cli.outcome import RECIPIENT_KEYS, _page_json
    from tui.cli.support import json_text

    page: list[tuple[str, str, str | None, str | None]] = [
        ("+33611223344", "rejected", 'a"b\\c', "x\x00\n\x1b[31m\u009b\u200b\u2028é€😀")
    ]
    dicts = [dict(zip(RECIPIENT_KEYS, row, strict=True)) for row in page]
    assert _page_json(page) == json_text(dicts)[1:-1]


# --------------------------------------------------------------------------- commits


def read_states(db: Path, reference: str) -> list[str]:
    """What another process reads: committed steps only."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT state FROM send_recipients WHERE reference = ? ORDER BY position",
            (reference,),
        ).fetchall()
    finally:
        conn.close()
    return [row[0] for row in rows]


A, B, C = "+33611223344", "+33622334455", "+33633445566"
D, E = "+33644556677", "+33655667788"


def accepted(*numbers: str) -> SendReceipt:
    return SendReceipt(
        "fake", SendStatus.ACCEPTED, tuple(RecipientResult(n, SendStatus.ACCEPTED) for n in numbers)
    )


async def test_a_send_commits_once_a_batch_and_each_intent_before_its_request(
    tmp_path: Path,
) -> None:
    db = tmp_path / "outbox.db"
    numbers = tuple(f"+3361{i:07d}" for i in range(1_200))
    provider = FakeProvider(db=db)
    with Store(db) as store:
        commits: list[str] = []
        store._conn.set_trace_callback(
            lambda statement: commits.append(statement) if statement == "COMMIT" else None
        )
        outcome = await send(store, provider, "acct", SmsMessage("hi", numbers), batch_size=100)
        store._conn.set_trace_callback(None)
        assert outcome.accepted == 1_200
        assert read_states(db, outcome.reference) == ["accepted"] * 1_200
    # Each request found its batch committed as leaving, by another connection.
    assert [seen[0] for seen in provider.seen] == [("sending", "sending")] * 12
    # One commit a batch (its intent, with the result before it), plus the intent of the send,
    # the last result and its end: not two a batch.
    assert len(provider.calls) == 12
    assert len(commits) <= 12 + 4


def test_a_batch_is_checked_a_kind_at_a_time_with_the_same_refusals() -> None:
    from providers.capitole import rules as capitole
    from providers.ecampaign import rules as ecampaign
    from providers.models import Channel
    from providers.octopush import rules as octopush

    mobiles = [parse_number(f"+3361{i:07d}") for i in range(300)]

    def on_ecampaign(numbers: tuple[str, ...]) -> tuple[tuple[str, str, str], ...]:
        return ecampaign.phone_recipients(numbers, Channel.SMS)

    checks: list[Callable[[tuple[str, ...]], Sized]] = [
        octopush.check_recipients,
        capitole.check_recipients,
        on_ecampaign,
    ]
    for check in checks:
        assert len(check(tuple(mobiles))) == 300
        # A duplicate of an already checked kind is still found.
        with pytest.raises(InputError, match="listed twice"):
            check((*mobiles, mobiles[150]))
        # A plain string of a checked kind's form is still checked on its own.
        with pytest.raises(InputError, match=r"E\.164"):
            check((*mobiles, "0611223344"))
    # A kind refused after many accepted ones (a landline for Octopush, a premium-rate number
    # for everyone) is refused, named.
    with pytest.raises(InputError, match="01 40 00 00 00"):
        octopush.check_recipients((*mobiles, parse_number("+33140000000")))
    premium = parse_number("0899123456")
    for check in checks:
        with pytest.raises(InputError, match="premium"):
            check((*mobiles, premium))


# --------------------------------------------------------------------------- a batch ahead


def test_a_prepared_request_is_taken_for_that_very_message_once() -> None:
    from providers.prepared import LastPrepared

    last: LastPrepared[str] = LastPrepared()
    message = SmsMessage("hi", (A,))
    last.keep(message, "body")
    assert last.take(SmsMessage("hi", (A,))) is None  # equal, not the same: built anew
    assert last.take(message) == "body"
    assert last.take(message) is None  # once
    # Prepared in another thread (the first batch's check runs in a worker): built anew here.
    worker = threading.Thread(target=last.keep, args=(message, "elsewhere"))
    worker.start()
    worker.join()
    assert last.take(message) is None
    last.keep(message, "here")
    assert last.take(message) == "here"


async def test_octopush_sends_the_request_its_validation_built(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx

    from providers.base import AccountSettings
    from providers.octopush import rules
    from providers.octopush.provider import OctopushProvider

    bodies: list[bytes] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(request.content)
        return httpx.Response(200, json={"error_code": "000", "ticket": "T"})

    checked = 0
    check = rules.check_recipients

    def counting(recipients: tuple[str, ...]) -> tuple[Number, ...]:
        nonlocal checked
        checked += 1
        return check(recipients)

    monkeypatch.setattr(rules, "check_recipients", counting)
    settings = AccountSettings(name="o", provider="octopush", login="me@example.org")
    provider = OctopushProvider(settings, "key", httpx.MockTransport(answer))
    message = SmsMessage("hi", (parse_number(A), parse_number(B)))
    provider.validate_sms(message)
    await provider.send_sms(message)
    assert checked == 1  # validated and sent: checked and built once
    await provider.send_sms(message)  # again (a retry): checked and built anew
    assert checked == 2
    await provider.send_sms(SmsMessage("hi", (parse_number(A), parse_number(B))))
    assert checked == 3
    assert bodies[0] == bodies[1] == bodies[2]
    await provider.aclose()


async def test_the_batch_ahead_is_checked_during_a_request_and_never_journalled_early(
    tmp_path: Path,
) -> None:
    from providers.http import request_sent
    from tests.unit.sending_fakes import fail

    numbers = tuple(f"+3361{i:07d}" for i in range(300))

    class Watching(Recording):
        """Records, at each request, which batches the outbox has as leaving."""

        def __init__(self, outbox: Path) -> None:
            super().__init__()
            self.outbox = outbox
            self.leaving: list[list[int]] = []

        async def _send(self, message: SmsMessage | VoiceMessage, dry_run: bool) -> SendReceipt:
            conn = sqlite3.connect(self.outbox)
            self.leaving.append([b for (b,) in conn.execute("SELECT batch FROM send_batches")])
            conn.close()
            announce = request_sent.get()  # the request is out, as httpcore's trace says
            if announce is not None:
                announce()
            await asyncio.sleep(0)  # the loop runs what waits meanwhile
            return await super()._send(message, dry_run)

    db = tmp_path / "outbox.db"
    provider = Watching(db)
    provider.script = [lambda m: accepted(*m.recipients), fail(InputError("text", "refused"))]
    with Store(db) as store:
        outcome = await send(store, provider, "acct", SmsMessage("hi", numbers), batch_size=100)
        batches = store._conn.execute(
            "SELECT batch, state FROM send_batches ORDER BY batch"
        ).fetchall()
        assert [tuple(row) for row in batches] == [(0, "accepted"), (1, "rejected")]
        assert (outcome.accepted, outcome.rejected, outcome.cancelled) == (100, 100, 100)
    # Two requests; each found only itself and the batches before it journalled.
    assert provider.leaving == [[0], [0, 1]]
    # The whole message was checked, then the first batch before the intent; each next batch
    # while the request before it was out, the third one too, though it never left.
    assert [len(checked) for checked in provider.validated] == [300, 100, 100, 100]
    assert [m.recipients for m, _ in provider.calls] == [numbers[:100], numbers[100:200]]


def test_a_batch_answer_keeps_each_cost_as_written(tmp_path: Path) -> None:
    shared = Decimal("0.045")
    results = (
        RecipientResult(A, SendStatus.ACCEPTED, cost=shared),
        RecipientResult(B, SendStatus.ACCEPTED, cost=Decimal("0.050")),
        RecipientResult(C, SendStatus.REJECTED, error="no", cost=Decimal("0.05")),
        RecipientResult(D, SendStatus.ACCEPTED, cost=shared, message_id="M4"),
    )
    with Store(tmp_path / "outbox.db") as store:
        ref = store.begin_send("acct", "fake", "sms", SmsMessage("hi", (A, B, C, D, E)))
        store.mark_batch_sending(ref, 0, [A, B, C, D, E])
        store.record_batch_result(ref, SendReceipt("fake", SendStatus.ACCEPTED, results), batch=0)
        rows = store._conn.execute(
            "SELECT number, state, cost, error, message_id FROM send_recipients "
            "WHERE reference = ? ORDER BY position",
            (ref,),
        ).fetchall()
        assert [tuple(row) for row in rows] == [
            (A, "accepted", "0.045", None, None),
            (B, "accepted", "0.050", None, None),
            (C, "rejected", "0.05", "no", None),
            (D, "accepted", "0.045", None, "M4"),
            (E, "accepted", None, None, None),  # not listed: the receipt's status
        ]
        assert store.counters(ref) == (5, 4, 1, 0, 0)
