"""Snapshots of what the operator sees: both composers and the confirmation, at 80×24 and
120×40 (the composers for each voice provider and the dialogs: ``test_snapshots_dialogs``).

Regenerate after a deliberate change with ``pytest tests/snapshots --snapshot-update`` and look
at the report before committing.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Select, TextArea

from screens.dialogs.common import ConfirmDialog
from screens.widgets.recipients import RecipientsField
from tui.app import PorteVoixApp
from tui.session import Session

SIZES = [(80, 24), (120, 40)]


def _app() -> PorteVoixApp:
    session = Session.open(demo=True)
    session.callback_delay = 0.1
    return PorteVoixApp(session)


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    # A blinking text cursor would make the picture depend on the instant it is taken.
    pilot.app.screen.set_focus(None)
    await pilot.pause(0.1)


async def _draft_sms(pilot: Pilot[Any], numbers: list[str], text: str) -> None:
    """Recipients and text in the SMS composer, validated and counted before the picture."""
    screen = pilot.app.screen
    screen.query_one(RecipientsField).set_numbers(numbers)
    screen.query_one("#sms-text", TextArea).load_text(text)
    await _settle(pilot)
    await pilot.pause(0.4)  # the recipients' validation is debounced
    await _settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_compose_sms_with_a_draft(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        numbers = ["06 11 22 33 44", "0622334455", "12"]
        await _draft_sms(pilot, numbers, "C’est l’heure de votre RDV à 10h…")

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_compose_voice_capitole_tts(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("f2")
        await _settle(pilot)
        screen = pilot.app.screen
        screen.query_one("#content-kind", Select).value = "tts"
        screen.query_one(RecipientsField).set_numbers(["06 11 22 33 44"])
        screen.query_one("#tts", TextArea).load_text("Bonjour, ceci est un rappel.")
        await pilot.pause(0.4)
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


def test_compose_sms_in_a_light_theme(snap_compare: Any) -> None:
    """Colours come from the theme: the light one must stay readable."""

    async def run_before(pilot: Pilot[Any]) -> None:
        pilot.app.theme = "textual-light"
        await _settle(pilot)
        await _draft_sms(pilot, ["06 11 22 33 44", "12"], "Prix : 10 € — merci 🙂")

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_confirmation_before_a_send(snap_compare: Any, size: tuple[int, int]) -> None:
    """What the operator reads before spending money (sender, text, segments, use), Cancel
    focused, its buttons in sight at 80×24."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        numbers = ["06 11 22 33 44", "0622334455"]
        await _draft_sms(pilot, numbers, "Votre RDV est confirmé demain à 10h.")
        await pilot.press("ctrl+g")
        # Not workers.wait_for_complete(): the send's worker waits on this very dialog.
        for _ in range(400):
            screen = pilot.app.screen
            if isinstance(screen, ConfirmDialog) and screen.is_mounted:
                break
            await pilot.pause(0.05)
        await pilot.pause(0.3)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)
