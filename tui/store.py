"""The outbox: every send, its recipients, delivery events and last balances, in SQLite.

The rule that matters: the intent of a send is committed *before* its request leaves
(``begin_send``, then ``mark_batch_sending`` per batch), so that a crash, a timeout or a killed
process can never make a send vanish or repeat. A send found in state ``sending`` at start-up
(``recover_interrupted``) becomes ``unknown`` when one of its requests may have left, and is
never retried automatically.

Several processes (CLI, console, receiver daemon) may open the same file: WAL journal, a busy
timeout, and ``BEGIN IMMEDIATE`` for every write so that two writers queue instead of
deadlocking. ``synchronous=FULL`` because a committed intent must survive a power cut too.
Methods are synchronous and short; one ``Store`` may be shared by threads (a lock serialises
them).
"""

from __future__ import annotations

import os
import secrets
import socket
import sqlite3
import sys
import threading
from base64 import b32encode
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from types import TracebackType

from providers.errors import InputError, OutcomeUnknownError, ProviderError
from providers.models import (
    Balance,
    Channel,
    DeliveryEvent,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)

from . import store_events as ev
from .store_codec import decode_balance_lines, decode_message, encode_balance_lines, encode_message
from .store_schema import (
    DDL,
    EVENT_COLUMNS,
    FINAL_SEND_STATES,
    RESENDABLE_STATES,
    SCHEMA_VERSION,
    UNSETTLED_RECIPIENTS,
    BalanceRow,
    EventRow,
    RecipientRow,
    RecipientState,
    SendRow,
    SendState,
    decimal_or_none,
    from_text,
    to_text,
)
from .store_sends import SendQueries

Message = SmsMessage | VoiceMessage

__all__ = [
    "RESENDABLE_STATES",
    "UNSETTLED_RECIPIENTS",
    "BalanceRow",
    "EventRow",
    "Message",
    "RecipientRow",
    "RecipientState",
    "SendRow",
    "SendState",
    "Store",
    "StoreError",
    "new_reference",
]

BUSY_TIMEOUT_MS = 10_000
_STATUS_TO_RECIPIENT = {
    SendStatus.ACCEPTED: RecipientState.ACCEPTED,
    SendStatus.REJECTED: RecipientState.REJECTED,
    SendStatus.UNKNOWN: RecipientState.UNKNOWN,
    SendStatus.DRY_RUN: RecipientState.DRY_RUN,
}

# Stores opened by this process; a send owned by one of them is not "interrupted".
_LIVE_TOKENS: set[str] = set()
_LIVE_LOCK = threading.Lock()
_HOST = socket.gethostname()


class StoreError(Exception):
    """The outbox refused an operation (unknown send, a number that is not pending...)."""


def new_reference() -> str:
    """``PV`` + 8 base32 characters: 10 characters of [A-Z2-7], usable as a Capitole campaign id."""
    return "PV" + b32encode(secrets.token_bytes(5)).decode("ascii")


def _valid_reference(reference: str) -> bool:
    return (
        1 <= len(reference) <= 10
        and all(c.isascii() and c.isalnum() for c in reference)
        and (reference == reference.upper())
    )


class Store(SendQueries):
    def __init__(self, path: Path | str, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.RLock()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE in _write).
        self._conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        self._conn.execute("PRAGMA foreign_keys = ON")
        self._conn.execute("PRAGMA journal_mode = WAL")
        self._conn.execute("PRAGMA synchronous = FULL")
        self._token = secrets.token_hex(8)
        self._owner = f"{_HOST}:{os.getpid()}:{self._token}"
        self._migrate()
        with _LIVE_LOCK:
            _LIVE_TOKENS.add(self._token)

    # ------------------------------------------------------------------ lifecycle

    def _migrate(self) -> None:
        with self._write() as conn:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{self.path} was written by a newer porte-voix (schema {version}); "
                    "upgrade porte-voix to open it"
                )
            if version < SCHEMA_VERSION:
                for statement in DDL.split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        with _LIVE_LOCK:
            _LIVE_TOKENS.discard(self._token)
        with self._lock:
            self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _now(self) -> str:
        return to_text(self._clock())

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._conn

    # ------------------------------------------------------------------ start-up recovery

    def recover_interrupted(self) -> int:
        """Settle sends left in ``sending`` by a process that is gone; return how many.

        A send whose batch was in flight becomes ``unknown`` (its in-flight recipients too):
        the request may have been processed. Recipients never requested become ``cancelled``;
        a send with nothing in flight becomes ``cancelled`` as well. Sends still owned by a
        live store (this process, or another live process on this host) are left alone.
        """
        now = self._now()
        recovered = 0
        with self._write() as conn:
            rows = conn.execute(
                "SELECT reference, owner FROM sends WHERE state = ?", (SendState.SENDING.value,)
            ).fetchall()
            for row in rows:
                if _owner_alive(row["owner"]):
                    continue
                reference = row["reference"]
                in_flight = conn.execute(
                    "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? "
                    "WHERE reference = ? AND state = ?",
                    (
                        RecipientState.UNKNOWN.value,
                        "interrupted while its request was in flight: it may have been sent",
                        now,
                        reference,
                        RecipientState.SENDING.value,
                    ),
                ).rowcount
                in_flight += conn.execute(
                    "UPDATE send_batches SET state = ?, error_code = 'INTERRUPTED', "
                    "finished_at = ? WHERE reference = ? AND state = ?",
                    (SendState.UNKNOWN.value, now, reference, SendState.SENDING.value),
                ).rowcount
                self._cancel_pending(conn, reference, "not sent: the program stopped first", now)
                state = SendState.UNKNOWN if in_flight else SendState.CANCELLED
                conn.execute(
                    "UPDATE sends SET state = ?, error_code = 'INTERRUPTED', error_message = ?, "
                    "updated_at = ?, owner = NULL WHERE reference = ?",
                    (
                        state.value,
                        "the program stopped during this send",
                        now,
                        reference,
                    ),
                )
                self._refresh_counts(conn, reference)
                recovered += 1
        return recovered

    # ------------------------------------------------------------------ the send lifecycle

    def begin_send(
        self,
        account: str,
        provider: str,
        channel: Channel | str,
        message: Message,
        recipients: Sequence[str] | None = None,
        *,
        dry_run: bool = False,
        resend_of: str | None = None,
        reference: str | None = None,
    ) -> str:
        """Commit the intent of a send (state ``sending``, every recipient ``pending``).

        Returns our reference. Nothing may be requested from the provider before this returns.
        Recipients are de-duplicated (first occurrence kept); the message is stored without
        them, since they live in ``send_recipients``.
        """
        channel = Channel(channel)
        expected = Channel.SMS if isinstance(message, SmsMessage) else Channel.VOICE
        if channel is not expected:
            raise StoreError(f"a {type(message).__name__} cannot be sent on channel {channel}")
        numbers = list(dict.fromkeys(message.recipients if recipients is None else recipients))
        if reference is not None and not _valid_reference(reference):
            raise StoreError(f"invalid reference {reference!r}: 1-10 characters A-Z, 0-9")
        stored = encode_message(replace(message, recipients=()))
        ref = reference or new_reference()
        now = self._now()
        with self._write() as conn:
            if resend_of is not None and self._send_state(conn, resend_of) is None:
                raise StoreError(f"no send {resend_of!r} to resend")
            if self._send_state(conn, ref) is not None:
                raise StoreError(f"reference {ref!r} is already used")
            conn.execute(
                """INSERT INTO sends (reference, created_at, updated_at, account, provider,
                       channel, message_json, summary, state, campaign_id, resend_of, dry_run,
                       recipients_total, owner)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (
                    ref,
                    now,
                    now,
                    account,
                    provider,
                    channel.value,
                    stored,
                    _summary(message),
                    SendState.SENDING.value,
                    message.campaign_id,
                    resend_of,
                    int(dry_run),
                    len(numbers),
                    self._owner,
                ),
            )
            conn.executemany(
                """INSERT INTO send_recipients (reference, position, provider, number, state,
                       updated_at) VALUES (?, ?, ?, ?, ?, ?)""",
                (
                    (ref, position, provider, number, RecipientState.PENDING.value, now)
                    for position, number in enumerate(numbers)
                ),
            )
        return ref

    def set_campaign_id(self, reference: str, campaign_id: str) -> None:
        """Record the campaign id actually sent (the orchestrator may default it)."""
        with self._write() as conn:
            conn.execute(
                "UPDATE sends SET campaign_id = ? WHERE reference = ?", (campaign_id, reference)
            )

    def mark_batch_sending(
        self,
        reference: str,
        batch: int,
        numbers: Sequence[str],
        *,
        request_id: str | None = None,
    ) -> None:
        """Commit that the request for this batch is about to leave. Call it, then request.

        Refuses (``StoreError``, nothing changed) when the send is no longer ``sending`` or a
        number is not ``pending``: that is the guard against requesting a number twice.
        """
        now = self._now()
        with self._write() as conn:
            state = self._send_state(conn, reference)
            if state is not SendState.SENDING:
                raise StoreError(f"send {reference} is {state or 'missing'}; nothing may be sent")
            busy = conn.execute(
                "SELECT state FROM send_batches WHERE reference = ? AND batch = ?",
                (reference, batch),
            ).fetchone()
            if busy is not None:
                raise StoreError(f"batch {batch} of {reference} was already requested")
            changed = conn.executemany(
                """UPDATE send_recipients SET state = ?, batch = ?, updated_at = ?
                   WHERE reference = ? AND number = ? AND state = ?""",
                (
                    (RecipientState.SENDING.value, batch, now, reference, number, "pending")
                    for number in numbers
                ),
            ).rowcount
            if changed != len(numbers) or len(set(numbers)) != len(numbers):
                raise StoreError(
                    f"batch {batch} of {reference}: some numbers are not pending in this send"
                )
            conn.execute(
                """INSERT INTO send_batches (reference, batch, provider, state, size, request_id,
                       started_at)
                   SELECT reference, ?, provider, ?, ?, ?, ? FROM sends WHERE reference = ?""",
                (batch, SendState.SENDING.value, len(numbers), request_id, now, reference),
            )

    def release_batch(self, reference: str, batch: int) -> None:
        """Undo ``mark_batch_sending`` for a request the provider refused before doing anything
        (HTTP 429, our own rate limiter): its numbers are pending again."""
        with self._write() as conn:
            conn.execute(
                "UPDATE send_recipients SET state = ?, batch = NULL, updated_at = ? "
                "WHERE reference = ? AND batch = ? AND state = ?",
                ("pending", self._now(), reference, batch, RecipientState.SENDING.value),
            )
            conn.execute(
                "DELETE FROM send_batches WHERE reference = ? AND batch = ?", (reference, batch)
            )

    def record_batch_result(
        self, reference: str, receipt: SendReceipt, *, batch: int | None = None
    ) -> None:
        """Record the provider's receipt for the batch in flight (or ``batch``).

        Per-recipient results apply to their numbers; numbers the receipt does not list take
        the receipt's overall status. Orphan events of this provider are matched afterwards,
        since a callback may have overtaken this reply.
        """
        now = self._now()
        with self._write() as conn:
            batch = self._batch_in_flight(conn, reference) if batch is None else batch
            numbers = self._batch_numbers(conn, reference, batch)
            overall = _STATUS_TO_RECIPIENT[receipt.status]
            results = _results_by_number(receipt.recipients, numbers)
            rows = []
            for number in numbers:
                result = results.get(number)
                state = overall if result is None else _STATUS_TO_RECIPIENT[result.status]
                rows.append(
                    (
                        state.value,
                        None if result is None else result.message_id,
                        None if result is None else result.error,
                        None if result is None or result.cost is None else str(result.cost),
                        now,
                        reference,
                        number,
                    )
                )
            conn.executemany(
                """UPDATE send_recipients SET state = ?, message_id = ?, error = ?, cost = ?,
                       updated_at = ? WHERE reference = ? AND number = ?""",
                rows,
            )
            conn.execute(
                """UPDATE send_batches SET state = ?, provider_reference = ?, finished_at = ?,
                       error_code = NULL, error_message = NULL
                   WHERE reference = ? AND batch = ?""",
                (overall.value, receipt.reference, now, reference, batch),
            )
            self._add_money(conn, reference, receipt.balance, receipt.cost, now)
            if receipt.reference:
                conn.execute(
                    "UPDATE sends SET provider_reference = COALESCE(provider_reference, ?) "
                    "WHERE reference = ?",
                    (receipt.reference, reference),
                )
            self._refresh_counts(conn, reference)
            provider = conn.execute(
                "SELECT provider FROM sends WHERE reference = ?", (reference,)
            ).fetchone()[0]
            ev.match_orphans(conn, self._clock(), provider)

    def record_batch_error(
        self,
        reference: str,
        numbers: Sequence[str] | None,
        error: ProviderError | InputError,
        *,
        batch: int | None = None,
    ) -> None:
        """Record that the batch's request failed: ``unknown`` for ``OutcomeUnknownError`` (it
        may have been processed), ``rejected`` otherwise. ``numbers=None``: the whole batch."""
        unknown = isinstance(error, OutcomeUnknownError)
        state = RecipientState.UNKNOWN if unknown else RecipientState.REJECTED
        if isinstance(error, ProviderError):
            code, text = error.code, error.meaning
            if error.original:
                text += f" (provider said: {error.original[:300]})"
        else:
            code, text = "INPUT", str(error)
        now = self._now()
        with self._write() as conn:
            batch = self._batch_in_flight(conn, reference) if batch is None else batch
            targets = self._batch_numbers(conn, reference, batch) if numbers is None else numbers
            conn.executemany(
                "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? "
                "WHERE reference = ? AND number = ? AND batch = ?",
                ((state.value, f"{code}: {text}", now, reference, n, batch) for n in targets),
            )
            conn.execute(
                """UPDATE send_batches SET state = ?, error_code = ?, error_message = ?,
                       finished_at = ? WHERE reference = ? AND batch = ?""",
                (state.value, code, text, now, reference, batch),
            )
            conn.execute(
                "UPDATE sends SET error_code = ?, error_message = ?, updated_at = ? "
                "WHERE reference = ?",
                (code, text, now, reference),
            )
            balance = getattr(error, "balance", None)
            self._add_money(conn, reference, _decimal(balance), None, now)
            self._refresh_counts(conn, reference)

    def cancel_remaining(self, reference: str, reason: str = "cancelled by the operator") -> int:
        """Mark every recipient not yet requested as ``cancelled``; return how many."""
        with self._write() as conn:
            count = self._cancel_pending(conn, reference, reason, self._now())
            self._refresh_counts(conn, reference)
        return count

    def finish_send(self, reference: str, state: SendState | str) -> None:
        """Set the final state. Numbers still pending are cancelled (they were never sent)."""
        final = SendState(state)
        if final not in FINAL_SEND_STATES:
            raise StoreError(f"{final} is not a final state")
        now = self._now()
        with self._write() as conn:
            if self._send_state(conn, reference) is None:
                raise StoreError(f"no send {reference!r}")
            self._cancel_pending(conn, reference, "not sent: the send stopped first", now)
            conn.execute(
                "UPDATE sends SET state = ?, updated_at = ?, owner = NULL WHERE reference = ?",
                (final.value, now, reference),
            )
            self._refresh_counts(conn, reference)

    # ------------------------------------------------------------------ rebuilding for resend

    def message_of(
        self, reference: str, *, states: Collection[RecipientState | str] | None = None
    ) -> Message:
        """The stored message with its recipients (only those in ``states`` when given)."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT message_json FROM sends WHERE reference = ?", (reference,)
            ).fetchone()
            if row is None:
                raise StoreError(f"no send {reference!r}")
            query = (
                "SELECT number, state FROM send_recipients WHERE reference = ? ORDER BY position"
            )
            numbers = conn.execute(query, (reference,)).fetchall()
        wanted = None if states is None else {RecipientState(s).value for s in states}
        recipients = tuple(n[0] for n in numbers if wanted is None or n[1] in wanted)
        return replace(decode_message(row[0]), recipients=recipients)

    # ------------------------------------------------------------------ events

    def record_event(
        self,
        event: DeliveryEvent,
        raw: bytes | str,
        account: str | None = None,
        *,
        dedup_key: str | None = None,
    ) -> bool:
        """Store a delivery event and apply it; False when it was already stored."""
        body = raw.encode("utf-8", errors="replace") if isinstance(raw, str) else raw
        with self._write() as conn:
            now = self._clock()
            event_id = ev.insert_event(conn, event, body, account, now, dedup_key)
            if event_id is None:
                return False
            number = ev.clean_number(event.number)
            match = ev.find_match(
                conn, event.provider, event.kind, event.message_id, event.campaign_id, number
            )
            if match is not None:
                occurred = None if event.occurred_at is None else to_text(event.occurred_at)
                ev.link_event(
                    conn, event_id, match, event.kind, event.state, event.provider_code,
                    occurred, now,
                )  # fmt: skip
        return True

    def match_orphans(self, provider: str | None = None) -> int:
        with self._write() as conn:
            return ev.match_orphans(conn, self._clock(), provider)

    def events_since(self, event_id: int, limit: int = 500) -> list[EventRow]:
        """Events stored after ``event_id``, in arrival order (for a screen that polls)."""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE id > ? ORDER BY id LIMIT ?",
                (event_id, limit),
            ).fetchall()
        return [EventRow.from_row(row) for row in rows]

    def events_for(self, reference: str, limit: int = 500, offset: int = 0) -> list[EventRow]:
        """A send's events in the order they happened (arrival order where no time is known)."""
        with self._read() as conn:
            rows = conn.execute(
                f"""SELECT {EVENT_COLUMNS} FROM events WHERE matched_reference = ?
                    ORDER BY COALESCE(occurred_at, received_at), id LIMIT ? OFFSET ?""",
                (reference, limit, offset),
            ).fetchall()
        return [EventRow.from_row(row) for row in rows]

    def event_raw(self, event_id: int) -> bytes | None:
        with self._read() as conn:
            row = conn.execute("SELECT raw FROM events WHERE id = ?", (event_id,)).fetchone()
        return None if row is None else bytes(row[0] or b"")

    # ------------------------------------------------------------------ balances

    def record_balance(
        self,
        account: str,
        provider: str,
        balance: Balance | Decimal,
        *,
        seen_at: datetime | None = None,
    ) -> None:
        with self._write() as conn:
            self._upsert_balance(conn, account, provider, balance, seen_at or self._clock())

    def last_balance(self, account: str) -> BalanceRow | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM balances WHERE account = ?", (account,)).fetchone()
        if row is None:
            return None
        return BalanceRow(
            account=row["account"],
            provider=row["provider"],
            amount=decimal_or_none(row["amount"]),
            lines=decode_balance_lines(row["lines_json"]),
            seen_at=from_text(row["seen_at"]) or self._clock(),
        )

    @staticmethod
    def _upsert_balance(
        conn: sqlite3.Connection,
        account: str,
        provider: str,
        balance: Balance | Decimal,
        seen_at: datetime,
    ) -> None:
        if isinstance(balance, Balance):
            lines = balance.lines
            amount = lines[0].amount if len(lines) == 1 else None
            seen_at = balance.as_of or seen_at
        else:
            lines, amount = (), balance
        conn.execute(
            """INSERT INTO balances (account, provider, amount, lines_json, seen_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (account) DO UPDATE SET provider = excluded.provider,
                   amount = excluded.amount, lines_json = excluded.lines_json,
                   seen_at = excluded.seen_at""",
            (
                account,
                provider,
                None if amount is None else str(amount),
                encode_balance_lines(lines),
                to_text(seen_at),
            ),
        )

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _send_state(conn: sqlite3.Connection, reference: str) -> SendState | None:
        row = conn.execute("SELECT state FROM sends WHERE reference = ?", (reference,)).fetchone()
        return None if row is None else SendState(row[0])

    @staticmethod
    def _batch_in_flight(conn: sqlite3.Connection, reference: str) -> int:
        rows = conn.execute(
            "SELECT batch FROM send_batches WHERE reference = ? AND state = ?",
            (reference, SendState.SENDING.value),
        ).fetchall()
        if len(rows) != 1:
            raise StoreError(f"send {reference} has {len(rows)} batches in flight, expected 1")
        return int(rows[0][0])

    @staticmethod
    def _batch_numbers(conn: sqlite3.Connection, reference: str, batch: int) -> list[str]:
        # "unknown" too: another process's start-up recovery may have run meanwhile; the
        # provider's answer is still the truth.
        rows = conn.execute(
            "SELECT number FROM send_recipients WHERE reference = ? AND batch = ? "
            "AND state IN ('sending', 'unknown') ORDER BY position",
            (reference, batch),
        ).fetchall()
        return [row[0] for row in rows]

    @staticmethod
    def _cancel_pending(conn: sqlite3.Connection, reference: str, reason: str, now: str) -> int:
        return int(
            conn.execute(
                "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? "
                "WHERE reference = ? AND state = 'pending'",
                (RecipientState.CANCELLED.value, reason, now, reference),
            ).rowcount
        )

    @staticmethod
    def _refresh_counts(conn: sqlite3.Connection, reference: str) -> None:
        conn.execute(
            """UPDATE sends SET
                 accepted = (SELECT count(*) FROM send_recipients
                             WHERE reference = ?1 AND state IN ('accepted', 'dry-run')),
                 rejected = (SELECT count(*) FROM send_recipients
                             WHERE reference = ?1 AND state = 'rejected'),
                 unknown = (SELECT count(*) FROM send_recipients
                            WHERE reference = ?1 AND state = 'unknown'),
                 cancelled = (SELECT count(*) FROM send_recipients
                              WHERE reference = ?1 AND state = 'cancelled')
               WHERE reference = ?1""",
            (reference,),
        )

    def _add_money(
        self,
        conn: sqlite3.Connection,
        reference: str,
        balance: Decimal | None,
        cost: Decimal | None,
        now: str,
    ) -> None:
        row = conn.execute(
            "SELECT account, provider, cost FROM sends WHERE reference = ?", (reference,)
        ).fetchone()
        if cost is not None:
            total = (decimal_or_none(row["cost"]) or Decimal(0)) + cost
            conn.execute("UPDATE sends SET cost = ? WHERE reference = ?", (str(total), reference))
        if balance is not None:
            conn.execute(
                "UPDATE sends SET balance = ?, updated_at = ? WHERE reference = ?",
                (str(balance), now, reference),
            )
            self._upsert_balance(conn, row["account"], row["provider"], balance, self._clock())


def _summary(message: Message) -> str:
    if isinstance(message, SmsMessage):
        text = message.text
    else:
        text = message.tts or message.voice_msg or message.audio_token or ""
    return " ".join(text.split())[:200]


def _results_by_number(
    results: Sequence[RecipientResult], numbers: Sequence[str]
) -> dict[str, RecipientResult]:
    """Index results by our E.164 numbers, tolerating a reply that drops the ``+``."""
    by_digits = {number.lstrip("+"): number for number in numbers}
    indexed: dict[str, RecipientResult] = {}
    for result in results:
        number = by_digits.get((ev.clean_number(result.number) or "").lstrip("+"))
        if number is not None:
            indexed[number] = result
    return indexed


def _decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.strip())
    except ArithmeticError:
        return None


def _owner_alive(owner: str | None) -> bool:
    """Whether the store that began a send is still open (this process or another)."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text, _, token = rest.partition(":")
    if host != _HOST or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        with _LIVE_LOCK:
            return token in _LIVE_TOKENS
    if sys.platform == "win32":
        # os.kill(pid, 0) would terminate the process on Windows; assume it is gone.
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    except OSError:
        return False
    return True
