"""The Live screen's view of the outbox: recent sends, their counts per state, deliveries over time.

``LiveReader`` has its own SQLite connection and only reads. ``PRAGMA data_version`` on it
changes whenever another connection commits (the daemon in another process, the console's
embedded receiver, a send): checking it costs microseconds, so the screen may look often and
read only when something changed, and then only what is new (events after the last id seen,
sends whose ``updated_at`` moved).

Recipients are counted per normalised state (``LIVE_STATES``), the same for every provider:

* queued: not requested yet, or the provider says queued;
* sent: accepted, no delivery report yet (or "sent" reported);
* delivered (mail opened or clicked too), failed (refused, busy, no answer), answered,
  voicemail; unknown: outcome unknown or a state the provider did not explain.

A recipient never sent (cancelled) is not counted. Where a provider reports totals only
(VoicePartner's voicemail drop: ``delivered_quantity`` of ``total_quantity``), its latest totals
stand in for the recipients' states.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from providers.models import FINAL_STATES
from tui.outbox.schema import SETTLED, to_text

LIVE_STATES = ("queued", "sent", "delivered", "failed", "answered", "voicemail", "unknown")
FINAL_LIVE = frozenset({"delivered", "failed", "answered", "voicemail"})
#: How a polled state's raw record begins (``tui.listen.poller``); a callback's is its method.
POLL_PREFIX = "getCDR"

#: SQL: a recipient's normalised state (NULL: not counted).
NORMALISED = """CASE
    WHEN r.state IN ('pending', 'sending') THEN 'queued'
    WHEN r.state = 'rejected' THEN 'failed'
    WHEN r.state = 'unknown' THEN 'unknown'
    WHEN r.state <> 'accepted' THEN NULL
    WHEN r.delivery_state IS NULL OR r.delivery_state = 'sent' THEN 'sent'
    WHEN r.delivery_state = 'queued' THEN 'queued'
    WHEN r.delivery_state IN ('delivered', 'opened', 'clicked', 'unsubscribed') THEN 'delivered'
    WHEN r.delivery_state IN ('failed', 'busy', 'no-answer') THEN 'failed'
    WHEN r.delivery_state IN ('answered', 'voicemail') THEN r.delivery_state
    ELSE 'unknown' END"""
_DELIVERED = "('delivered', 'opened', 'clicked')"
_FINAL_SQL = "(" + ", ".join(f"'{state.value}'" for state in FINAL_STATES) + ")"


def source_of(raw_start: str | None) -> str:
    """Where a stored event came from, by how its raw record begins."""
    if raw_start is None:
        return "?"
    return "getCDR" if raw_start.startswith(POLL_PREFIX) else "callback"


@dataclass
class SendSummary:
    reference: str
    account: str
    provider: str
    channel: str
    created_at: datetime
    summary: str
    state: str
    total: int
    updated_at: str
    counts: Counter[str] = field(default_factory=Counter)
    #: Where the latest state came from: "callback", "getCDR", or "" (no report yet).
    via: str = ""

    @property
    def final(self) -> int:
        return sum(self.counts[state] for state in FINAL_LIVE)

    @property
    def failure_rate(self) -> float | None:
        final = self.final
        return None if not final else self.counts["failed"] / final


@dataclass(frozen=True)
class NewEvent:
    id: int
    reference: str | None
    kind: str
    state: str
    at: str  # when it happened (or arrived), UTC text

    @property
    def delivered(self) -> bool:
        """A delivery, as the chart counts them."""
        return self.kind == "delivery" and self.state in ("delivered", "opened", "clicked")


@dataclass(frozen=True)
class RecipientLive:
    position: int
    number: str
    state: str  # normalised
    delivery_state: str | None
    code: str | None
    at: str | None
    error: str | None


@dataclass(frozen=True)
class StateSeen:
    state: str
    code: str
    at: str
    source: str


class LiveReader:
    """Read-only queries for the Live screen, on a connection of its own."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, timeout=10, isolation_level=None, check_same_thread=False)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA busy_timeout = 10000")
        # Queries run in worker threads (the getCDR poll, the Live screen's refreshes), and a
        # task cancelled while its thread queries does not stop that thread: a connection
        # closed under a running statement crashes the process. Each query and its fetch, and
        # the closing, hold this lock.
        self._lock = threading.Lock()

    def close(self) -> None:
        """Close the connection once a query under way in another thread is over."""
        with self._lock:
            self.conn.close()

    def _all(self, statement: str, parameters: Sequence[object] = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(statement, parameters).fetchall()

    def _one(self, statement: str, parameters: Sequence[object] = ()) -> Any:
        """The first row, or None (typed as ``fetchone``: a count or max always has one)."""
        with self._lock:
            return self.conn.execute(statement, parameters).fetchone()

    def data_version(self) -> int:
        return int(self._one("PRAGMA data_version")[0])

    def last_event_id(self) -> int:
        row = self._one("SELECT max(id) FROM events")
        return int(row[0] or 0)

    def new_events(self, after: int, limit: int = 5000) -> list[NewEvent]:
        rows = self._all(
            """SELECT id, matched_reference, kind, state, COALESCE(occurred_at, received_at)
               FROM events WHERE id > ? ORDER BY id LIMIT ?""",
            (after, limit),
        )
        return [NewEvent(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    # -- sends ------------------------------------------------------------------------------------
    def recent_sends(
        self, since: datetime, limit: int = 200, *, counted: bool = True
    ) -> list[SendSummary]:
        """Sends created since ``since``, newest first (dry runs left out), counted unless
        ``counted`` is False (the caller counts those it needs)."""
        rows = self._all(
            """SELECT reference, account, provider, channel, created_at, summary, state,
                      recipients_total, updated_at
               FROM sends WHERE dry_run = 0 ORDER BY id DESC LIMIT ?""",
            (limit,),
        )
        cutoff = to_text(since)
        sends = [
            SendSummary(
                r[0], r[1], r[2], r[3], datetime.fromisoformat(r[4]), r[5], r[6], r[7], r[8]
            )
            for r in rows
            if r[4] >= cutoff
        ]
        if counted:
            self.count(sends)
        return sends

    def changed_sends(self, sends: list[SendSummary]) -> list[str]:
        """References among ``sends`` whose row moved since it was read (batch results...)."""
        if not sends:
            return []
        known = {send.reference: send.updated_at for send in sends}
        marks = ",".join("?" * len(known))
        rows = self._all(
            f"SELECT reference, updated_at FROM sends WHERE reference IN ({marks})", list(known)
        )
        return [r[0] for r in rows if r[1] != known[r[0]]]

    def refresh(self, send: SendSummary) -> None:
        row = self._one(
            "SELECT state, updated_at, recipients_total, summary FROM sends WHERE reference = ?",
            (send.reference,),
        )
        if row is not None:
            send.state, send.updated_at, send.total, send.summary = row[0], row[1], row[2], row[3]
        self.count([send])

    def count(self, sends: list[SendSummary]) -> None:
        """Fill each send's counts per normalised state, and where its latest state came from."""
        for send in sends:
            rows = self._all(
                f"""SELECT {NORMALISED} AS live, count(*) FROM send_recipients r
                    WHERE r.reference = ? GROUP BY live""",
                (send.reference,),
            )
            send.counts = Counter({r[0]: r[1] for r in rows if r[0] is not None})
            self._campaign_totals(send)
            latest = self._one(
                """SELECT CAST(substr(raw, 1, 6) AS TEXT) FROM events
                   WHERE matched_reference = ? ORDER BY occurred_at DESC LIMIT 1""",
                (send.reference,),
            )
            send.via = "" if latest is None else source_of(latest[0])

    def _campaign_totals(self, send: SendSummary) -> None:
        """Totals-only reports (no per-number state): they stand in for the recipients'."""
        if send.counts["delivered"] or send.counts["failed"]:
            return
        row = self._one(
            """SELECT delivered, total FROM events
               WHERE matched_reference = ? AND kind = 'campaign' AND total IS NOT NULL
               ORDER BY COALESCE(occurred_at, received_at) DESC, id DESC LIMIT 1""",
            (send.reference,),
        )
        if row is None or row[1] is None:
            return
        delivered, total = int(row[0] or 0), int(row[1])
        waiting = send.counts["sent"] + send.counts["queued"]
        moved = min(total, waiting)
        send.counts["sent"] -= min(send.counts["sent"], moved)
        send.counts["delivered"] += min(delivered, moved)
        send.counts["failed"] += max(0, moved - delivered)
        send.counts = +send.counts  # no zero left behind

    # -- deliveries over time ---------------------------------------------------------------------
    def first_event_since(self, since: datetime) -> int:
        """The id of the first event received at or after ``since``: a binary search on the id,
        since ids follow arrival (a few reads, however long the history)."""
        cutoff = to_text(since)
        low, high = 0, self.last_event_id() + 1  # the answer lies in (low, high]
        while high - low > 1:
            middle = (low + high) // 2
            row = self._one(
                "SELECT received_at FROM events WHERE id >= ? ORDER BY id LIMIT 1", (middle,)
            )
            if row is None or row[0] >= cutoff:
                high = middle
            else:
                low = middle
        return high

    def deliveries_since(self, first_id: int) -> list[str]:
        """When each delivery (state delivered) stored from ``first_id`` on happened."""
        rows = self._all(
            f"""SELECT COALESCE(occurred_at, received_at) FROM events
                WHERE id >= ? AND kind = 'delivery' AND state IN {_DELIVERED}""",
            (first_id,),
        )
        return [r[0] for r in rows]

    # -- one send ---------------------------------------------------------------------------------
    def recipients(
        self, reference: str, *, state: str | None = None, after: int = -1, limit: int = 100
    ) -> list[RecipientLive]:
        """A page of a send's recipients in their order (keyset on the position)."""
        clause = f"AND ({NORMALISED}) = ?" if state else ""
        params: list[object] = [reference, after]
        if state:
            params.append(state)
        params.append(limit)
        rows = self._all(
            f"""SELECT r.position, r.number, {NORMALISED}, r.delivery_state, r.delivery_code,
                       r.delivery_at, r.error
                FROM send_recipients r
                WHERE r.reference = ? AND r.position > ? {clause}
                ORDER BY r.position LIMIT ?""",
            params,
        )
        return [
            RecipientLive(r[0], r[1], r[2] or "cancelled", r[3], r[4], r[5], r[6]) for r in rows
        ]

    def states_seen(self, reference: str, numbers: list[str]) -> dict[str, list[StateSeen]]:
        """Each number's delivery states as they were reported, oldest first, with the source."""
        if not numbers:
            return {}
        marks = ",".join("?" * len(numbers))
        rows = self._all(
            f"""SELECT matched_number, state, provider_code,
                       COALESCE(occurred_at, received_at), CAST(substr(raw, 1, 6) AS TEXT)
                FROM events WHERE matched_reference = ? AND matched_number IN ({marks})
                ORDER BY COALESCE(occurred_at, received_at), id""",
            (reference, *numbers),
        )
        seen: dict[str, list[StateSeen]] = {}
        for r in rows:
            seen.setdefault(r[0], []).append(StateSeen(r[1], r[2] or "", r[3], source_of(r[4])))
        return seen

    # -- what the eCampaign poll must look at -----------------------------------------------------
    def unsettled_sends(self, provider: str, since: datetime) -> list[tuple[str, str, str]]:
        """(account, reference, created_at) of the sends since ``since`` that still have an
        accepted recipient (or eCampaign group member) without a final delivery state, oldest
        first."""
        rows = self._all(
            f"""SELECT s.account, s.reference, s.created_at FROM sends s
                WHERE s.provider = ? AND s.dry_run = 0 AND s.created_at >= ?
                  AND ((s.accepted > 0
                        AND EXISTS (SELECT 1 FROM send_recipients r
                                    WHERE r.reference = s.reference AND r.state = 'accepted'
                                      AND r.{SETTLED}
                                      AND (r.delivery_state IS NULL
                                           OR r.delivery_state NOT IN {_FINAL_SQL})))
                       OR EXISTS (SELECT 1 FROM group_deliveries g
                                  WHERE g.reference = s.reference AND g.state = 'accepted'
                                    AND (g.delivery_state IS NULL
                                         OR g.delivery_state NOT IN {_FINAL_SQL})))
                ORDER BY s.id""",
            (provider, to_text(since)),
        )
        return [(r[0], r[1], r[2]) for r in rows]


def window_start(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)
