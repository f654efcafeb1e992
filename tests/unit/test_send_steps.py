"""A running send's steps around each request.

A batch's result is committed together with the next batch's intent, in one transaction,
before that batch's request leaves (``SendJournal.leaving``, ``Store.steps_together``): a
process killed once a request is out finds every earlier answer in the outbox, and only the
batch then out unknown. ``providers.http.request_sent`` says when a request's body has left
(httpcore's trace); the next batch is read and checked then, while the provider works. An
answer received is journalled even when the next request fails or the send is cancelled while
it is out.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from providers.errors import OutcomeUnknownError
from providers.http import make_client, request, request_sent
from providers.models import GroupTarget, RecipientResult, SendReceipt, SendStatus, SmsMessage
from tests.unit.sending_fakes import NUMBERS, Behaviour, FakeProvider, fail, ok
from tests.unit.test_http_loopback import LoopbackServer
from tui.outbox.journal import SendJournal
from tui.outbox.store import SendState, Store, StoreError
from tui.sending import SendProgress, send

GUARD = 30.0


def states(db: Path, numbers: tuple[str, ...]) -> set[str]:
    """The states another process reads for ``numbers`` (committed steps only)."""
    conn = sqlite3.connect(db)
    try:
        marks = ",".join("?" * len(numbers))
        rows = conn.execute(
            f"SELECT DISTINCT state FROM send_recipients WHERE number IN ({marks})", numbers
        ).fetchall()
    finally:
        conn.close()
    return {row[0] for row in rows}


class Announcing(FakeProvider):
    """A provider whose transport says when each request's body is out, as httpcore's trace
    does (unless ``announce`` is False: a test's MockTransport), and which records what another
    connection read of the batch before, just before and just after that moment."""

    def __init__(self, db: Path, size: int, *script: Behaviour, announce: bool = True) -> None:
        super().__init__(*script, db=db)
        self.size = size
        self.announce = announce
        self.before: list[set[str]] = []  # the previous batch, before the body is out
        self.after: list[set[str]] = []  # and once it is

    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
        index = NUMBERS.index(message.recipients[0]) // self.size
        previous = NUMBERS[(index - 1) * self.size : index * self.size] if index else ()
        assert self.db is not None
        self.before.append(states(self.db, previous))
        announce = request_sent.get()
        if announce is not None and self.announce:
            announce()
        self.after.append(states(self.db, previous))
        return await super().send_sms(message, dry_run=dry_run)


async def test_each_result_is_committed_with_the_next_intent_before_its_request(
    tmp_path: Path,
) -> None:
    db = tmp_path / "outbox.db"
    provider = Announcing(db, 100)
    reports: list[SendProgress] = []
    statements: list[str] = []
    with Store(db) as store:
        store._conn.set_trace_callback(statements.append)
        outcome = await send(
            store,
            provider,
            "acct",
            SmsMessage("hi", NUMBERS[:400]),
            batch_size=100,
            progress=reports.append,
        )
        store._conn.set_trace_callback(None)
        assert store.recipient_counts(outcome.reference) == {"accepted": 400}
    assert outcome.state is SendState.ACCEPTED
    # Each answer was written on the range of positions its batch's leaving marked.
    by_range = [s for s in statements if "SET state = 'accepted'" in s and "BETWEEN" in s]
    assert len(by_range) == 4
    # Each request finds its own batch committed as leaving (the intent before the request)...
    assert [seen[0] for seen in provider.seen] == [("sending", "sending")] * 4
    # ... and the batch before it answered already, for anyone else to read: a process killed
    # from here on loses no answer.
    assert provider.before == [set(), {"accepted"}, {"accepted"}, {"accepted"}]
    assert provider.after == provider.before
    # A result and the next intent are one transaction: between the first request and the last
    # result, one commit a batch.
    marks = [i for i, s in enumerate(statements) if "recipients SET state = 'sending'" in s]
    results = [i for i, s in enumerate(statements) if "recipients SET state = 'accepted'" in s]
    commits = [i for i, s in enumerate(statements) if s == "COMMIT"]
    assert len(marks) == len(results) == 4
    for answered, leaving in zip(results, marks[1:], strict=False):
        assert answered < leaving
        assert not [c for c in commits if answered < c < leaving]
    # One progress report a batch, each once its result is in the outbox.
    assert [(r.batches_done, r.done, r.remaining) for r in reports] == [
        (1, 100, 300),
        (2, 200, 200),
        (3, 300, 100),
        (4, 400, 0),
    ]


async def test_without_a_signal_each_result_is_still_committed_before_the_next_request(
    tmp_path: Path,
) -> None:
    db = tmp_path / "outbox.db"
    provider = Announcing(db, 100, announce=False)  # as a test's MockTransport: says nothing
    with Store(db) as store:
        outcome = await send(
            store, provider, "acct", SmsMessage("hi", NUMBERS[:300]), batch_size=100
        )
        assert store.recipient_counts(outcome.reference) == {"accepted": 300}
    assert [seen[0] for seen in provider.seen] == [("sending", "sending")] * 3
    assert provider.before == [set(), {"accepted"}, {"accepted"}]
    assert outcome.state is SendState.ACCEPTED


async def test_an_answer_is_kept_when_the_next_request_has_an_unknown_outcome(
    tmp_path: Path,
) -> None:
    db = tmp_path / "outbox.db"
    provider = Announcing(db, 100, ok, fail(OutcomeUnknownError("fake", "timed out")))
    with Store(db) as store:
        outcome = await send(
            store, provider, "acct", SmsMessage("hi", NUMBERS[:300]), batch_size=100
        )
    assert len(provider.calls) == 2
    assert (outcome.state, outcome.accepted, outcome.unknown, outcome.cancelled) == (
        SendState.UNKNOWN,
        100,
        100,
        100,
    )
    assert states(db, NUMBERS[:100]) == {"accepted"}
    assert states(db, NUMBERS[100:200]) == {"unknown"}
    assert states(db, NUMBERS[200:300]) == {"cancelled"}


async def test_an_answer_is_kept_when_the_send_is_cancelled_during_the_next_request(
    tmp_path: Path,
) -> None:
    db = tmp_path / "outbox.db"
    out = asyncio.Event()

    class Hanging(FakeProvider):
        """Answers the first request; the second never comes back."""

        async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
            if self.calls:
                self.calls.append((message, dry_run))
                out.set()
                await asyncio.Event().wait()
            return await super().send_sms(message, dry_run=dry_run)

    provider = Hanging()
    with Store(db) as store:
        task = asyncio.create_task(
            send(store, provider, "acct", SmsMessage("hi", NUMBERS[:300]), batch_size=100)
        )
        async with asyncio.timeout(GUARD):
            await out.wait()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        reference = store.list_sends()[0].reference
        stored = store.get_send(reference)
        assert stored is not None and stored.state is SendState.UNKNOWN
    assert states(db, NUMBERS[:100]) == {"accepted"}  # answered before: not "unknown"
    assert states(db, NUMBERS[100:200]) == {"unknown"}  # out when the send died
    assert states(db, NUMBERS[200:300]) == {"cancelled"}


async def test_a_group_send_journals_each_result_before_the_next_request(tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    provider = Announcing(db, 100)
    message = SmsMessage("hi", NUMBERS[:200], group=GroupTarget("G1"))
    with Store(db) as store:
        outcome = await send(store, provider, "acct", message, batch_size=100)
    assert outcome.state is SendState.ACCEPTED
    # Its members are told from the numbers of the batch in flight: nothing is held back.
    assert provider.before == [set(), {"accepted"}]


def _reply(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def test_request_sent_is_called_once_the_body_is_out_and_before_the_answer() -> None:
    said: list[str] = []
    sent = asyncio.Event()

    async def answer_once_told(writer: asyncio.StreamWriter) -> None:
        # The server has read the whole body; it answers only once the client said it was out.
        async with asyncio.timeout(GUARD):
            await sent.wait()
        said.append("answered")
        writer.write(_reply(b"ok"))
        await writer.drain()

    def on_sent() -> None:
        said.append("sent")
        sent.set()

    async with LoopbackServer(answer_once_told) as server, make_client() as client:
        token = request_sent.set(on_sent)
        try:
            response = await request(
                client, "fake", "POST", server.url, sends=True, content=b"x" * 100_000
            )
        finally:
            request_sent.reset(token)
        # Not set: nobody is told of the next request.
        again = await request(client, "fake", "POST", server.url, sends=True, content=b"y")
    assert response.content == b"ok" and again.content == b"ok"
    assert said == ["sent", "answered", "answered"]


async def test_a_failing_listener_does_not_fail_the_request(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(_reply(b"ok"))
        await writer.drain()

    def broken() -> None:
        raise RuntimeError("listener bug")

    async with LoopbackServer(answer) as server, make_client() as client:
        token = request_sent.set(broken)
        try:
            response = await request(client, "fake", "POST", server.url, sends=True, content=b"x")
        finally:
            request_sent.reset(token)
    assert response.content == b"ok"
    assert "request_sent listener failed" in caplog.text


async def test_the_next_batch_is_read_only_once_the_request_is_out(tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"

    class Counting(Announcing):
        """Counts the provider's checks: before its body is out, and once the loop ran."""

        def __init__(self) -> None:
            super().__init__(db, 100)
            self.checks = 0
            self.counted: list[int] = []

        def validate_sms(self, message: SmsMessage) -> None:
            self.checks += 1
            super().validate_sms(message)

        async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
            for _ in range(3):
                await asyncio.sleep(0)  # as httpcore awaits before the body is out
            self.counted.append(self.checks)
            receipt = await super().send_sms(message, dry_run=dry_run)  # announces
            await asyncio.sleep(0)
            self.counted.append(self.checks)
            return receipt

    provider = Counting()
    with Store(db) as store:
        await send(store, provider, "acct", SmsMessage("hi", NUMBERS[:300]), batch_size=100)
    # The whole message, then the first batch, are checked before anything leaves; each next
    # batch only once the request before it is out, never ahead of it on the event loop.
    assert provider.counted == [2, 3, 3, 4, 4, 4]


def _receipt(numbers: tuple[str, ...]) -> SendReceipt:
    return SendReceipt(
        "fake", SendStatus.ACCEPTED, tuple(RecipientResult(n, SendStatus.ACCEPTED) for n in numbers)
    )


def test_steps_together_are_one_transaction(tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    with Store(db) as store:
        journal = SendJournal.begin(store, "acct", "fake", SmsMessage("hi", NUMBERS[:2]))
        journal.leaving(0, NUMBERS[:1], request_id=None)
        with store.steps_together():
            store.record_batch_result(journal.reference, _receipt(NUMBERS[:1]), batch=0)
            store.mark_batch_sending(journal.reference, 1, NUMBERS[1:2])
            # This connection sees its steps; another one nothing of them yet.
            assert store.counters(journal.reference)[1] == 1
            assert states(db, NUMBERS[:1]) == {"sending"}
            assert states(db, NUMBERS[1:2]) == {"pending"}
        assert states(db, NUMBERS[:1]) == {"accepted"}
        assert states(db, NUMBERS[1:2]) == {"sending"}


def test_a_leaving_refused_after_an_answer_leaves_the_answer_committed(tmp_path: Path) -> None:
    db = tmp_path / "outbox.db"
    with Store(db) as store:
        journal = SendJournal.begin(store, "acct", "fake", SmsMessage("hi", NUMBERS[:2]))
        journal.leaving(0, NUMBERS[:1], request_id=None)
        answered = (0, _receipt(NUMBERS[:1]))
        # The first number is not pending any more: the second batch's leaving is refused whole.
        with pytest.raises(StoreError):
            journal.leaving(1, NUMBERS[:2], request_id=None, answered=answered)
        assert states(db, NUMBERS[:1]) == {"accepted"}
        assert states(db, NUMBERS[1:2]) == {"pending"}
        assert journal.in_flight is None
        # The outbox goes on: no transaction is left open.
        assert not store._conn.in_transaction
        journal.leaving(1, NUMBERS[1:2], request_id=None)
        assert states(db, NUMBERS[1:2]) == {"sending"}
