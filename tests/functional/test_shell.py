"""The app shell: modes by key and by palette, the account bar and switcher, the first run."""

from __future__ import annotations

import re

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Footer, OptionList, Select
from textual.widgets._footer import FooterKey

from screens.accounts.screen import AccountsScreen
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.credits.screen import CreditsScreen
from screens.dialogs.common import AccountPicker, WelcomeDialog
from screens.groups.screen import GroupsScreen
from screens.history.screen import HistoryScreen
from screens.live.screen import LiveScreen
from screens.templates.screen import TemplatesScreen
from tests.functional.conftest import click, wait_for, wait_for_screen
from tui.app import MODE_TABLE, PorteVoixApp
from tui.session import Session

MODE_SCREENS = {
    "f1": ComposeSmsScreen,
    "f2": ComposeVmsScreen,
    "f3": GroupsScreen,
    "f4": TemplatesScreen,
    "f5": CreditsScreen,
    "f6": HistoryScreen,
    "f7": LiveScreen,
    "f8": AccountsScreen,
}


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_every_mode_opens_by_its_key(demo_app: PorteVoixApp, size: tuple[int, int]) -> None:
    async with demo_app.run_test(size=size) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        for key, screen_type in MODE_SCREENS.items():
            await pilot.press(key)
            await wait_for_screen(pilot, screen_type)
            bar = str(demo_app.screen.query_one("#account-bar").render())
            assert "demo-capitole" in bar and "CapitoleMobile" in bar


async def test_mode_keys_win_over_a_focused_text_area(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        demo_app.screen.query_one("#sms-text").focus()
        await pilot.press("f6")  # a TextArea binds F6 to "select line"
        await wait_for_screen(pilot, HistoryScreen)


async def test_the_footer_lists_the_modes_in_key_order_whatever_has_focus(
    demo_app: PorteVoixApp,
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        demo_app.screen.query_one("#sms-text").focus()
        await pilot.pause()
        keys = [key for key in demo_app.screen.active_bindings if key in MODE_SCREENS]
        assert keys == [f"f{n}" for n in range(1, 9)]
        footer = demo_app.screen.query_one(Footer)
        shown = [item.key_display for item in footer.query(FooterKey)]
        assert shown[:8] == [f"f{n}" for n in range(1, 9)]


async def test_the_palette_reaches_every_mode_and_screen_action(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        titles = [command.title for command in demo_app.get_system_commands(demo_app.screen)]
        for _mode, key, _label, title, _help in MODE_TABLE:
            assert f"{title} ({key.upper()})" in titles
        assert "Send (ctrl+g)" in titles
        assert "Transliterate (ctrl+t)" in titles
        await pilot.press("ctrl+p")
        await wait_for_screen(pilot, CommandPalette)
        await pilot.press(*"Compose voice")
        palette = demo_app.screen
        results = palette.query_one(CommandList)

        def best_match_is_compose_voice() -> bool:
            highlighted = results.highlighted_option
            return highlighted is not None and "Compose voice" in str(highlighted.prompt)

        # The palette searches in the background: Enter before the results arrive selects nothing.
        await wait_for(pilot, best_match_is_compose_voice, what="palette results")
        await pilot.press("enter")
        await wait_for_screen(pilot, ComposeVmsScreen)


async def test_account_switcher_changes_the_bar_and_the_composer(demo_app: PorteVoixApp) -> None:
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press("f9")
        await wait_for_screen(pilot, AccountPicker)
        options = demo_app.screen.query_one(OptionList)
        ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
        index = ids.index("demo-octopush")
        options.highlighted = index
        await pilot.press("enter")
        await wait_for(pilot, lambda: demo_app.current_account == "demo-octopush")
        assert "Octopush" in str(demo_app.screen.query_one("#account-bar").render())
        assert demo_app.screen.query_one("#account").value == "demo-octopush"


async def test_first_run_without_accounts_offers_the_demo() -> None:
    app = PorteVoixApp(Session.open(demo=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, WelcomeDialog)
        await click(pilot, "#demo")
        await wait_for_screen(pilot, ComposeSmsScreen, timeout=30)
        assert app.session.demo and "demo-capitole" in app.session.accounts


async def test_first_run_can_go_straight_to_adding_an_account() -> None:
    from screens.accounts.form import AccountForm

    app = PorteVoixApp(Session.open(demo=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, WelcomeDialog)
        await click(pilot, "#add")
        await wait_for_screen(pilot, AccountForm)


async def test_each_demo_run_starts_from_a_fresh_journal_of_its_own() -> None:
    """A restarted demo showed the previous run's balance and sends, which its fresh sandboxes
    never knew (issue 9, item 9): each run has its own journal, removed when it ends."""
    from providers.models import SmsMessage

    first = Session.open(demo=True)
    reference = first.store.begin_send(
        "demo-capitole", "capitole", "sms", SmsMessage("Bonjour", ("+33611223344",))
    )
    assert first.store.get_send(reference) is not None
    first_dir = first.store.path.parent
    await first.stop()
    assert not first_dir.exists()

    second = Session.open(demo=True)
    try:
        assert second.store.list_sends(limit=5) == []
        assert second.last_balance("demo-capitole") is None
        assert second.store.path.parent != first_dir
        real = Session.open(demo=False)
        assert real.store.path.parent != second.store.path.parent
        real.store.close()
    finally:
        await second.stop()


async def _pick_account(app: PorteVoixApp, pilot, name: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("f9")
    await wait_for_screen(pilot, AccountPicker)
    options = app.screen.query_one(OptionList)
    ids = [options.get_option_at_index(i).id for i in range(options.option_count)]
    options.highlighted = ids.index(name)
    await pilot.press("enter")


async def test_an_account_chosen_with_f9_holds_on_every_screen(demo_app: PorteVoixApp) -> None:
    """F9 on Compose SMS choosing a voice-only account was undone as soon as the composer came
    back (issue 9, item 1): the choice holds, the bar shows it, and the SMS composer, which
    cannot use it, says so instead of falling back to another account."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        compose = demo_app.screen
        await _pick_account(demo_app, pilot, "demo-voicepartner")
        await wait_for_screen(pilot, ComposeSmsScreen)
        select = compose.query_one("#account", Select)
        await wait_for(pilot, lambda: "sends no SMS" in select.prompt, what="the composer's word")
        await pilot.pause()  # the messages the resumed composer posted, handled
        assert demo_app.current_account == "demo-voicepartner"
        assert "demo-voicepartner" in str(compose.query_one("#account-bar").render())
        assert compose.account is None  # nothing can be sent from an account not chosen
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        voice = demo_app.screen
        await wait_for(
            pilot, lambda: voice.query_one("#account", Select).value == "demo-voicepartner"
        )
        assert "demo-voicepartner" in str(voice.query_one("#account-bar").render())


async def test_an_account_chosen_in_a_composer_survives_a_trip_elsewhere(
    demo_app: PorteVoixApp,
) -> None:
    """Chosen on F2, then F1 and back to F2: the first composer's account came back."""
    async with demo_app.run_test(size=(120, 40)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        voice = demo_app.screen
        voice.query_one("#account", Select).value = "demo-voicepartner"  # as the operator does
        await wait_for(pilot, lambda: demo_app.current_account == "demo-voicepartner")
        await pilot.press("f1")
        await wait_for_screen(pilot, ComposeSmsScreen)
        sms = demo_app.screen
        await wait_for(pilot, lambda: "sends no SMS" in sms.query_one("#account", Select).prompt)
        await pilot.pause()
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        await pilot.pause()
        assert demo_app.current_account == "demo-voicepartner"
        assert voice.query_one("#account", Select).value == "demo-voicepartner"
        assert "demo-voicepartner" in str(voice.query_one("#account-bar").render())


async def test_the_account_bar_fits_80_columns_with_its_balance(demo_app: PorteVoixApp) -> None:
    """At 80 columns the bar was cut after "· balance" (issue 9, item 4): the least useful
    parts give way, and the balance, last on the line, shows whole, for every account."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        bar = demo_app.screen.query_one("#account-bar")
        for name in demo_app.session.accounts:
            demo_app.current_account = name
            await wait_for(pilot, lambda name=name: name in str(bar.render()))
            line = bar.render()
            assert line.cell_length <= bar.content_size.width, line.plain
            # The balance (or its absence) closes the line, whole.
            assert re.search(r"(balance unknown|\(\d\d:\d\d[^()]*\))$", line.plain), line.plain
