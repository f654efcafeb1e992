"""A new send that repeats an unfinished one: found before anything is sent, refused unless the
operator says so.

A send is unfinished when it is still sending, its outcome is unknown, or some of its numbers
were never sent (``tui.outbox.schema.UNFINISHED``): the way on is to finish it (``porte-voix
resend REF --only-never-sent``, ctrl+r in the console), not to send everything again. A new
send of the same account and content (``tui.outbox.content.content_hash``) that shares numbers
with such a send of the last ``WINDOW`` is refused with ``DuplicateSendError`` naming it; the
CLI passes ``--allow-duplicates``, the console asks.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from providers.models import Message
from tui.outbox.content import content_hash
from tui.outbox.sends import Overlap
from tui.outbox.store import Store

#: How far back a new send is compared with the unfinished ones.
WINDOW = timedelta(hours=48)


class DuplicateSendError(Exception):
    """A new send overlaps an unfinished send of the same account and content."""

    def __init__(self, overlap: Overlap) -> None:
        row = overlap.send
        super().__init__(
            f"{overlap.shared} of these numbers were in send {row.reference} "
            f"({row.state}, {row.created_at:%Y-%m-%d %H:%M} UTC) with the same account and "
            "content, which is unfinished"
        )
        self.overlap = overlap


def find_overlap(
    store: Store, account: str, messages: Sequence[Message], *, now: datetime | None = None
) -> Overlap | None:
    """The most recent unfinished send of the last ``WINDOW`` that ``messages`` would repeat
    (same account and content, numbers in common); None when there is none."""
    since = (now or datetime.now(UTC)) - WINDOW
    for message in messages:
        if not message.recipients:
            continue
        digest = content_hash(account, message)
        found = store.overlapping_sends(account, digest, message.recipients, since)
        if found:
            return found[0]
    return None
