"""The import dialog's "Let eCampaign import it" (Pilot, demo console): offered where eCampaign
can fetch the file (the demo's own receiver), the file handed over, the pending state, then
eCampaign's report with its errors; the group reloads with the members it imported."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Button, DataTable

from screens.groups.detail import GroupDetailScreen
from screens.groups.provider_import import ProviderImportPanel
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.groups_helpers import open_group, rows, state, text_of
from tests.functional.test_groups_import import start_import
from tui.app import PorteVoixApp
from tui.groups.import_spool import FINISHED

SIZE = (80, 24)


def small_csv(tmp_path: Path) -> Path:
    path = tmp_path / "membres.csv"
    path.write_text(
        "nom;Portable;ville;note\n"
        "Durand;06 98 00 00 21;Paris;a\n"
        "Sans numéro;12;Lyon;b\n"
        "Déjà là;06 12 34 56 01;Paris;c\n"
        "Nouveau;06 98 00 00 22;[b]Nice[/b];d\n",
        encoding="utf-8",
    )
    return path


async def test_ecampaign_imports_the_file_and_its_report_shows(
    demo_app: PorteVoixApp, tmp_path: Path
) -> None:
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_group(pilot, "1")
        dialog = await start_import(pilot, small_csv(tmp_path), ["nom", "-", "ville", "-"])
        offer = dialog.query_one("#provider-start", Button)
        await wait_for(pilot, lambda: offer.display, what="the offer")
        assert dialog.query_one("#start", Button).display  # member by member stays offered

        await click(pilot, "#provider-start")
        panel = dialog.query_one(ProviderImportPanel)
        await wait_for(pilot, lambda: panel.record is not None, what="the file handed over")
        await wait_for(
            pilot,
            lambda: panel.record is not None and panel.record.state == FINISHED,
            what="eCampaign's report",
        )
        info = text_of(dialog, "#provider-info")
        assert "3 member(s) handed to eCampaign (1 row(s) rejected here first)" in info
        assert "eCampaign's report: OK, 2 imported, 1 error(s)" in info
        errors = rows(dialog.query_one("#provider-errors", DataTable))
        assert errors == [["Membre 2 : Doublon détecté, impossible d'ajouter le membre"]]
        paris = state(demo_app).groups[1]
        assert {m.values.get("ville") for m in paris.members.values()} >= {"[b]Nice[/b]"}

        await click(pilot, "#close")
        await wait_for_screen(pilot, GroupDetailScreen)
        detail = pilot.app.screen
        await wait_for(
            pilot,
            lambda: "7 member(s)" in text_of(detail, "#group-header"),
            what="the members reloaded",
        )
        assert "eCampaign's report: OK" in text_of(detail, "#group-status")
