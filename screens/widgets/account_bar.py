"""The line on top of every mode screen: the mode, the current account, its balance."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from providers.base import provider_info
from screens.host import host_app


class AccountBar(Static):
    """One line: the mode, the current account, its provider and its last known balance.

    It follows the host's ``current_account`` and ``balance_version``, so no screen has to tell
    it that either changed; ``refresh_bar()`` redraws it after an account is edited.
    """

    DEFAULT_CSS = """
    AccountBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(
        self,
        mode_title: str,
        *,
        name: str | None = None,
        # Screens and tests find the bar by this id.
        id: str | None = "account-bar",
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.mode_title = mode_title

    def on_mount(self) -> None:
        app = host_app(self)
        self.watch(app, "current_account", self.refresh_bar)
        self.watch(app, "balance_version", self.refresh_bar)

    def refresh_bar(self, _value: object = None) -> None:
        app = host_app(self)
        session = app.session
        # Text.append, not markup: account names are typed by the operator.
        bar = Text()
        if session.demo:
            bar.append(" DEMO ", style="bold reverse")
        else:
            bar.append("porte-voix", style="bold")
        bar.append(f" │ {self.mode_title} │ ")
        name = app.current_account
        if name is None or name not in session.accounts:
            bar.append("no account (F9 to choose, F8 to add)", style="italic")
        else:
            account = session.accounts[name]
            bar.append(name, style="bold")
            bar.append(f" · {provider_info(account.provider).label}")
            known = session.last_balance(name)
            if known is not None:
                bar.append(f" · balance {known.text} ({known.seen_at:%H:%M})")
            else:
                bar.append(" · balance unknown")
        self.update(bar)
