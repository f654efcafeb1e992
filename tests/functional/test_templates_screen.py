"""The Templates tab of F4 driven with Pilot against the demo's eCampaign sandbox: list, filter,
details, create, edit, delete (code 61 explained), use in Compose, voice recordings."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from textual.widgets import Checkbox, DataTable, Input, Select, Static, TextArea

from providers.models import VoiceMessage
from providers.sandbox.ecampaign.state import TemplateRec, utcnow
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.templates.detail import TemplateDetail
from screens.templates.form import TemplateForm
from screens.templates.listing import TemplatesPane
from screens.templates.recordings import RecordingsDialog
from screens.widgets.counter import SegmentCounter
from screens.widgets.recipients import RecipientsField
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.templates_helpers import (
    ACCOUNT,
    assert_buttons_on_screen,
    ecampaign_paths,
    ecampaign_state,
    open_templates,
    rows,
    select_row,
    shown,
    status_of,
    toasts,
)
from tests.hostile import SHOWN, raw_controls
from tui.app import PorteVoixApp


async def test_f4_lists_the_ecampaign_templates_without_changing_the_account(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        assert screen.query_one("#templates-account", Select).value == ACCOUNT
        # Opening F4 chose the eCampaign account for itself; the console's stays as it was.
        assert demo_app.current_account == "demo-capitole"
        table = screen.query_one("#templates-table", DataTable)
        assert [row[0:2] for row in rows(table)] == [
            ["1", "SMS"],
            ["2", "voice"],
            ["3", "e-mail"],
            ["4", "voice"],
            ["5", "SMS"],
        ]
        assert ecampaign_paths(demo_app) == ["/manageTemplate/list"]


async def test_filter_by_type_and_search(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        table = screen.query_one("#templates-table", DataTable)
        screen.query_one("#template-type", Select).value = "voice"
        await wait_for(pilot, lambda: table.row_count == 2, what="voice templates only")
        await pilot.press("slash")
        assert screen.focused is screen.query_one("#template-search", Input)
        await pilot.press(*"annonce")
        await wait_for(pilot, lambda: table.row_count == 1, what="the search applied")
        assert rows(table)[0][3] == "Annonce vocale"
        assert "1 of 5" in status_of(screen.query_one(TemplatesPane))
        await pilot.press("enter")  # back to the table
        assert isinstance(screen.focused, DataTable)


async def test_enter_shows_the_details_of_a_voice_template(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "2")
        await pilot.press("enter")
        await wait_for_screen(pilot, TemplateDetail)
        details = shown(demo_app.screen.query_one("#detail-rows", Static))
        assert "Answering machine" in details and "VOX000002" in details
        assert_buttons_on_screen(pilot)
        await pilot.press("escape")
        await wait_for_screen(pilot, type(screen))


async def test_create_an_sms_template_with_the_counter(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, TemplateForm)
        form = demo_app.screen
        assert_buttons_on_screen(pilot)
        form.query_one("#name", Input).value = "Relance"
        text = ("Bonjour, à demain ! " * 10).strip()
        form.query_one("#sms-text", TextArea).load_text(text)
        await pilot.pause()
        counter = str(form.query_one(SegmentCounter).render())
        assert "199 chars" in counter and "2/10 SMS" in counter
        await click(pilot, "#save")
        await wait_for_screen(pilot, type(screen))
        table = screen.query_one("#templates-table", DataTable)
        await wait_for(pilot, lambda: table.row_count == 6, what="the new template listed")
        created = [t for t in ecampaign_state(demo_app).templates.values() if t.name == "Relance"]
        assert created[0].sms_message == text
        assert any("created" in toast for toast in toasts(demo_app))


async def test_a_template_without_text_is_refused_before_any_request(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await open_templates(pilot)
        await pilot.press("n")
        await wait_for_screen(pilot, TemplateForm)
        demo_app.screen.query_one("#name", Input).value = "Vide"
        await click(pilot, "#save")
        error = str(demo_app.screen.query_one("#form-error", Static).render())
        assert "needs its text" in error
        assert not any(path.endswith("/add") for path in ecampaign_paths(demo_app))


async def test_edit_a_voice_template_keeps_the_other_settings(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "2")
        await pilot.press("e")
        await wait_for_screen(pilot, TemplateForm)
        form = demo_app.screen
        assert form.query_one("#type", Select).disabled  # a template keeps its type
        assert form.query_one("#flag-interactive", Checkbox).value is True
        assert form.query_one("#flag-recorded", Checkbox).value is True
        form.query_one("#flag-intro", Checkbox).value = True
        form.query_one("#duration", Select).value = 180
        assert_buttons_on_screen(pilot)
        await click(pilot, "#save")
        await wait_for_screen(pilot, type(screen))
        template = ecampaign_state(demo_app).templates[2]
        await wait_for(pilot, lambda: ecampaign_state(demo_app).templates[2].intro)
        template = ecampaign_state(demo_app).templates[2]
        assert (template.duration, template.interactive, template.responder) == (180, True, True)
        assert template.recorded


async def test_edit_an_sms_template_says_its_text_must_be_typed_again(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "1")
        await pilot.press("e")
        await wait_for_screen(pilot, TemplateForm)
        hint = str(demo_app.screen.query_one("#form-hint", Static).render())
        assert "does not return" in hint and "SMS text" in hint


async def test_delete_a_template_after_confirmation(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        table = screen.query_one("#templates-table", DataTable)
        select_row(table, "3")
        await pilot.press("delete")
        await wait_for_screen(pilot, ConfirmDialog)
        assert_buttons_on_screen(pilot)
        await click(pilot, "#delete")
        await wait_for(pilot, lambda: table.row_count == 4, what="the template gone")
        assert 3 not in ecampaign_state(demo_app).templates


async def test_delete_refused_61_says_why_and_what_to_do(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        provider = await demo_app.session.provider(ACCOUNT)
        when = datetime(2099, 1, 6, 11, tzinfo=ZoneInfo("Europe/Paris"))
        await provider.send_voice(
            VoiceMessage(recipients=("+33612345678",), template_id="2", schedule=when)
        )
        select_row(screen.query_one("#templates-table", DataTable), "2")
        await pilot.press("enter")
        await wait_for_screen(pilot, TemplateDetail)
        await click(pilot, "#delete")
        await wait_for_screen(pilot, ConfirmDialog)
        await click(pilot, "#delete")
        pane = screen.query_one(TemplatesPane)
        await wait_for(pilot, lambda: "not deleted" in status_of(pane), what="the refusal")
        status = status_of(pane)
        assert "61" in status and "a scheduled campaign uses this template" in status
        assert "once that campaign has left" in status
        assert 2 in ecampaign_state(demo_app).templates


async def test_use_an_sms_template_opens_compose_sms(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "1")
        await pilot.press("u")
        await wait_for_screen(pilot, ComposeSmsScreen)
        composer = demo_app.screen
        await wait_for(pilot, lambda: composer.query_one("#template", Input).value == "1")
        assert composer.query_one("#account", Select).value == ACCOUNT
        assert demo_app.current_account == ACCOUNT
        await pilot.pause(0.3)  # no account ping-pong between the screens afterwards
        assert demo_app.current_account == ACCOUNT
        # Sent as it is: no text of its own, the template's id in the request.
        composer.query_one(RecipientsField).set_numbers(["0612345678"])
        await pilot.pause(0.6)  # the recipients' check is debounced
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        await click(pilot, "#send")
        await wait_for(pilot, lambda: "/sendSMS" in ecampaign_paths(demo_app), what="the send")
        cluster = demo_app.session.cluster
        assert cluster is not None
        body = cluster.sandboxes["ecampaign"].requests[-1].body
        assert b"%3CtemplateID%3E1%3C%2FtemplateID%3E" in body


async def test_use_a_voice_template_from_its_details(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "2")
        await pilot.press("enter")
        await wait_for_screen(pilot, TemplateDetail)
        await pilot.press("u")
        await wait_for_screen(pilot, ComposeVmsScreen)
        composer = demo_app.screen
        await wait_for(pilot, lambda: composer.query_one("#template", Input).value == "2")
        assert composer.query_one("#content-kind", Select).value == "template"


async def test_a_mail_template_cannot_be_used_in_compose(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "3")
        await pilot.press("u")
        await wait_for(pilot, lambda: any("Not an SMS" in t for t in toasts(demo_app)))
        assert demo_app.screen is screen


async def test_recordings_push_and_download(demo_app: PorteVoixApp, tmp_path: Path) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "4")
        await pilot.press("r")
        await wait_for_screen(pilot, RecordingsDialog)
        dialog = demo_app.screen
        assert_buttons_on_screen(pilot)
        status = dialog.query_one("#recording-status", Static)
        dialog.query_one("#part", Select).value = "intro"
        await pilot.pause()
        assert dialog.query_one("#path", Input).value.endswith("template-4-intro.mp3")
        dialog.query_one("#url", Input).value = "https://example.com/intro.mp3"
        await click(pilot, "#push")
        await wait_for(pilot, lambda: "in place" in str(status.render()), what="the push")
        assert "intro" in ecampaign_state(demo_app).templates[4].recordings

        target = tmp_path / "intro.mp3"
        dialog.query_one("#path", Input).value = str(target)
        await pilot.pause(0.3)
        await click(pilot, "#download")
        await wait_for(pilot, lambda: "Saved" in str(status.render()), what="the download")
        assert target.read_bytes() == ecampaign_state(demo_app).templates[4].recordings["intro"]
        said = str(status.render())
        assert str(target) in said and "cannot play it" in said

        # A second download to the same file is refused until "replace" is ticked. (A button
        # ignores clicks for 0.2 s after one.)
        await pilot.pause(0.3)
        await click(pilot, "#download")
        await wait_for(pilot, lambda: "exists" in str(status.render()), what="the refusal")
        dialog.query_one("#overwrite", Checkbox).value = True
        await pilot.pause(0.3)
        await click(pilot, "#download")
        await wait_for(pilot, lambda: "Saved" in str(status.render()), what="the replacement")


async def test_a_missing_recording_is_reported_in_the_dialog(
    demo_app: PorteVoixApp, tmp_path: Path
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await open_templates(pilot)
        select_row(screen.query_one("#templates-table", DataTable), "4")
        await pilot.press("r")
        await wait_for_screen(pilot, RecordingsDialog)
        dialog = demo_app.screen
        assert isinstance(dialog, RecordingsDialog)
        dialog.query_one("#path", Input).value = str(tmp_path / "main.mp3")
        await click(pilot, "#download")
        status = dialog.query_one("#recording-status", Static)
        await wait_for(pilot, lambda: "67" in str(status.render()), what="the refusal")
        assert not (tmp_path / "main.mp3").exists()
        assert dialog.busy is False


async def test_template_names_from_the_provider_are_shown_as_text(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        now = utcnow()
        hostile = "Promo\x9b2J[b]gras[/b]\x7f"
        ecampaign_state(demo_app).templates[40] = TemplateRec(40, hostile, "sms", now, now, "x")
        screen = await open_templates(pilot)
        table = screen.query_one("#templates-table", DataTable)
        name = rows(table)[-1][3]
        assert raw_controls(name) == [] and "\\x9b2J[b]gras[/b]\\x7f" in name
        select_row(table, "40")
        await pilot.press("enter")
        await wait_for_screen(pilot, TemplateDetail)
        details = shown(demo_app.screen.query_one("#detail-rows", Static))
        assert "[b]gras[/b]" in details and raw_controls(details) == []
        assert SHOWN  # the shared hostile sample stays importable for the other tests
