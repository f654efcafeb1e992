"""The Textual application: modes, keys, command palette, and the session behind them.

This is the composition root: the only tui module that imports screens.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Iterable
from functools import partial
from typing import cast

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

from providers.models import Channel
from screens.host import HostApp
from screens.styles_cache import FILE_NAME as STYLES_FILE
from screens.styles_cache import StylesCache
from tui.session import Session

log = logging.getLogger(__name__)

#: (mode, key, footer label, palette title, palette help)
MODE_TABLE: tuple[tuple[str, str, str, str, str], ...] = (
    ("sms", "f1", "SMS", "Compose SMS", "Write and send an SMS"),
    ("voice", "f2", "Voice", "Compose voice", "Send a voice message or a text-to-speech call"),
    ("groups", "f3", "Groups", "Groups", "eCampaign groups and members"),
    ("templates", "f4", "Tmpl", "Templates", "Templates, blacklists, replies, look-ups"),
    ("credits", "f5", "Credit", "Credits", "Balances and credits"),
    ("history", "f6", "Hist", "History", "Every send and its outcome"),
    ("live", "f7", "Live", "Live", "Delivery reports as they arrive"),
    ("accounts", "f8", "Accts", "Accounts", "Add, edit, check and remove accounts"),
)


#: Each mode's screen, as (module, class): a module loads when its mode first opens, so a
#: start pays for the first screen only (its imports and its styles), not for all eight.
SCREENS: dict[str, tuple[str, str]] = {
    "sms": ("screens.compose.sms", "ComposeSmsScreen"),
    "voice": ("screens.compose.vms", "ComposeVmsScreen"),
    "groups": ("screens.groups.screen", "GroupsScreen"),
    "templates": ("screens.templates.screen", "TemplatesScreen"),
    "credits": ("screens.credits.screen", "CreditsScreen"),
    "history": ("screens.history.screen", "HistoryScreen"),
    "live": ("screens.live.screen", "LiveScreen"),
    "accounts": ("screens.accounts.screen", "AccountsScreen"),
}


def _opener(mode: str) -> Callable[[], Screen[object]]:
    """What Textual calls to make ``mode``'s screen, the first time it opens."""
    module, name = SCREENS[mode]

    def make() -> Screen[object]:
        screen: Screen[object] = getattr(importlib.import_module(module), name)()
        # Made now, it is styled from the stylesheet as it stands now. Textual counts the
        # stylesheet's changes per screen, and a count behind the app's (a new screen's 0)
        # makes switch_mode parse every CSS source again and restyle the app, twice (once
        # when the mode is made, once when it is shown), for nothing. A theme changed later
        # still restyles this screen as any other.
        screen._css_update_count = screen.app._css_update_count
        return screen

    return make


class PorteVoixApp(HostApp):
    """The console: its modes, keys and palette; what screens see of it lives in ``HostApp``."""

    TITLE = "porte-voix"
    CSS_PATH = "app.tcss"
    MODES = {mode: _opener(mode) for mode in SCREENS}
    BINDINGS = [
        *(
            # priority: a focused TextArea would otherwise take F6/F7 (select line/all).
            Binding(key, f"app.switch_mode('{mode}')", label, id=f"mode.{mode}", priority=True)
            for mode, key, label, _title, _help in MODE_TABLE
        ),
        # Shown in the palette and the README; the footer keeps its width for the modes.
        Binding("f9", "app.pick_account", "Account", id="app.account", show=False),
        Binding("f10", "app.quit", "Quit", id="app.quit", show=False),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        # The rules the last start parsed from the CSS, given to the stylesheet before anything
        # is styled; this start's are saved once its first screen is made (``on_mount``).
        self._styles_cache = StylesCache(
            session.credentials.data_dir / STYLES_FILE, self.get_css_variables()
        )
        self._styles_cache.load(self.stylesheet)

    async def on_mount(self) -> None:
        # The encrypted file store asks its passphrase in a dialog (from workers only). The cast:
        # App's return type is invariant and the prompt takes Textual's usual App[object]; it only
        # pushes a screen, which does not depend on what the app returns.
        from screens.accounts.passphrase import passphrase_prompt

        self.session.ask_passphrase = passphrase_prompt(cast("App[object]", self))
        # Delivery states (the session's start) come before the first screen only for the demo,
        # whose accounts come with its sandboxes, and on a first run (nothing to listen to yet).
        # With real accounts the first screen shows first; the embedded receiver and the getCDR
        # poll follow, in a worker, where a locked file store can ask its passphrase.
        listen_later = bool(self.session.accounts) and not self.session.demo
        if not listen_later:
            await self.session.start()
        default = self.session.default_account()
        self.current_account = default.name if default else None
        if self.session.accounts:
            await self.switch_mode("sms")
            await self.open_recovered()
            if listen_later:
                self.call_after_refresh(self._start_listening)
        else:
            from screens.dialogs.common import WelcomeDialog

            await self.switch_mode("accounts")
            self.push_screen(WelcomeDialog(), self._after_welcome)
        # Its first screen made, the start has parsed what the next start will need. Written
        # only when the file lacks some of it (a first run, another Textual, a CSS changed).
        self._styles_cache.save(self.stylesheet)

    def _start_listening(self) -> None:
        self.run_worker(self.session.start(), name="delivery states", group="session")

    async def _after_welcome(self, choice: str | None) -> None:
        if choice == "demo":
            await self.session.become_demo()
            self.current_account = next(iter(self.session.accounts), None)
            await self.switch_mode("sms")
            await self.open_recovered()
        elif choice == "add":
            from screens.accounts.screen import AccountsScreen  # open already: no cost

            if isinstance(self.screen, AccountsScreen):
                self.screen.action_add_account()
        elif choice == "quit":
            self.exit()

    async def open_recovered(self) -> None:
        """Say which sends an earlier run left interrupted, and open the latest in the composer
        of its channel, where its result shows and ctrl+r finishes it knowingly."""
        recovered = self.session.take_recovered()
        if not recovered:
            return
        latest = recovered[-1]
        await self.switch_mode("voice" if latest.channel is Channel.VOICE else "sms")
        opener = getattr(self.screen, "show_send", None)
        if opener is not None:
            opener(latest.reference)
        listed = ", ".join(f"{row.reference} ({row.state})" for row in recovered)
        self.notify(
            f"{listed}: interrupted when porte-voix last stopped, settled now. "
            f"{latest.reference} is shown below; ctrl+r resends it knowingly.",
            title=f"{len(recovered)} interrupted send(s) recovered",
            severity="warning",
            timeout=30,
            markup=False,
        )

    async def on_unmount(self) -> None:
        await self.session.stop()

    def update_styles(self, node: DOMNode, animate: bool = True) -> None:
        # A widget made in a compose and not mounted yet is styled whole when it is mounted.
        # Textual restyles it at once when it takes a class meanwhile (a Button its variant, a
        # Select its value, as they are made): work thrown away, a node at a time, by the
        # dozen on a screen's first paint.
        if node is self or node.is_attached:
            super().update_styles(node, animate)

    def _fatal_error(self) -> None:
        """Textual's crash report shows local variables, and a local can hold a secret (a
        request body, an API key in a URL): report the crash without them."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        log.error("the console crashed", exc_info=True)
        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()

    def action_pick_account(self) -> None:
        from screens.dialogs.common import AccountPicker

        def chosen(name: str | None) -> None:
            if name:
                self.current_account = name

        self.push_screen(AccountPicker(self.session, self.current_account), chosen)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for mode, key, _label, title, help_text in MODE_TABLE:
            yield SystemCommand(
                f"{title} ({key.upper()})", help_text, partial(self.switch_mode, mode)
            )
        yield SystemCommand(
            "Switch account (F9)", "Choose the account to use", self.action_pick_account
        )
        yield from screen_commands(screen)


def screen_commands(screen: Screen[object]) -> Iterable[SystemCommand]:
    """Each screen's own actions, so the palette reaches every action.

    A screen lists them as ``palette_commands() -> list[(title, help, callback)]``.
    """
    provider = getattr(screen, "palette_commands", None)
    if provider is not None:
        for title, help_text, callback in provider():
            yield SystemCommand(title, help_text, callback)


def run_console(*, demo: bool) -> int:
    session = Session.open(demo=demo)
    PorteVoixApp(session).run()
    return 0
