"""A composer's first paint loads no sending code (issue 13, console start-up): the sending
orchestration, the rules' dialogs, the CSV reader and the group dialog load with the first send,
the first import, the first group chosen. Checked on the modules a fresh interpreter has loaded
(never by timing anything); then a send's own path is shown to load them, so the check above
cannot pass on a composer that lost them.
"""

from __future__ import annotations

from pathlib import Path

from tests.unit.test_startup_imports import _home, _loaded

#: What a composer uses only to send, import a CSV or choose a group.
SEND_ONLY = (
    "tui.sending",
    "tui.compliance",
    "tui.csv_import",
    "tui.listen.live",
    "screens.dialogs.compliance",
    "screens.dialogs.csv_import",
    "screens.dialogs.group",
)

CONSOLE = """
import asyncio
from tui.app import PorteVoixApp
from tui.session import Session

async def main():
    app = PorteVoixApp(Session.open(demo=False))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert type(app.screen).__name__ == "ComposeSmsScreen", app.screen
{then}
asyncio.run(main())
"""


def _send_only(loaded: set[str]) -> list[str]:
    return sorted(
        name for name in loaded if any(name == m or name.startswith(f"{m}.") for m in SEND_ONLY)
    )


def test_the_first_composer_loads_no_sending_code(tmp_path: Path) -> None:
    loaded = _loaded(CONSOLE.format(then=""), _home(tmp_path, ("capitole", "octopush")))
    assert "screens.compose.sms" in loaded  # the first screen was made
    assert _send_only(loaded) == []


def test_a_send_loads_the_sending_code_it_needs(tmp_path: Path) -> None:
    """ctrl+g with no recipient: the form is refused before anything leaves, and the sending
    code and the rules it checks have loaded on the way."""
    then = """
        app.screen.query_one("#sms-text").load_text("hello")
        await pilot.press("ctrl+g")
        await pilot.pause(0.5)
    """
    loaded = _loaded(CONSOLE.format(then=then), _home(tmp_path, ("capitole", "octopush")))
    assert "tui.sending" in loaded
    assert "screens.dialogs.compliance" in loaded
