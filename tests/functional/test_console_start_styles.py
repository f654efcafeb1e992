"""The console's first screen is styled once, and what start-up skips leaves nothing stale
(issue 13, console start-up).

A screen that ``switch_mode`` opens is resumed twice before its first paint, and Textual
restyles every node at each resume; a composer's form was also focused (restyling it whole)
before its recipients were. Start-up skips that work: these tests hold that every node still
ends with the styles a full restyle gives, that a screen coming back from another mode is
restyled as Textual does, and that the parts mounted late (the send panel's) or given a class
early (a collapsed Collapsible's) end as they did before.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widgets import Collapsible, DataTable, Label, ProgressBar

from screens.base import COLLAPSED_CLASS, collapsed_before_mount
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.widgets.send_panel import SendPanel
from tests.functional.conftest import wait_for, wait_for_screen
from tui.accounts import config as config_module
from tui.accounts.config import Account, Config
from tui.app import PorteVoixApp
from tui.session import Session


@pytest.fixture
def console(monkeypatch: pytest.MonkeyPatch) -> PorteVoixApp:
    """The console with one real account (not the demo): it opens on Compose SMS."""
    account = Account("shop", "capitole", "me", {}, secret_store="env")
    config_module.save(config_module.with_account(Config(), account))
    monkeypatch.setenv("PORTE_VOIX_SECRET_SHOP", "not-a-real-secret")
    return PorteVoixApp(Session.open(demo=False))


def _styles(screen: Screen[Any]) -> dict[DOMNode, tuple[object, ...]]:
    """What each node of ``screen`` was styled with: its rules and its component styles."""
    return {
        node: (
            node.styles.base.get_rules(),
            {name: styles.get_rules() for name, styles in node._component_styles.items()},
        )
        for node in screen.walk_children(with_self=True)
    }


def _restyled_in_full(app: App[Any], screen: Screen[Any]) -> dict[DOMNode, tuple[object, ...]]:
    app.stylesheet.update(screen, animate=False)
    return _styles(screen)


async def test_the_first_screen_has_the_styles_a_full_restyle_gives(
    console: PorteVoixApp,
) -> None:
    async with console.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.pause()
        screen = console.screen
        assert screen.focused is screen.query_one("#recipients-input")
        shown = _styles(screen)
        assert shown == _restyled_in_full(console, screen)


async def test_a_composer_s_form_is_styled_once_before_its_first_paint(
    console: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Neither the two resumes nor a focus on the form restyle its labels again."""
    applied: Counter[int] = Counter()
    apply = Stylesheet.apply

    def counting(self: Stylesheet, node: DOMNode, **options: Any) -> None:
        applied[id(node)] += 1
        apply(self, node, **options)

    monkeypatch.setattr(Stylesheet, "apply", counting)
    async with console.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.pause()
        labels = console.screen.query_one("#form").query(Label)
        assert labels
        assert {applied[id(label)] for label in labels} == {1}


async def test_a_screen_back_from_another_mode_is_restyled_as_textual_does(
    console: PorteVoixApp,
) -> None:
    async with console.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        sms = console.screen
        resumes: list[bool] = []
        # Textual's own handler runs after the screen's: it sees what the screen left.
        original = ComposeSmsScreen._on_screen_resume

        def seen(screen: Screen[Any], event: Any) -> None:
            resumes.append(event.refresh_styles)
            original(screen, event)

        ComposeSmsScreen._on_screen_resume = seen  # type: ignore[method-assign]
        try:
            await pilot.press("f2")
            await wait_for_screen(pilot, ComposeVmsScreen)
            await pilot.press("f1")
            await wait_for(pilot, lambda: console.screen is sms and bool(resumes))
        finally:
            del ComposeSmsScreen._on_screen_resume
        await pilot.pause()
        assert resumes == [True]
        assert _styles(sms) == _restyled_in_full(console, sms)


async def test_the_send_panel_mounts_its_parts_when_it_first_shows_something(
    console: PorteVoixApp,
) -> None:
    async with console.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        panel = console.screen.query_one(SendPanel)
        assert not panel.display
        assert not panel.children
        panel.start(3, "the message")
        # At once, not after a refresh: the caller fills them right away.
        assert panel.query_one("#results", DataTable).ordered_columns[2].label.plain == "delivery"
        assert len(panel.query_one("#results", DataTable).columns) == 4
        assert "3 recipient(s)" in str(panel.query_one("#send-status").render())
        await pilot.pause()
        assert panel.display
        assert panel.query_one(ProgressBar).total == 3
        panel.start(2, "a dry run")  # a second send uses the same parts
        await pilot.pause()
        assert len(panel.children) == 5
        assert len(panel.query(DataTable)) == 1


async def test_a_collapsible_collapsed_before_mount_ends_as_textual_leaves_one() -> None:
    ours = collapsed_before_mount(Collapsible(Label("inside"), title="Options"))
    textuals = Collapsible(Label("inside"), title="Options")

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            yield ours
            yield textuals

    async with Probe().run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert ours.classes == textuals.classes
        assert ours.has_class(COLLAPSED_CLASS)
        assert ours.size == textuals.size
        assert not ours.query_one(Label).region.area
        ours.collapsed = textuals.collapsed = False
        await pilot.pause()
        assert ours.classes == textuals.classes
        assert not ours.has_class(COLLAPSED_CLASS)
        assert ours.query_one(Label).region.area
        assert ours.size == textuals.size


def test_an_expanded_collapsible_is_left_as_it_is() -> None:
    expanded = collapsed_before_mount(Collapsible(title="Options", collapsed=False))
    assert not expanded.has_class(COLLAPSED_CLASS)


async def test_opening_a_mode_parses_no_css_again(
    console: PorteVoixApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The new screen's own CSS is parsed when it mounts; the rest is not parsed anew."""
    reparsed: list[Stylesheet] = []
    reparse = Stylesheet.reparse

    def counting(self: Stylesheet) -> None:
        reparsed.append(self)
        reparse(self)

    monkeypatch.setattr(Stylesheet, "reparse", counting)
    async with console.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.pause()
        before = len(reparsed)
        await pilot.press("f2")
        await wait_for_screen(pilot, ComposeVmsScreen)
        await pilot.pause()
        assert len(reparsed) == before
        assert console.screen.query_one("#form").styles.padding.left == 1  # its CSS applies


async def test_a_theme_chosen_after_start_restyles_the_first_screen(
    console: PorteVoixApp,
) -> None:
    async with console.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.pause()
        screen = console.screen
        dark = screen.styles.background
        console.theme = "textual-light"
        await pilot.pause()
        assert screen.styles.background != dark
        assert _styles(screen) == _restyled_in_full(console, screen)
