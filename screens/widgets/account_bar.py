"""The line on top of every mode screen: the mode, the current account, its balance."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from providers.base import Capability, provider_info
from screens.host import host_app
from tui.errors import visible
from tui.outbox.balances import API, KnownBalance, balance_for


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

    def on_resize(self) -> None:
        self.refresh_bar()

    def refresh_bar(self, _value: object = None) -> None:
        """Redraw the line, fitted to the width: at 80 columns over SSH the whole of it does
        not fit, so the least useful parts go first (the provider's name, then the mode's),
        then the account's name is shortened; the balance, last on the line, always shows."""
        width = self.content_size.width
        self._known: KnownBalance | None = self._fitting_balance()  # read once per redraw
        bar = self._line(provider=True, mode=True)
        if width and bar.cell_len > width:
            bar = self._line(provider=False, mode=True)
        if width and bar.cell_len > width:
            bar = self._line(provider=False, mode=False)
        if width and bar.cell_len > width:
            bar = self._line(provider=False, mode=False, shorten=bar.cell_len - width)
        self.update(bar)

    def _line(self, *, provider: bool, mode: bool, shorten: int = 0) -> Text:
        """The bar's text; ``shorten`` cuts that many cells off the account's name."""
        app = host_app(self)
        session = app.session
        # Text.append, not markup: account names are typed by the operator.
        bar = Text(no_wrap=True, overflow="ellipsis")
        if session.demo:
            bar.append(" DEMO ", style="bold reverse")
        else:
            bar.append("porte-voix", style="bold")
        bar.append(f" │ {self.mode_title} │ " if mode else " │ ")
        name = app.current_account
        if name is None or name not in session.accounts:
            bar.append("no account (F9 to choose, F8 to add)", style="italic")
        else:
            account = session.accounts[name]
            shown = name if not shorten else name[: max(len(name) - shorten - 1, 1)] + "…"
            bar.append(shown, style="bold")
            if provider:
                bar.append(f" · {provider_info(account.provider).label}")
            self._balance(bar, where=provider)
        return bar

    def _fitting_balance(self) -> KnownBalance | None:
        """The balance that fits the screen (its channel: SMS on Compose SMS, voice on Compose
        voice; the route or SMS type the account sends through)."""
        app = host_app(self)
        account = app.session.accounts.get(app.current_account or "")
        if account is None:
            return None
        capability = getattr(self.screen, "CAPABILITY", None)
        channel = "voice" if capability is Capability.VOICE else None
        if capability is Capability.SMS:
            channel = "sms"
        return balance_for(app.session.store.balances(account.name), account, channel)

    def _balance(self, bar: Text, *, where: bool) -> None:
        """The balance, when and where it was seen, and LOW below its threshold."""
        line = getattr(self, "_known", None)
        if line is None:
            bar.append(" · balance unknown")
            return
        if line.low:
            bar.append(" · ")
            bar.append(f"LOW {visible(line.short())}", style="bold reverse")
        else:
            bar.append(f" · {visible(line.short())}")
        seen = line.seen_at.astimezone()
        source = ("call" if line.source == API else "send reply") if where else ""
        bar.append(f" ({seen:%H:%M}{' ' + source if source else ''})")
