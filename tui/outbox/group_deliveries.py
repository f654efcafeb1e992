"""eCampaign group sends: the members the provider sent to, and what became of each.

A group send names a group, not numbers: eCampaign expands it itself, and its reply lists one
``<destination>`` per member (number, ``memberID``, ``msgid``, OK or KO). The journal's
recipients are the numbers the operator listed (often none), so the members are kept here, in
their own table: their delivery reports carry only the ``msgid`` and must find the send
(``tui.outbox.events.find_match``), and the send shows totals per delivery state rather than
a table of thousands of members it never listed.

Members are not recipients: they are never resent one by one (a resend names the group again,
or not at all: ``tui.sending.resend``), and they do not count in the send's recipient counters.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from providers.models import FINAL_STATES, DeliveryState, RecipientResult, SendStatus
from tui.outbox import events as ev
from tui.outbox.base import StoreBase
from tui.outbox.schema import RecipientState

_STATE = {
    SendStatus.ACCEPTED: RecipientState.ACCEPTED,
    SendStatus.REJECTED: RecipientState.REJECTED,
    SendStatus.UNKNOWN: RecipientState.UNKNOWN,
    SendStatus.DRY_RUN: RecipientState.DRY_RUN,
}


@dataclass(frozen=True)
class GroupTotals:
    """What became of a group send's members, as the provider's reply and reports told."""

    members: int  # destinations the provider listed for the group
    accepted: int
    rejected: int
    unknown: int
    delivered: int
    failed: int  # a final state other than delivered (failed, expired...)
    #: Accepted members without a final report yet (none, or an intermediate state).
    waiting: int

    @property
    def reported(self) -> int:
        return self.delivered + self.failed


class GroupDeliveries(StoreBase):
    """The members of group sends, mixed into ``Store``."""

    def record_group_members(
        self, reference: str, batch: int, results: Iterable[RecipientResult]
    ) -> int:
        """Keep the members a group send's reply listed (``results``: its destinations that
        are not among the numbers the operator listed); return how many. Reports that
        overtook the reply (kept as orphans) find their member now."""
        now = self._now()
        rows = [
            (
                reference,
                batch,
                result.number,
                getattr(result, "member_id", None),  # eCampaign's receipt carries it
                result.message_id,
                _STATE[result.status].value,
                result.error,
                now,
            )
            for result in results
        ]
        if not rows:
            return 0
        with self._write() as conn:
            conn.executemany(
                """INSERT INTO group_deliveries (reference, batch, number, member_id,
                       message_id, state, error, updated_at)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                rows,
            )
            provider = conn.execute(
                "SELECT provider FROM sends WHERE reference = ?", (reference,)
            ).fetchone()[0]
            keys = sorted({row[4] for row in rows if row[4]})
            ev.match_orphans(conn, self._clock(), provider, keys)
        return len(rows)

    def group_totals(self, reference: str) -> GroupTotals | None:
        """The totals of ``reference``'s group members; None when it has none recorded."""
        finals = [state.value for state in FINAL_STATES if state is not DeliveryState.DELIVERED]
        marks = ",".join("?" * len(finals))
        with self._read() as conn:
            row = conn.execute(
                f"""SELECT COUNT(*),
                        COALESCE(SUM(state = 'accepted'), 0),
                        COALESCE(SUM(state = 'rejected'), 0),
                        COALESCE(SUM(state = 'unknown'), 0),
                        COALESCE(SUM(delivery_state = 'delivered'), 0),
                        COALESCE(SUM(delivery_state IN ({marks})), 0)
                    FROM group_deliveries WHERE reference = ?""",
                (*finals, reference),
            ).fetchone()
        members, accepted, rejected, unknown, delivered, failed = (int(value) for value in row)
        if not members:
            return None
        return GroupTotals(
            members=members,
            accepted=accepted,
            rejected=rejected,
            unknown=unknown,
            delivered=delivered,
            failed=failed,
            waiting=max(accepted + unknown - delivered - failed, 0),
        )
