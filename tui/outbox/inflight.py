"""A batch in flight, found through the positions its numbers hold in the send.

A send's batches are its consecutive positions (``tui.sending`` cuts them so from the list the
intent recorded), so the rows of a batch are one range of the ``(reference, position)`` index:
marking them ``sending`` walks that range instead of looking each number up, and the batch
marked so is remembered (its first position, its numbers), so that its answer is written on
that range without reading the rows again. Both are checked, and step aside for the general way
of ``tui.outbox.lifecycle`` (nothing changed) when the check fails:

- marking: each position of the range must hold the number given for it, pending, else the
  numbers are not that range (another order, a gap), or one is not pending (which the general
  way then refuses, saying so);
- answering: a row is written only while still ``sending`` in this batch; one that something
  else changed meanwhile (another process's start-up recovery) is left to the general way,
  which reads the batch's rows still awaiting an answer. An answer with message ids goes the
  general way whole (a statement per number there anyway).

The guarantees are the general way's: the same rows change, to the same values; only the
statements that find them differ. A row's number and position never change once the intent is
committed, which is what makes a position a name for a number."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import attrgetter

from providers.models import RecipientResult, SendStatus
from tui.outbox import sql as sql
from tui.outbox.schema import RecipientState

_SENDING = RecipientState.SENDING.value
_PENDING = RecipientState.PENDING.value

# "+state", "+batch": only the (reference, position) range is walked, whatever SQLite thinks of
# the indexes of states and batches. The numbers given come as one blob, each the same width:
# the one for a position is a slice of it, found at once (a text would be walked character by
# character to it, a JSON list parsed again for each). Numbers of one length (the usual list)
# are that width as they are; others are padded with spaces, which rtrim takes off again.
_MARK = """UPDATE send_recipients SET state = ?, batch = ?, updated_at = ?
   WHERE reference = ? AND position BETWEEN ? AND ? AND +state = ?
   AND number = {}"""
_SLOT = "CAST(substr(?, (position - ?) * ? + 1, ?) AS TEXT)"
_MARK_ALIKE = _MARK.format(_SLOT)
_MARK_PADDED = _MARK.format(f"rtrim({_SLOT}, ' ')")
_ANSWER_RANGE = """UPDATE send_recipients SET state = ?, error = ?, cost = ?, updated_at = ?
   WHERE reference = ? AND position BETWEEN ? AND ? AND +state = ? AND +batch = ?"""
_ANSWER_SOME = """UPDATE send_recipients SET state = ?, error = ?, cost = ?, updated_at = ?
   WHERE reference = ? AND position IN (SELECT value FROM json_each(?))
   AND +state = ? AND +batch = ?"""
_STATUS = attrgetter("status")
_ERROR = attrgetter("error")
_COST = attrgetter("cost")
_MESSAGE_ID = attrgetter("message_id")


@dataclass(frozen=True)
class Marked:
    """The rows a batch's leaving marked ``sending``: ``numbers``, at positions ``first`` on."""

    batch: int
    first: int
    numbers: list[str]

    @property
    def last(self) -> int:
        return self.first + len(self.numbers) - 1


def mark(
    conn: sqlite3.Connection, reference: str, batch: int, numbers: Sequence[str], now: str
) -> Marked | None:
    """Mark ``numbers`` ``sending`` in ``batch`` through the range of positions they hold, when
    they hold one (from their first number's, in their order); None, nothing changed, when they
    do not or one of them is not pending."""
    texts = list(map(str, numbers))
    if not texts:
        return None
    packed = _packed(texts)
    if packed is None:
        return None
    statement, blob, width = packed
    found = conn.execute(
        "SELECT position FROM send_recipients WHERE reference = ? AND number = ?",
        (reference, texts[0]),
    ).fetchone()
    if found is None:
        return None
    marked = Marked(batch, int(found[0]), texts)
    span = (reference, marked.first, marked.last)
    slots = (blob, marked.first, width, width)
    conn.execute("SAVEPOINT by_position")
    changed = conn.execute(statement, (_SENDING, batch, now, *span, _PENDING, *slots)).rowcount
    # Each position of the range changed only if it held the number given for it, pending:
    # all of them did, so the rows changed are the numbers given (distinct, as rows are).
    if changed == len(texts):
        conn.execute("RELEASE by_position")
        return marked
    conn.execute("ROLLBACK TO by_position")
    conn.execute("RELEASE by_position")
    return None


def _packed(texts: list[str]) -> tuple[str, bytes, int] | None:
    """The marking statement, the numbers as one blob of equal slots, and a slot's width in
    bytes; None when a number ends with a space (rtrim would take it with the padding)."""
    joined = "".join(texts)
    if joined.isascii():  # a character is a byte
        widths = set(map(len, texts))
        if len(widths) == 1:
            return _MARK_ALIKE, joined.encode(), widths.pop()
        encoded = [text.encode() for text in texts]
    else:
        encoded = [text.encode() for text in texts]
        widths = set(map(len, encoded))
        if len(widths) == 1:
            return _MARK_ALIKE, b"".join(encoded), widths.pop()
    if any(text.endswith(" ") for text in texts):
        return None
    width = max(widths)
    return _MARK_PADDED, b"".join(text.ljust(width) for text in encoded), width


def answer(
    conn: sqlite3.Connection,
    reference: str,
    marked: Marked,
    answers: Sequence[RecipientResult],
    overall: str,
    state_text: Mapping[SendStatus, str],
    now: str,
) -> tuple[Counter[str], bool] | None:
    """Write a batch's outcome (``answers``: the receipt's results) on the rows ``mark``
    marked that are still ``sending`` in this batch, as ``sql.write_results`` would
    (``sql.sort_results``, a row named by its position); return how many left each state and
    entered another, and whether that was every row marked (else another process changed one
    meanwhile: the general way is left the others). None, nothing written, when the answer gives
    message ids (the general way writes those best)."""
    if answers and set(map(_MESSAGE_ID, answers)) != {None}:
        # Message ids (eCampaign gives one a number) take a statement per number either way:
        # the general way finds each row by its id, cheaper than by position under the guard.
        return None
    results = sql.results_by_number(answers, marked.numbers)
    count = len(marked.numbers)
    guard = (_SENDING, marked.batch)
    outcome = _alike(results, count, overall, state_text)
    if outcome is None:
        found = [(marked.first + i, number, _SENDING) for i, number in enumerate(marked.numbers)]
        outcome = sql.sort_results(found, results, overall, state_text, now)
    _, groups, _ = outcome  # no row with a message id
    # Counted from what each statement wrote: a row the guard left is not counted (and no
    # savepoint is needed, whose journal of the pages written would cost as much again).
    changes: Counter[str] = Counter()
    if len(groups) == 1:
        # The whole batch ends alike (the usual answer): its range, in one statement.
        ((state, error, cost),) = groups
        span = (reference, marked.first, marked.last)
        written = conn.execute(_ANSWER_RANGE, (state, error, cost, now, *span, *guard)).rowcount
        changes.update({_SENDING: -written, state: written})
    else:
        for (state, error, cost), positions in groups.items():
            done = conn.execute(
                _ANSWER_SOME, (state, error, cost, now, reference, json.dumps(positions), *guard)
            ).rowcount
            changes.update({_SENDING: -done})
            changes.update({state: done})
    return changes, -changes[_SENDING] == count


def _alike(
    results: Mapping[str, RecipientResult],
    count: int,
    overall: str,
    state_text: Mapping[SendStatus, str],
) -> sql.Sorted | None:
    """``sql.sort_results``'s answer when every number of the batch ends alike (state, error,
    cost), found without a step per number in Python; else None. No message id is given."""
    if results:
        if len(results) != count:
            return None
        values = results.values()
        # The same cost object, not an equal one: the text written is that object's.
        if len(set(map(id, map(_COST, values)))) != 1:
            return None
        statuses, errors = set(map(_STATUS, values)), set(map(_ERROR, values))
        if len(statuses) != 1 or len(errors) != 1:
            return None
        amount = next(iter(values)).cost
        state = state_text[statuses.pop()]
        alike = (state, errors.pop(), None if amount is None else str(amount))
    else:
        state = overall  # nothing listed: the receipt's status for all
        alike = (state, None, None)
    return Counter({_SENDING: -count, state: count}), {alike: []}, []
