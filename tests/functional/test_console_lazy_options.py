"""Compose SMS's collapsed options are mounted after its first frame on screen, not with it
(issue 13, console start-up), and nothing that reads or fills them can come too early.

The fields are hidden (collapsed) at start: ``DeferredCollapsible`` mounts them once the app has
started and shown the composer (``ComposeForm.options_ready``). A send, a resend and the presets
of other screens await them first; until then the counter counts with their first values.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from textual.app import App
from textual.screen import Screen
from textual.widgets import Checkbox, Collapsible, Input, Select

from providers.base import Capability, provider_info
from providers.models import Route, SmsMessage
from screens.compose.form import ComposeForm
from screens.compose.sms import FIRST_ROUTE, ComposeSmsScreen
from screens.dialogs.common import ConfirmDialog
from screens.widgets.deferred import DeferredCollapsible
from screens.widgets.recipients import RecipientsField
from tests.functional.conftest import wait_for, wait_for_screen
from tui.app import PorteVoixApp


@pytest.fixture
def no_mount_after_paint(monkeypatch: pytest.MonkeyPatch) -> None:
    """The options stay unmounted until something asks for them (a send, a preset...)."""
    monkeypatch.setattr(ComposeForm, "_mount_options", lambda self: None)


async def _composer(app: PorteVoixApp, pilot: Any) -> ComposeSmsScreen:
    def mounted() -> bool:
        return isinstance(app.screen, ComposeSmsScreen) and app.screen.is_mounted

    await wait_for(pilot, mounted, what="Compose SMS mounted")
    screen = app.screen
    assert isinstance(screen, ComposeSmsScreen)
    return screen


async def test_the_options_mount_after_the_composer_s_first_frame(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What happens, in order: the composer's first frame shown, then its options mounted."""
    seen: list[str] = []
    display = App._display
    mount_contents = DeferredCollapsible.mount_contents

    def shown(app: App[Any], screen: Screen[Any], renderable: Any) -> None:
        # Textual draws nothing while it batches the start: only a frame outside it is shown.
        drawn = renderable is not None and not app._batch_count
        if isinstance(screen, ComposeSmsScreen) and drawn and "frame" not in seen:
            seen.append("frame")
        display(app, screen, renderable)

    async def mounting(section: DeferredCollapsible) -> None:
        seen.append("options")
        await mount_contents(section)

    monkeypatch.setattr(App, "_display", shown)
    monkeypatch.setattr(DeferredCollapsible, "mount_contents", mounting)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        screen = demo_app.screen
        assert seen == ["frame", "options"]
        assert screen.query_one("#options", Collapsible).collapsed
        assert screen.query_one("#sender", Input).display  # mounted, hidden by the collapse
        assert not screen.query_one("#sender", Input).region.area


async def test_until_mounted_the_options_are_absent_and_counted_at_their_first_values(
    demo_app: PorteVoixApp, no_mount_after_paint: None
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await _composer(demo_app, pilot)
        await pilot.pause()
        assert not screen.options_mounted
        assert not screen.query("#sender") and not screen.query("#promotional")
        before = (screen._route(), screen._long())
        assert before == (FIRST_ROUTE, False)
        await screen.options_ready()
        assert screen.options_mounted
        # The fields as made hold the values the counter used before they were mounted.
        assert (screen._route(), screen._long()) == before
        assert screen.query_one("#route", Select).value == FIRST_ROUTE.value
        assert screen.query_one("#long", Checkbox).value is False


async def test_the_options_mounted_late_follow_the_account(
    demo_app: PorteVoixApp, no_mount_after_paint: None
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await _composer(demo_app, pilot)
        await screen.options_ready()
        await screen.options_ready()  # a second call mounts nothing more
        assert len(screen.query(DeferredCollapsible.Contents)) == 1
        account = screen.account
        assert account is not None
        caps = provider_info(account.provider).capabilities
        assert screen.query_one("#long", Checkbox).display == bool(caps & Capability.LONG_SMS)
        assert screen.query_one("#route-row").display == bool(caps & Capability.ROUTE)
        assert screen.query_one("#campaign-row").display == bool(caps & Capability.CAMPAIGN_ID)
        assert screen.query_one("#template-row").display == bool(caps & Capability.TEMPLATES)


async def test_a_send_asked_before_the_options_are_mounted_mounts_them_first(
    demo_app: PorteVoixApp, no_mount_after_paint: None
) -> None:
    """ctrl+g reads the sender, the schedule and the promotional box among the options."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await _composer(demo_app, pilot)
        assert not screen.options_mounted
        screen.query_one(RecipientsField).set_numbers(["06 11 22 33 44"])
        screen.query_one("#sms-text").load_text("Bonjour")  # type: ignore[attr-defined]
        await pilot.press("ctrl+g")
        await wait_for_screen(pilot, ConfirmDialog)
        assert screen.options_mounted
        assert screen.query_one("#promotional", Checkbox).value is False


async def test_a_preset_fills_options_not_mounted_yet(
    demo_app: PorteVoixApp, no_mount_after_paint: None
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        screen = await _composer(demo_app, pilot)
        account = screen.account
        assert account is not None and not screen.options_mounted
        message = SmsMessage(
            text="Promo", recipients=("+33611223344",), sender="Boutique", route=Route.MARKETING
        )
        await screen.preset_message(account.name, message)
        assert screen.query_one("#sender", Input).value == "Boutique"
        assert not screen.query_one("#options", Collapsible).collapsed  # in sight


async def test_a_console_closing_as_the_options_are_due_mounts_nothing(
    demo_app: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Quit as the console starts: the options' mount, due after the first frame, finds it
    closing and mounts nothing (mounting then fails, and the console ended on a traceback)."""
    mount_contents = DeferredCollapsible.mount_contents

    async def closing_first(section: DeferredCollapsible) -> None:
        section.app.exit()
        await mount_contents(section)

    monkeypatch.setattr(DeferredCollapsible, "mount_contents", closing_first)
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: demo_app._exit, what="the console closing")
        await pilot.pause()
        screen = demo_app.screen
        assert isinstance(screen, ComposeSmsScreen)
        assert not screen.options_mounted and not screen.query("#sender")
    assert demo_app.return_code == 0


async def test_a_console_ended_while_the_options_mount_ends_cleanly(
    demo_app: PorteVoixApp,
) -> None:
    """The console ends (its run is over: a test, a closed terminal) just after its first
    frame, while the options are mounting: Textual then makes none of their fields, so there is
    nothing to fit (fitting them failed on the missing '#long', and the console ended on the
    worker's traceback)."""
    mount_contents = DeferredCollapsible.mount_contents
    mounting = asyncio.Event()

    async def watched(section: DeferredCollapsible) -> None:
        mounting.set()
        await mount_contents(section)

    composer: ComposeSmsScreen | None = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DeferredCollapsible, "mount_contents", watched)
        async with demo_app.run_test(size=(80, 24)) as pilot:
            composer = await _composer(demo_app, pilot)
            async with asyncio.timeout(20):
                await mounting.wait()  # then leave at once, the mount under way
        # Leaving ``run_test`` ends the console; a worker's failure would be raised here.
    assert composer is not None and not composer.options_mounted
