"""Read side of the outbox: paged history of sends and their recipients.

Pages must stay fast at 100 000 sends: the newest-first order is the rowid order, so SQLite walks
``sends`` (or one of its filter indexes, which carry the rowid) backwards without sorting.
``OFFSET`` still costs the rows it skips; ``before`` gives keyset paging for long scrolls.
"""

from __future__ import annotations

from collections.abc import Iterator

from providers.errors import InputError
from providers.phone import normalise
from tui.outbox.base import StoreBase
from tui.outbox.schema import RecipientRow, SendRow, SendState

_SEND_COLUMNS = (
    "id, reference, created_at, updated_at, account, provider, channel, summary, state, "
    "error_code, error_message, provider_reference, campaign_id, balance, cost, resend_of, "
    "dry_run, recipients_total, accepted, rejected, unknown, cancelled"
)


class SendQueries(StoreBase):
    """Read-only queries on sends and recipients, mixed into ``Store``."""

    def get_send(self, reference: str) -> SendRow | None:
        with self._read() as conn:
            row = conn.execute(
                f"SELECT {_SEND_COLUMNS} FROM sends WHERE reference = ?", (reference,)
            ).fetchone()
        return None if row is None else SendRow.from_row(row)

    def list_sends(
        self,
        limit: int = 50,
        offset: int = 0,
        state: SendState | str | None = None,
        account: str | None = None,
        search: str | None = None,
        *,
        before: str | None = None,
    ) -> list[SendRow]:
        """Newest first. ``search`` matches a reference, a provider reference, a number (any
        way it is typed) or words of the text; ``before``: only sends older than that one."""
        where, params = _filters(state, account, search)
        if before is not None:
            where.append("id < (SELECT id FROM sends WHERE reference = ?)")
            params.append(before)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {_SEND_COLUMNS} FROM sends {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, limit, offset),
            ).fetchall()
        return [SendRow.from_row(row) for row in rows]

    def count_sends(
        self,
        state: SendState | str | None = None,
        account: str | None = None,
        search: str | None = None,
    ) -> int:
        where, params = _filters(state, account, search)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            row = conn.execute(f"SELECT count(*) FROM sends {clause}", params).fetchone()
        return int(row[0])

    def explain_list_sends(
        self,
        state: SendState | str | None = None,
        account: str | None = None,
        search: str | None = None,
    ) -> list[str]:
        """The query plan of a ``list_sends`` page (lets tests prove an index is used)."""
        where, params = _filters(state, account, search)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        with self._read() as conn:
            rows = conn.execute(
                f"EXPLAIN QUERY PLAN SELECT {_SEND_COLUMNS} FROM sends {clause} "
                "ORDER BY id DESC LIMIT ? OFFSET ?",
                (*params, 50, 0),
            ).fetchall()
        return [str(row["detail"]) for row in rows]

    def recipients(self, reference: str, limit: int = 200, offset: int = 0) -> list[RecipientRow]:
        """A send's recipients in the order they were given."""
        with self._read() as conn:
            rows = conn.execute(
                """SELECT * FROM send_recipients WHERE reference = ?
                   ORDER BY position LIMIT ? OFFSET ?""",
                (reference, limit, offset),
            ).fetchall()
        return [RecipientRow.from_row(row) for row in rows]

    def recipient_counts(self, reference: str) -> dict[str, int]:
        """How many recipients are in each send state (pending, accepted, ...)."""
        return dict(self._group(reference, "state"))

    def delivery_counts(self, reference: str) -> dict[str, int]:
        """How many recipients are in each delivery state; ``"none"`` when nothing came yet."""
        return {key or "none": count for key, count in self._group(reference, "delivery_state")}

    def _group(self, reference: str, column: str) -> Iterator[tuple[str, int]]:
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT {column}, count(*) FROM send_recipients WHERE reference = ? "
                f"GROUP BY {column}",
                (reference,),
            ).fetchall()
        return ((row[0], int(row[1])) for row in rows)


def _filters(
    state: SendState | str | None, account: str | None, search: str | None
) -> tuple[list[str], list[object]]:
    where: list[str] = []
    params: list[object] = []
    if state is not None:
        where.append("state = ?")
        params.append(SendState(state).value)
    if account is not None:
        where.append("account = ?")
        params.append(account)
    text = (search or "").strip()
    if text:
        alternatives = [
            "reference = ?",
            "provider_reference = ?",
            "summary LIKE ? ESCAPE '\\'",
        ]
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.extend([text.upper(), text, f"%{escaped}%"])
        number = _as_number(text)
        if number is not None:
            # Uses the (number, provider) index, then each send's primary key.
            alternatives.append(
                "reference IN (SELECT reference FROM send_recipients WHERE number = ?)"
            )
            params.append(number)
        where.append(f"({' OR '.join(alternatives)})")
    return where, params


def _as_number(text: str) -> str | None:
    if not any(c.isdigit() for c in text) or any(c.isalpha() for c in text):
        return None
    try:
        return normalise(text)
    except InputError:
        return None
