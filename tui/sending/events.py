"""What a running send reports while it runs, for a screen or a command to show.

Plain dataclasses, headless: the console wraps them in Textual messages (``screens.messages``),
the CLI could print them. A report is a snapshot, so a newer one of the same send replaces an
older one still waiting to be shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SendProgress:
    """Where one send stands after a batch (or while it waits out a rate limit)."""

    reference: str
    total: int  # recipients in the send (0 for an eCampaign group send)
    done: int  # accepted (or validated, in a dry run)
    failed: int  # rejected or unknown
    cancelled: int  # never requested
    remaining: int  # not requested yet
    batches_done: int
    batches: int
    waiting: float | None = None  # seconds before a rate-limited batch is tried again


#: Receives the progress reports of a send; it must not raise (a failing one is logged).
ProgressSink = Callable[[SendProgress], None]
