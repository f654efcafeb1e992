"""What every mode screen shares: the account bar on top, the footer of keys below."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Collapsible, Footer, Input, Select, TextArea
from textual.widgets._footer import FooterKey

from screens.host import HostApp, host_app
from screens.widgets.account_bar import AccountBar
from tui.session import Session

#: Borderless form widgets: 80×24 over SSH has no line to spare.
COMPACT_TYPES = (Input, Select, TextArea, Button, Checkbox)
COMPACT_QUERY = "Input, Select, TextArea, Button, Checkbox"
#: The class Textual's ``compact`` reactive toggles on these widgets (its CSS keys on it).
COMPACT_CLASS = "-textual-compact"
#: The class a collapsed ``Collapsible`` has (its CSS hides its contents with it).
COLLAPSED_CLASS = "-collapsed"


def compact_before_mount(widget: Widget) -> None:
    """``widget.compact = True``, for a widget not mounted yet, without restyling it.

    Set on a mounted widget, ``compact`` restyles the widget and all its children at once (a
    Select is six nodes); a screen of form fields paid that a dozen times on its first paint.
    Set before the mount, the widget is styled once, compact, when it is mounted.
    """
    widget.set_reactive(type(widget).compact, True)  # type: ignore[attr-defined]
    widget.add_class(COMPACT_CLASS, update=False)


def collapsed_before_mount(collapsible: Collapsible) -> Collapsible:
    """``collapsible``, given now the class Textual adds when a collapsed one mounts.

    Added on mount, the class restyles the Collapsible and all it holds a second time (the
    composer's options: two dozen nodes); given before, they are styled once, already collapsed.
    """
    if collapsible.collapsed:
        collapsible.add_class(COLLAPSED_CLASS, update=False)
    return collapsible


class ModeFooter(Footer):
    """Textual's footer, rebuilt once for a burst of binding changes, not once per change.

    Each change of the screen's bindings makes Textual's footer recompose after the next
    refresh, a change at a time: a screen opened by switch_mode is resumed twice, so its footer
    was built twice before the first paint (and each of its keys styled twice). Here the
    changes until that refresh share one recompose, made from the bindings as they then stand.
    """

    _recompose_pending = False

    def compose(self) -> ComposeResult:
        # A key takes the footer's compact class when it mounts, which restyles it; given
        # before, each key is styled once.
        for widget in super().compose():
            if self.compact and isinstance(widget, FooterKey):
                widget.add_class("-compact", update=False)
            yield widget

    def bindings_changed(self, screen: Screen[object]) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen and not self._recompose_pending:
            self._recompose_pending = True
            self.call_after_refresh(self._recompose_once)

    async def _recompose_once(self) -> None:
        self._recompose_pending = False
        await self.recompose()


def _is_mode_binding(active: ActiveBinding) -> bool:
    """The app's F1–F8 bindings (ids ``mode.<name>``, keys ``f1``…``f8``)."""
    return (active.binding.id or "").startswith("mode.") and active.binding.key[1:].isdigit()


class ModeScreen(Screen[None]):
    """Base of the screens the app switches between with F1–F8."""

    MODE_TITLE = ""

    def compose(self) -> ComposeResult:
        yield AccountBar(self.MODE_TITLE)
        # Every widget a screen yields passes here (those inside its ``with`` blocks too),
        # before it is mounted: the form fields among them are made compact now.
        for widget in self.compose_body():
            if isinstance(widget, COMPACT_TYPES):
                compact_before_mount(widget)
            yield widget
        yield ModeFooter(compact=True)

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    #: Whether the screen was ever put aside (another mode, or a dialog over it).
    _suspended = False

    @on(events.ScreenSuspend)
    def _note_suspended(self) -> None:
        self._suspended = True

    @on(events.ScreenResume)
    def _keep_fresh_styles(self, event: events.ScreenResume) -> None:
        # Runs before Textual's own resume handler (a subclass's handlers come first). A screen
        # opened by switch_mode is resumed twice before its first paint, and each resume
        # restyles every node: twice the cost of mounting it, for nothing, since each node was
        # styled as it mounted and every change since restyled what it touched. A screen
        # coming back from being suspended is restyled as Textual does.
        if not self._suspended:
            event.refresh_styles = False

    def on_mount(self) -> None:
        # The fields compose did not yield one by one (given to a container as arguments, or
        # made by a widget's own compose): compact now. A field already compact costs nothing.
        for widget in self.query(COMPACT_QUERY):
            if not widget.compact:  # type: ignore[attr-defined]
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
