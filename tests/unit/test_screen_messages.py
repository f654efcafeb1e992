"""Worker → screen messages: a newer snapshot replaces an older one waiting in the queue, and
nothing else is ever merged away."""

from __future__ import annotations

from screens.messages import DeliveriesStored, SendFinished, SendProgressed
from tui.sending import Delivery, SendProgress


def progress(reference: str, done: int) -> SendProgressed:
    return SendProgressed(SendProgress(reference, 10, done, 0, 0, 10 - done, done, 10))


def test_progress_of_the_same_send_is_merged() -> None:
    assert progress("PVA", 1).can_replace(progress("PVA", 2))
    assert not progress("PVA", 1).can_replace(progress("PVB", 2))


def test_the_result_and_delivery_signals_are_never_merged_into_progress() -> None:
    finished = SendFinished(Delivery(), "Send failed")
    assert not progress("PVA", 1).can_replace(finished)
    assert not finished.can_replace(SendFinished(Delivery(), "Send failed"))
    assert not progress("PVA", 1).can_replace(DeliveriesStored())
    assert not DeliveriesStored().can_replace(progress("PVA", 1))


def test_a_burst_of_delivery_signals_is_one() -> None:
    assert DeliveriesStored().can_replace(DeliveriesStored())
