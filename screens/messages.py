"""Messages from workers (and from the delivery receiver) to the screens.

Small dataclasses, the only way a worker's news reaches a screen: a send's worker posts
``SendProgressed`` after each batch and ``SendFinished`` once; the in-process receiver's
announcements become ``DeliveriesStored``. Being messages, they are handled in the order they
were posted, so the final result can never be overwritten by a late progress report.

Progress and delivery announcements say "this is where it stands now": a newer one replaces an
older one still waiting in the queue (``can_replace``), so a burst of reports costs one redraw.

They live under ``screens`` because they are Textual messages; what they carry is headless
(``tui.sending``), so the CLI reads the very same events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # field types only: a composer's first paint need not load the sending code
    from tui.listen.live import SendSummary
    from tui.sending import Delivery, SendProgress


@dataclass
class SendProgressed(Message, bubble=False):
    """Where a running send stands (after a batch, or while it waits out a rate limit)."""

    progress: SendProgress

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, SendProgressed)
            and message.progress.reference == self.progress.reference
        )


@dataclass
class SendFinished(Message, bubble=False):
    """A send (or a knowing resend) ended; ``delivery`` says how."""

    delivery: Delivery
    #: The title of the notification if something stopped it ("Send failed", "Resend failed").
    failure_title: str


@dataclass
class DeliveriesStored(Message, bubble=False):
    """Delivery reports were committed to the outbox: what shows them may be out of date."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, DeliveriesStored)


@dataclass
class LiveChanged(Message, bubble=False):
    """The outbox changed (another process, the receiver, a send): what the Live screen shows
    may be out of date. A burst merges into one: the sends named and the deliveries seen add
    up in the newest message, which replaces the older ones still waiting."""

    #: Sends whose events arrived (matched references).
    references: set[str]
    #: When each new delivery happened (UTC text), for the chart.
    deliveries: list[str]

    def can_replace(self, message: Message) -> bool:
        # Textual asks the message about to be handled (self) whether the next one waiting
        # (message) supersedes it: it does, once it carries what self carried.
        if not isinstance(message, LiveChanged):
            return False
        message.references |= self.references
        message.deliveries = self.deliveries + message.deliveries
        return True


@dataclass
class LiveRefreshed(Message, bubble=False):
    """The Live screen's worker read the sends again: their summaries, newest first, and
    those whose counts it read afresh (``tui.listen.live.SendSummary``)."""

    sends: list[SendSummary]
    changed: set[str]
    #: When each delivery of the chart's window happened (first reading only).
    deliveries: list[str] | None = None
    #: Sends a failed reading could not count: to read at the next one.
    retry: set[str] = field(default_factory=set)
