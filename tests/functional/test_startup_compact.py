"""Mode screens make their form fields compact before mounting them (issue 13, start-up): the
fields still end up exactly as Textual's own ``compact = True`` leaves them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Input, Select, TextArea

from screens.base import COMPACT_CLASS, COMPACT_QUERY, compact_before_mount
from screens.compose.sms import ComposeSmsScreen
from screens.compose.vms import ComposeVmsScreen
from screens.templates.screen import TemplatesScreen
from tests.functional.conftest import wait_for_screen
from tui.app import PorteVoixApp

FIELDS: list[Callable[[], Widget]] = [
    Input,
    lambda: Select([("one", "1"), ("two", "2")]),
    TextArea,
    lambda: Button("go"),
    lambda: Checkbox("yes"),
]


@pytest.mark.parametrize("make", FIELDS)
async def test_compact_before_mount_leaves_a_field_as_textual_s_compact_does(
    make: Callable[[], Widget],
) -> None:
    ours, textuals, plain = make(), make(), make()

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            compact_before_mount(ours)
            yield ours
            yield textuals
            yield plain

    async with Probe().run_test(size=(80, 24)) as pilot:
        textuals.compact = True  # type: ignore[attr-defined]
        await pilot.pause()
        assert ours.compact is True  # type: ignore[attr-defined]
        assert ours.classes == textuals.classes != plain.classes
        assert ours.has_class(COMPACT_CLASS)
        assert ours.styles.border == textuals.styles.border
        assert ours.styles.height == textuals.styles.height
        assert ours.styles.padding == textuals.styles.padding


@pytest.mark.parametrize(
    "key, screen_type",
    [
        ("f1", ComposeSmsScreen),
        ("f2", ComposeVmsScreen),
        ("f4", TemplatesScreen),
    ],
)
async def test_every_form_field_of_a_mode_screen_is_compact(
    demo_app: PorteVoixApp, key: str, screen_type: type[Widget]
) -> None:
    """Those its compose yields, those handed to a container, those a widget composes."""
    async with demo_app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.press(key)
        await wait_for_screen(pilot, screen_type)
        fields = list(demo_app.screen.query(COMPACT_QUERY))
        assert fields
        loose = [
            field
            for field in fields
            if not (field.compact and field.has_class(COMPACT_CLASS))  # type: ignore[attr-defined]
        ]
        assert loose == []
