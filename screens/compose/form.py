"""The form both composers share: the account, the recipients, an eCampaign group, the layout.

``ComposeScreen`` (``common``) adds sending to it; the composers (``sms``, ``vms``) add their
own fields and build the messages. Textual calls a message handler of every class along the
MRO, so a composer's handler never calls ``super()`` for the same message.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Generic, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, Label, Select, Static, TextArea

from providers import text as sms_text
from providers.base import Capability, ProviderInfo, provider_info
from providers.errors import InputError
from providers.models import GroupTarget, SmsMessage, VoiceMessage
from screens.base import COMPACT_TYPES, ModeScreen, compact_before_mount
from screens.widgets.deferred import DeferredCollapsible
from screens.widgets.recipients import RecipientsField
from screens.widgets.send_panel import SendPanel
from tui.accounts.config import Account

#: The kind of message a composer builds.
M = TypeVar("M", SmsMessage, VoiceMessage)


def schedule_text(when: datetime | None) -> str:
    """A stored schedule as the schedule field takes it (Paris time); none for one already
    past, which every provider would refuse: the message then goes now."""
    if when is None or when <= datetime.now(UTC):
        return ""
    # The sending-hours rules, imported with the first message shown, not with the composer.
    from tui.compliance.hours import paris_text

    return paris_text(when)


def option_row(label: str, field: Widget, row_id: str | None = None) -> Horizontal:
    """A field with its name on its left, so that an empty field never reads as part of the
    next one (two placeholders side by side ran together at 80 columns). The field is made
    compact here, before it is mounted: given to a container, it does not pass through
    ``ModeScreen.compose``, and compacting it once mounted restyles it again."""
    if isinstance(field, COMPACT_TYPES):
        compact_before_mount(field)
    return Horizontal(Label(label, classes="option-label"), field, classes="option-row", id=row_id)


class ComposeForm(ModeScreen, Generic[M]):
    # No auto-focus: on_mount focuses the recipients. Textual's would first focus the form
    # (the first focusable widget), restyling its every field, then on_mount's focus would move
    # it and restyle them all again; it would also come back on a resume with nothing focused.
    AUTO_FOCUS = ""
    CAPABILITY = Capability.SMS
    #: What the composer sends, in words ("an account that sends no SMS").
    CHANNEL_WORDS = "SMS"

    # -- layout --------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="form"):
            yield Label("Account", classes="field-label")
            yield Select[str]([], prompt="choose an account", id="account")
            yield from self.compose_form()
            with Horizontal(classes="send-row"):
                yield Button("Send… (ctrl+g)", id="send", variant="primary")
                yield Button("Resend knowingly (ctrl+r)", id="resend", variant="warning")
            yield SendPanel(id="send-panel")

    def compose_form(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:  # ModeScreen.on_mount runs too: Textual calls both
        self.query_one("#resend", Button).display = False
        self.fill_accounts()
        self.watch(self.porte_voix, "current_account", self._follow_current_account)
        # Focused here, before the first layout, rather than by AUTO_FOCUS: AUTO_FOCUS scrolls
        # the recipients to the top at 80x24, hiding the account they will be sent from.
        self.query_one("#recipients-input").focus()

    def on_screen_resume(self) -> None:
        self.fill_accounts()
        if self._options_asked is None:
            self._options_asked = asyncio.Event()
            # Read once the app has started: the refreshes of its start are not shown (Textual
            # batches them). The screen's next refresh from there is its first frame on screen.
            self.app.call_later(self.call_after_refresh, self._mount_options)

    def _mount_options(self) -> None:
        # In a worker: the screen keeps handling keys while the options mount.
        if not self._console_closing():
            self.run_worker(self.options_ready(), name="options", group="options")

    #: Set once the collapsed options' fields are mounted and fitted to the account.
    options_mounted = False
    #: Made when the options' mount is first asked for; set when it is done.
    _options_asked: asyncio.Event | None = None
    _options_started = False

    async def options_ready(self) -> None:
        """Return once the fields of the collapsed options (``DeferredCollapsible``) are mounted
        and fitted to the account; the first call mounts them.

        Hidden, they are mounted just after the screen's first paint; whatever reads or fills
        them (a send, a resend, a preset) awaits this first, in case it comes sooner.
        """
        if self._options_asked is None:
            self._options_asked = asyncio.Event()
        if self._options_started:
            await self._options_asked.wait()
            return
        self._options_started = True
        try:
            sections = list(self.query(DeferredCollapsible))
            for section in sections:
                if self._console_closing():
                    return
                await section.mount_contents()
            # Closed while they mounted: Textual then makes none of the fields (nothing to fit).
            if self._console_closing():
                return
            self.options_mounted = True
            if sections:
                self.account_changed()  # the options now follow the account, as the rest did
        finally:
            self._options_asked.set()

    def _console_closing(self) -> bool:
        """The console is closing (quit, or ended, as it started): mount and fit nothing."""
        return not (self.is_attached and self.app.is_running)

    def fill_accounts(self) -> None:
        """List the accounts this composer can use, showing the console's current account.

        Filling or re-selecting the list programmatically must never change the current account:
        only the operator does (F9, or choosing in this list). ``prevent`` keeps Select.Changed
        for the operator's own choices; otherwise resuming this screen would put back the account
        it showed last, undoing a choice made elsewhere.
        """
        select = self.query_one("#account", Select)
        accounts = self.session.accounts_with(self.CAPABILITY)
        choices = [(f"{a.name} · {provider_info(a.provider).label}", a.name) for a in accounts]
        # The same list again (each resume, the first two included, refills it) is left as
        # it is: set anew, it would blank the choice and choose it again, restyling the field
        # twice for nothing.
        if choices != self._account_choices:
            self._account_choices = choices
            with self.prevent(Select.Changed):
                select.set_options([(Text(label), name) for label, name in choices])
        self._follow_current_account(self.porte_voix.current_account)

    def _follow_current_account(self, name: str | None) -> None:
        """Show the current account; one this composer cannot use leaves the list blank and
        says so, so that nothing is ever sent from an account the operator did not choose."""
        names = {a.name for a in self.session.accounts_with(self.CAPABILITY)}
        select = self.query_one("#account", Select)
        with self.prevent(Select.Changed):
            if name in names:
                if select.value != name:
                    select.value = name
            elif select.value is not Select.BLANK:
                select.clear()
        if name in names or name not in self.session.accounts:
            select.prompt = "choose an account"
        else:
            select.prompt = f"{name} sends no {self.CHANNEL_WORDS}: choose another account"
        self._on_account()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "account":
            # Only the operator's choices reach here (see fill_accounts): it becomes the
            # account of the whole console.
            if isinstance(event.value, str) and event.value != self.porte_voix.current_account:
                self.porte_voix.current_account = event.value
            self._on_account()

    # -- helpers for subclasses ----------------------------------------------------------------
    @property
    def account(self) -> Account | None:
        value = self.query_one("#account", Select).value
        return self.session.accounts.get(value) if isinstance(value, str) else None

    def provider_info(self) -> ProviderInfo | None:
        account = self.account
        return provider_info(account.provider) if account else None

    _previous_account: str | None = None
    #: The account list as last set (label, name), by ``fill_accounts``.
    _account_choices: list[tuple[str, str]] | None = None
    group: GroupTarget | None = None

    def _on_account(self) -> None:
        name = self.account.name if self.account else None
        if name != self._previous_account:
            # A group id, an audio token... belong to one account: never carry them over.
            self._previous_account = name
            self.group = None
            self.query_one("#target-info", Static).update("")
            self.account_switched()
        self.account_changed()

    def account_switched(self) -> None:
        """Forget what belonged to the previous account (called before ``account_changed``)."""

    def account_changed(self) -> None:
        """Enable the options the chosen provider supports."""

    def optional(self, selector: str) -> str | None:
        widget = self.query_one(selector, Input)
        value: str = widget.value
        return value.strip() or None if not widget.disabled else None

    def validated_recipients(self, *, allow_empty: bool = False) -> tuple[str, ...]:
        field = self.query_one(RecipientsField)
        field.revalidate_now()
        parsed = field.parsed
        if parsed.invalid:
            first = parsed.invalid[0]
            raise InputError(
                "recipients",
                f"{len(parsed.invalid)} invalid number(s), e.g. {first.raw!r}: {first.reason}",
            )
        if not parsed.valid and not allow_empty:
            raise InputError("recipients", "add at least one recipient")
        return parsed.valid

    def transliterate(self, area: TextArea) -> None:
        """Replace in ``area`` what has a plain equivalent (quotes, ellipsis...), the cursor
        staying at the same place in the text; ctrl+z undoes it."""
        text = area.text
        fixed = sms_text.transliterate(text)
        if fixed == text:
            return
        before = sms_text.transliterate(area.get_text_range((0, 0), area.cursor_location))
        area.replace(fixed, (0, 0), area.document.end)
        area.cursor_location = (before.count("\n"), len(before) - (before.rfind("\n") + 1))
        self.notify("Replaced the characters the provider cannot carry.")

    def action_pick_group(self) -> None:
        from screens.compose.confirm import describe_group  # with the first group, as the dialog
        from screens.dialogs.group import GroupTargetDialog  # loads when first asked for

        info = self.provider_info()
        if info is None or not info.capabilities & Capability.GROUPS or self.account is None:
            self.notify("This account has no groups (choose one that has, e.g. eCampaign).")
            return

        def chosen(target: GroupTarget | None) -> None:
            self.group = target
            label = self.query_one("#target-info", Static)
            label.update(describe_group(target) if target else "")
            self.target_changed()

        self.app.push_screen(GroupTargetDialog(self.session, self.account.name), chosen)

    async def preset_template(self, account: str, template_id: str) -> None:
        """Compose with a provider template ("Use this template" on the Templates screen)."""
        await self.options_ready()
        self.porte_voix.current_account = account
        self._follow_current_account(account)
        for options in self.query(Collapsible):  # Compose SMS keeps the field in its options
            options.collapsed = False
        self.query_one("#template", Input).value = template_id
        self.query_one("#recipients-input").focus()

    def preset_group(self, account: str, target: GroupTarget) -> None:
        """Send to ``target`` of ``account`` ("Send to this group" on the Groups screen)."""
        from screens.compose.confirm import describe_group

        self.porte_voix.current_account = account
        self._follow_current_account(account)  # forgets the previous account's group first
        self.group = target
        self.query_one("#target-info", Static).update(describe_group(target))
        self.target_changed()

    async def preset_message(self, account: str, message: M) -> None:
        """Compose ``message`` from ``account`` ("Resend to the undelivered" on the History
        screen): the account becomes the console's current one, as F9 makes it, so that every
        screen shows the same; then every field shows the message (recipients, its group,
        content and options, ``fill_message``). Nothing is sent: the operator checks it and
        sends it like any other message, through the same rules."""
        from screens.compose.confirm import describe_group

        await self.options_ready()  # fill_message fills them too
        self.porte_voix.current_account = account
        self._follow_current_account(account)  # forgets the previous account's fields first
        if self.account is None or self.account.name != account:
            self.notify(f"{account} cannot send this kind of message.", markup=False)
            return
        self.query_one(RecipientsField).set_numbers(list(message.recipients))
        self.group = message.group
        self.query_one("#target-info", Static).update(
            describe_group(message.group) if message.group else ""
        )
        self.fill_message(message)
        self.target_changed()
        self.query_one("#recipients-input").focus()

    def fill_message(self, message: M) -> None:
        """Show ``message``'s content and options in this composer's own fields."""
        raise NotImplementedError

    def target_changed(self) -> None:
        """The group target changed (Compose SMS recounts)."""

    def build_messages(self) -> list[M]:
        """What the form says to send (raises ``InputError`` naming what is wrong)."""
        raise NotImplementedError

    def summary_lines(self, messages: Sequence[M]) -> list[tuple[str, str]]:
        """The composer's own lines in the confirmation (segments, kind of voice message...)."""
        return []

    def message_parts(self, messages: Sequence[M]) -> int:
        """What the send spends, in messages: one per recipient (SMS: per part), for the
        low-balance warning. A group's members are not counted here: their number is the
        provider's to know."""
        return sum(len(m.recipients) for m in messages)
