"""The result of a send in a composer, kept current, and the knowing resend.

A resend is the only way an unknown or refused send goes out again, and it always asks a second
time, saying when the provider may already have delivered it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from textual import work

from providers.errors import InputError, ProviderError
from screens.dialogs.common import ConfirmDialog
from screens.widgets.send_panel import SHOWN_ROWS, SendPanel
from tui.accounts.credentials import CredentialError
from tui.outbox.store import StoreError
from tui.sending.orchestrate import group_in_resend, resend

if TYPE_CHECKING:
    from tui.session import Session

log = logging.getLogger(__name__)


class ResultsAndResend:
    """Mixed into ``ComposeScreen``, which provides the attributes declared here."""

    session: Session
    busy: bool
    last_reference: str | None
    cancel_event: asyncio.Event | None

    if TYPE_CHECKING:

        def query_one(self, selector: Any, expect_type: Any = None) -> Any: ...
        def notify(self, message: str, **kwargs: Any) -> None: ...
        def _error(self, title: str, exc: BaseException) -> None: ...
        def _after_send(self, account: Any, outcomes: list[Any]) -> None: ...
        def describe_group(self, target: Any) -> str: ...

        @property
        def app(self) -> Any: ...

    def show_send(
        self, reference: str, errors: list[str] | None = None, warnings: list[str] | None = None
    ) -> None:
        store = self.session.store
        row = store.get_send(reference)
        if row is None:
            return
        panel = self.query_one(SendPanel)
        rows = store.recipients(reference, limit=SHOWN_ROWS)
        panel.show_result(row, rows, errors or [], warnings or [])
        panel.scroll_visible(top=True)

    def _refresh_result(self) -> None:
        """Delivery reports arrive in the store; keep the result table current."""
        if self.last_reference is not None and self.cancel_event is None:
            rows = self.session.store.recipients(self.last_reference, limit=SHOWN_ROWS)
            self.query_one(SendPanel).update_rows(rows)

    def action_resend(self) -> None:
        if self.busy:
            self.notify("A send is in progress: wait for it, or cancel it with Escape.")
            return
        if self.last_reference is None:
            self.notify("Nothing to resend: send something first.")
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
            self.busy = False

    async def _resend(self, reference: str) -> None:
        store = self.session.store
        row = store.get_send(reference)
        if row is None or str(row.state) not in ("unknown", "rejected", "cancelled"):
            self.notify("Only unknown, rejected or cancelled sends can be resent.")
            return
        account = self.session.accounts.get(row.account)
        if account is None:
            self.notify(f"The account {row.account} is no longer configured.", severity="error")
            return
        pending = row.recipients_total - row.accepted
        never_sent = pending - row.unknown  # refused, cancelled or never requested
        stored = store.message_of(reference)
        group = getattr(stored, "group", None)

        def reach(skip_unknown: bool) -> str:
            if skip_unknown:
                text = f"{never_sent} never requested or refused (none can get it twice)"
            else:
                text = f"{pending} not known to be accepted"
            if group is not None and group_in_resend(store, reference, skip_unknown=skip_unknown):
                text += f", and the whole of {self.describe_group(group)}"
            return text

        buttons = [("resend", "Resend anyway", "error")]
        lines = [
            ("Send", f"{reference} ({row.state}) of {row.created_at:%Y-%m-%d %H:%M}"),
            ("Account", row.account),
            ("Recipients", reach(skip_unknown=False)),
        ]
        if str(row.state) == "unknown":
            warning = (
                "The provider may ALREADY have sent this message: resending may deliver it twice."
            )
            if row.unknown and never_sent:
                # The safe way on after an unknown outcome: only numbers that cannot get it twice.
                buttons.insert(0, ("resend-unsent", f"Only the {never_sent} never sent", "primary"))
                lines.append(("Never sent", reach(skip_unknown=True)))
        else:
            warning = "The recipients not accepted the first time will be sent the message again."
        choice = await self.app.push_screen_wait(
            ConfirmDialog(f"Resend {reference}?", lines, buttons, warning=warning)
        )
        if choice not in ("resend", "resend-unsent"):
            return
        skip_unknown = choice == "resend-unsent"
        panel = self.query_one(SendPanel)
        panel.start(never_sent if skip_unknown else pending, f"a resend of {reference}")
        self.cancel_event = asyncio.Event()
        try:
            provider = await self.session.provider(account.name)
            outcome = await resend(
                store,
                provider,
                reference,
                skip_unknown=skip_unknown,
                progress=panel.show_progress,
                cancel=self.cancel_event,
            )
        except (InputError, ProviderError, StoreError, CredentialError) as exc:
            self._error("Resend failed", exc)
            return
        finally:
            self.cancel_event = None
        self._after_send(account, [outcome])
