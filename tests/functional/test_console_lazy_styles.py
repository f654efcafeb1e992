"""A node is styled once, when it is mounted (issue 13, console start-up).

Textual restyles a widget the moment it takes a class, mounted or not: a Button made in a
compose was styled for its variant and its look, then once more when mounted; a footer key was
styled when mounted, then again when it took the footer's compact class. The console styles a
widget not yet in the DOM only when it is mounted (``PorteVoixApp.update_styles``), and the
footer gives its keys their class before (``ModeFooter``): these tests hold that each is styled
once, and ends with the styles a full restyle gives.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from textual.css.stylesheet import Stylesheet
from textual.dom import DOMNode
from textual.widgets import Button
from textual.widgets._footer import FooterKey

from screens.base import ModeFooter
from screens.compose.sms import ComposeSmsScreen
from tests.functional.conftest import wait_for_screen
from tui.app import PorteVoixApp


@pytest.fixture
def applied(monkeypatch: pytest.MonkeyPatch) -> Counter[int]:
    """How many times each node (by id) was styled from the stylesheet."""
    counts: Counter[int] = Counter()
    apply = Stylesheet.apply

    def counting(self: Stylesheet, node: DOMNode, **options: Any) -> None:
        counts[id(node)] += 1
        apply(self, node, **options)

    monkeypatch.setattr(Stylesheet, "apply", counting)
    return counts


def _rules(node: DOMNode) -> tuple[object, ...]:
    return (
        node.styles.base.get_rules(),
        {name: styles.get_rules() for name, styles in node._component_styles.items()},
    )


async def test_a_widget_is_styled_when_it_is_mounted_not_when_it_is_made(
    demo_app: PorteVoixApp, applied: Counter[int]
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        button = Button("Later", variant="warning")  # takes its variant's class as it is made
        button.add_class("extra")
        assert applied[id(button)] == 0
        await demo_app.screen.query_one("#form").mount(button)
        await pilot.pause()
        assert applied[id(button)] == 1
        button.add_class("-active")  # mounted: a class restyles it at once, as Textual does
        assert applied[id(button)] == 2
        shown = _rules(button)
        demo_app.stylesheet.update(button, animate=False)
        assert _rules(button) == shown


async def test_each_footer_key_is_styled_once_and_compact(
    demo_app: PorteVoixApp, applied: Counter[int]
) -> None:
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.pause()
        keys = demo_app.screen.query_one(ModeFooter).query(FooterKey)
        assert keys
        assert {applied[id(key)] for key in keys} == {1}
        assert all(key.has_class("-compact") for key in keys)
        shown = {key: _rules(key) for key in keys}
        demo_app.stylesheet.update(demo_app.screen, animate=False)
        assert {key: _rules(key) for key in keys} == shown
