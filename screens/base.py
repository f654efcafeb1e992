"""What every mode screen shares: the account bar on top, the footer of keys below."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widgets import Footer, Static

from providers.base import provider_info
from screens.host import HostApp, host_app
from tui.session import Session


class AccountBar(Static):
    """One line: the mode, the current account, its provider and its last known balance."""

    DEFAULT_CSS = """
    AccountBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $foreground;
        padding: 0 1;
    }
    """

    def __init__(self, mode_title: str) -> None:
        super().__init__(id="account-bar")
        self.mode_title = mode_title

    def on_mount(self) -> None:
        app = host_app(self)
        self.watch(app, "current_account", self.refresh_bar)
        self.watch(app, "balance_version", self.refresh_bar)

    def refresh_bar(self, _value: object = None) -> None:
        app = host_app(self)
        session = app.session
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


def _is_mode_binding(active: ActiveBinding) -> bool:
    """The app's F1–F8 bindings (ids ``mode.<name>``, keys ``f1``…``f8``)."""
    return (active.binding.id or "").startswith("mode.") and active.binding.key[1:].isdigit()


class ModeScreen(Screen[None]):
    """Base of the screens the app switches between with F1–F8."""

    MODE_TITLE = ""

    def compose(self) -> ComposeResult:
        yield AccountBar(self.MODE_TITLE)
        yield from self.compose_body()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_mount(self) -> None:
        # Borderless form widgets: 80×24 over SSH has no line to spare.
        for widget in self.query("Input, Select, TextArea, Button, Checkbox"):
            widget.compact = True  # type: ignore[attr-defined]

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The footer's bindings, the modes first and in F-key order.

        A focused TextArea binds F6/F7 itself; the app's priority bindings win the key but keep the
        TextArea's place in Textual's merge, which would show "f6 f7 f1 f2 …" in the footer.
        """
        bindings = super().active_bindings
        modes = sorted(
            (key for key, active in bindings.items() if _is_mode_binding(active)),
            key=lambda key: int(key.removeprefix("f")),
        )
        ordered = {key: bindings[key] for key in modes}
        ordered.update((key, active) for key, active in bindings.items() if key not in ordered)
        return ordered

    @property
    def porte_voix(self) -> HostApp:
        """The running console, as much of it as a screen may use (see ``screens.host``)."""
        return host_app(self)

    @property
    def session(self) -> Session:
        return self.porte_voix.session
