"""Compose voice driven end to end against the sandboxes, for each voice provider."""

from __future__ import annotations

from textual.widgets import Input, Select, TextArea

from screens.compose.vms import ComposeVmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.dialogs.group import GroupTargetDialog
from screens.widgets.recipients import RecipientsField
from tests.functional.conftest import click, sandbox_requests, wait_for, wait_for_screen
from tui.app import PorteVoixApp

TTS_TEXT = " ".join(["Bonjour, ceci est un rappel de votre rendez-vous de demain matin."] * 5)


async def _open_voice(app: PorteVoixApp, pilot, account: str) -> ComposeVmsScreen:  # type: ignore[no-untyped-def]
    await wait_for(pilot, lambda: app.current_account is not None)
    await pilot.press("f2")
    await wait_for_screen(pilot, ComposeVmsScreen)
    screen = app.screen
    assert isinstance(screen, ComposeVmsScreen)
    screen.query_one("#account", Select).value = account
    await pilot.pause()
    return screen


async def _send_and_wait(app: PorteVoixApp, pilot) -> str:  # type: ignore[no-untyped-def]
    await pilot.press("ctrl+g")
    await wait_for_screen(pilot, ConfirmDialog)
    await click(pilot, "#send")
    store = app.session.store
    await wait_for(
        pilot,
        lambda: bool(store.list_sends(limit=1)) and store.list_sends(limit=1)[0].state != "sending",
    )
    return str(store.list_sends(limit=1)[0].state)


async def test_capitole_text_to_speech_to_a_landline(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await _open_voice(demo_app, pilot, "demo-capitole")
        screen.query_one("#content-kind", Select).value = "tts"
        screen.query_one("#vms-type", Select).value = "AD"
        await pilot.pause()
        screen.query_one(RecipientsField).set_numbers(["01 44 55 66 77", "06 11 22 33 44"])
        screen.query_one("#tts", TextArea).load_text(TTS_TEXT)
        screen.query_one("#sender", Input).value = "01 23 45 67 89"
        assert await _send_and_wait(demo_app, pilot) == "accepted"
        assert sandbox_requests(demo_app, "capitole_vms", "/api/sendvms/xml") == 1


async def test_capitole_dd_refuses_a_landline_before_sending(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await _open_voice(demo_app, pilot, "demo-capitole")
        screen.query_one("#content-kind", Select).value = "voice_msg"
        screen.query_one("#vms-type", Select).value = "DD"
        await pilot.pause()
        field = screen.query_one(RecipientsField)
        field.set_numbers(["01 44 55 66 77"])
        await wait_for(pilot, lambda: bool(field.parsed.invalid), what="mobile-only validation")
        assert "not a mobile" in field.parsed.invalid[0].reason
        screen.query_one("#voice-msg", Input).value = "Promo hiver"
        await pilot.press("ctrl+g")
        await pilot.pause(0.3)
        assert not isinstance(demo_app.screen, ConfirmDialog)
        assert sandbox_requests(demo_app, "capitole_vms") == 0


async def test_voicepartner_voicemail_drop_with_an_audio_file(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await _open_voice(demo_app, pilot, "demo-voicepartner")
        assert screen.query_one("#content-kind", Select).value == "audio"
        await pilot.press("ctrl+o")
        audio = screen.query_one("#audio", Select)
        await wait_for(pilot, lambda: audio._options[1:] != [], what="audio list")
        audio.value = "aud-promo"
        screen.query_one(RecipientsField).set_numbers(["06 11 22 33 44"])
        assert screen.query_one("#email", Input).value == "operator@porte-voix.test"
        assert await _send_and_wait(demo_app, pilot) == "accepted"
        assert sandbox_requests(demo_app, "voicepartner", "/v1/campaign/send") == 1


async def test_ecampaign_voice_campaign_to_a_filtered_group(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        screen = await _open_voice(demo_app, pilot, "demo-ecampaign")
        screen.query_one("#template", Input).value = "2"
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, GroupTargetDialog)
        dialog = demo_app.screen
        group = dialog.query_one("#group", Select)
        await wait_for(pilot, lambda: bool(dialog.groups), what="groups")
        paris = next(g.id for g in dialog.groups.values() if g.name == "Clients Paris")
        group.value = paris
        await wait_for(pilot, lambda: not dialog.query_one("#use").disabled, what="fields")
        dialog.query_one("#filter-field-0", Select).value = "ville"
        dialog.query_one("#filter-op-0", Select).value = "="
        dialog.query_one("#filter-value-0", Input).value = "Paris"
        await click(pilot, "#use")
        await wait_for(pilot, lambda: screen.group is not None)
        assert screen.group is not None and screen.group.criteria[0].value == "Paris"
        assert await _send_and_wait(demo_app, pilot) in ("accepted", "partial")
        assert sandbox_requests(demo_app, "ecampaign", "/sendVoice") == 1
