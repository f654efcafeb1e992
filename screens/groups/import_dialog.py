"""Import members from a CSV file: the file, its columns mapped to fields, a preview of every
row checked, the import with a progress bar and a Stop button, then the report.

Reading and checking the file run in threads (``tui.groups.csv_members``); the import itself is
``tui.groups.importer.run_import`` in a worker that posts ``ImportProgressed``. Stop (or Escape)
sends no further row and waits for the requests out, so the report says exactly which lines went
in. Column names, cells and reasons come from the file or the provider: shown as ``Text``,
control characters visible.

Where eCampaign can reach porte-voix (a public URL served by the daemon or the console, or the
demo's own receiver), the preview also offers "Let eCampaign import it" (large files): the
checked rows go into one XML file that eCampaign fetches once (``tui.groups.provider_import``),
and the dialog follows the import until its report (``provider_import.ProviderImportPanel``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import (
    Button,
    ContentSwitcher,
    DataTable,
    Input,
    Label,
    ProgressBar,
    Select,
    Static,
)

from providers.models import Group, MemberValue
from screens.dialogs.common import DIALOG_CSS, Dialog
from screens.groups import common
from screens.groups.messages import (
    CsvRead,
    ImportChecked,
    ImportEndpointsFound,
    ImportFinished,
    ImportProgressed,
    ProviderImportSubmitted,
)
from screens.groups.provider_import import ProviderImportPanel
from tui.errors import describe_text, visible
from tui.groups.csv_members import SKIP, CsvFile, ImportPlan, default_mapping, plan_import, read_csv
from tui.groups.import_spool import ImportRecord
from tui.groups.importer import ImportProgress, ImportReport, run_import
from tui.groups.provider_import import ImportEndpoints, console_endpoints, submit
from tui.session import Session

PREVIEW_ROWS = 5
#: Rejected lines listed in the dialog; ``porte-voix groups import`` prints them all.
SHOWN_REJECTED = 1000
STAGE_BUTTONS = {
    "stage-file": ("check", "cancel"),
    "stage-preview": ("start", "provider-start", "back", "cancel"),
    "stage-progress": ("stop",),
    "stage-report": ("close",),
    "stage-provider": ("close",),
}


def shown_value(value: MemberValue) -> str:
    return f"+{value.code} {value.value}" if value.code else value.value


class ImportDialog(Dialog[ImportReport | ImportRecord | None]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="ImportDialog")
        + """
    ImportDialog > Vertical { width: 96; }
    ImportDialog ContentSwitcher { height: auto; }
    ImportDialog ContentSwitcher > Vertical { height: auto; }
    ImportDialog #mapping { height: auto; max-height: 7; }
    ImportDialog .map-row { height: 1; }
    ImportDialog .map-row Label { width: 1fr; }
    ImportDialog .map-row Select { width: 1fr; }
    ImportDialog DataTable { height: auto; max-height: 7; }
    ImportDialog #progress { margin: 1 0; }
    """
    )

    def __init__(self, session: Session, account: str, group: Group) -> None:
        super().__init__()
        self.session = session
        self.account = account
        self.group = group
        self.source: CsvFile | None = None
        self.plan: ImportPlan | None = None
        self.report: ImportReport | None = None
        self.stop_event = asyncio.Event()
        #: Where eCampaign can fetch a file and post its report (None: not offered).
        self.endpoints: ImportEndpoints | None = None
        self.record: ImportRecord | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            title = f"Import members into {common.named(self.group)}"
            yield Label(Text(visible(title)), classes="dialog-title")
            with ContentSwitcher(initial="stage-file"):
                with Vertical(id="stage-file"):
                    yield Input(placeholder="CSV file (first line: column names)", id="csv-path")
                    yield Static("Enter reads the file.", id="file-info", classes="hint")
                    yield VerticalScroll(id="mapping")
                with Vertical(id="stage-preview"):
                    yield Static("", id="preview-info")
                    yield DataTable[Text](id="preview-rows", show_cursor=False)
                    yield DataTable[Text](id="preview-rejected", cursor_type="row")
                with Vertical(id="stage-progress"):
                    yield ProgressBar(id="progress", show_eta=False)
                    yield Static("", id="progress-info")
                with Vertical(id="stage-report"):
                    yield Static("", id="report-info")
                    yield DataTable[Text](id="report-rejected", cursor_type="row")
                yield ProviderImportPanel(id="stage-provider")
            yield Static("", id="import-error", classes="error-text")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Check the rows", id="check", variant="primary", disabled=True)
                yield Button("Import", id="start", variant="primary")
                yield Button("Via eCampaign", id="provider-start")
                yield Button("Back", id="back")
                yield Button("Stop", id="stop", variant="warning")
                yield Button("Close", id="close", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        for widget in self.query("Input, Select, Button"):
            widget.compact = True  # type: ignore[attr-defined]
        self.stage("stage-file", "#csv-path")
        self.find_endpoints()

    def stage(self, name: str, focus: str | None = None) -> None:
        """Show stage ``name`` and its buttons; the focus goes to ``focus`` (a selector), else
        to the stage's first button, never to a button just hidden."""
        self.query_one(ContentSwitcher).current = name
        for button in self.query(Button):
            button.display = button.id in STAGE_BUTTONS[name]
        if self.endpoints is None:  # offered only where eCampaign can fetch the file
            self.query_one("#provider-start").display = False
        self.error("")
        self.query_one(focus or f"#{STAGE_BUTTONS[name][0]}").focus()

    def error(self, message: str) -> None:
        self.query_one("#import-error", Static).update(Text(visible(message)))

    def action_cancel(self) -> None:
        """Escape: stop a running import (never leave it unseen), else close."""
        current = self.query_one(ContentSwitcher).current
        if current == "stage-progress":
            self.stop_import()
        else:
            self.dismiss(self.result())

    def result(self) -> ImportReport | ImportRecord | None:
        """What the group's screen is told: the member-by-member report, or eCampaign's
        import as it stands (the members it reported imported are reloaded)."""
        panel = self.query_one(ProviderImportPanel)
        return panel.record or self.record or self.report

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        pressed = event.button.id
        if pressed in ("cancel", "close"):
            self.dismiss(self.result())
        elif pressed == "check":
            self.check_rows()
        elif pressed == "back":
            self.stage("stage-file", "#map-0")
        elif pressed == "start" and self.plan is not None:
            self.stage("stage-progress")
            self.query_one("#progress", ProgressBar).update(total=len(self.plan.ready), progress=0)
            self.import_rows(self.plan)
        elif pressed == "stop":
            self.stop_import()
        elif pressed == "provider-start" and self.plan is not None:
            self.stage("stage-provider")
            self.query_one(ProviderImportPanel).waiting("Writing the file for eCampaign…")
            self.import_by_provider(self.plan)

    def stop_import(self) -> None:
        self.stop_event.set()
        self.query_one("#stop", Button).disabled = True
        self.query_one("#progress-info", Static).update("Stopping: waiting for the requests out…")

    # -- the file ---------------------------------------------------------------------------------
    @on(Input.Submitted, "#csv-path")
    def _path_given(self, event: Input.Submitted) -> None:
        event.stop()
        if event.value.strip():
            self.query_one("#file-info", Static).update("Reading…")
            self.read_file(Path(event.value.strip()).expanduser())

    @work(exclusive=True, group="import-file")
    async def read_file(self, path: Path) -> None:
        try:
            source = await asyncio.to_thread(read_csv, path)
        except Exception as exc:  # a worker's exception would close the console
            self.post_message(CsvRead(None, exc))
            return
        self.post_message(CsvRead(source))

    async def on_csv_read(self, message: CsvRead) -> None:
        info = self.query_one("#file-info", Static)
        if message.source is None:
            assert message.error is not None
            info.update(Text(describe_text(message.error), style="red"))
            return
        self.source = source = message.source
        info.update(
            Text(
                f"{len(source.rows):,} row(s), {len(source.columns)} column(s): "
                "choose the field each column feeds."
            )
        )
        mapping = default_mapping(source.columns, self.group)
        options = [(Text("(left out)"), SKIP)] + [
            (Text(visible(f"{f.name} ({f.type})")), f.name) for f in self.group.fields
        ]
        rows = self.query_one("#mapping", VerticalScroll)
        await rows.remove_children()
        for index, column in enumerate(source.columns):
            select = Select[str](
                options,
                value=mapping.get(column, SKIP),
                allow_blank=False,
                compact=True,
                id=f"map-{index}",
            )
            await rows.mount(Horizontal(Label(Text(visible(column))), select, classes="map-row"))
        self.query_one("#check", Button).disabled = False
        self.query_one("#map-0", Select).focus()  # Tab runs down the columns, then to Check

    def mapping(self) -> dict[str, str]:
        assert self.source is not None
        chosen = {
            column: self.query_one(f"#map-{index}", Select).value
            for index, column in enumerate(self.source.columns)
        }
        return {column: str(field) for column, field in chosen.items() if field != SKIP}

    # -- the preview ------------------------------------------------------------------------------
    def check_rows(self) -> None:
        if self.source is not None:
            self.error("")
            self.checked(self.source, self.mapping())

    @work(exclusive=True, group="import-check")
    async def checked(self, source: CsvFile, mapping: dict[str, str]) -> None:
        try:
            plan = await asyncio.to_thread(plan_import, source, self.group, mapping)
        except Exception as exc:
            self.post_message(ImportChecked(None, exc))
            return
        self.post_message(ImportChecked(plan))

    def on_import_checked(self, message: ImportChecked) -> None:
        if message.plan is None:
            assert message.error is not None
            self.error(describe_text(message.error))
            return
        self.plan = plan = message.plan
        left_out = f"; left out: {', '.join(plan.unmapped)}" if plan.unmapped else ""
        offer = (
            " Large file? Let eCampaign import it: Via eCampaign."
            if self.endpoints is not None
            else ""
        )
        self.query_one("#preview-info", Static).update(
            Text(
                visible(
                    f"{plan.rows:,} row(s): {len(plan.ready):,} ready, {len(plan.rejected):,} "
                    f"rejected{left_out}.{offer} The first rows, as they will be sent:"
                )
            )
        )
        fields = list(plan.mapping.values())
        rows = self.query_one("#preview-rows", DataTable)
        rows.clear(columns=True)
        rows.add_columns("line", *fields)
        for ready in plan.ready[:PREVIEW_ROWS]:
            values = {v.name: shown_value(v) for v in ready.values}
            rows.add_row(Text(str(ready.line)), *(Text(visible(values.get(f, ""))) for f in fields))
        fill_rejected(self.query_one("#preview-rejected", DataTable), plan)
        start = self.query_one("#start", Button)
        start.label = f"Import {len(plan.ready):,} member(s)"
        start.disabled = not plan.ready
        # The rejected lines first, when there are some: read before importing without them.
        self.stage("stage-preview", "#preview-rejected" if plan.rejected else None)

    # -- the import -------------------------------------------------------------------------------
    @work(exclusive=True, group="import-run")
    async def import_rows(self, plan: ImportPlan) -> None:
        try:
            service = await common.service_for(self.session, self.account)
            report = await run_import(
                service,
                self.group.id,
                plan,
                progress=self._progressed,
                cancel=self.stop_event,
            )
        except Exception as exc:  # not a row's failure: nothing was sent (the provider)
            report = ImportReport(rejected=list(plan.rejected), stopped=describe_text(exc))
            report.not_attempted = [row.line for row in plan.ready]
        self.post_message(ImportFinished(report))

    def _progressed(self, progress: ImportProgress) -> None:
        self.post_message(ImportProgressed(progress))

    def on_import_progressed(self, message: ImportProgressed) -> None:
        progress = message.progress
        self.query_one("#progress", ProgressBar).update(progress=progress.done)
        if not self.stop_event.is_set():
            self.query_one("#progress-info", Static).update(
                f"{progress.done:,} of {progress.total:,} sent: {progress.imported:,} imported, "
                f"{progress.refused:,} refused by the provider. Stop (or Escape) halts it."
            )

    def on_import_finished(self, message: ImportFinished) -> None:
        self.report = report = message.report
        style = "green" if report.complete else "yellow" if not report.stopped else "red"
        self.query_one("#report-info", Static).update(Text(visible(report.summary()), style))
        fill_rejected(self.query_one("#report-rejected", DataTable), report)
        self.stage("stage-report")

    # -- eCampaign's own import ------------------------------------------------------------------
    @work(exclusive=True, group="import-endpoints")
    async def find_endpoints(self) -> None:
        try:  # the account's callback token is read off the event loop
            found = await asyncio.to_thread(console_endpoints, self.session, self.account)
        except Exception:  # not offered: the member-by-member import stays
            found = None
        self.post_message(ImportEndpointsFound(found))

    def on_import_endpoints_found(self, message: ImportEndpointsFound) -> None:
        self.endpoints = message.endpoints
        current = self.query_one(ContentSwitcher).current
        self.query_one("#provider-start").display = (
            current == "stage-preview" and self.endpoints is not None
        )

    @work(exclusive=True, group="import-run")
    async def import_by_provider(self, plan: ImportPlan) -> None:
        assert self.endpoints is not None
        endpoints = self.endpoints
        try:
            service = await common.service_for(self.session, self.account)
            record = await submit(service, self.account, self.group, plan, endpoints)
        except Exception as exc:
            self.post_message(ProviderImportSubmitted(None, exc))
            return
        self.post_message(ProviderImportSubmitted(record))

    def on_provider_import_submitted(self, message: ProviderImportSubmitted) -> None:
        panel = self.query_one(ProviderImportPanel)
        if message.record is None or self.endpoints is None:
            assert message.error is not None
            panel.waiting("Nothing was imported.")
            self.error(describe_text(message.error))
            return
        self.record = message.record
        receiver = self.session.receiver

        def listen(heard: Callable[[str, ImportRecord], None]) -> Callable[[], None]:
            assert receiver is not None
            receiver.import_listeners.append(heard)
            return lambda: receiver.import_listeners.remove(heard)

        panel.follow(self.endpoints.spool, message.record, listen if receiver else None)


def fill_rejected(table: DataTable[Text], source: ImportPlan | ImportReport) -> None:
    """The rejected lines and why, in line order (the first ``SHOWN_REJECTED``)."""
    table.clear(columns=True)
    table.add_columns("line", "why it was rejected")
    rejected = sorted(source.rejected, key=lambda r: r.line)
    for item in rejected[:SHOWN_REJECTED]:
        table.add_row(Text(str(item.line)), Text(visible(item.reason)))
    if len(rejected) > SHOWN_REJECTED:
        more = len(rejected) - SHOWN_REJECTED
        table.add_row(Text("…"), Text(f"{more:,} more: porte-voix groups import lists them all"))
    table.display = bool(rejected)
