"""Compose voice: CapitoleMobile VMS, VoicePartner voicemail drop and text-to-speech calls,
eCampaign voice campaigns. Same recipients, confirmation and progress as SMS."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from providers.base import Capability
from providers.capitole.rules import estimate_tts_seconds
from providers.errors import InputError, ProviderError
from providers.models import VmsType, VoiceMessage
from screens.compose.common import ComposeScreen
from screens.widgets.recipients import RecipientsField
from tui.accounts.credentials import CredentialError
from tui.errors import describe_text
from tui.schedule import parse_schedule


class ComposeVmsScreen(ComposeScreen[VoiceMessage]):
    MODE_TITLE = "Compose voice"
    CAPABILITY = Capability.VOICE
    CHANNEL_WORDS = "voice messages"
    DEFAULT_CSS = """
    ComposeVmsScreen #tts { height: 5; }
    ComposeVmsScreen .row { height: auto; }
    ComposeVmsScreen .row Input { width: 1fr; }
    ComposeVmsScreen .row Select { width: 1fr; }
    ComposeVmsScreen #voice-help { padding: 0 1; }
    """
    BINDINGS = [
        Binding("ctrl+l", "pick_group", "Group", id="voice.group", show=False),
        Binding("ctrl+o", "load_audio", "Audio files", id="voice.audio", show=False),
    ]

    def compose_form(self) -> ComposeResult:
        yield Static("", id="voice-help", classes="hint")
        yield Label("Recipients", classes="field-label")
        yield RecipientsField(id="recipients")
        with Horizontal(classes="row"):
            yield Button("eCampaign group… (ctrl+l)", id="pick-group")
        yield Static("", id="target-info", classes="hint")
        yield Label("Message", classes="field-label")
        with Horizontal(classes="row"):
            yield Select[str]([], prompt="kind of message", id="content-kind")
            yield Select[str](
                [("AD: play when answered", "AD"), ("DD: straight to voicemail", "DD")],
                value="AD",
                allow_blank=False,
                id="vms-type",
            )
        yield Input(placeholder="name of the recorded message on the platform", id="voice-msg")
        yield TextArea(id="tts")
        yield Static("", id="tts-estimate", classes="hint")
        with Horizontal(classes="row", id="audio-row"):
            yield Select[str]([], prompt="audio file (ctrl+o loads the list)", id="audio")
            yield Button("Load audio files", id="load-audio")
        yield Input(placeholder="eCampaign voice template id", id="template")
        with Horizontal(classes="row"):
            yield Input(placeholder="caller / sender number", id="sender")
            yield Input(placeholder="notification e-mail (VoicePartner)", id="email")
        with Horizontal(classes="row"):
            yield Input(placeholder="schedule YYYY-MM-DD HH:MM:SS (Paris)", id="schedule")
            yield Input(placeholder="campaign id", id="campaign-id")
        # Commercial: the French sending hours apply (screens.dialogs.compliance).
        yield Checkbox("promotional (commercial sending hours)", id="promotional")

    # -- which fields show ---------------------------------------------------------------------
    def account_changed(self) -> None:
        info = self.provider_info()
        kind = info.kind if info else ""
        kinds = [(mode.label, mode.key) for mode in info.voice_modes] if info else []
        select = self.query_one("#content-kind", Select)
        current = select.value
        select.set_options(kinds)
        if kinds:
            select.value = current if current in {k for _, k in kinds} else kinds[0][1]
        help_text = (info.voice_help if info else "") or "Choose an account."
        self.query_one("#voice-help", Static).update(help_text)
        caps = info.capabilities if info else Capability(0)
        self.query_one("#pick-group", Button).display = bool(caps & Capability.GROUPS)
        self.query_one("#vms-type", Select).display = kind == "capitole"
        self.query_one("#campaign-id", Input).display = bool(caps & Capability.CAMPAIGN_ID)
        # CapitoleMobile's voice API has no date field: a voice message leaves at once.
        self.query_one("#schedule", Input).display = kind != "capitole"
        self._show_content_fields()

    def account_switched(self) -> None:
        self.query_one("#audio", Select).set_options([])
        email = (self.account.options.get("email") if self.account else None) or ""
        self.query_one("#email", Input).value = email

    def _content_kind(self) -> str:
        value = self.query_one("#content-kind", Select).value
        return value if isinstance(value, str) else ""

    def _show_content_fields(self) -> None:
        content = self._content_kind()
        self.query_one("#voice-msg", Input).display = content == "voice_msg"
        self.query_one("#tts", TextArea).display = content == "tts"
        self.query_one("#tts-estimate", Static).display = content == "tts"
        self._estimate_speech()
        self.query_one("#audio-row", Horizontal).display = content == "audio"
        self.query_one("#template", Input).display = content == "template"
        self.query_one("#email", Input).display = content == "audio"
        vms_type = self.query_one("#vms-type", Select).value
        self.query_one(RecipientsField).set_mobile_only(
            self.provider_info() is not None and self._kind() == "capitole" and vms_type == "DD"
        )

    def _kind(self) -> str:
        info = self.provider_info()
        return info.kind if info else ""

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id == "tts":
            self._estimate_speech()

    def _estimate_speech(self) -> None:
        """CapitoleMobile plays 15 to 59 s: say how long the text will roughly last."""
        label = self.query_one("#tts-estimate", Static)
        text = self.query_one("#tts", TextArea).text
        if self._kind() != "capitole" or not text.strip():
            label.update("")
            return
        seconds = estimate_tts_seconds(text)
        verdict = "" if 15 <= seconds <= 59 else " [red]— must last 15 to 59 s[/red]"
        label.update(f"≈ {seconds:.0f} s of speech at 150 words a minute{verdict}")

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
    def action_load_audio(self) -> None:
        if self._kind() != "voicepartner":
            self.notify("Audio files are a VoicePartner feature.")
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
        select.set_options([(Text(f"{f.filename} ({f.token})"), f.token) for f in files])
        self.notify(f"{len(files)} audio file(s) on this account.")

    # -- building the message ------------------------------------------------------------------
    def _input(self, selector: str) -> str | None:
        widget = self.query_one(selector, Input)
        return (widget.value.strip() or None) if widget.display else None

    def build_messages(self) -> list[VoiceMessage]:
        content = self._content_kind()
        if not content:
            raise InputError("account", "choose an account that sends voice messages")
        recipients = self.validated_recipients(allow_empty=self.group is not None)
        audio = self.query_one("#audio", Select).value
        tts = self.query_one("#tts", TextArea).text.strip()
        vms_type = self.query_one("#vms-type", Select).value
        message = VoiceMessage(
            recipients=recipients,
            sender=self._input("#sender"),
            vms_type=VmsType(str(vms_type)) if self._kind() == "capitole" else None,
            voice_msg=self._input("#voice-msg") if content == "voice_msg" else None,
            tts=(tts or None) if content == "tts" else None,
            audio_token=audio if content == "audio" and isinstance(audio, str) else None,
            # The notification e-mail belongs to voicemail drops; text-to-speech calls have none.
            email=self._input("#email") if content == "audio" else None,
            template_id=self._input("#template") if content == "template" else None,
            group=self.group,
            schedule=parse_schedule(self._input("#schedule") or ""),
            campaign_id=self._input("#campaign-id"),
        )
        if content == "audio" and message.audio_token is None:
            raise InputError("audio", "pick an audio file (ctrl+o loads the account's list)")
        return [message]

    def summary_lines(self, messages: Sequence[VoiceMessage]) -> list[tuple[str, str]]:
        message = messages[0]
        if message.voice_msg:
            what = f"recorded message {message.voice_msg!r}"
        elif message.tts:
            what = f"text-to-speech, {len(message.tts.split())} words"
        elif message.audio_token:
            what = f"audio file {message.audio_token}"
        else:
            what = f"template {message.template_id}"
        lines = [("Message", what)]
        if message.vms_type:
            lines.append(("Type", str(message.vms_type)))
        if message.sender:
            lines.append(("Caller", message.sender))
        return lines

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            *super().palette_commands(),
            ("Target an eCampaign group (ctrl+l)", "Send to a group", self.action_pick_group),
            (
                "Load VoicePartner audio files (ctrl+o)",
                "List the account's audio",
                self.action_load_audio,
            ),
        ]
