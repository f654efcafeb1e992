"""The composer's hidden send panel loads its table and progress bar with the first send shown,
not with the first screen (issue 13, console start-up). Checked on the modules a fresh
interpreter has loaded (never by timing anything); then a send is shown to load them, so the
first check cannot pass on a panel that lost them.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_console_start_imports import CONSOLE
from tests.unit.test_startup_imports import _home, _loaded

#: Textual's modules of the panel's parts: a table of results and a progress bar.
PANEL_PARTS = ("textual.widgets._data_table", "textual.widgets._progress_bar")


def test_the_first_composer_loads_no_table_nor_progress_bar(tmp_path: Path) -> None:
    loaded = _loaded(CONSOLE.format(then=""), _home(tmp_path, ("capitole", "octopush")))
    assert "screens.widgets.send_panel" in loaded  # the panel is there, hidden
    assert [name for name in PANEL_PARTS if name in loaded] == []


def test_the_panel_loads_them_when_a_send_starts(tmp_path: Path) -> None:
    then = """
        from screens.widgets.send_panel import SendPanel
        panel = app.screen.query_one(SendPanel)
        panel.start(2, "a test")
        await pilot.pause()
        assert panel.display and panel.query_one("#results").row_count == 0
    """
    loaded = _loaded(CONSOLE.format(then=then), _home(tmp_path, ("capitole", "octopush")))
    assert [name for name in PANEL_PARTS if name in loaded] == list(PANEL_PARTS)
