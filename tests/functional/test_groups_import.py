"""Importing members from a CSV file on the Groups screen: the mapping, the preview, the
progress with Stop, and the report of every rejected line (Pilot, demo console)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, ProgressBar, Select

from screens.groups.detail import GroupDetailScreen
from screens.groups.import_dialog import ImportDialog
from tests.functional.conftest import click, wait_for, wait_for_screen
from tests.functional.groups_helpers import open_group, rows, state, text_of
from tui.app import PorteVoixApp

SIZE = (100, 32)
ROWS = 5000
#: Lines (of the file: the header is line 1) whose number is not a phone number.
BAD_NUMBER = {line for line in range(2, ROWS + 2) if line % 97 == 0}
#: Lines whose number a member of "Clients Paris" already has (its mobile refuses duplicates).
TAKEN = {1500: "06 12 34 56 01", 3000: "+33612345602"}


def big_csv(tmp_path: Path, rows: int = ROWS) -> Path:
    lines = ["nom;Portable;ville;note"]
    for line in range(2, rows + 2):
        number = f"06 98 {line // 10000 % 100:02d} {line // 100 % 100:02d} {line % 100:02d}"
        if line in BAD_NUMBER:
            number = "12"
        number = TAKEN.get(line, number)
        lines.append(f"Membre {line};{number};Paris;ligne {line}")
    path = tmp_path / "membres.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def start_import(pilot: Pilot[Any], path: Path, mapped: list[str]) -> ImportDialog:
    """i, the file, Portable mapped to mobile (``mapped``: what the columns feed by their
    names), Check."""
    await pilot.press("i")
    await wait_for_screen(pilot, ImportDialog)
    dialog = pilot.app.screen
    assert isinstance(dialog, ImportDialog)
    dialog.query_one("#csv-path", Input).value = str(path)
    dialog.query_one("#csv-path", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: not dialog.query_one("#check", Button).disabled, what="file")
    assert dialog.source is not None
    selects = {dialog.source.columns[i]: dialog.query_one(f"#map-{i}", Select) for i in range(4)}
    assert [s.value for s in selects.values()] == mapped
    selects["Portable"].value = "mobile"
    await click(pilot, "#check")
    await wait_for(pilot, lambda: dialog.plan is not None, what="the preview")
    return dialog


async def test_a_5000_row_import_reports_every_rejected_line(
    demo_app: PorteVoixApp, tmp_path: Path
) -> None:
    path = big_csv(tmp_path)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_group(pilot, "1")
        dialog = await start_import(pilot, path, ["nom", "-", "ville", "-"])
        info = text_of(dialog, "#preview-info")
        ready = ROWS - len(BAD_NUMBER)
        assert f"{ROWS:,} row(s): {ready:,} ready, {len(BAD_NUMBER)} rejected" in info
        assert "left out: note" in info
        preview = rows(dialog.query_one("#preview-rows", DataTable))
        assert preview[0] == ["2", "Membre 2", "+33 698000002", "Paris"]
        rejected = rows(dialog.query_one("#preview-rejected", DataTable))
        assert [int(r[0]) for r in rejected] == sorted(BAD_NUMBER)
        assert all(r[1].startswith("mobile: ") for r in rejected)

        await click(pilot, "#start")
        bar = dialog.query_one("#progress", ProgressBar)
        await wait_for(pilot, lambda: (bar.progress or 0) > 0, what="progress")
        await wait_for(pilot, lambda: dialog.report is not None, timeout=300, what="the end")
        report = dialog.report
        assert report is not None and report.stopped is None
        assert report.imported == ready - len(TAKEN)
        reasons = {r.line: r.reason for r in report.rejected}
        assert set(reasons) == BAD_NUMBER | set(TAKEN)
        assert all("24" in reasons[line] for line in TAKEN)  # the platform's duplicate code
        shown = rows(dialog.query_one("#report-rejected", DataTable))
        assert [int(r[0]) for r in shown] == sorted(BAD_NUMBER | set(TAKEN))
        assert f"{report.imported:,} imported" in text_of(dialog, "#report-info")
        assert len(state(demo_app).groups[1].members) == 5 + report.imported

        await click(pilot, "#close")
        await wait_for_screen(pilot, GroupDetailScreen)
        detail = pilot.app.screen
        await wait_for(
            pilot,
            lambda: f"{5 + report.imported:,} member(s)" in text_of(detail, "#group-header"),
            timeout=60,
            what="the members reloaded",
        )


async def test_stop_says_which_lines_went_in(demo_app: PorteVoixApp, tmp_path: Path) -> None:
    path = big_csv(tmp_path, rows=3000)
    async with demo_app.run_test(size=SIZE) as pilot:
        await open_group(pilot, "2")  # fields: mobile, fax, ville
        dialog = await start_import(pilot, path, ["-", "-", "ville", "-"])
        await click(pilot, "#start")
        bar = dialog.query_one("#progress", ProgressBar)
        await wait_for(pilot, lambda: (bar.progress or 0) >= 50, what="some progress")
        await pilot.press("escape")  # Escape during an import stops it; it does not leave
        assert pilot.app.screen is dialog
        await wait_for(pilot, lambda: dialog.report is not None, timeout=60, what="the stop")
        report = dialog.report
        assert report is not None and report.stopped == "cancelled"
        assert report.not_attempted and not report.unknown
        lyon = state(demo_app).groups[2]
        assert len(lyon.members) == 2 + report.imported
        summary = text_of(dialog, "#report-info")
        assert "Stopped: cancelled" in summary and "Lines imported: 2-" in summary
        assert "Not sent: lines" in summary
