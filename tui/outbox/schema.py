"""The outbox database: schema, states and the row types the store hands out.

Times are stored as UTC ISO-8601 text with microseconds and a fixed width, so that text order is
time order and ``ORDER BY occurred_at`` needs no conversion. Amounts are ``Decimal`` text.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum

from providers.models import BalanceLine, Channel, DeliveryState, EventKind, Message, SmsMessage
from tui.outbox.schema_history import GROUP_DDL, HISTORY_DDL

#: 2: index send_recipients(reference, state); 3: sends.content_hash, the unfinished sends' index;
#: 4: balances per account and channel or route, their history and thresholds, the History
#: screen's indexes, getCDR rows (every addition is ``IF NOT EXISTS``: the DDL runs again);
#: 5: the members of eCampaign group sends (``tui.outbox.group_deliveries``);
#: 6: the index of recipients by state keeps the settled ones only (``SETTLED``).
SCHEMA_VERSION = 6


class SendState(StrEnum):
    SENDING = "sending"  # intent committed; requests may be under way
    ACCEPTED = "accepted"
    PARTIAL = "partial"  # some recipients accepted, others refused or not sent
    REJECTED = "rejected"
    UNKNOWN = "unknown"  # a request may have been processed: reconcile, never resend blindly
    CANCELLED = "cancelled"  # stopped before every batch went (operator, or interruption)
    DRY_RUN = "dry-run"


class RecipientState(StrEnum):
    PENDING = "pending"  # no request made for this number yet
    SENDING = "sending"  # its batch's request is (or was, before a crash) in flight
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"  # never requested
    DRY_RUN = "dry-run"


#: Recipients not answered yet, left out of the index of recipients by state
#: (``send_recipients_settled``): every batch moves its numbers from one to the other, then to
#: an outcome, and each move kept in the index cost about a millisecond a batch of 500 twice
#: over, on the wire's idle time; the queries for them (cancelling the numbers never requested,
#: recovery) run once a send.
UNANSWERED = (RecipientState.PENDING.value, RecipientState.SENDING.value)
#: The index's condition: a query by state names it word for word, or SQLite cannot use the
#: index (it cannot tell that a bound state is one the index holds).
SETTLED = "state NOT IN ({})".format(", ".join(f"'{state}'" for state in UNANSWERED))

FINAL_SEND_STATES = frozenset(set(SendState) - {SendState.SENDING})
#: Sends an operator may knowingly resend.
RESENDABLE_STATES = frozenset({SendState.UNKNOWN, SendState.REJECTED, SendState.CANCELLED})
#: Recipients a resend targets by default: every one not known to be accepted.
UNSETTLED_RECIPIENTS = frozenset(
    {
        RecipientState.PENDING,
        RecipientState.REJECTED,
        RecipientState.UNKNOWN,
        RecipientState.CANCELLED,
    }
)


#: The SQL condition of an unfinished send: still sending, of unknown outcome, or with numbers
#: never sent. Literal values, so that SQLite uses the partial index ``sends_unfinished``.
UNFINISHED = "dry_run = 0 AND (state IN ('sending', 'unknown') OR cancelled > 0)"


def channel_of(message: Message) -> Channel:
    """The channel a message goes out on, as ``sends.channel`` records it."""
    return Channel.SMS if isinstance(message, SmsMessage) else Channel.VOICE


# Run statement by statement inside one transaction (split on ";": no ";" in comments).
DDL = (
    """
CREATE TABLE IF NOT EXISTS sends (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    account TEXT NOT NULL,
    provider TEXT NOT NULL,
    channel TEXT NOT NULL,
    message_json TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    error_code TEXT,
    error_message TEXT,
    provider_reference TEXT,
    campaign_id TEXT,
    balance TEXT,
    cost TEXT,
    resend_of TEXT REFERENCES sends(reference),
    dry_run INTEGER NOT NULL DEFAULT 0,
    recipients_total INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    unknown INTEGER NOT NULL DEFAULT 0,
    cancelled INTEGER NOT NULL DEFAULT 0,
    owner TEXT,
    content_hash TEXT
);
-- History pages walk the rowid (insertion order) backwards, these serve the filters.
CREATE INDEX IF NOT EXISTS sends_state ON sends(state);
CREATE INDEX IF NOT EXISTS sends_account ON sends(account);
CREATE INDEX IF NOT EXISTS sends_account_state ON sends(account, state);
CREATE INDEX IF NOT EXISTS sends_campaign ON sends(provider, campaign_id);
CREATE INDEX IF NOT EXISTS sends_resend_of ON sends(resend_of);
-- A new send is compared with the earlier ones of the same account and content.
CREATE INDEX IF NOT EXISTS sends_content ON sends(account, content_hash, created_at);
-- `porte-voix sends --unfinished`: the condition is UNFINISHED below, word for word.
CREATE INDEX IF NOT EXISTS sends_unfinished ON sends(id)
    WHERE dry_run = 0 AND (state IN ('sending', 'unknown') OR cancelled > 0);

CREATE TABLE IF NOT EXISTS send_batches (
    reference TEXT NOT NULL REFERENCES sends(reference) ON DELETE CASCADE,
    batch INTEGER NOT NULL,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    size INTEGER NOT NULL,
    request_id TEXT,
    provider_reference TEXT,
    error_code TEXT,
    error_message TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    PRIMARY KEY (reference, batch)
);
CREATE INDEX IF NOT EXISTS send_batches_provider_ref
    ON send_batches(provider, provider_reference);

CREATE TABLE IF NOT EXISTS send_recipients (
    id INTEGER PRIMARY KEY,
    reference TEXT NOT NULL REFERENCES sends(reference) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    provider TEXT NOT NULL,
    number TEXT NOT NULL,
    batch INTEGER,
    state TEXT NOT NULL,
    message_id TEXT,
    error TEXT,
    cost TEXT,
    delivery_state TEXT,
    delivery_code TEXT,
    delivery_at TEXT,
    updated_at TEXT NOT NULL,
    UNIQUE (reference, position),
    UNIQUE (reference, number)
);
CREATE INDEX IF NOT EXISTS send_recipients_message ON send_recipients(provider, message_id);
-- (number, provider) rather than (provider, number): it also serves a search by number alone.
CREATE INDEX IF NOT EXISTS send_recipients_number ON send_recipients(number, provider);
-- A send's outcomes by state (its unknown ones after every batch, counts, the History filter)
-- without reading all its recipients: pending and sending ones are not kept (SETTLED).
CREATE INDEX IF NOT EXISTS send_recipients_settled ON send_recipients(reference, state)
    WHERE state NOT IN ('pending', 'sending');
-- send_recipients_batch: BATCH_INDEX below, made at every opening.

CREATE TABLE IF NOT EXISTS events (
    id INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    provider TEXT NOT NULL,
    account TEXT,
    kind TEXT NOT NULL,
    state TEXT NOT NULL,
    provider_code TEXT NOT NULL DEFAULT '',
    message_id TEXT,
    campaign_id TEXT,
    number TEXT,
    occurred_at TEXT,
    text TEXT,
    network TEXT,
    description TEXT,
    delivered INTEGER,
    total INTEGER,
    raw BLOB,
    raw_size INTEGER NOT NULL DEFAULT 0,
    dedup_key TEXT NOT NULL UNIQUE,
    matched_reference TEXT REFERENCES sends(reference) ON DELETE SET NULL,
    matched_number TEXT
);
CREATE INDEX IF NOT EXISTS events_orphans ON events(provider) WHERE matched_reference IS NULL;
CREATE INDEX IF NOT EXISTS events_matched ON events(matched_reference, occurred_at);

CREATE TABLE IF NOT EXISTS balances (
    account TEXT PRIMARY KEY,
    provider TEXT NOT NULL,
    amount TEXT,
    lines_json TEXT NOT NULL DEFAULT '[]',
    seen_at TEXT NOT NULL
);
"""
    + HISTORY_DDL
    + GROUP_DDL
)


#: A batch's answer finds its numbers, in order, directly: the same cost at any send size.
#: Partial: a number joins it when its batch leaves, so a send's intent does not pay for it.
#: Added to schema 4 after databases were written with it: ``StoreBase`` makes it at every
#: opening where it is missing (a no-op once it is there).
BATCH_INDEX = """CREATE INDEX IF NOT EXISTS send_recipients_batch
    ON send_recipients(reference, batch, position) WHERE batch IS NOT NULL"""


def to_text(moment: datetime) -> str:
    """UTC, fixed width: text order is time order. A naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def decimal_or_none(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@dataclass(frozen=True)
class SendRow:
    reference: str
    created_at: datetime
    updated_at: datetime
    account: str
    provider: str
    channel: Channel
    summary: str
    state: SendState
    error_code: str | None
    error_message: str | None
    provider_reference: str | None
    campaign_id: str | None
    balance: Decimal | None
    cost: Decimal | None
    resend_of: str | None
    dry_run: bool
    recipients_total: int
    accepted: int
    rejected: int
    unknown: int
    cancelled: int

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> SendRow:
        return cls(
            reference=row["reference"],
            created_at=datetime.fromisoformat(row["created_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
            account=row["account"],
            provider=row["provider"],
            channel=Channel(row["channel"]),
            summary=row["summary"],
            state=SendState(row["state"]),
            error_code=row["error_code"],
            error_message=row["error_message"],
            provider_reference=row["provider_reference"],
            campaign_id=row["campaign_id"],
            balance=decimal_or_none(row["balance"]),
            cost=decimal_or_none(row["cost"]),
            resend_of=row["resend_of"],
            dry_run=bool(row["dry_run"]),
            recipients_total=row["recipients_total"],
            accepted=row["accepted"],
            rejected=row["rejected"],
            unknown=row["unknown"],
            cancelled=row["cancelled"],
        )


@dataclass(frozen=True)
class RecipientRow:
    reference: str
    position: int
    number: str
    batch: int | None
    state: RecipientState
    message_id: str | None
    error: str | None
    cost: Decimal | None
    delivery_state: DeliveryState | None
    delivery_code: str | None
    delivery_at: datetime | None
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> RecipientRow:
        delivery = row["delivery_state"]
        return cls(
            reference=row["reference"],
            position=row["position"],
            number=row["number"],
            batch=row["batch"],
            state=RecipientState(row["state"]),
            message_id=row["message_id"],
            error=row["error"],
            cost=decimal_or_none(row["cost"]),
            delivery_state=None if delivery is None else DeliveryState(delivery),
            delivery_code=row["delivery_code"],
            delivery_at=from_text(row["delivery_at"]),
            updated_at=datetime.fromisoformat(row["updated_at"]),
        )


@dataclass(frozen=True)
class EventRow:
    """A stored delivery event, without its raw request (see ``Store.event_raw``)."""

    id: int
    received_at: datetime
    provider: str
    account: str | None
    kind: EventKind
    state: DeliveryState
    provider_code: str
    message_id: str | None
    campaign_id: str | None
    number: str | None
    occurred_at: datetime | None
    text: str | None
    network: str | None
    description: str | None
    delivered: int | None
    total: int | None
    matched_reference: str | None
    matched_number: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> EventRow:
        return cls(
            id=row["id"],
            received_at=datetime.fromisoformat(row["received_at"]),
            provider=row["provider"],
            account=row["account"],
            kind=EventKind(row["kind"]),
            state=DeliveryState(row["state"]),
            provider_code=row["provider_code"],
            message_id=row["message_id"],
            campaign_id=row["campaign_id"],
            number=row["number"],
            occurred_at=from_text(row["occurred_at"]),
            text=row["text"],
            network=row["network"],
            description=row["description"],
            delivered=row["delivered"],
            total=row["total"],
            matched_reference=row["matched_reference"],
            matched_number=row["matched_number"],
        )


EVENT_COLUMNS = (
    "id, received_at, provider, account, kind, state, provider_code, message_id, campaign_id, "
    "number, occurred_at, text, network, description, delivered, total, matched_reference, "
    "matched_number"
)


@dataclass(frozen=True)
class BalanceRow:
    account: str
    provider: str
    amount: Decimal | None  # a single figure (e.g. from a Capitole reply), else None
    lines: tuple[BalanceLine, ...]
    seen_at: datetime
