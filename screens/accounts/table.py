"""The accounts table of the Accounts screen: one row per account, keyed by its name.

Every cell is ``Text`` (never markup); the last check may quote a provider's code, so it is shown
with its control characters made visible.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from rich.text import Text
from textual.widgets import DataTable

from providers.base import provider_info
from tui.accounts.check import CheckStatus
from tui.accounts.config import Account
from tui.errors import visible
from tui.session import Session

COLUMNS = ("Name", "Provider", "Login", "Secret", "Last check")
#: The last check's outcome word (a CheckStatus, or a provider's code) -> its colour.
LAST_CHECK_STYLE = {CheckStatus.OK: "green", CheckStatus.UNVERIFIED: "yellow", "never": "dim"}


def storage(session: Session, account: Account) -> str:
    """Where the secret is read from, saying so when the environment overrides the store."""
    if session.demo:
        return "demo"
    source = session.credentials.source(account)
    if source == "env" and account.secret_store != "env":
        return f"env (over {account.secret_store})"
    return source


def last_check(text: str | None) -> Text:
    """``2026-11-22 10:00 ok`` as ``11-22 10:00 ok`` this year, coloured by its outcome."""
    text = text or "never"
    outcome = text.rsplit(" ", 1)[-1]
    this_year = f"{datetime.now():%Y}-"
    if text.startswith(this_year):
        text = text[len(this_year) :]  # the year only when it is not this one: 80 columns
    return Text(visible(text), style=LAST_CHECK_STYLE.get(outcome, "red"))


class AccountsTable(DataTable[Text]):
    """The session's accounts; ``*`` marks the default one."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)

    def fill(
        self, session: Session, checks: Mapping[str, str] | None = None, select: str | None = None
    ) -> None:
        """All rows afresh; ``checks`` overrides the recorded last checks (demo accounts are
        not saved); the cursor goes to ``select`` when it is listed."""
        checks = checks or {}
        self.clear()
        if not self.columns:  # here, not in on_mount: the screen may fill the table first
            for label in COLUMNS:
                self.add_column(label, key=label.lower())
        default = session.default_account()
        for name, account in session.accounts.items():
            mark = "* " if default is not None and default.name == name else "  "
            self.add_row(
                Text(mark + name),
                Text(provider_info(account.provider).label.split(" (")[0]),  # fits 80 columns
                Text(account.login),
                Text(storage(session, account)),
                last_check(checks.get(name) or account.last_check),
                key=name,
            )
        names = list(session.accounts)
        if select in names:
            self.move_cursor(row=names.index(select))

    def selected(self, session: Session) -> str | None:
        """The name of the account under the cursor, if it is still one of the session's."""
        if self.row_count == 0:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return key if key in session.accounts else None
