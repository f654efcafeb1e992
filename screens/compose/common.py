"""What Compose SMS and Compose voice share beyond the form: confirmation, sending, results.

The screen builds the messages (``form``) and asks the operator (``confirm``); the send runs in
a worker through ``tui.sending``, the orchestration the CLI uses too (intent journalled before
the request, unknown outcomes never retried). The worker posts its news to the screen as
messages (``screens.messages``): progress after each batch, the result once. The confirmation
dialog focuses "Cancel", so no stray Enter ever spends money, offers a dry run, and warns when
the balance is or would go below its low-balance threshold. A resend of an unknown send asks a
second time; like a new send, it keeps to the French sending hours and the opt-out list. A
send that would repeat an unfinished one of the last 48 hours (same account and content,
numbers in common) asks once more, naming it and offering to show it instead (``show_send``,
also how a send recovered at start-up is opened). Delivery reports stored by the in-process
receiver (demo mode) refresh the result table as they arrive; nothing polls the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual import work
from textual.binding import Binding
from textual.widgets import Button

from providers.base import provider_info
from providers.errors import InputError, ProviderError
from providers.models import DeliveryEvent, SendReceipt
from screens.compose.form import ComposeForm, M
from screens.messages import DeliveriesStored, SendFinished, SendProgressed
from screens.widgets.send_panel import SHOWN_ROWS, SendPanel
from tui.accounts.credentials import CredentialError
from tui.errors import describe_text
from tui.outbox.store import SendState, StoreError

# tui.sending, the dialogs, confirm and results load with a send or result, not the first paint.
if TYPE_CHECKING:  # a name for an annotation: the receiver (aiohttp) loads only where it runs
    from tui.receiver import Receiver
    from tui.sending import SendProgress

log = logging.getLogger(__name__)


class ComposeScreen(ComposeForm[M]):
    """A composer: its form, then confirmation, sending, the result and the knowing resend."""

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
    ComposeScreen .option-row { height: auto; }
    ComposeScreen .option-label { width: 10; color: $text-muted; }
    ComposeScreen .option-row Input { width: 1fr; }
    ComposeScreen .option-row Select { width: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        #: Set while a send runs: Escape sets it, the send stops between requests.
        self.cancel_event: asyncio.Event | None = None
        #: The send whose result is shown (and that ctrl+r would resend).
        self.last_reference: str | None = None
        #: From the operator's ctrl+g until the send ends: no second send meanwhile.
        self.busy = False
        #: The receiver this screen listens to for delivery reports, once it showed a result.
        self._receiver: Receiver | None = None
        #: What the shown result says besides its rows: errors, remarks, the failures behind
        #: them (whether a resend can help), the replies (cost unit, a group's messages).
        self._said: tuple[list[str], list[str], list[BaseException]] = ([], [], [])
        self._receipts: tuple[SendReceipt, ...] = ()

    def on_unmount(self) -> None:
        if self._receiver is not None:
            self._receiver.listeners.remove(self._deliveries_stored)
            self._receiver = None

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send":
            self.action_send()
        elif event.button.id == "resend":
            self.action_resend()

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
        self.notify(escape(describe_text(exc)), title=title, severity="error", timeout=10)

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
            self.call_later(self._idle)

    async def _compose_and_send(self) -> None:
        from screens.compose import confirm
        from screens.dialogs import compliance
        from tui.sending import deliver, validate_all

        account = self.account
        if account is None:
            self.notify("Choose an account first (F9 or the list at the top).", severity="error")
            return
        await self.options_ready()  # the message and its rules read them
        try:
            messages = self.build_messages()
            provider = await self.session.provider(account.name)
            await validate_all(provider, messages)
        except (InputError, ProviderError, CredentialError) as exc:
            self._error("Not sent", exc)
            return
        info = provider_info(account.provider)
        # The French sending hours (a refusal offers the next allowed time) and the opt-out list.
        store = self.session.store
        checked = await compliance.within_rules(self, store, provider, messages)
        if checked is None:
            return
        messages[:] = checked  # perhaps scheduled at the next allowed time
        details = self.summary_lines(messages) + compliance.optout_lines(store, messages)
        parts = self.message_parts(messages)
        balance = await asyncio.to_thread(confirm.low_balance, store, account, messages, parts)
        question = confirm.send_confirmation(account.name, info, messages, details, balance=balance)
        choice = await self.app.push_screen_wait(question)
        if choice not in (confirm.SEND, confirm.DRY_RUN):
            return
        dry_run = choice == confirm.DRY_RUN
        if not dry_run and not await self._no_duplicate(account.name, messages):
            return
        total = sum(len(m.recipients) for m in messages)
        cancel = self._sending(total, "a dry run" if dry_run else "the message")
        try:
            delivery = await deliver(
                self.session.store,
                provider,
                account.name,
                messages,
                dry_run=dry_run,
                progress=self._progress,
                cancel=cancel,
                allow_duplicates=True,  # asked above
            )
        finally:
            self.cancel_event = None
        self.post_message(SendFinished(delivery, "Send failed"))

    async def _no_duplicate(self, account: str, messages: Sequence[M]) -> bool:
        """Whether the send may go: it repeats no unfinished send, or the operator said so."""
        from screens.compose import confirm
        from tui.sending.overlap import find_overlap

        overlap = await asyncio.to_thread(find_overlap, self.session.store, account, messages)
        if overlap is None:
            return True
        choice = await self.app.push_screen_wait(confirm.duplicate_confirmation(overlap))
        if choice == confirm.SHOW_EARLIER:
            self.show_send(overlap.send.reference)
        return choice == confirm.SEND_AGAIN

    def _sending(self, total: int, what: str) -> asyncio.Event:
        """Show that a send starts; return the event that Escape sets to cancel it."""
        panel = self.query_one(SendPanel)
        panel.start(total, what)
        panel.reveal()
        self.cancel_event = asyncio.Event()
        return self.cancel_event

    def _progress(self, progress: SendProgress) -> None:
        self.post_message(SendProgressed(progress))

    # -- resending -----------------------------------------------------------------------------
    def action_resend(self) -> None:
        if self.busy:
            self.notify("A send is in progress: wait for it, or cancel it with Escape.")
            return
        if self.last_reference is None:
            self.notify("Nothing to resend: send something first.")
            return
        from screens.compose.results import resend_offered

        row = self.session.store.get_send(self.last_reference)
        why_not = resend_offered(row, self._said[2]) if row is not None else None
        if why_not is not None:
            self.notify(f"No resend: {why_not}.", markup=False)
            return
        self.busy = True
        self.run_resend(self.last_reference)

    @work(group="send")
    async def run_resend(self, reference: str) -> None:
        try:
            await self._resend(reference)
        except Exception as exc:
            log.exception("resend failed")
            self.notify(
                f"The resend failed unexpectedly ({type(exc).__name__}); see the log file.",
                severity="error",
            )
        finally:
            self.call_later(self._idle)

    def _idle(self) -> None:
        # Queued behind the messages the worker posted: its result is on screen (and ctrl+r
        # knows what to resend) before another send may start.
        self.busy = False

    async def _resend(self, reference: str) -> None:
        from screens.compose import confirm
        from screens.dialogs import compliance
        from tui.sending import Delivery, plan_resend, resend
        from tui.sending.resend import resend_message

        await self.options_ready()  # the rules read the promotional box among them
        store = self.session.store
        plan = plan_resend(store, reference)
        if plan is None:
            self.notify("Only unknown, rejected or cancelled sends can be resent.")
            return
        account = self.session.accounts.get(plan.send.account)
        if account is None:
            self.notify(
                f"The account {plan.send.account} is no longer configured.", severity="error"
            )
            return
        try:
            provider = await self.session.provider(account.name)
            message = await asyncio.to_thread(resend_message, store, reference)
        except (ProviderError, StoreError, CredentialError) as exc:
            self._error("Resend failed", exc)
            return
        # The sending hours and the opt-out list as for a new send: a commercial resend waits
        # for its hours (or is scheduled at the next allowed time, where the provider can).
        checked = await compliance.message_within_rules(self, store, provider, message)
        if checked is None:
            return
        moved = checked.schedule if checked.schedule != message.schedule else None
        question = confirm.resend_confirmation(plan, schedule=moved)
        choice = await self.app.push_screen_wait(question)
        if choice not in (confirm.RESEND, confirm.RESEND_NEVER_SENT):
            return
        skip_unknown = choice == confirm.RESEND_NEVER_SENT
        total = plan.never_sent if skip_unknown else plan.pending
        cancel = self._sending(total, f"a resend of {reference}")
        try:
            outcome = await resend(
                store,
                provider,
                reference,
                skip_unknown=skip_unknown,
                schedule=moved,
                progress=self._progress,
                cancel=cancel,
            )
        except (InputError, ProviderError, StoreError, CredentialError) as exc:
            self._error("Resend failed", exc)
            return
        finally:
            self.cancel_event = None
        self.post_message(SendFinished(Delivery((outcome,)), "Resend failed"))

    # -- what the workers and the receiver say -------------------------------------------------
    def on_send_progressed(self, message: SendProgressed) -> None:
        self.query_one(SendPanel).show_progress(message.progress)

    def on_send_finished(self, message: SendFinished) -> None:
        from screens.dialogs import compliance

        delivery = message.delivery
        if delivery.error is not None:
            self._error(message.failure_title, delivery.error)
        last = delivery.last
        if last is not None:
            self.last_reference = last.reference
            if last.balance is not None:
                self.porte_voix.balance_changed()
            # The provider's remarks on an accepted send (sender shortened, date moved, a dry
            # run that was not one): the operator must see them, not only the log.
            errors = [describe_text(error) for error in delivery.errors]
            notes = delivery.warnings + compliance.optout_notes(delivery)
            failures: list[BaseException] = list(delivery.errors)
            if delivery.error is not None:
                failures.append(delivery.error)
            self._said = (errors, notes, failures)
            self._receipts = delivery.receipts
            self._show_result(last.reference)
            self.query_one(SendPanel).focus_results()
            good = last.state in (SendState.ACCEPTED, SendState.DRY_RUN)
            self.notify(
                f"{last.reference}: {last.state}", severity="information" if good else "warning"
            )
            self._listen_for_deliveries()
        if delivery.not_sent:
            self.notify(
                f"{len(delivery.not_sent)} personalised message(s) to "
                f"{delivery.not_sent_recipients} recipient(s) were NOT sent (the send stopped); "
                f"they are in the outbox as cancelled ({', '.join(delivery.not_sent)}) and can "
                "be resent knowingly.",
                severity="warning",
                timeout=20,
            )

    def show_send(self, reference: str) -> None:
        """Show a stored send's result here (one recovered at start-up, one a new send would
        repeat), so that ctrl+r can finish it knowingly."""
        row = self.session.store.get_send(reference)
        if row is None:
            return
        if reference != self.last_reference:
            self._said, self._receipts = ([], [], []), ()
        self.last_reference = reference
        self._show_result(reference)
        self._listen_for_deliveries()

    def _show_result(self, reference: str, *, scroll: bool = True) -> None:
        """The send's result, its totals and notes, and the resend button if it can help;
        ``scroll``: bring it into view (not when a report refreshes what the operator reads)."""
        from screens.compose.results import resend_offered, result_context

        store = self.session.store
        row = store.get_send(reference)
        if row is None:
            return
        rows = store.recipients(reference, limit=SHOWN_ROWS)
        blank = not any(recipient.delivery_state for recipient in rows)
        context = result_context(store, row, blank=blank, receipts=self._receipts)
        errors, warnings, failures = self._said
        panel = self.query_one(SendPanel)
        panel.show_result(row, rows, errors, warnings, context)
        self.query_one("#resend", Button).display = resend_offered(row, failures) is None
        if scroll:
            panel.reveal()

    def _listen_for_deliveries(self) -> None:
        """From the first result on, delivery reports refresh it (no receiver: nothing to hear)."""
        receiver = self.session.receiver
        if receiver is not None and self._receiver is None:
            receiver.listeners.append(self._deliveries_stored)
            self._receiver = receiver

    def _deliveries_stored(self, _account: str, _events: Sequence[DeliveryEvent]) -> None:
        # Called by the receiver, before it answers the provider: only post, never redraw here.
        self.post_message(DeliveriesStored())

    def on_deliveries_stored(self, _message: DeliveriesStored) -> None:
        """Keep the result table current; during a send the panel shows its progress instead.
        A report that settled an unknown outcome changes the send's state: shown again whole,
        the resend button with it."""
        if self.last_reference is not None and self.cancel_event is None:
            store = self.session.store
            row = store.get_send(self.last_reference)
            panel = self.query_one(SendPanel)
            context = panel.context
            # Shown again whole when its state changed, or when what it shows comes from
            # elsewhere than its rows (campaign totals, a group's reports).
            whole = context is not None and (
                context.totals is not None or context.group is not None or panel.blank
            )
            if row is not None and (row.state is not panel.shown_state or whole):
                self._show_result(self.last_reference, scroll=False)
                return
            rows = store.recipients(self.last_reference, limit=SHOWN_ROWS)
            panel.update_rows(rows)
