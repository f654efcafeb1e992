"""What the History screen's workers tell it: small messages, stale ones recognised by their
generation (a newer filter or sort makes older answers moot), progress merged (``can_replace``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from textual.message import Message

from tui.outbox.history import Page


@dataclass
class PageLoaded(Message, bubble=False):
    generation: int
    page: Page
    direction: str  # first, next, previous, last
    at_end: bool  # put the cursor on the last row (came from below)


@dataclass
class RowsCounted(Message, bubble=False):
    generation: int
    count: int


@dataclass
class QueryFailed(Message, bubble=False):
    generation: int
    message: str


@dataclass
class ExportProgress(Message, bubble=False):
    """An export wrote ``rows`` rows so far; ``done`` once it ended (``error`` if it failed)."""

    path: str
    rows: int
    done: bool = False
    error: str | None = None

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ExportProgress) and not message.done


@dataclass
class CdrProgress(Message, bubble=False):
    """A getCDR fetch stored ``rows`` rows so far (``done_through``: days read whole)."""

    fetch_id: int
    rows: int
    done_through: date | None = None
    finished: bool = False
    error: str | None = None

    def can_replace(self, message: Message) -> bool:
        return (
            isinstance(message, CdrProgress)
            and message.fetch_id == self.fetch_id
            and not message.finished
        )
