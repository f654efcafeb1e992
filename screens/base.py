"""What every mode screen shares: the account bar on top, the footer of keys below."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widgets import Footer

from screens.host import HostApp, host_app
from screens.widgets.account_bar import AccountBar
from tui.session import Session


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
