"""Small SQL steps of the outbox, run inside a transaction the caller opened."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal

from providers.models import Balance, Message, RecipientResult, SendStatus, SmsMessage
from tui.outbox import balances
from tui.outbox.base import StoreError
from tui.outbox.codec import encode_balance_lines
from tui.outbox.schema import SETTLED, RecipientState, SendState, decimal_or_none, to_text

#: What a recipient of unknown outcome says once a delivery report settled it.
SETTLED_BY_REPORT = "accepted: a delivery report came for this number, so its request was accepted"


def clean_number(number: str | None) -> str | None:
    """Bring a callback's number to the E.164 form the outbox stores (33612... → +33612...)."""
    if number is None:
        return None
    text = "".join(number.split())
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.isdigit():
        text = "+" + text
    return text or None


def send_state(conn: sqlite3.Connection, reference: str) -> SendState | None:
    row = conn.execute("SELECT state FROM sends WHERE reference = ?", (reference,)).fetchone()
    return None if row is None else SendState(row[0])


def has_unknown(conn: sqlite3.Connection, reference: str) -> bool:
    """Whether a recipient of the send may or may not have been sent the message."""
    row = conn.execute(
        f"SELECT 1 FROM send_recipients WHERE reference = ? AND state = ? AND {SETTLED} LIMIT 1",
        (reference, RecipientState.UNKNOWN.value),
    ).fetchone()
    return row is not None


def batch_in_flight(conn: sqlite3.Connection, reference: str) -> int:
    rows = conn.execute(
        "SELECT batch FROM send_batches WHERE reference = ? AND state = ?",
        (reference, SendState.SENDING.value),
    ).fetchall()
    if len(rows) != 1:
        raise StoreError(f"send {reference} has {len(rows)} batches in flight, expected 1")
    return int(rows[0][0])


def batch_rows(conn: sqlite3.Connection, reference: str, batch: int) -> list[tuple[int, str, str]]:
    """(id, number, state) of the recipients of one batch whose answer is awaited, in order;
    found through ``send_recipients_batch``, so a batch costs the same at any send size."""
    # "unknown" too: another process's start-up recovery may have run meanwhile; the
    # provider's answer is still the truth.
    cursor = conn.cursor()
    cursor.row_factory = None  # plain tuples: read once per number of every batch
    rows: list[tuple[int, str, str]] = cursor.execute(
        "SELECT id, number, state FROM send_recipients WHERE reference = ? AND batch = ? "
        "AND state IN (?, ?) ORDER BY position",
        (reference, batch, RecipientState.SENDING.value, RecipientState.UNKNOWN.value),
    ).fetchall()
    return rows


def batch_numbers(conn: sqlite3.Connection, reference: str, batch: int) -> list[str]:
    return [number for _id, number, _state in batch_rows(conn, reference, batch)]


#: A batch's outcome, sorted for writing (``sort_results``): how many recipients left each
#: state and entered another, the row ids that end alike under (state, error, cost), and the
#: rows with a message id of their own (state, message id, error, cost, time, row id).
Sorted = tuple[
    Counter[str],
    dict[tuple[str, str | None, str | None], list[int]],
    list[tuple[str, str, str | None, str | None, str, int]],
]


def sort_results(
    found: Sequence[tuple[int, str, str]],
    results: Mapping[str, RecipientResult],
    overall: str,
    state_text: Mapping[SendStatus, str],
    now: str,
) -> Sorted:
    """A batch's outcome on its recipients (``found``: (id, number, state) of each), sorted for
    writing: the numbers that end alike (state, error, cost: nearly all of a batch) go in one
    statement; those with a message id one by one, and a message id is written only where
    there is one (the numbers of a batch in flight have none yet: rewriting its index for
    nothing is half the cost)."""
    moves: dict[tuple[str, str], int] = {}  # (state left, state entered) -> how many
    alike: dict[tuple[str, str | None, str | None], list[int]] = {}
    with_id: list[tuple[str, str, str | None, str | None, str, int]] = []
    # A reply's costs are a few objects shared by its numbers: each written as text once.
    costs: dict[int, str] = {}
    get = results.get
    for row_id, number, was in found:
        result = get(number)
        if result is None:
            state, error, cost = overall, None, None
        else:
            state, error = state_text[result.status], result.error
            amount = result.cost
            if amount is None:
                cost = None
            else:
                cost = costs.get(id(amount))
                if cost is None:
                    cost = costs[id(amount)] = str(amount)
        move = (was, state)
        moves[move] = moves.get(move, 0) + 1
        if result is not None and result.message_id is not None:
            with_id.append((state, result.message_id, error, cost, now, row_id))
            continue
        group = alike.get((state, error, cost))
        if group is None:
            alike[state, error, cost] = [row_id]
        else:
            group.append(row_id)
    changes: Counter[str] = Counter()
    for (was, state), count in moves.items():
        changes[was] -= count
        changes[state] += count
    return changes, alike, with_id


def write_results(
    conn: sqlite3.Connection,
    found: Sequence[tuple[int, str, str]],
    results: Mapping[str, RecipientResult],
    overall: str,
    state_text: Mapping[SendStatus, str],
    now: str,
) -> Counter[str]:
    """Write a batch's outcome on its recipients (``found``: ``batch_rows``, see
    ``sort_results``); return how many left each state and entered another (state -> change)."""
    changes, alike, with_id = sort_results(found, results, overall, state_text, now)
    for (state, error, cost), ids in alike.items():
        conn.execute(
            "UPDATE send_recipients SET state = ?, error = ?, cost = ?, updated_at = ? "
            "WHERE id IN (SELECT value FROM json_each(?))",
            (state, error, cost, now, json.dumps(ids)),
        )
    conn.executemany(
        "UPDATE send_recipients SET state = ?, message_id = ?, error = ?, cost = ?, "
        "updated_at = ? WHERE id = ?",
        with_id,
    )
    return changes


def cancel_pending(conn: sqlite3.Connection, reference: str, reason: str, now: str) -> int:
    return int(
        conn.execute(
            "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? "
            "WHERE reference = ? AND state = ?",
            (RecipientState.CANCELLED.value, reason, now, reference, RecipientState.PENDING.value),
        ).rowcount
    )


#: The ``sends`` column that counts recipients in each state (pending and sending: none).
_COUNTERS = {
    RecipientState.ACCEPTED.value: "accepted",
    RecipientState.DRY_RUN.value: "accepted",
    RecipientState.REJECTED.value: "rejected",
    RecipientState.UNKNOWN.value: "unknown",
    RecipientState.CANCELLED.value: "cancelled",
}


def add_counts(conn: sqlite3.Connection, reference: str, changes: Mapping[str, int]) -> None:
    """Move the send's counters by ``changes`` (recipient state -> how many more, or fewer):
    what a batch changed, without counting the whole send again (``refresh_counts``)."""
    moved = dict.fromkeys(("accepted", "rejected", "unknown", "cancelled"), 0)
    for state, count in changes.items():
        column = _COUNTERS.get(state)
        if column is not None:
            moved[column] += count
    if any(moved.values()):
        conn.execute(
            """UPDATE sends SET accepted = accepted + :accepted, rejected = rejected + :rejected,
                   unknown = unknown + :unknown, cancelled = cancelled + :cancelled
               WHERE reference = :ref""",
            {**moved, "ref": reference},
        )


def refresh_counts(conn: sqlite3.Connection, reference: str) -> None:
    """Count the send's recipients in each state again (after a change not tallied)."""
    conn.execute(
        f"""UPDATE sends SET
             accepted = (SELECT count(*) FROM send_recipients
                         WHERE reference = :ref AND state IN (:accepted, :dry_run) AND {SETTLED}),
             rejected = (SELECT count(*) FROM send_recipients
                         WHERE reference = :ref AND state = :rejected AND {SETTLED}),
             unknown = (SELECT count(*) FROM send_recipients
                        WHERE reference = :ref AND state = :unknown AND {SETTLED}),
             cancelled = (SELECT count(*) FROM send_recipients
                          WHERE reference = :ref AND state = :cancelled AND {SETTLED})
           WHERE reference = :ref""",
        {
            "ref": reference,
            "accepted": RecipientState.ACCEPTED.value,
            "dry_run": RecipientState.DRY_RUN.value,
            "rejected": RecipientState.REJECTED.value,
            "unknown": RecipientState.UNKNOWN.value,
            "cancelled": RecipientState.CANCELLED.value,
        },
    )


def settle_reported(conn: sqlite3.Connection, reference: str, now: str) -> int:
    """Recipients just found ``unknown`` whose delivery report had already come (it overtook
    the timeout, or the crash) were accepted: settle them; return how many. The caller
    refreshes the counts and the send's state."""
    # Through (reference, state): a send's delivery reports may be a million, its unknown
    # outcomes are a few, and this runs after every batch ("+" keeps SQLite off the index of
    # delivery states, which it would otherwise prefer).
    found = conn.execute(
        f"SELECT id FROM send_recipients WHERE reference = ? AND state = ? AND {SETTLED} "
        "AND +delivery_state IS NOT NULL",
        (reference, RecipientState.UNKNOWN.value),
    ).fetchall()
    conn.executemany(
        "UPDATE send_recipients SET state = ?, error = ?, updated_at = ? WHERE id = ?",
        ((RecipientState.ACCEPTED.value, SETTLED_BY_REPORT, now, row[0]) for row in found),
    )
    return len(found)


def derive_settled_state(conn: sqlite3.Connection, reference: str, now: str) -> None:
    """Re-derive the state of an ``unknown`` send from its recipients' states, once none of
    them is unknown any more (delivery reports settled them): ``cancelled`` while numbers were
    never sent (so that they can still be resent knowingly), else ``accepted``, ``partial`` or
    ``rejected``. A send in any other state keeps it."""
    row = conn.execute(
        "SELECT state, recipients_total, accepted, unknown, cancelled FROM sends "
        "WHERE reference = ?",
        (reference,),
    ).fetchone()
    if row is None or row["state"] != SendState.UNKNOWN.value or row["unknown"]:
        return
    if not row["recipients_total"]:
        return  # a group send: only its batches tell, and one of them is unknown
    if row["cancelled"]:
        state = SendState.CANCELLED
    elif row["accepted"] == row["recipients_total"]:
        state = SendState.ACCEPTED
    else:
        state = SendState.PARTIAL if row["accepted"] else SendState.REJECTED
    conn.execute(
        "UPDATE sends SET state = ?, updated_at = ? WHERE reference = ?",
        (state.value, now, reference),
    )


def add_money(
    conn: sqlite3.Connection,
    reference: str,
    balance: Decimal | None,
    cost: Decimal | None,
    now: str,
    seen_at: datetime,
    unit: str | None = None,
) -> None:
    """Add a reply's cost to the send's, and keep the balance it carried: the balance of the
    send's account *and channel* (``tui.outbox.balances``), in ``unit`` (the reply's currency;
    None: as before, else credits)."""
    row = conn.execute(
        "SELECT account, provider, channel, cost FROM sends WHERE reference = ?", (reference,)
    ).fetchone()
    if cost is not None:
        total = (decimal_or_none(row["cost"]) or Decimal(0)) + cost
        conn.execute("UPDATE sends SET cost = ? WHERE reference = ?", (str(total), reference))
    if balance is not None:
        conn.execute(
            "UPDATE sends SET balance = ?, updated_at = ? WHERE reference = ?",
            (str(balance), now, reference),
        )
        upsert_balance(conn, row["account"], row["provider"], balance, seen_at)
        balances.write_reply_balance(
            conn,
            row["account"],
            row["provider"],
            row["channel"],
            balance,
            unit=unit,
            reference=reference,
            seen_at=seen_at,
        )


def upsert_balance(
    conn: sqlite3.Connection,
    account: str,
    provider: str,
    balance: Balance | Decimal,
    seen_at: datetime,
) -> None:
    """The account's last figure whatever its channel (``Store.last_balance``); a balance
    call's lines are kept per channel and route too (``tui.outbox.balances``)."""
    if isinstance(balance, Balance):
        balances.write_api_balance(conn, account, provider, balance, seen_at)
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


def summary(message: Message) -> str:
    if isinstance(message, SmsMessage):
        text = message.text
    else:
        text = message.tts or message.voice_msg or message.audio_token or ""
    return " ".join(text.split())[:200]


def results_by_number(
    results: Sequence[RecipientResult], numbers: Sequence[str]
) -> dict[str, RecipientResult]:
    """Index results by our E.164 numbers, tolerating a reply that drops the ``+``."""
    ours = set(numbers)
    by_digits: dict[str, str] | None = None
    indexed: dict[str, RecipientResult] = {}
    for result in results:
        if result.number in ours:  # as we sent it: the usual case, nothing to clean
            indexed[result.number] = result
            continue
        if by_digits is None:
            by_digits = {number.lstrip("+"): number for number in numbers}
        number = by_digits.get((clean_number(result.number) or "").lstrip("+"))
        if number is not None:
            indexed[number] = result
    return indexed


def decimal(value: str | None) -> Decimal | None:
    if value is None:
        return None
    try:
        return Decimal(value.strip())
    except ArithmeticError:
        return None
