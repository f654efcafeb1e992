"""Compose voice: recorded messages, text-to-speech calls, voicemail drops, voice campaigns.

Which fields show comes from the account's ``ProviderInfo`` alone (its voice modes and types,
whether a voice message can be scheduled, its capabilities, its text-to-speech check): no
provider is named here. Same recipients, confirmation and progress as SMS.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Collapsible, Input, Label, Select, Static, TextArea

from providers import text as sms_text
from providers.base import Capability
from providers.errors import InputError, ProviderError
from providers.models import Channel, VmsType, VoiceMessage
from screens.base import collapsed_before_mount
from screens.compose.common import ComposeScreen
from screens.compose.form import option_row, schedule_text
from screens.widgets.recipients import RecipientsField
from tui.accounts.credentials import CredentialError
from tui.errors import describe_text, visible
from tui.schedule import parse_schedule


class ComposeVmsScreen(ComposeScreen[VoiceMessage]):
    MODE_TITLE = "Compose voice"
    CAPABILITY = Capability.VOICE
    CHANNEL_WORDS = "voice messages"
    DEFAULT_CSS = """
    ComposeVmsScreen #tts { height: 5; }
    ComposeVmsScreen .row { height: auto; }
    ComposeVmsScreen .row Select { width: 1fr; }
    ComposeVmsScreen #voice-help { padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+t", "transliterate", "Transliterate", id="voice.transliterate", show=False),
        Binding("ctrl+l", "pick_group", "Group", id="voice.group", show=False),
        Binding("ctrl+o", "load_audio", "Audio files", id="voice.audio", show=False),
    ]

    def compose_form(self) -> ComposeResult:
        yield Static("", id="voice-help", classes="hint")
        yield Label("Recipients", classes="field-label")
        yield RecipientsField(id="recipients", channel=Channel.VOICE)
        with Horizontal(classes="row"):
            yield Button("Group… (ctrl+l)", id="pick-group")
        yield Static("", id="target-info", classes="hint")
        yield Label("Message", classes="field-label")
        # One above the other: a type of call's label takes a whole line at 80 columns.
        yield Select[str]([], prompt="kind of message", id="content-kind")
        yield Select[str]([], prompt="type of call", id="vms-type")
        yield Input(placeholder="name of the recorded message on the platform", id="voice-msg")
        yield TextArea(id="tts", soft_wrap=True)
        yield Static("", id="tts-estimate", classes="hint")
        with Horizontal(classes="row", id="audio-row"):
            yield Select[str]([], prompt="audio file (ctrl+o loads the list)", id="audio")
            yield Button("Load audio files", id="load-audio")
        yield Input(placeholder="voice template id", id="template")
        yield option_row("Caller", Input(placeholder="caller / sender number", id="sender"))
        with collapsed_before_mount(Collapsible(title="Options", id="options")):
            yield option_row(
                "Schedule",
                Input(placeholder="YYYY-MM-DD HH:MM, Paris time", id="schedule"),
                "schedule-row",
            )
            yield option_row(
                "Campaign", Input(placeholder="campaign id", id="campaign-id"), "campaign-row"
            )
            yield option_row(
                "E-mail",
                Input(placeholder="where the end-of-campaign report goes", id="email"),
                "email-row",
            )
            # Commercial: the French sending hours apply (screens.dialogs.compliance).
            yield Checkbox("promotional (commercial sending hours)", id="promotional")

    # -- which fields show ---------------------------------------------------------------------
    def account_changed(self) -> None:
        info = self.provider_info()
        kinds = [(mode.label, mode.key) for mode in info.voice_modes] if info else []
        select = self.query_one("#content-kind", Select)
        current = select.value
        with self.prevent(Select.Changed):
            select.set_options(kinds)
            if kinds:
                select.value = current if current in {k for _, k in kinds} else kinds[0][1]
        help_text = (info.voice_help if info else "") or "Choose an account."
        self.query_one("#voice-help", Static).update(Text(help_text))
        caps = info.capabilities if info else Capability(0)
        self.query_one("#pick-group", Button).display = bool(caps & Capability.GROUPS)
        self._fill_voice_types()
        self.query_one("#campaign-row").display = bool(caps & Capability.CAMPAIGN_ID)
        # Some voice APIs have no date field, although the same provider's SMS can have one.
        self.query_one("#schedule-row").display = bool(info and info.voice_schedule)
        self._show_content_fields()

    def _fill_voice_types(self) -> None:
        """The provider's own kinds of call (AD / DD...), from its default; none: hidden."""
        info = self.provider_info()
        types = info.voice_types if info else ()
        select = self.query_one("#vms-type", Select)
        select.display = bool(types)
        if not types or info is None:
            return
        keys = [kind.key for kind in types]
        current = select.value
        with self.prevent(Select.Changed):
            select.set_options([(kind.label, kind.key) for kind in types])
            default = info.default_voice_type if info.default_voice_type in keys else keys[0]
            select.value = current if current in keys else default

    def account_switched(self) -> None:
        with self.prevent(Select.Changed):
            self.query_one("#audio", Select).set_options([])
        email = (self.account.options.get("email") if self.account else None) or ""
        self.query_one("#email", Input).value = email
        # A caller number is validated on one provider's platform, in its own form.
        self.query_one("#sender", Input).value = ""

    def _content_kind(self) -> str:
        value = self.query_one("#content-kind", Select).value
        return value if isinstance(value, str) else ""

    def _voice_type(self) -> str | None:
        select = self.query_one("#vms-type", Select)
        value = select.value
        return value if select.display and isinstance(value, str) else None

    def _show_content_fields(self) -> None:
        content = self._content_kind()
        self.query_one("#voice-msg", Input).display = content == "voice_msg"
        self.query_one("#tts", TextArea).display = content == "tts"
        self.query_one("#tts-estimate", Static).display = content == "tts"
        self._check_speech()
        self.query_one("#audio-row", Horizontal).display = content == "audio"
        self.query_one("#template", Input).display = content == "template"
        self.query_one("#email-row").display = content == "audio"
        info = self.provider_info()
        kind = info.voice_type(self._voice_type()) if info else None
        self.query_one(RecipientsField).set_mobile_only(kind is not None and kind.mobile_only)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "tts":
            self._check_speech()

    def _check_speech(self) -> None:
        """The provider's judgement of the text to speak, as it is typed: its length in
        seconds, and what a send would refuse (a character it cannot speak, too long...)."""
        label = self.query_one("#tts-estimate", Static)
        text = self.query_one("#tts", TextArea).text
        info = self.provider_info()
        if info is None or info.check_tts is None or not text.strip():
            label.update("")
            return
        check = info.check_tts(text)
        line = Text(visible(check.summary))
        if check.problem:
            line.append("\n")
            line.append(visible(check.problem), style="bold red")
            if sms_text.transliterate(text) != text:
                line.append(" — ctrl+t transliterates")
        label.update(line)

    def on_select_changed(self, event: Select.Changed) -> None:
        # The account list is ComposeForm's: Textual calls its handler too, after this one.
        if event.select.id in ("content-kind", "vms-type"):
            self._show_content_fields()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "pick-group":
            self.action_pick_group()
        elif event.button.id == "load-audio":
            self.action_load_audio()

    # -- actions -------------------------------------------------------------------------------
    def action_transliterate(self) -> None:
        area = self.query_one("#tts", TextArea)
        if not area.display:
            self.notify("Only a text to speak can be transliterated.")
            return
        self.transliterate(area)

    def action_load_audio(self) -> None:
        info = self.provider_info()
        if info is None or not info.capabilities & Capability.AUDIO_LIST:
            self.notify("This account has no audio files to list.")
            return
        self.load_audio()

    @work(exclusive=True, group="audio")
    async def load_audio(self) -> None:
        account = self.account
        if account is None:
            return
        try:
            provider: Any = await self.session.provider(account.name)
            files = await provider.list_audio()
        except (ProviderError, CredentialError) as exc:
            self.notify(escape(describe_text(exc)), title="Audio files", severity="error")
            return
        select = self.query_one("#audio", Select)
        select.set_options([(Text(visible(f"{f.filename} ({f.token})")), f.token) for f in files])
        self.notify(f"{len(files)} audio file(s) on this account.")

    def fill_message(self, message: VoiceMessage) -> None:
        content = (
            "voice_msg" if message.voice_msg
            else "tts" if message.tts
            else "audio" if message.audio_token
            else "template"
        )  # fmt: skip
        info = self.provider_info()
        types = self.query_one("#vms-type", Select)
        audio = self.query_one("#audio", Select)
        with self.prevent(Select.Changed):
            if info is not None and content in {mode.key for mode in info.voice_modes}:
                self.query_one("#content-kind", Select).value = content
            if info is not None and info.voice_type(message.vms_type) is not None:
                types.value = str(message.vms_type)
            if message.audio_token:  # the account's list is not loaded: its token stands alone
                audio.set_options([(Text(visible(message.audio_token)), message.audio_token)])
                audio.value = message.audio_token
        self.query_one("#tts", TextArea).load_text(message.tts or "")
        fields = {
            "#voice-msg": message.voice_msg,
            "#template": message.template_id,
            "#sender": message.sender,
            "#email": message.email,
            "#schedule": schedule_text(message.schedule),
            "#campaign-id": message.campaign_id,
        }
        for selector, value in fields.items():
            self.query_one(selector, Input).value = value or ""
        if fields["#schedule"] or message.campaign_id:
            self.query_one("#options", Collapsible).collapsed = False
        self._show_content_fields()

    # -- building the message ------------------------------------------------------------------
    def _input(self, selector: str, row: str | None = None) -> str | None:
        widget = self.query_one(selector, Input)
        shown = widget.display and (row is None or self.query_one(row).display)
        return (widget.value.strip() or None) if shown else None

    def build_messages(self) -> list[VoiceMessage]:
        content = self._content_kind()
        if not content:
            raise InputError("account", "choose an account that sends voice messages")
        recipients = self.validated_recipients(allow_empty=self.group is not None)
        audio = self.query_one("#audio", Select).value
        tts = self.query_one("#tts", TextArea).text.strip()
        voice_type = self._voice_type()
        message = VoiceMessage(
            recipients=recipients,
            sender=self._input("#sender"),
            vms_type=VmsType(voice_type) if voice_type else None,
            voice_msg=self._input("#voice-msg") if content == "voice_msg" else None,
            tts=(tts or None) if content == "tts" else None,
            audio_token=audio if content == "audio" and isinstance(audio, str) else None,
            # The notification e-mail belongs to voicemail drops; text-to-speech calls have none.
            email=self._input("#email", "#email-row") if content == "audio" else None,
            template_id=self._input("#template") if content == "template" else None,
            group=self.group,
            schedule=parse_schedule(self._input("#schedule", "#schedule-row") or ""),
            campaign_id=self._input("#campaign-id", "#campaign-row"),
        )
        if content == "audio" and message.audio_token is None:
            raise InputError("audio", "pick an audio file (ctrl+o loads the account's list)")
        return [message]

    def summary_lines(self, messages: Sequence[VoiceMessage]) -> list[tuple[str, str]]:
        from screens.compose.confirm import excerpt  # with the confirmation

        message = messages[0]
        info = self.provider_info()
        lines: list[tuple[str, str]] = []
        lines.append(("Caller", message.sender or "the account's default"))
        if message.voice_msg:
            lines.append(("Message", f"recorded message {message.voice_msg!r}"))
        elif message.tts:
            check = info.check_tts(message.tts) if info and info.check_tts else None
            length = f", {check.summary}" if check else ""
            lines.append(("Message", f"text-to-speech, {len(message.tts.split())} words{length}"))
            lines.append(("Text", excerpt(message.tts)))
        elif message.audio_token:
            lines.append(("Message", f"audio file {message.audio_token}"))
        else:
            lines.append(("Message", f"voice template {message.template_id}"))
        kind = info.voice_type(message.vms_type) if info and message.vms_type else None
        if kind is not None:
            lines.append(("Type", kind.label))
        if message.email:
            lines.append(("Report to", message.email))
        return lines

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            *super().palette_commands(),
            (
                "Transliterate the text to speak (ctrl+t)",
                "Replace characters the provider cannot speak",
                self.action_transliterate,
            ),
            ("Target a group (ctrl+l)", "Send to a group's members", self.action_pick_group),
            (
                "Load the account's audio files (ctrl+o)",
                "List the audio files to drop into voicemails",
                self.action_load_audio,
            ),
        ]
