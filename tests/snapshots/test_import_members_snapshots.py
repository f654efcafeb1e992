"""Snapshots of the import dialog's preview where eCampaign can import the file itself (the
demo): the offer beside the member-by-member import, at 80×24 and 120×40.

Regenerate after a deliberate change with
``pytest tests/snapshots/test_import_members_snapshots.py --snapshot-update`` and look at it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button

from tests.functional.conftest import wait_for
from tests.functional.groups_helpers import open_group, sandbox
from tests.functional.test_groups_import import start_import
from tests.functional.test_import_members_dialog import small_csv
from tests.snapshots.test_groups_snapshots import CREATED, SIZES, _app
from tui.app import PorteVoixApp


@pytest.mark.parametrize("size", SIZES)
def test_import_preview_offers_ecampaign(
    snap_compare: Any, size: tuple[int, int], tmp_path: Path
) -> None:
    path = small_csv(tmp_path)

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, PorteVoixApp)
        await pilot.pause(0.3)
        sandbox(app).state.groups[1].created = CREATED
        await open_group(pilot, "1")
        dialog = await start_import(pilot, path, ["nom", "-", "ville", "-"])
        offer = dialog.query_one("#provider-start", Button)
        await wait_for(pilot, lambda: offer.display, what="the offer")
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        app.screen.set_focus(None)
        await pilot.pause(0.2)

    assert snap_compare(_app(), terminal_size=size, run_before=run_before)
