"""Delivery events in the outbox: de-duplication, matching to recipients, ordering rules.

Functions here run inside a write transaction opened by ``Store``; they never commit.

Matching, most precise first:

1. the provider's message id (``send_recipients.message_id``);
2. a campaign id (our reference, the campaign id the operator chose, or the provider's own
   reference of one batch) plus the number; CapitoleMobile callbacks carry only these;
3. for replies and STOP only: the latest accepted send from this provider to that number.

Anything else is kept as an orphan (``matched_reference IS NULL``) and tried again later, since
a callback can overtake the reply that told us the message id.

A delivery report (of any state) for a recipient whose request's outcome was unknown proves
that the request was accepted: the recipient becomes ``accepted`` (``SETTLED_BY_REPORT``), and
a send left ``unknown`` is re-derived from its recipients once none is unknown any more, so a
resend never offers it again.

A delivery state is applied to its recipient unless that would move it backwards: a final state
(``models.FINAL_STATES``) is never replaced by a non-final one, a non-final one always yields to
a final one, and otherwise the later ``occurred_at`` wins (arrival order when a time is missing).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from providers.models import FINAL_STATES, DeliveryEvent, DeliveryState, EventKind
from tui.outbox import sql as sql
from tui.outbox.schema import RecipientState, to_text
from tui.outbox.sql import SETTLED_BY_REPORT, clean_number

__all__ = ["RAW_LIMIT", "Match", "clean_number", "dedup_key", "find_match", "match_orphans"]

#: Raw callback bodies are kept for diagnosis, not as an archive: a hostile sender must not be
#: able to fill the disk through the receiver.
RAW_LIMIT = 16 * 1024


class Match(NamedTuple):
    reference: str
    number: str | None  # None: the event concerns the whole send (campaign totals)
    #: The recipient's row as the match read it (``state, delivery_state, delivery_at``), so
    #: that applying the event needs no second read; None when not read.
    row: tuple[str, str | None, str | None] | None = None
    #: Set when the number is an eCampaign group's member (``tui.outbox.group_deliveries``),
    #: found by this message id: the state goes to the member, not to a recipient.
    member: str | None = None


#: Within one transaction, the sends a campaign id designates do not change: read them once.
CampaignCache = dict[tuple[str, str], list[str]]

_RECIPIENT = "reference, number, state, delivery_state, delivery_at"


def _match(row: sqlite3.Row | tuple[str, ...]) -> Match:
    return Match(row[0], row[1], (row[2], row[3], row[4]))


def dedup_key(event: DeliveryEvent) -> str:
    """Same provider, same facts, same key: a callback delivered twice is stored once.

    The account is left out on purpose, so that the same event reported by the receiver and
    by a history poll is recognised as one. An event the provider dated too far ahead is dated
    by its arrival (``providers.callbacks.bound_date``), which differs at every repetition: its
    key takes the provider's own date (``reported_at``) instead, so a repeated callback is
    still recognised.
    """
    written = event.reported_at or event.occurred_at
    facts = [
        event.provider,
        str(event.kind),
        str(event.state),
        event.provider_code,
        event.message_id,
        event.campaign_id,
        clean_number(event.number),
        None if written is None else to_text(written),
        event.text,
        event.delivered,
        event.total,
    ]
    encoded = json.dumps(facts, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(encoded.encode("utf-8")).hexdigest()


def insert_event(
    conn: sqlite3.Connection,
    event: DeliveryEvent,
    raw: bytes,
    account: str | None,
    now: datetime | str,
    key: str | None = None,
    match: Match | None = None,
) -> int | None:
    """Store the event (linked to ``match`` when given); its id, or None for a duplicate."""
    row = conn.execute(
        """INSERT INTO events (received_at, provider, account, kind, state, provider_code,
               message_id, campaign_id, number, occurred_at, text, network, description,
               delivered, total, raw, raw_size, dedup_key, matched_reference, matched_number)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (dedup_key) DO NOTHING
           RETURNING id""",
        (
            now if isinstance(now, str) else to_text(now),
            event.provider,
            account,
            str(event.kind),
            str(event.state),
            event.provider_code,
            event.message_id,
            event.campaign_id,
            clean_number(event.number),
            None if event.occurred_at is None else to_text(event.occurred_at),
            event.text,
            event.network,
            event.description,
            event.delivered,
            event.total,
            bytes(raw[:RAW_LIMIT]),
            len(raw),
            key or dedup_key(event),
            None if match is None else match.reference,
            None if match is None else match.number,
        ),
    ).fetchone()
    return None if row is None else int(row[0])


def find_match(
    conn: sqlite3.Connection,
    provider: str,
    kind: EventKind,
    message_id: str | None,
    campaign_id: str | None,
    number: str | None,
    cache: CampaignCache | None = None,
) -> Match | None:
    if message_id:
        row = conn.execute(
            f"""SELECT {_RECIPIENT} FROM send_recipients
               WHERE provider = ? AND message_id = ? ORDER BY id DESC LIMIT 1""",
            (provider, message_id),
        ).fetchone()
        if row is not None:
            return _match(row)
        row = conn.execute(
            """SELECT g.reference, g.number, g.state, g.delivery_state, g.delivery_at
               FROM group_deliveries g JOIN sends s ON s.reference = g.reference
               WHERE g.message_id = ? AND s.provider = ? ORDER BY g.id DESC LIMIT 1""",
            (message_id, provider),
        ).fetchone()
        if row is not None:
            return _match(row)._replace(member=message_id)
    if campaign_id:
        references = _campaign_references(conn, provider, campaign_id, cache)
        if references:
            if number:
                marks = ",".join("?" * len(references))
                row = conn.execute(
                    f"""SELECT {_RECIPIENT} FROM send_recipients
                        WHERE number = ? AND reference IN ({marks})
                        ORDER BY id DESC LIMIT 1""",
                    (number, *references),
                ).fetchone()
                if row is not None:
                    return _match(row)
            # The campaign is ours even if the number is not in it: link the event to the send.
            return Match(references[0], None)
    if number and kind in (EventKind.REPLY, EventKind.STOP):
        row = conn.execute(
            f"""SELECT {_RECIPIENT} FROM send_recipients
               WHERE number = ? AND provider = ? AND state = ?
               ORDER BY id DESC LIMIT 1""",
            (number, provider, RecipientState.ACCEPTED.value),
        ).fetchone()
        if row is not None:
            return _match(row)
    return None


def _campaign_references(
    conn: sqlite3.Connection, provider: str, campaign_id: str, cache: CampaignCache | None
) -> list[str]:
    """Sends this campaign id may designate, newest first."""
    if cache is not None and (provider, campaign_id) in cache:
        return cache[(provider, campaign_id)]
    rows = conn.execute(
        """SELECT id, reference FROM sends WHERE reference = ? AND provider = ?
           UNION
           SELECT id, reference FROM sends WHERE provider = ? AND campaign_id = ?
           UNION
           SELECT s.id, s.reference FROM send_batches b JOIN sends s USING (reference)
           WHERE b.provider = ? AND b.provider_reference = ?
           ORDER BY 1 DESC LIMIT 20""",
        (campaign_id, provider, provider, campaign_id, provider, campaign_id),
    ).fetchall()
    references = [row[1] for row in rows]
    if cache is not None:
        cache[(provider, campaign_id)] = references
    return references


def link_event(
    conn: sqlite3.Connection,
    event_id: int,
    match: Match,
    kind: EventKind,
    state: DeliveryState,
    code: str,
    occurred_at: str | None,
    now: datetime,
) -> None:
    """Link a stored event to its send (an orphan matched later), and apply it."""
    conn.execute(
        "UPDATE events SET matched_reference = ?, matched_number = ? WHERE id = ?",
        (match.reference, match.number, event_id),
    )
    apply_to_recipient(conn, match, kind, state, code, occurred_at, to_text(now))


def apply_to_recipient(
    conn: sqlite3.Connection,
    match: Match,
    kind: EventKind,
    state: DeliveryState,
    code: str,
    occurred_at: str | None,
    now: str,
) -> None:
    """A delivery state reaches its recipient: it settles an unknown outcome, and replaces the
    recipient's state unless that would move it backwards (``should_replace``)."""
    if kind is not EventKind.DELIVERY or match.number is None:
        return
    if match.member is not None:
        _apply_to_member(conn, match, state, code, occurred_at, now)
        return
    current = match.row
    if current is None:
        current = conn.execute(
            """SELECT state, delivery_state, delivery_at FROM send_recipients
               WHERE reference = ? AND number = ?""",
            (match.reference, match.number),
        ).fetchone()
        if current is None:
            return
    if current[0] == RecipientState.UNKNOWN.value:
        settle_unknown(conn, match.reference, match.number, now)
    old_state = None if current[1] is None else DeliveryState(current[1])
    if should_replace(old_state, current[2], state, occurred_at):
        conn.execute(
            """UPDATE send_recipients
               SET delivery_state = ?, delivery_code = ?, delivery_at = ?, updated_at = ?
               WHERE reference = ? AND number = ?""",
            (state.value, code, occurred_at, now, match.reference, match.number),
        )


def _apply_to_member(
    conn: sqlite3.Connection,
    match: Match,
    state: DeliveryState,
    code: str,
    occurred_at: str | None,
    now: str,
) -> None:
    """The same rules for an eCampaign group's member: a report proves an unknown outcome was
    accepted, and a state never moves backwards. Members are not the send's recipients: its
    counters and state do not move."""
    current = match.row
    if current is None:
        current = conn.execute(
            """SELECT state, delivery_state, delivery_at FROM group_deliveries
               WHERE reference = ? AND message_id = ? ORDER BY id DESC LIMIT 1""",
            (match.reference, match.member),
        ).fetchone()
        if current is None:
            return
    where = (match.reference, match.member)
    if current[0] == RecipientState.UNKNOWN.value:
        conn.execute(
            "UPDATE group_deliveries SET state = ?, error = ?, updated_at = ? "
            "WHERE reference = ? AND message_id = ?",
            (RecipientState.ACCEPTED.value, SETTLED_BY_REPORT, now, *where),
        )
    old_state = None if current[1] is None else DeliveryState(current[1])
    if should_replace(old_state, current[2], state, occurred_at):
        conn.execute(
            """UPDATE group_deliveries
               SET delivery_state = ?, delivery_code = ?, delivery_at = ?, updated_at = ?
               WHERE reference = ? AND message_id = ?""",
            (state.value, code, occurred_at, now, *where),
        )


def settle_unknown(conn: sqlite3.Connection, reference: str, number: str, now: str) -> None:
    """A delivery report came for ``number``: if its request's outcome was unknown, it was
    accepted; re-derive the send's outcome."""
    changed = conn.execute(
        "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? "
        "WHERE reference = ? AND number = ? AND state = ?",
        (
            RecipientState.ACCEPTED.value,
            SETTLED_BY_REPORT,
            now,
            reference,
            number,
            RecipientState.UNKNOWN.value,
        ),
    ).rowcount
    if changed:
        sql.refresh_counts(conn, reference)
        sql.derive_settled_state(conn, reference, now)


def should_replace(
    old: DeliveryState | None,
    old_at: str | None,
    new: DeliveryState,
    new_at: str | None,
) -> bool:
    """Whether a delivery state ``new`` (at ``new_at``) may replace ``old`` (at ``old_at``)."""
    if old is None:
        return True
    old_final, new_final = old in FINAL_STATES, new in FINAL_STATES
    if old_final != new_final:
        return new_final
    if old_at is not None and new_at is not None:
        return new_at >= old_at  # fixed-width UTC text: text order is time order
    return True


def match_orphans(
    conn: sqlite3.Connection,
    now: datetime,
    provider: str | None = None,
    keys: Sequence[str] | None = None,
) -> int:
    """Try unmatched events again, oldest first; return how many found their send.

    ``keys`` restricts the attempt to events whose message id or campaign id is one of them
    (what a batch's reply just taught us), so that a pile of unmatchable orphans is not
    walked again after every batch.
    """
    query = """SELECT id, provider, kind, state, provider_code, message_id, campaign_id,
                      number, occurred_at
               FROM events WHERE matched_reference IS NULL"""
    params: list[str] = []
    if provider is not None:
        query += " AND provider = ?"
        params.append(provider)
    if keys is not None:
        if not keys:
            return 0
        query += (
            " AND (message_id IN (SELECT value FROM json_each(?))"
            " OR campaign_id IN (SELECT value FROM json_each(?)))"
        )
        params += [json.dumps(list(keys))] * 2
    # Oldest first, so that the ordering rules see events in the order they happened.
    query += " ORDER BY COALESCE(occurred_at, received_at), id"
    matched = 0
    for row in conn.execute(query, params).fetchall():
        kind = EventKind(row["kind"])
        match = find_match(
            conn, row["provider"], kind, row["message_id"], row["campaign_id"], row["number"]
        )
        if match is None:
            continue
        link_event(
            conn,
            row["id"],
            match,
            kind,
            DeliveryState(row["state"]),
            row["provider_code"],
            row["occurred_at"],
            now,
        )
        matched += 1
    return matched
