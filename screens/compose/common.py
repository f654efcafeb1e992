"""What Compose SMS and Compose voice share: account, recipients, confirmation, sending, results.

The send itself runs in a worker through ``tui.sending`` (intent journalled before the request,
unknown outcomes never retried). The confirmation dialog focuses "Cancel", so no stray Enter
ever spends money, and offers a dry run. A resend of an unknown send asks a second time.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from providers.base import Capability, ProviderInfo, provider_info
from providers.errors import InputError, ProviderError
from providers.models import GroupTarget, SmsMessage, VoiceMessage
from screens.base import ModeScreen
from screens.compose.resend import ResultsAndResend
from screens.dialogs.common import ConfirmDialog
from screens.dialogs.group import GroupTargetDialog
from screens.widgets.recipients import RecipientsField
from screens.widgets.send_panel import SendPanel
from tui.accounts.config import Account
from tui.accounts.credentials import CredentialError
from tui.outbox.store import StoreError
from tui.sending.orchestrate import SendOutcome, send

log = logging.getLogger(__name__)
Message = SmsMessage | VoiceMessage


class ComposeScreen(ResultsAndResend, ModeScreen):
    CAPABILITY = Capability.SMS
    BINDINGS = [
        Binding("ctrl+g", "send", "Send", id="compose.send", priority=True, show=False),
        Binding("ctrl+r", "resend", "Resend", id="compose.resend", show=False),
        Binding("escape", "cancel_send", "Cancel send", id="compose.cancel", show=False),
    ]
    DEFAULT_CSS = """
    ComposeScreen #form { padding: 0 1; }
    ComposeScreen #account { width: 1fr; }
    ComposeScreen .send-row { height: auto; margin-top: 1; }
    ComposeScreen .send-row Button { margin-right: 1; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.cancel_event: asyncio.Event | None = None
        self.last_reference: str | None = None
        #: From the operator's ctrl+g until the send ends: no second send meanwhile.
        self.busy = False

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

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#resend", Button).display = False
        self.fill_accounts()
        self.watch(self.porte_voix, "current_account", self._follow_current_account)
        self.query_one("#recipients-input").focus()

    def on_screen_resume(self) -> None:
        self.fill_accounts()

    def fill_accounts(self) -> None:
        select = self.query_one("#account", Select)
        previous = select.value
        accounts = self.session.accounts_with(self.CAPABILITY)
        select.set_options(
            [(Text(f"{a.name} · {provider_info(a.provider).label}"), a.name) for a in accounts]
        )
        # set_options forgets the choice: keep it when the account still exists (the current
        # account may be one this screen cannot use, e.g. a voice-only one on Compose SMS).
        if previous in {a.name for a in accounts}:
            select.value = previous
        self._follow_current_account(self.porte_voix.current_account)

    def _follow_current_account(self, name: str | None) -> None:
        names = {a.name for a in self.session.accounts_with(self.CAPABILITY)}
        select = self.query_one("#account", Select)
        if name in names and select.value != name:
            select.value = name
        self._on_account()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "account":
            if isinstance(event.value, str):
                self.porte_voix.current_account = event.value
            self._on_account()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send":
            self.action_send()
        elif event.button.id == "resend":
            self.action_resend()

    # -- helpers for subclasses ----------------------------------------------------------------
    @property
    def account(self) -> Account | None:
        value = self.query_one("#account", Select).value
        return self.session.accounts.get(value) if isinstance(value, str) else None

    def provider_info(self) -> ProviderInfo | None:
        account = self.account
        return provider_info(account.provider) if account else None

    _previous_account: str | None = None
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
        return widget.value.strip() or None if not widget.disabled else None

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

    @staticmethod
    def describe_group(target: GroupTarget) -> str:
        criteria = f" {target.global_operator} ".join(
            f"{c.field} {c.operator} {c.value}".strip() for c in target.criteria
        )
        return f"Group #{target.group_id}, field {', '.join(target.fields)}" + (
            f", where {criteria}" if criteria else ""
        )

    def action_pick_group(self) -> None:
        info = self.provider_info()
        if info is None or not info.capabilities & Capability.GROUPS or self.account is None:
            self.notify("Groups are an eCampaign feature: choose an eCampaign account.")
            return

        def chosen(target: GroupTarget | None) -> None:
            self.group = target
            label = self.query_one("#target-info", Static)
            label.update(self.describe_group(target) if target else "")
            self.target_changed()

        self.app.push_screen(GroupTargetDialog(self.session, self.account.name), chosen)

    def target_changed(self) -> None:
        """The group target changed (Compose SMS recounts)."""

    def build_messages(self) -> list[Any]:
        raise NotImplementedError

    def summary_lines(self, messages: list[Any]) -> list[tuple[str, str]]:
        return []

    def palette_commands(self) -> list[tuple[str, str, Any]]:
        return [
            ("Send (ctrl+g)", "Check, confirm and send the message", self.action_send),
            ("Resend knowingly (ctrl+r)", "Resend an unknown or failed send", self.action_resend),
            (
                "Cancel the send in progress (Escape)",
                "Stop between requests; what is not requested yet is not sent",
                self.action_cancel_send,
            ),
        ]

    # -- sending -------------------------------------------------------------------------------
    def action_send(self) -> None:
        if self.busy:
            self.notify("A send is in progress.", severity="warning")
            return
        self.busy = True
        self.run_send()

    def action_cancel_send(self) -> None:
        if self.cancel_event is not None and not self.cancel_event.is_set():
            self.cancel_event.set()
            self.notify("Cancelling after the request in progress…")

    def _error(self, title: str, exc: BaseException) -> None:
        if isinstance(exc, InputError):
            message = f"{exc.field}: {exc.message}"
        elif isinstance(exc, ProviderError):
            original = (
                f"\nProvider said: {exc.original.strip()[:200]}" if exc.original.strip() else ""
            )
            message = f"{exc.provider} {exc.code}: {exc.meaning}{original}"
        else:
            message = str(exc)
        self.notify(escape(message), title=title, severity="error", timeout=10)

    # Not exclusive: starting another worker must never cancel a send in flight.
    @work(group="send")
    async def run_send(self) -> None:
        try:
            await self._compose_and_send()
        except Exception as exc:  # the console must survive, and say what happened
            log.exception("send failed")
            self.notify(
                f"The send failed unexpectedly ({type(exc).__name__}); the outbox shows its "
                "state and the log file has the details.",
                severity="error",
                timeout=15,
            )
        finally:
            self.busy = False

    async def _compose_and_send(self) -> None:
        account = self.account
        if account is None:
            self.notify("Choose an account first (F9 or the list at the top).", severity="error")
            return
        try:
            messages = self.build_messages()
            provider = await self.session.provider(account.name)
            for message in messages:
                # Checking 10 000 numbers takes a moment: off the event loop.
                if isinstance(message, SmsMessage):
                    await asyncio.to_thread(provider.validate_sms, message)
                else:
                    await asyncio.to_thread(provider.validate_voice, message)
        except (InputError, ProviderError, CredentialError) as exc:
            self._error("Not sent", exc)
            return
        choice = await self.app.push_screen_wait(self._confirmation(account, messages))
        if choice not in ("send", "dry-run"):
            return
        await self._deliver(account, messages, dry_run=choice == "dry-run")

    def _confirmation(self, account: Account, messages: list[Message]) -> ConfirmDialog:
        info = provider_info(account.provider)
        recipients = sum(len(m.recipients) for m in messages)
        group = next((m.group for m in messages if getattr(m, "group", None)), None)
        lines = [("Account", account.name), ("Provider", info.label)]
        lines.append(
            ("Recipients", f"{recipients}" + (" + " + self.describe_group(group) if group else ""))
        )
        lines.extend(self.summary_lines(messages))
        schedule = messages[0].schedule
        lines.append(("When", f"{schedule:%Y-%m-%d %H:%M} (Paris)" if schedule else "now"))
        if info.capabilities & Capability.DRY_RUN:
            dry = "Dry run asks the provider to check the request without sending."
        else:
            dry = "Dry run checks everything locally; this provider has no dry run."
        lines.append(("Dry run", dry))
        return ConfirmDialog(
            "Send this message?",
            lines,
            [("dry-run", "Dry run", "default"), ("send", "Send", "error")],
            warning="Sending spends money and cannot be undone.",
        )

    async def _deliver(self, account: Account, messages: list[Message], *, dry_run: bool) -> None:
        panel = self.query_one(SendPanel)
        total = sum(len(m.recipients) for m in messages)
        panel.start(total, "a dry run" if dry_run else "the message")
        panel.scroll_visible(top=True)
        provider = await self.session.provider(account.name)
        self.cancel_event = asyncio.Event()
        outcomes: list[SendOutcome] = []
        begun: list[str] = []  # references in the outbox, even of a send that then failed
        try:
            for message in messages:
                if self.cancel_event.is_set():
                    break
                outcome = await send(
                    self.session.store,
                    provider,
                    account.name,
                    message,
                    dry_run=dry_run,
                    progress=panel.show_progress,
                    cancel=self.cancel_event,
                    on_begin=begun.append,
                )
                outcomes.append(outcome)
                if str(outcome.state) not in ("accepted", "dry-run"):
                    break  # never carry on blindly after a refusal or an unknown outcome
        except (InputError, ProviderError, StoreError) as exc:
            self._error("Send failed", exc)
        finally:
            self.cancel_event = None
        if outcomes:
            self._after_send(account, outcomes)
        # A message whose send began has its own outbox entry (some batches may have gone):
        # only those never begun are journalled as not sent.
        skipped = messages[len(begun) :]
        if skipped and len(messages) > 1:
            references = self._journal_not_sent(account, provider.kind, skipped, dry_run)
            people = sum(len(m.recipients) for m in skipped)
            self.notify(
                f"{len(skipped)} personalised message(s) to {people} recipient(s) were NOT sent "
                f"(the send stopped); they are in the outbox as cancelled "
                f"({', '.join(references)}) and can be resent knowingly.",
                severity="warning",
                timeout=20,
            )

    def _journal_not_sent(
        self, account: Account, kind: str, messages: list[Message], dry_run: bool
    ) -> list[str]:
        """Personalised messages never requested: recorded as cancelled, so none is lost."""
        store = self.session.store
        references = []
        for message in messages:
            channel = "sms" if isinstance(message, SmsMessage) else "voice"
            reference = store.begin_send(
                account.name, kind, channel, message, message.recipients, dry_run=dry_run
            )
            store.cancel_remaining(reference, "not sent: an earlier personalised message failed")
            store.finish_send(reference, "cancelled")
            references.append(reference)
        return references

    def _after_send(self, account: Account, outcomes: list[SendOutcome]) -> None:
        last = outcomes[-1]
        self.last_reference = last.reference
        if last.balance is not None:
            self.porte_voix.balance_changed()
        errors = [
            f"{e.provider} {e.code}: {e.meaning}" if isinstance(e, ProviderError) else str(e)
            for outcome in outcomes
            for e in outcome.errors
        ]
        # The provider's remarks on an accepted send (sender shortened, date moved, a dry run
        # that was not one): the operator must see them, not only the log.
        warnings = list(
            dict.fromkeys(
                w for outcome in outcomes for receipt in outcome.receipts for w in receipt.warnings
            )
        )
        self.show_send(last.reference, errors, warnings)
        resendable = str(last.state) in ("unknown", "rejected", "cancelled") and not last.dry_run
        self.query_one("#resend", Button).display = resendable
        state = str(last.state)
        severity = "information" if state in ("accepted", "dry-run") else "warning"
        self.notify(f"{last.reference}: {state}", severity=severity)
        if self._refresher is None:
            self._refresher = self.set_interval(1.5, self._refresh_result)

    _refresher: Any = None
