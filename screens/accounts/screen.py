"""Accounts (F8): list, add, edit, check and remove provider accounts and their secrets.

Every keyring, file-store and config operation runs in a worker, the blocking parts in threads
(``asyncio.to_thread``, in ``tui.accounts.changes``) with the keyring's time limit, so a locked or
hung keyring leaves the console responsive and ends as a clear message. Changes are serialised by
one lock: a save never interleaves with a removal. The file store's passphrase is asked in a
dialog and kept in memory (in the session's ``Credentials``) until the console exits.

Errors are worded by ``tui.errors.describe``; statuses and notifications are plain text, never
markup, since they quote check verdicts and provider codes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from rich.markup import escape
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.widgets import DataTable, Static

from providers.base import provider_info
from screens.accounts.form import AccountDraft, AccountForm, passphrase_prompt
from screens.accounts.table import AccountsTable
from screens.base import ModeScreen
from screens.dialogs.common import ConfirmDialog
from screens.widgets.account_bar import AccountBar
from tui.accounts import changes
from tui.accounts import config as config_module
from tui.accounts.check import (
    CheckResult,
    CheckStatus,
    check_provider,
    check_with_secret,
    secret_failure,
)
from tui.accounts.config import Account, ConfigError
from tui.accounts.credentials import (
    CredentialError,
    PassphrasePrompt,
    env_var_name,
    read_secret,
    secret_from_env,
    unlock_file_store,
)
from tui.accounts.os_keyring import KeyringState
from tui.errors import describe, visible

STORE_NAMES = {"keyring": "the OS keyring", "file": "the encrypted file", "env": "the environment"}
CHECK_STYLE = {CheckStatus.OK: "green", CheckStatus.UNVERIFIED: "yellow", CheckStatus.FAILED: "red"}
CHECK_SEVERITY: dict[CheckStatus, SeverityLevel] = {
    CheckStatus.OK: "information",
    CheckStatus.UNVERIFIED: "warning",
    CheckStatus.FAILED: "error",
}


class AccountsScreen(ModeScreen):
    MODE_TITLE = "Accounts"
    DEFAULT_CSS = """
    AccountsScreen #accounts-notice { height: auto; padding: 0 1; color: $text-muted; }
    AccountsScreen #accounts-table { height: 1fr; }
    AccountsScreen #accounts-status { height: auto; max-height: 4; padding: 0 1; }
    """
    BINDINGS = [
        # Kept out of the footer, which keeps its 80 columns for the modes: the keys line above
        # the table and the palette list them.
        Binding("a", "add_account", "Add", id="accounts.add", show=False),
        Binding("e", "edit_account", "Edit", id="accounts.edit", show=False),
        Binding("c", "check_account", "Check", id="accounts.check", show=False),
        Binding("d", "make_default", "Default", id="accounts.default", show=False),
        Binding(
            "delete",
            "remove_account",
            "Remove",
            id="accounts.remove",
            key_display="Del",
            show=False,
        ),
        Binding("u", "unlock_file_store", "Unlock file", id="accounts.unlock", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.keyring: KeyringState | None = None
        self._changes = asyncio.Lock()
        self._demo_checks: dict[str, str] = {}

    # -- layout -----------------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        yield Static("", id="accounts-notice")
        yield AccountsTable(id="accounts-table")
        yield Static("", id="accounts-status")

    def on_mount(self) -> None:
        self.fill_table()
        self.show_notice()
        if not self.session.demo:
            self.look_up_keyring()

    def on_screen_resume(self) -> None:
        self.fill_table(self.selected())
        self.show_notice()

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [
            ("Add account", "Add a provider account and its secret", self.action_add_account),
            ("Edit account", "Change the selected account", self.action_edit_account),
            ("Check account", "Authenticate the selected account", self.action_check_account),
            ("Make default account", "Use it first", self.action_make_default),
            ("Remove account", "Remove it and its secret", self.action_remove_account),
            ("Unlock file store", "Give its passphrase", self.action_unlock_file_store),
        ]

    # -- display ----------------------------------------------------------------------------------
    def fill_table(self, select: str | None = None) -> None:
        self.query_one(AccountsTable).fill(self.session, self._demo_checks, select)
        if not self.session.accounts:
            self.status(Text.from_markup("No account yet: press [b]a[/b] to add one."))

    def show_notice(self) -> None:
        notice = self.query_one("#accounts-notice", Static)
        if self.session.demo:
            notice.update(
                "Demo mode: the built-in sandbox accounts, read-only here. Check works; "
                "nothing leaves this machine. (* marks the default account.)\n"
                "Keys: [b]c[/b] check"
            )
            return
        credentials = self.session.credentials
        keyring = self.keyring.description if self.keyring else "OS keyring: looking…"
        if not credentials.file_store_exists:
            files = "encrypted file store: not created yet"
        elif credentials.file_store_unlocked:
            files = "encrypted file store: unlocked for this session"
        else:
            files = "encrypted file store: locked (u to unlock)"
        notice.update(
            escape(f"{keyring} · {files} · * marks the default account")
            + "\nKeys: [b]a[/b] add · [b]e[/b]/Enter edit · [b]c[/b] check · [b]Del[/b] remove"
            " · [b]d[/b] default · [b]u[/b] unlock the file store"
        )

    def status(self, message: str | Text, style: str = "") -> None:
        """Plain text (never markup), in ``style``; a ``Text`` for our own emphasis."""
        text = message.copy() if isinstance(message, Text) else Text(visible(message))
        if style:
            text.stylize(style)
        self.query_one("#accounts-status", Static).update(text)

    def selected(self) -> str | None:
        return self.query_one(AccountsTable).selected(self.session)

    def _selected_account(self) -> Account | None:
        name = self.selected()
        if name is None:
            self.notify("Select an account first (or press a to add one).", severity="warning")
            return None
        return self.session.accounts[name]

    def _refuse_in_demo(self, what: str) -> bool:
        """In demo mode, say why ``what`` cannot be done, where the key was pressed (the status
        line and a notification), and return True. The key is never silently ignored."""
        if self.session.demo:
            message = (
                f"{what}: the demo accounts are built in and read-only. Only c (check) works "
                "here; your own accounts are managed in porte-voix without --demo."
            )
            self.status(message, "yellow")
            self.notify(message, title="Demo", severity="warning", markup=False)
        return self.session.demo

    def ask(self) -> PassphrasePrompt:
        return passphrase_prompt(self.app)

    def accounts_changed(self, select: str | None = None) -> None:
        """After a change on disk: the session, the header's account and the table follow."""
        self.session.reload_accounts()
        app = self.porte_voix
        if app.current_account not in self.session.accounts:
            default = self.session.default_account()
            app.current_account = default.name if default else None
        self.query_one(AccountBar).refresh_bar()
        self.fill_table(select)
        self.show_notice()

    def failed(self, what: str, exc: Exception) -> None:
        message = describe(exc).message
        self.status(f"{what}: {message}", "red")
        self.notify(message, title=what, severity="error", timeout=8, markup=False)

    # -- actions ----------------------------------------------------------------------------------
    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit_account()

    def action_add_account(self) -> None:
        if self._refuse_in_demo("Add"):
            return
        form = AccountForm(existing=self.session.accounts, keyring=self.keyring)
        self.app.push_screen(form, self._form_done(None))

    def action_edit_account(self) -> None:
        if self._refuse_in_demo("Edit"):
            return
        account = self._selected_account()
        if account is None:
            return
        default = self.session.default_account()
        form = AccountForm(
            account=account,
            keyring=self.keyring,
            is_default=default is not None and default.name == account.name,
        )
        self.app.push_screen(form, self._form_done(account))

    def _form_done(self, original: Account | None) -> Callable[[AccountDraft | None], None]:
        def done(draft: AccountDraft | None) -> None:
            if draft is not None:
                self.save_account(draft, original)

        return done

    def action_check_account(self) -> None:
        account = self._selected_account()
        if account is not None:
            self.check_account(account)

    def action_make_default(self) -> None:
        account = None if self._refuse_in_demo("Default") else self._selected_account()
        if account is not None:
            self.make_default(account.name)

    def action_remove_account(self) -> None:
        account = None if self._refuse_in_demo("Remove") else self._selected_account()
        if account is None:
            return
        env = env_var_name(account.name)
        warning = "The secret is deleted with it." if account.secret_store != "env" else None
        if secret_from_env(account.name):
            warning = (warning or "") + f" {env} stays set: porte-voix cannot unset it."
        dialog = ConfirmDialog(
            f"Remove the account {account.name}?",
            [
                ("Provider", provider_info(account.provider).label),
                ("Login", account.login or "—"),
                ("Secret in", STORE_NAMES[account.secret_store]),
            ],
            [("remove", "Remove", "error")],
            warning=warning,
        )

        def confirmed(choice: str | None) -> None:
            if choice == "remove":
                self.remove_account(account)

        self.app.push_screen(dialog, confirmed)

    def action_unlock_file_store(self) -> None:
        if self._refuse_in_demo("Unlock"):
            return
        credentials = self.session.credentials
        if not credentials.file_store_exists:
            self.notify("There is no file store yet: it is created when a secret is saved in it.")
        elif credentials.file_store_unlocked:
            self.notify("The file store is already unlocked for this session.")
        else:
            self.unlock()

    # -- workers ----------------------------------------------------------------------------------
    @work(group="accounts-keyring")
    async def look_up_keyring(self) -> None:
        self.keyring = await asyncio.to_thread(self.session.credentials.keyring_state)
        self.show_notice()

    @work(group="accounts")
    async def unlock(self) -> None:
        try:
            await unlock_file_store(self.session.credentials, self.ask())
        except CredentialError as exc:
            self.failed("File store still locked", exc)
        else:
            self.status("The encrypted file store is unlocked for this session.", "green")
        self.show_notice()
        self.fill_table(self.selected())

    @work(group="accounts")
    async def save_account(self, draft: AccountDraft, original: Account | None) -> None:
        account = draft.account
        self.status(f"Saving {account.name}…")
        async with self._changes:
            try:
                await changes.save_account(
                    self.session.credentials,
                    account,
                    draft.secret,
                    original=original,
                    make_default=draft.make_default,
                    ask=self.ask(),
                )
            except (ConfigError, CredentialError, OSError) as exc:
                self.failed(f"{account.name} not saved", exc)
                self.show_notice()
                return
        self.accounts_changed(account.name)
        where = STORE_NAMES[account.secret_store]
        self.status(f"{account.name} saved; its secret is in {where}.", "green")
        self.notify(f"{account.name} saved.", title="Accounts", markup=False)

    @work(group="accounts")
    async def remove_account(self, account: Account) -> None:
        self.status(f"Removing {account.name}…")
        async with self._changes:
            try:
                removal = await changes.remove_account(self.session.credentials, account)
            except (ConfigError, CredentialError, OSError) as exc:
                self.failed(f"{account.name} not removed", exc)
                return
        self.accounts_changed()
        secret = {
            "deleted": f"its secret was deleted from {STORE_NAMES[account.secret_store]}",
            "absent": "no stored secret was found",
            "environment": "it kept no stored secret",
        }[removal]
        self.status(f"{account.name} removed; {secret}.", "green")

    @work(group="accounts")
    async def make_default(self, name: str) -> None:
        async with self._changes:
            try:
                await changes.make_default(name)
            except (ConfigError, OSError) as exc:
                self.failed("Default not changed", exc)
                return
        self.accounts_changed(name)
        self.status(f"{name} is the default account.", "green")

    @work(group="accounts-check")
    async def check_account(self, account: Account) -> None:
        self.status(f"Checking {account.name}…")
        try:
            if self.session.demo:
                provider = await self.session.provider(account.name)
                result = await check_provider(account, provider)
            else:
                secret = await read_secret(self.session.credentials, account, self.ask())
                result = await check_with_secret(account, secret)
        except CredentialError as exc:
            result = secret_failure(account, exc)
        await self._record(result)

    async def _record(self, result: CheckResult) -> None:
        name = result.account
        text = result.last_check_text()
        if result.balance is not None:  # the check was a balance call: the header shows it
            store = self.session.store
            await asyncio.to_thread(store.record_balance, name, result.provider, result.balance)
            self.porte_voix.balance_changed()
        if self.session.demo:
            self._demo_checks[name] = text
        else:
            try:
                async with self._changes:
                    await asyncio.to_thread(config_module.record_check, name, text)
            except (ConfigError, OSError) as exc:
                self.failed("Check result not saved", exc)
            self.session.reload_accounts()
        self.fill_table(self.selected())
        self.show_notice()
        self.status(f"{name}: {result.headline()}: {result.message}", CHECK_STYLE[result.status])
        self.notify(
            result.message,
            title=f"{name}: {result.headline()}",
            severity=CHECK_SEVERITY[result.status],
            timeout=8,
            markup=False,
        )
