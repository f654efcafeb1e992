"""Snapshots of the composers for each voice provider and of every dialog they and the shell
open, at 80×24 and 120×40 (issue 9, item 4: every screen and dialog usable at 80×24).

Nothing in them may depend on the moment or on chance: a stored send has a fixed reference and
date, a file is given by a path relative to a fixed working directory, and the focus is taken
away before the picture (a blinking cursor).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Select, TextArea

from providers.models import SmsMessage
from screens.accounts.form import AccountForm
from screens.dialogs.common import AccountPicker, ConfirmDialog, PassphraseDialog, WelcomeDialog
from screens.dialogs.csv_import import CsvImportDialog
from screens.dialogs.group import GroupTargetDialog
from screens.widgets.recipients import RecipientsField
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.app import PorteVoixApp
from tui.session import Session

SIZES = [(80, 24), (120, 40)]
NUMBERS = ("+33611223344", "+33622334455", "+33633445566")


def _app(*, demo: bool = True) -> PorteVoixApp:
    session = Session.open(demo=demo)
    session.callback_delay = 0.1
    return PorteVoixApp(session)


async def _settle(pilot: Pilot[Any]) -> None:
    await pilot.pause(0.3)
    await pilot.app.workers.wait_for_complete()
    pilot.app.screen.set_focus(None)
    await pilot.pause(0.1)


async def _ready(pilot: Pilot[Any], screen_type: type[Any]) -> None:
    """``screen_type`` on screen, mounted; its workers may wait on it (never waited for)."""
    await wait_for_screen(pilot, screen_type)
    await pilot.pause(0.3)
    pilot.app.screen.set_focus(None)
    await pilot.pause(0.1)


async def _voice(pilot: Pilot[Any], account: str) -> None:
    app = pilot.app
    assert isinstance(app, PorteVoixApp)
    await _settle(pilot)
    await pilot.press("f2")
    await _settle(pilot)
    app.screen.query_one("#account", Select).value = account
    await wait_for(pilot, lambda: app.current_account == account)
    app.screen.query_one(RecipientsField).set_numbers(["01 44 55 66 77", "06 11 22 33 44"])
    await pilot.pause(0.4)  # the recipients' validation is debounced
    await _settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_compose_voice_voicepartner(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _voice(pilot, "demo-voicepartner")
        await pilot.press("ctrl+o")  # the account's audio files
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_compose_voice_ecampaign(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _voice(pilot, "demo-ecampaign")

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_confirmation_of_a_voice_message(snap_compare: Any, size: tuple[int, int]) -> None:
    """Caller, kind, type and the text quoted (cut on a long one), buttons in sight."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _voice(pilot, "demo-capitole")
        screen = pilot.app.screen
        screen.query_one("#content-kind", Select).value = "tts"
        words = "Bonjour, ceci est un rappel de votre rendez-vous de demain matin à dix heures."
        screen.query_one("#tts", TextArea).load_text(" ".join([words] * 4))
        screen.query_one("#sender").value = "01 23 45 67 89"  # type: ignore[attr-defined]
        await _settle(pilot)
        await pilot.press("ctrl+g")
        await _ready(pilot, ConfirmDialog)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_resend_confirmation(snap_compare: Any, size: tuple[int, int]) -> None:
    """A send left unknown by a crash, opened at start-up, then ctrl+r."""
    app = _app()
    store = app.session.store
    store._clock = lambda: datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
    message = SmsMessage("Rappel : réunion demain", NUMBERS)
    store.begin_send("demo-capitole", "capitole", "sms", message, reference="PVSNAPSHOT")
    store.mark_batch_sending("PVSNAPSHOT", 0, NUMBERS[:2])
    store._conn.execute("UPDATE sends SET owner = 'gone@boot:1:dead'")
    app.session.recovered = store.recover_interrupted_sends()

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("ctrl+r")
        await _ready(pilot, ConfirmDialog)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_csv_import(
    snap_compare: Any, size: tuple[int, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "clients.csv").write_text(
        "prenom;mobile;ville\nAnne;0611223344;Paris\nBruno;0622334455;Lyon\n", encoding="utf-8"
    )

    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("ctrl+o")
        await wait_for_screen(pilot, CsvImportDialog)
        await pilot.press(*"clients.csv", "enter")
        dialog = pilot.app.screen
        await wait_for(pilot, lambda: dialog.table is not None, what="the file")  # type: ignore[attr-defined]
        await _ready(pilot, CsvImportDialog)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_group_picker(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, PorteVoixApp)
        await _settle(pilot)
        app.screen.query_one("#account", Select).value = "demo-ecampaign"
        await wait_for(pilot, lambda: app.current_account == "demo-ecampaign")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, GroupTargetDialog)
        dialog = app.screen
        assert isinstance(dialog, GroupTargetDialog)
        await wait_for(pilot, lambda: bool(dialog.groups), what="groups")
        dialog.query_one("#group", Select).value = "1"
        await wait_for(pilot, lambda: not dialog.query_one("#use").disabled, what="fields")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_account_picker(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("f9")
        await _ready(pilot, AccountPicker)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_passphrase(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        reason = "The account shop keeps its secret in the encrypted file store (new)."
        pilot.app.push_screen(PassphraseDialog(reason, confirm=True))
        await _ready(pilot, PassphraseDialog)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_welcome(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _ready(pilot, WelcomeDialog)

    assert snap_compare(_app(demo=False), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_accounts_demo(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await _settle(pilot)
        await pilot.press("f8")
        await _settle(pilot)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_account_form(snap_compare: Any, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await wait_for_screen(pilot, WelcomeDialog)
        await click(pilot, "#add")
        await _ready(pilot, AccountForm)

    assert snap_compare(_app(demo=False), terminal_size=size, run_before=run_before)
