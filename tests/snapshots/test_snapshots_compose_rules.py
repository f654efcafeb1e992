"""Snapshots of the composer's rules at 80×24: the send confirmation with a low-balance warning
(above the buttons, in the warning's colour), and the sending-hours dialog when the provider can
schedule the message (a button and ``s``) and when it cannot (it must wait: Cancel alone).

Nothing depends on the moment: the balance is seen at a fixed time, the dialogs judge a fixed
Sunday night.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from textual.pilot import Pilot

from providers.models import Balance, BalanceLine
from screens.dialogs.common import ConfirmDialog
from screens.dialogs.compliance import HoursDialog
from tests.snapshots.test_snapshots import _app, _draft_sms, _settle
from tui.compliance import hours
from tui.compliance.hours import PARIS, Purpose

SUNDAY_NIGHT = datetime(2026, 12, 6, 23, tzinfo=PARIS)


async def _dialog_up(pilot: Pilot[Any]) -> None:
    # Not workers.wait_for_complete(): the send's worker waits on this very dialog.
    for _ in range(400):
        screen = pilot.app.screen
        if isinstance(screen, ConfirmDialog) and screen.is_mounted:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.3)


def test_confirmation_with_a_low_balance(snap_compare: Any) -> None:
    app = _app()
    store = app.session.store
    line = BalanceLine("SMS", Decimal(40), "SMS", None, "sms")
    seen = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    store.record_balance("demo-capitole", "capitole", Balance("capitole", (line,), as_of=seen))
    store.set_threshold("demo-capitole", Decimal(100), channel="sms")

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        numbers = ["06 11 22 33 44", "0622334455"]
        await _draft_sms(pilot, numbers, "Votre RDV est confirmé demain à 10h.")
        await pilot.press("ctrl+g")
        await _dialog_up(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("can_schedule", [True, False], ids=["schedulable", "must-wait"])
def test_hours_dialog(snap_compare: Any, can_schedule: bool) -> None:
    verdict = hours.check(Purpose.COMMERCIAL_VOICE, ["+33611223344"], SUNDAY_NIGHT)
    assert not verdict.allowed

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        pilot.app.push_screen(HoursDialog(verdict, can_schedule=can_schedule))
        await _dialog_up(pilot)

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)
