"""Dialogs show text from outside (CSV cells and names, summaries) as text, controls visible.

Each dialog runs on a bare app: what is tested is the dialog's rendering, not the console.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.table import Table
from textual.app import App
from textual.screen import Screen
from textual.widgets import Input, Select, Static

from screens.dialogs.common import ConfirmDialog, PassphraseDialog
from screens.dialogs.csv_import import CsvImportDialog
from tests.functional.conftest import wait_for, wait_for_screen

OSC_TITLE = "\x1b]0;pwned\x07"
SHOWN = "\\x1b]0;pwned\\x07"


class Host(App[None]):
    def __init__(self, dialog: Screen[Any]) -> None:
        super().__init__()
        self.dialog = dialog

    def on_mount(self) -> None:
        self.push_screen(self.dialog)


def shown(dialog: Screen[Any], selector: str) -> str:
    return str(dialog.query_one(selector, Static).render())


async def test_csv_cells_and_column_names_are_text_with_controls_visible(tmp_path: Path) -> None:
    path = tmp_path / "clients.csv"
    path.write_text(
        # Quoted: the OSC sequence holds the delimiter; a quoted cell may span two lines.
        f'prenom;mobile;"note{OSC_TITLE}"\n"[b]Anne{OSC_TITLE}[/b]";0611223344;"deux\nlignes"\n',
        encoding="utf-8",
    )
    dialog = CsvImportDialog()
    async with Host(dialog).run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, CsvImportDialog)
        dialog.query_one("#csv-path", Input).value = str(path)
        dialog.query_one("#csv-path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.table is not None, what="CSV loaded")
        preview = shown(dialog, "#csv-preview")
        assert preview == f"[b]Anne{SHOWN}[/b] | 0611223344 | deux\\nlignes"
        assert f"note{SHOWN}" in shown(dialog, "#csv-info")
        select: Select[str] = dialog.query_one("#csv-column", Select)
        labels = {value: str(prompt) for prompt, value in select._options}
        assert labels[f"note{OSC_TITLE}"] == f"note{SHOWN}"  # shown visibly, kept as read
        assert select.value == "mobile"
        assert (
            dialog.table is not None and dialog.table.rows[0]["prenom"] == f"[b]Anne{OSC_TITLE}[/b]"
        )


async def test_a_csv_error_names_the_file_visibly(tmp_path: Path) -> None:
    missing = tmp_path / f"absent{OSC_TITLE}.csv"
    dialog = CsvImportDialog()
    async with Host(dialog).run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, CsvImportDialog)
        dialog.query_one("#csv-path", Input).value = str(missing)
        dialog.query_one("#csv-path", Input).focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: "cannot read" in shown(dialog, "#csv-info"), what="error")
        assert f"absent{SHOWN}.csv" in shown(dialog, "#csv-info")
        assert dialog.query_one("#import").disabled


async def test_confirmation_summary_and_passphrase_reason_are_text() -> None:
    dialog = ConfirmDialog(
        f"Send [b]this[/b]{OSC_TITLE}?",
        [("Message", f"[red]Bonjour[/red]{OSC_TITLE}")],
        [("send", "Send", "error")],
        warning=f"[i]careful[/i]{OSC_TITLE}",
    )
    async with Host(dialog).run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, ConfirmDialog)
        assert str(dialog.query_one(".dialog-title", Static).render()) == (
            f"Send [b]this[/b]{SHOWN}?"
        )
        assert shown(dialog, ".warning") == f"[i]careful[/i]{SHOWN}"
        summary = dialog.query_one(".summary", Static).content
        assert isinstance(summary, Table)
        values = [str(cell) for cell in summary.columns[1].cells]
        assert values == [f"[red]Bonjour[/red]{SHOWN}"]

    passphrase = PassphraseDialog(f"Unlock /home/[b]x[/b]{OSC_TITLE}/secrets.cfg.")
    async with Host(passphrase).run_test(size=(100, 30)) as pilot:
        await wait_for_screen(pilot, PassphraseDialog)
        texts = [str(static.render()) for static in passphrase.query(Static)]
        assert f"Unlock /home/[b]x[/b]{SHOWN}/secrets.cfg." in texts
