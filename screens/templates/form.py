"""Create or edit a template: SMS (with the live SMS counter), e-mail, or voice settings.

The dialog saves through the ``Saver`` its caller gives (a worker here), shows a refusal in
place, and closes only once the provider accepted, returning the sentence to show. Editing
starts from the template as read; its type cannot change (the service keeps it). The service
does not return an SMS or e-mail text: when it is missing, the form says it must be typed
again, since a modification replaces it (``tui.templates.text_needed``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from providers import text as sms_text
from providers.models import Template, VoiceTemplateSettings
from screens.dialogs.common import DIALOG_CSS, Dialog
from screens.templates.pane import EXPECTED
from screens.widgets.counter import SegmentCounter
from tui import templates as tpl
from tui.errors import describe, visible

#: Saves a draft and returns the sentence that says so (raises what the provider raised).
Saver = Callable[[tpl.TemplateDraft], Awaitable[str]]

log = logging.getLogger(__name__)


class TemplateForm(Dialog[str | None]):
    DEFAULT_CSS = (
        DIALOG_CSS.format(name="TemplateForm")
        + """
    TemplateForm > Vertical { width: 90; height: 100%; max-height: 30; padding: 0 1; }
    TemplateForm .dialog-title { margin-bottom: 0; }
    TemplateForm #form-body { height: 1fr; }
    TemplateForm .field { height: 1; margin-top: 1; }
    TemplateForm .field > Label { width: 18; color: $text-muted; }
    TemplateForm .field > Input, TemplateForm .field > Select { width: 1fr; }
    TemplateForm .part { height: auto; }
    TemplateForm .part > Label { margin-top: 1; color: $text-muted; }
    TemplateForm TextArea { height: 5; }
    TemplateForm #voice-flags { grid-size: 2; grid-rows: 1; height: auto; margin-top: 1; }
    TemplateForm Checkbox { border: none; height: 1; padding: 0; }
    TemplateForm .hint { height: auto; }
    TemplateForm #form-error { color: $error; height: auto; }
    TemplateForm .dialog-buttons { margin-top: 0; height: 1; }
    """
    )

    saving = False

    def __init__(
        self, template: Template | None, save: Saver, *, provider: str | None = "ecampaign"
    ) -> None:
        super().__init__()
        self.original = template
        self.save = save
        self.provider = provider
        self.draft = tpl.draft_of(template) if template else tpl.TemplateDraft("", "sms")

    # -- layout ----------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        draft = self.draft
        voice = draft.voice or VoiceTemplateSettings(duration=60)
        title = f"Edit template {tpl.summary(self.original)}" if self.original else "New template"
        with Vertical():
            yield Label(Text(title), classes="dialog-title")
            with VerticalScroll(id="form-body"):
                with Horizontal(classes="field"):
                    yield Label("Name")
                    yield Input(draft.name, id="name", compact=True)
                with Horizontal(classes="field"):
                    yield Label("Type")
                    yield Select(
                        [(label, kind) for kind, label in tpl.TYPE_LABELS.items()],
                        value=draft.type,
                        allow_blank=False,
                        disabled=self.original is not None,
                        compact=True,
                        id="type",
                    )
                with Vertical(id="sms-part", classes="part"):
                    yield Label("SMS text")
                    yield TextArea(draft.sms_message or "", id="sms-text", compact=True)
                    yield SegmentCounter(id="counter")
                with Vertical(id="mail-part", classes="part"):
                    with Horizontal(classes="field"):
                        yield Label("Subject")
                        yield Input(draft.mail_subject or "", id="subject", compact=True)
                    yield Label("Message (HTML or text)")
                    yield TextArea(draft.mail_message or "", id="mail-text", compact=True)
                with Vertical(id="voice-part", classes="part"):
                    with Horizontal(classes="field"):
                        yield Label("Longest message")
                        yield Select(
                            [(f"{seconds} s", seconds) for seconds in tpl.VOICE_DURATIONS],
                            value=voice.duration or 60,
                            allow_blank=False,
                            compact=True,
                            id="duration",
                        )
                    with Grid(id="voice-flags"):
                        for key, label, meaning in tpl.VOICE_FLAGS:
                            box = Checkbox(label, getattr(voice, key), id=f"flag-{key}")
                            box.tooltip = meaning
                            box.compact = True
                            yield box
                    yield Static(_voice_help(), classes="hint")
                yield Static(self._text_hint(), id="form-hint", classes="hint warning-text")
            yield Static("", id="form-error")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save", id="save", variant="primary", compact=True)
                yield Button("Cancel", id="cancel", compact=True)

    def _text_hint(self) -> Text:
        reason = tpl.text_needed(self.original) if self.original else None
        return Text(reason + "." if reason else "")

    def on_mount(self) -> None:
        self._show_parts()
        self.query_one("#name", Input).focus()

    def _kind(self) -> str:
        value = self.query_one("#type", Select).value
        return value if isinstance(value, str) else "sms"

    def _show_parts(self) -> None:
        kind = self._kind()
        for part in ("sms", "mail", "voice"):
            self.query_one(f"#{part}-part").display = part == kind
        self._count()

    def _count(self) -> None:
        text = self.query_one("#sms-text", TextArea).text
        count = sms_text.count_sms(text, self.provider)
        self.query_one(SegmentCounter).show_count(count, "eCampaign")

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "type":
            self._show_parts()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "sms-text":
            self._count()

    # -- saving ----------------------------------------------------------------------------------
    def current_draft(self) -> tpl.TemplateDraft:
        kind = self._kind()
        name = self.query_one("#name", Input).value
        if kind == "sms":
            return tpl.TemplateDraft(name, kind, sms_message=self._area("#sms-text"))
        if kind == "mail":
            subject = self.query_one("#subject", Input).value.strip() or None
            return tpl.TemplateDraft(
                name, kind, mail_subject=subject, mail_message=self._area("#mail-text")
            )
        duration = self.query_one("#duration", Select).value
        flags = {
            key: self.query_one(f"#flag-{key}", Checkbox).value for key, _, _ in tpl.VOICE_FLAGS
        }
        voice = VoiceTemplateSettings(
            duration=duration if isinstance(duration, int) else None, **flags
        )
        return tpl.TemplateDraft(name, kind, voice=voice)

    def _area(self, selector: str) -> str | None:
        text: str = self.query_one(selector, TextArea).text
        return text if text.strip() else None

    def problem(self, draft: tpl.TemplateDraft) -> str | None:
        """What the provider would refuse for sure, said before any request."""
        if not draft.name.strip():
            return "Give the template a name."
        if draft.type == "sms" and draft.sms_message is None:
            return "An SMS template needs its text."
        if draft.type == "mail" and draft.mail_message is None:
            return "An e-mail template needs its message."
        if draft.type == "sms":
            count = sms_text.count_sms(draft.sms_message or "", self.provider)
            if count.unencodable:
                return "The text holds characters eCampaign cannot send: " + " ".join(
                    map(visible, count.unencodable)
                )
        return None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.submit()
        else:
            self.dismiss(None)

    def submit(self) -> None:
        draft = self.current_draft()
        problem = self.problem(draft)
        if problem:
            self._error(problem)
            return
        if self.saving:  # one save at a time (not a disabled button: it keeps its pressed look)
            return
        self.saving = True
        self._error("Saving…", style="")
        self.run_save(draft)

    @work(exclusive=True, group="template-save")
    async def run_save(self, draft: tpl.TemplateDraft) -> None:
        try:
            message = await self.save(draft)
        except Exception as exc:  # shown here; the form keeps what was typed
            if not isinstance(exc, EXPECTED):
                log.error("template save failed", exc_info=exc)
            described = describe(exc)
            self._error(f"Not saved: {described.message}")
            self.saving = False
            return
        self.dismiss(message)

    def _error(self, message: str, style: str = "red") -> None:
        self.query_one("#form-error", Static).update(Text(visible(message), style=style))


def _voice_help() -> Text:
    lines = [f"{label}: {meaning}." for _, label, meaning in tpl.VOICE_FLAGS]
    return Text("\n".join(lines))
