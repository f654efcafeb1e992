"""A composer's first paint loads neither its confirmations nor its results' wording (issue 13,
console ready): the confirmation dialogs (``screens.compose.confirm``, and the dialogs' module
under it) load with the first send, the results' wording (``screens.compose.results``) with the
first result shown. Checked on the modules a fresh interpreter has loaded (never by timing);
then a send is shown to load the confirmations, so the first check cannot pass on a composer
that lost them.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_console_start_imports import CONSOLE
from tests.unit.test_startup_imports import _home, _loaded

#: What a composer uses only once something is sent, or a result shown.
LATER = ("screens.compose.confirm", "screens.dialogs.common", "screens.compose.results")


def test_the_first_composer_loads_no_confirmation_and_no_result_wording(tmp_path: Path) -> None:
    loaded = _loaded(CONSOLE.format(then=""), _home(tmp_path, ("capitole", "octopush")))
    assert "screens.compose.sms" in loaded  # the first screen was made
    assert sorted(set(LATER) & loaded) == []


def test_a_send_loads_the_confirmations(tmp_path: Path) -> None:
    """ctrl+g with no recipient: refused before any question, the confirmations loaded."""
    then = """
        app.screen.query_one("#sms-text").load_text("hello")
        await pilot.press("ctrl+g")
        await pilot.pause(0.5)
    """
    loaded = _loaded(CONSOLE.format(then=then), _home(tmp_path, ("capitole", "octopush")))
    assert {"screens.compose.confirm", "screens.dialogs.common"} <= loaded
