"""What every tab of the Templates screen shares: the account it works for, lazy loading, its
status line, and the way a failed call is reported.

The screen tells each pane the account chosen at the top (``set_account``); a pane loads when
it is shown and its data belongs to another account (``activate``), so switching account costs
one request for the visible tab only. Workers post ``screens.templates.messages``; a pane drops
an answer for an account that is no longer its own.
"""

from __future__ import annotations

import logging
from typing import ClassVar

from rich.text import Text
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from providers.base import Capability, Provider, provider_info
from providers.errors import InputError, ProviderError
from screens.host import host_app
from screens.templates.messages import ActionDone, ActionFailed
from tui.accounts.credentials import CredentialError
from tui.errors import describe, visible
from tui.session import Session
from tui.templates import UnsupportedAccount

#: Errors a call is expected to raise; anything else is logged with its traceback too.
EXPECTED = (ProviderError, InputError, CredentialError, UnsupportedAccount, OSError)

log = logging.getLogger(__name__)

NO_ACCOUNT = (
    "Templates, blacklists, replies and number look-ups are eCampaign services: add an "
    "eCampaign account (F8), or open the demo (porte-voix --demo)."
)


class AccountPane(Vertical):
    """A tab's content, working for one account at a time."""

    DEFAULT_CSS = """
    AccountPane { height: 1fr; }
    AccountPane .pane-row { height: 1; }
    AccountPane .pane-row Select { width: 22; }
    AccountPane .pane-row Input { width: 1fr; }
    AccountPane .pane-keys { height: 1; color: $text-muted; padding: 0 1; }
    AccountPane .pane-status { height: auto; max-height: 3; padding: 0 1; }
    AccountPane DataTable { height: 1fr; }
    """

    #: What the account must offer for this pane, and its name in messages.
    CAPABILITY: ClassVar[Capability] = Capability.TEMPLATES
    WHAT: ClassVar[str] = "templates"

    account: str | None = None
    #: The account the shown data belongs to (None: nothing loaded yet).
    loaded_for: str | None = None

    @property
    def session(self) -> Session:
        return host_app(self).session

    def set_account(self, name: str | None, *, visible_now: bool) -> None:
        if name == self.account:
            return
        self.account = name
        self.loaded_for = None
        self.clear()
        if visible_now:
            self.activate()

    def activate(self) -> None:
        """The tab is shown: load unless the shown data is the account's already."""
        if self.account is None:
            self.status(NO_ACCOUNT)
        elif not self.supported():
            label = provider_info(self.session.accounts[self.account].provider).label
            self.status(f"{label} offers no {self.WHAT}.")
        elif self.loaded_for != self.account:
            self.reload()

    def focus_main(self) -> None:
        """Focus what the tab is for: its table, or its first field when it has none."""
        tables = self.query(DataTable)
        (tables.first() if tables else self.query(Input).first()).focus()

    def supported(self) -> bool:
        account = self.session.accounts.get(self.account or "")
        return account is not None and bool(
            provider_info(account.provider).capabilities & self.CAPABILITY
        )

    def reload(self) -> None:
        """Fetch afresh (a worker); subclasses override."""

    def clear(self) -> None:
        """Forget what belonged to the previous account; subclasses override."""

    async def provider(self) -> Provider:
        if self.account is None:
            raise UnsupportedAccount("choose an eCampaign account first")
        return await self.session.provider(self.account)

    def mine(self, account: str) -> bool:
        """Whether an answer fetched for ``account`` still belongs on this pane."""
        return account == self.account

    # -- reporting -------------------------------------------------------------------------------
    def status(self, message: str | Text, style: str = "") -> None:
        """Plain text (never markup), in ``style``; a ``Text`` for our own emphasis."""
        text = message.copy() if isinstance(message, Text) else Text(visible(message))
        if style:
            text.stylize(style)
        self.query_one(".pane-status", Static).update(text)

    def failed(self, account: str, title: str, exc: Exception, hint: str | None = None) -> None:
        """Post the failure of a call made for ``account`` (from a worker)."""
        if not isinstance(exc, EXPECTED):
            log.error("%s: %s failed", account, title, exc_info=exc)
        self.post_message(ActionFailed(account, title, exc, hint))

    def on_action_failed(self, event: ActionFailed) -> None:
        if not self.mine(event.account):
            return
        message = describe(event.error).message
        if event.hint:
            message += f". {event.hint}"
        self.status(f"{event.title}: {message}", "red")
        self.notify(message, title=event.title, severity="error", timeout=10, markup=False)

    def on_action_done(self, event: ActionDone) -> None:
        if not self.mine(event.account):
            return
        self.status(event.message, "green")
        self.notify(visible(event.message), title=self.WHAT.capitalize(), markup=False)
        self.reload()
