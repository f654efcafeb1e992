"""The MP3 recordings of a voice template: push one from a URL, or download one to a file.

eCampaign fetches a pushed file itself (5 MB at most), so the URL must be reachable from the
internet. A download is written whole or not at all (``tui.templates.save_recording``, off the
event loop); the terminal cannot play it, so the dialog says where it was saved. The dialog
stays open for the next part; each call runs in a worker and reports in place.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Checkbox, Input, Label, Select, Static

from providers.models import Template
from screens.dialogs.common import DIALOG_CSS, Dialog
from screens.templates.pane import EXPECTED
from tui import templates as tpl
from tui.errors import describe, visible

#: Opens the template service of the dialog's account (reads the secret the first time).
ServiceOpener = Callable[[], Awaitable[tpl.TemplateService]]

log = logging.getLogger(__name__)


class RecordingsDialog(Dialog[None]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="RecordingsDialog")
        + """
    RecordingsDialog > Vertical { width: 90; padding: 0 1; }
    RecordingsDialog .dialog-title { margin-bottom: 0; }
    RecordingsDialog .field { height: 1; margin-top: 1; }
    RecordingsDialog .field > Label { width: 10; color: $text-muted; }
    RecordingsDialog .field > Input, RecordingsDialog .field > Select { width: 1fr; }
    RecordingsDialog .field > Button { margin-left: 1; }
    RecordingsDialog Checkbox { border: none; height: 1; padding: 0; margin-left: 10; }
    RecordingsDialog #recording-status { height: auto; margin-top: 1; }
    RecordingsDialog .dialog-buttons { height: 1; }
    """
    )

    def __init__(self, template: Template, service: ServiceOpener) -> None:
        super().__init__()
        self.template = template
        self.service = service
        self._default_path = self._path_for("main")

    def _path_for(self, part: str) -> str:
        return str(tpl.default_mp3_path(self.template.id, part, Path.home()))

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(Text(f"Recordings of {tpl.summary(self.template)}"), classes="dialog-title")
            with Horizontal(classes="field"):
                yield Label("Part")
                yield Select(
                    [(f"{part}: {meaning}", part) for part, meaning in tpl.MP3_PARTS.items()],
                    value="main",
                    allow_blank=False,
                    compact=True,
                    id="part",
                )
            with Horizontal(classes="field"):
                yield Label("MP3 URL")
                yield Input(placeholder="https://… (eCampaign fetches it)", id="url", compact=True)
                yield Button("Push", id="push", variant="primary", compact=True)
            with Horizontal(classes="field"):
                yield Label("Save to")
                yield Input(self._default_path, id="path", compact=True)
                yield Button("Download", id="download", compact=True)
            yield Checkbox("replace the file if it exists", id="overwrite", compact=True)
            yield Static("", id="recording-status")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Close", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one("#url", Input).focus()

    def _part(self) -> str:
        value = self.query_one("#part", Select).value
        return value if isinstance(value, str) else "main"

    def on_select_changed(self, event: Select.Changed) -> None:
        # The file name follows the part, unless the operator typed one of their own.
        path = self.query_one("#path", Input)
        if event.select.id == "part" and path.value == self._default_path:
            self._default_path = self._path_for(self._part())
            path.value = self._default_path

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "url":
            self.push()
        elif event.input.id == "path":
            self.download()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "push":
            self.push()
        elif event.button.id == "download":
            self.download()
        else:
            self.dismiss(None)

    def report(self, message: str, style: str = "") -> None:
        self.query_one("#recording-status", Static).update(Text(visible(message), style=style))

    def _failed(self, what: str, exc: Exception) -> None:
        if not isinstance(exc, EXPECTED):
            log.error("%s failed", what, exc_info=exc)
        self.report(f"{what}: {describe(exc).message}", "red")

    #: A call is under way: a second one waits for it (a cancelled push would leave its
    #: outcome unknown). Buttons stay enabled: a disabled one keeps its pressed look.
    busy = False

    def _refuse_while_busy(self) -> bool:
        if self.busy:
            self.notify("Wait for the current call to finish.", severity="warning")
        return self.busy

    # -- push ------------------------------------------------------------------------------------
    def push(self) -> None:
        if self._refuse_while_busy():
            return
        url = self.query_one("#url", Input).value.strip()
        if not url:
            self.report("Give the address of the MP3 file (http or https).", "red")
            return
        self.busy = True
        self.run_push(self._part(), url)

    @work(group="recording")
    async def run_push(self, part: str, url: str) -> None:
        self.report(f"eCampaign is fetching the {part} recording…")
        try:
            service = await self.service()
            await service.push_mp3(self.template.id, part, url)
        except Exception as exc:  # reported here; the dialog stays open
            self._failed(f"The {part} recording was not pushed", exc)
        else:
            self.report(f"The {part} recording is in place (fetched from {url}).", "green")
        finally:
            self.busy = False

    # -- download --------------------------------------------------------------------------------
    def download(self) -> None:
        if self._refuse_while_busy():
            return
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.report("Give the file to save the recording to.", "red")
            return
        path = Path(raw).expanduser()
        overwrite = self.query_one("#overwrite", Checkbox).value
        if path.exists() and not overwrite:
            self.report(f"{path} exists: tick 'replace' or choose another name.", "red")
            return
        self.busy = True
        self.run_download(self._part(), path, overwrite)

    @work(group="recording")
    async def run_download(self, part: str, path: Path, overwrite: bool) -> None:
        self.report(f"Downloading the {part} recording…")
        try:
            service = await self.service()
            data = await service.get_mp3(self.template.id, part)
            saved = await asyncio.to_thread(tpl.save_recording, data, path, overwrite=overwrite)
        except Exception as exc:  # reported here; the dialog stays open
            self._failed(f"The {part} recording was not downloaded", exc)
        else:
            self.report(
                f"Saved the {part} recording ({len(data):,} bytes) to {saved}. The terminal "
                "cannot play it: open that file with an audio player.",
                "green",
            )
        finally:
            self.busy = False
