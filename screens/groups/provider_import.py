"""What became of an import handed to eCampaign (``importMembers``), in the import dialog.

eCampaign fetches the file when it likes, then posts its report to the receiver, which keeps it
in the spool (``tui.groups.import_spool``): the daemon's spool, or the console's own receiver's.
The panel reads the import's record from there every ``POLL`` seconds while it waits (one small
file, read in a thread) and, where the console itself receives (the demo, an embedded
receiver), hears the report the moment it is stored. The report's errors are eCampaign's own
words, shown as ``Text`` with control characters visible.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.timer import Timer
from textual.widgets import DataTable, Static

from screens.groups.messages import ImportRecordRead
from tui.errors import visible
from tui.groups.import_spool import FINISHED, WAITING, ImportRecord, ImportSpool
from tui.groups.provider_import import record_text

#: Seconds between two readings of the record while the report is awaited.
POLL = 1.0
#: Errors listed here; ``porte-voix groups imports --json`` has them all.
SHOWN_ERRORS = 1000


class ProviderImportPanel(Vertical):
    """The state of one import handed to eCampaign, then its report and every error."""

    DEFAULT_CSS = """
    ProviderImportPanel { height: auto; }
    ProviderImportPanel DataTable { height: auto; max-height: 7; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spool: ImportSpool | None = None
        self.record: ImportRecord | None = None
        self._unlisten: Callable[[], None] | None = None
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("", id="provider-info")
        yield DataTable[Text](id="provider-errors", cursor_type="row")

    def on_mount(self) -> None:
        self.query_one("#provider-errors", DataTable).display = False
        self._timer = self.set_interval(POLL, self._poll, pause=True)

    def on_unmount(self) -> None:
        if self._unlisten is not None:
            self._unlisten()

    def waiting(self, message: str) -> None:
        self.query_one("#provider-info", Static).update(Text(visible(message)))

    def follow(
        self,
        spool: ImportSpool,
        record: ImportRecord,
        listen: Callable[[Callable[[str, ImportRecord], None]], Callable[[], None]] | None,
    ) -> None:
        """Show ``record`` and keep it current until its report is in. ``listen`` subscribes
        to the console's receiver, when it has one, and returns the way to unsubscribe."""
        self.spool = spool
        if listen is not None and self._unlisten is None:
            self._unlisten = listen(self._heard)
        self.show(record)

    def _heard(self, account: str, record: ImportRecord) -> None:
        if self.record is not None and record.id == self.record.id:
            self.post_message(ImportRecordRead(record))

    def _poll(self) -> None:
        if self.spool is not None and self.record is not None:
            self.read_record(self.spool, self.record.id)

    @work(exclusive=True, group="provider-import-poll")
    async def read_record(self, spool: ImportSpool, ident: str) -> None:
        record = await asyncio.to_thread(spool.record, ident)
        if record is not None:
            self.post_message(ImportRecordRead(record))

    def on_import_record_read(self, message: ImportRecordRead) -> None:
        self.show(message.record)

    def show(self, record: ImportRecord) -> None:
        self.record = record
        done = record.state not in WAITING
        style = "" if not done else "green" if record.state == FINISHED else "yellow"
        self.query_one("#provider-info", Static).update(Text(record_text(record), style))
        errors = list((record.report or {}).get("errors") or ())
        table = self.query_one("#provider-errors", DataTable)
        if len(errors) != table.row_count:
            table.clear(columns=True)
            table.add_columns("eCampaign's errors")
            for error in errors[:SHOWN_ERRORS]:
                table.add_row(Text(visible(str(error))))
        table.display = bool(errors)
        if self._timer is not None:
            self._timer.pause() if done else self._timer.resume()
