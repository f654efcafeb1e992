"""Exports from the History screen: ask where (``ExportDialog``), then write in a thread.

The rows come from the database as they are written (``tui.history.export``), on a reader of
the export's own, so the screen keeps paging while a million rows go to the file. The file is
created anew (never replacing one), 0600 like the outbox it copies from; the operator is told
how many rows went where, or why it stopped.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import TextIO

from textual.widget import Widget

from screens.history.dialogs import ExportChoice, ExportDialog
from screens.host import host_app
from tui.history import export
from tui.outbox.history import HistoryFilter, HistoryReader, Sort


def _open(path: Path) -> TextIO:
    """A new file, readable by its owner only: the history names everyone messaged."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return open(descriptor, "w", encoding="utf-8", newline="")


def _done(node: Widget, path: Path, rows: int | None, error: str | None) -> None:
    app = node.app
    if error is None:
        app.call_from_thread(
            app.notify, f"{rows:,} rows written to {path}", title="Exported", markup=False
        )
    else:
        app.call_from_thread(
            app.notify, error, title="Export failed", severity="error", markup=False
        )


def export_history(node: Widget, flt: HistoryFilter, sort: Sort) -> None:
    """Export what the local history shows (its filter and sort), every row of it."""
    session = host_app(node).session

    def write(choice: ExportChoice) -> None:
        reader = HistoryReader(session.store.path)
        try:
            with _open(choice.path) as out:
                rows = export.export(reader, flt, sort, out, choice.format)
        except OSError as exc:
            _done(node, choice.path, None, f"{choice.path}: {exc.strerror or exc}")
        except sqlite3.Error as exc:  # the rows written so far stay in the file
            _done(node, choice.path, None, f"{choice.path}: stopped, the journal said {exc}")
        else:
            _done(node, choice.path, rows, None)
        finally:
            reader.close()

    def chosen(choice: ExportChoice | None) -> None:
        if choice is not None:
            node.notify(f"Exporting to {choice.path}…", markup=False)
            node.run_worker(lambda: write(choice), thread=True, group="history-export")

    node.app.push_screen(ExportDialog("the history shown", "history", Path.cwd()), chosen)


def export_cdr_rows(node: Widget, fetch_id: int) -> None:
    """Export every row a getCDR fetch stored."""
    store = host_app(node).session.store

    def write(choice: ExportChoice) -> None:
        try:
            with _open(choice.path) as out:
                rows = export.export_cdr(store.iter_cdr_rows(fetch_id), out, choice.format)
        except OSError as exc:
            _done(node, choice.path, None, f"{choice.path}: {exc.strerror or exc}")
        except sqlite3.Error as exc:
            _done(node, choice.path, None, f"{choice.path}: stopped, the journal said {exc}")
        else:
            _done(node, choice.path, rows, None)

    def chosen(choice: ExportChoice | None) -> None:
        if choice is not None:
            node.notify(f"Exporting to {choice.path}…", markup=False)
            node.run_worker(lambda: write(choice), thread=True, group="cdr-export")

    node.app.push_screen(ExportDialog("these getCDR rows", "getcdr", Path.cwd()), chosen)
