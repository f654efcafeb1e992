"""The composers offer what the account's provider has, and check text as it is typed (issue 9,
items 4, 5 and 6): long SMS only where there is one, options each with its name, the group
picker whole at 80×24, text to speak judged as it is typed, ctrl+t on both composers, and the
cursor where it was after ctrl+t."""

from __future__ import annotations

from typing import Any

from textual.pilot import Pilot
from textual.widgets import Checkbox, Collapsible, Label, Select, Static, TextArea

from providers.base import Capability, provider_info
from screens.compose.form import ComposeForm
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.dialogs.group import GroupTargetDialog
from tests.functional.conftest import wait_for, wait_for_screen
from tui.app import PorteVoixApp


async def choose(screen: ComposeForm[Any], pilot: Pilot[Any], account: str) -> None:
    screen.query_one("#account", Select).value = account
    # The operator's choice is handled (fields shown or hidden) when it is the console's.
    await wait_for(pilot, lambda: screen.porte_voix.current_account == account, what=account)


async def test_long_sms_is_offered_only_where_the_provider_has_it(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        screen = demo_app.screen
        assert isinstance(screen, ComposeSmsScreen)
        long = screen.query_one("#long", Checkbox)
        for account in screen.session.accounts_with(Capability.SMS):
            await choose(screen, pilot, account.name)
            info = provider_info(account.provider)
            assert long.display == bool(info.capabilities & Capability.LONG_SMS), account.name
            assert "CapitoleMobile" not in str(long.label)  # the provider's own maximum


async def test_every_option_has_its_name_beside_it(demo_app: PorteVoixApp) -> None:
    """Two empty fields side by side read as one placeholder at 80 columns."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        for key, screen_type in (("f1", ComposeSmsScreen), ("f2", ComposeVmsScreen)):
            await pilot.press(key)
            await wait_for_screen(pilot, screen_type)
            options = demo_app.screen.query_one("#options", Collapsible)
            for row in options.query(".option-row"):
                fields = [child for child in row.children if not isinstance(child, Label)]
                assert len(fields) == 1 and str(row.query_one(Label).render()).strip()


async def test_ctrl_t_keeps_the_cursor_where_it_was(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        area = demo_app.screen.query_one("#sms-text", TextArea)
        area.load_text("C’est l’heure…\nÀ demain…")
        area.focus()
        area.cursor_location = (1, 9)  # after the second "…"
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "’" not in area.text, what="transliteration")
        assert area.text == "C'est l'heure...\nÀ demain..."
        assert area.cursor_location == (1, 11)


async def test_text_to_speak_is_checked_as_typed_and_ctrl_t_fixes_it(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        screen = demo_app.screen
        assert isinstance(screen, ComposeVmsScreen)
        await choose(screen, pilot, "demo-capitole")
        screen.query_one("#content-kind", Select).value = "tts"
        area = screen.query_one("#tts", TextArea)
        await wait_for(pilot, lambda: area.display, what="the text to speak")
        area.focus()
        await pilot.press(*"Bonjour")
        area.insert("’")  # as a paste would bring it
        estimate = screen.query_one("#tts-estimate", Static)
        await wait_for(pilot, lambda: "cannot be sent" in str(estimate.render()), what="check")
        assert "ctrl+t" in str(estimate.render())
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: area.text == "Bonjour'", what="transliteration")
        await wait_for(pilot, lambda: "cannot be sent" not in str(estimate.render()))
        assert "s of speech" in str(estimate.render())


async def test_the_group_picker_shows_its_buttons_at_80x24(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        screen = demo_app.screen
        assert isinstance(screen, ComposeSmsScreen)
        await choose(screen, pilot, "demo-ecampaign")
        await pilot.press("ctrl+l")
        await wait_for_screen(pilot, GroupTargetDialog)
        dialog = demo_app.screen
        assert isinstance(dialog, GroupTargetDialog)
        await wait_for(pilot, lambda: bool(dialog.groups), what="groups")
        dialog.query_one("#group", Select).value = "1"
        await wait_for(pilot, lambda: not dialog.query_one("#use").disabled, what="fields")
        for button in ("#use", "#cancel"):
            region = dialog.query_one(button).region
            assert region.area and region.bottom <= 24 and region.right <= 80, button


async def test_a_number_that_cannot_receive_sms_is_refused_as_typed(
    demo_app: PorteVoixApp,
) -> None:
    """A special-rate number passed every local check and met an odd provider code."""
    from screens.widgets.recipients import RecipientsField

    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        field = demo_app.screen.query_one(RecipientsField)
        field.set_numbers(["08 11 22 33 44", "06 11 22 33 44"])
        await wait_for(pilot, lambda: len(field.parsed.valid) == 1, what="validation")
        assert [bad.raw for bad in field.parsed.invalid] == ["08 11 22 33 44"]
