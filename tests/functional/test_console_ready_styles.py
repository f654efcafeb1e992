"""A console start keeps the rules it parsed for the next start (issue 13, console ready).

The first start writes them once its first screen is made; the next start parses none of them
again, leaves the file as it is, and its screen ends with exactly the styles of the first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import textual.css.stylesheet as stylesheet_module
from textual.css.styles import Styles
from textual.layout import Layout
from textual.widgets import Button

from screens.compose.sms import ComposeSmsScreen
from screens.styles_cache import FILE_NAME
from tests.functional.conftest import wait_for_screen
from tui.accounts import config as config_module
from tui.app import PorteVoixApp
from tui.session import Session


def _rules(styles: Styles) -> dict[str, object]:
    # A layout has no equality of its own: each parse makes new ones. Compared by name.
    return {
        name: ("layout", value.name) if isinstance(value, Layout) else value
        for name, value in styles.get_rules().items()
    }


def _styles(app: PorteVoixApp) -> list[tuple[object, ...]]:
    """Each node of the screen, in order, with the rules it was styled with."""
    return [
        (
            type(node).__name__,
            node.id,
            _rules(node.styles.base),
            {name: _rules(styles) for name, styles in node._component_styles.items()},
        )
        for node in app.screen.walk_children(with_self=True)
    ]


async def _start(parsed: list[str]) -> tuple[list[tuple[object, ...]], list[str]]:
    """A console started on Compose SMS: its screen's styles, and the CSS texts it parsed."""
    parsed.clear()
    session = Session.open(demo=True)
    session.callback_delay = 0.1
    app = PorteVoixApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        await pilot.pause()
        return _styles(app), list(parsed)


async def test_the_next_start_parses_none_of_the_kept_rules_and_looks_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[str] = []
    parse = stylesheet_module.parse

    def counting(scope: str, css: str, *args: Any, **kwargs: Any) -> Any:
        parsed.append(css)
        return parse(scope, css, *args, **kwargs)

    monkeypatch.setattr(stylesheet_module, "parse", counting)
    path = config_module.data_dir() / FILE_NAME
    first, first_parsed = await _start(parsed)
    assert path.is_file()
    assert Button.DEFAULT_CSS in first_parsed
    written = path.stat().st_mtime_ns
    second, second_parsed = await _start(parsed)
    assert Button.DEFAULT_CSS not in second_parsed
    # Parsed again: only what the first start parsed after its first screen was made.
    assert len(second_parsed) < len(first_parsed) // 2
    assert path.stat().st_mtime_ns == written
    assert second == first


async def test_a_start_whose_rules_cannot_be_kept_opens_as_usual(tmp_path: Path) -> None:
    session = Session.open(demo=True, data_dir=tmp_path / "data")
    session.callback_delay = 0.1
    (tmp_path / "data" / FILE_NAME).mkdir()  # in the way: the rules cannot be written there
    app = PorteVoixApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for_screen(pilot, ComposeSmsScreen)
        assert app.screen.query_one("#recipients-input").has_focus
