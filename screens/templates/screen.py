"""Templates (F4): an account's templates, and in their own tabs its blacklists, the replies it
received and number look-ups (HLR), all eCampaign management services.

One account choice at the top serves every tab (the accounts whose provider offers any of
these services); it follows the console's current account when that one qualifies. Each tab is
an ``AccountPane`` that loads when shown; keys 1 to 4 switch tabs, and the palette lists the
active tab's actions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import Label, Select, Static, TabbedContent, TabPane

from providers.base import Capability, provider_info
from screens.base import ModeScreen
from screens.feedback.blacklist import BlacklistPane
from screens.feedback.lookup import LookupPane
from screens.feedback.replies import RepliesPane
from screens.templates.listing import TemplatesPane
from screens.templates.pane import AccountPane

SERVICES = Capability.TEMPLATES | Capability.BLACKLIST | Capability.HLR
#: (tab id, label, key, palette title)
TABS = (
    ("tab-templates", "1 Templates", "1", "Templates"),
    ("tab-blacklists", "2 Blacklists", "2", "Blacklists (opt-outs)"),
    ("tab-replies", "3 Replies", "3", "Replies received"),
    ("tab-lookup", "4 Number look-up", "4", "Number look-up (HLR)"),
)


class TemplatesScreen(ModeScreen):
    MODE_TITLE = "Templates"
    DEFAULT_CSS = """
    TemplatesScreen #templates-account-row { height: 1; padding: 0 1; }
    TemplatesScreen #templates-account-row Label { width: 9; color: $text-muted; }
    TemplatesScreen #templates-account { width: 1fr; max-width: 50; }
    TemplatesScreen #templates-tab-keys { width: auto; color: $text-muted; padding-left: 2; }
    TemplatesScreen #templates-tabs { height: 1fr; }
    TemplatesScreen TabPane { padding: 0; }
    """
    BINDINGS = [
        # Digits when no field has the focus; ctrl+PgDn / ctrl+PgUp from anywhere (priority:
        # a table would take them to scroll sideways).
        *(
            Binding(key, f"show_tab('{tab}')", title, id=f"templates.{tab}", show=False)
            for tab, _label, key, title in TABS
        ),
        Binding(
            "ctrl+pagedown",
            "next_tab(1)",
            "Next tab",
            id="templates.next-tab",
            show=False,
            priority=True,
        ),
        Binding(
            "ctrl+pageup",
            "next_tab(-1)",
            "Previous tab",
            id="templates.previous-tab",
            show=False,
            priority=True,
        ),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="templates-account-row"):
            yield Label("Account")
            yield Select[str]([], prompt="choose an eCampaign account", id="templates-account")
            yield Static("tabs: 1-4, ctrl+PgUp/PgDn", id="templates-tab-keys")
        with TabbedContent(id="templates-tabs"):
            with TabPane(TABS[0][1], id=TABS[0][0]):
                yield TemplatesPane(id="templates-pane")
            with TabPane(TABS[1][1], id=TABS[1][0]):
                yield BlacklistPane(id="blacklist-pane")
            with TabPane(TABS[2][1], id=TABS[2][0]):
                yield RepliesPane(id="replies-pane")
            with TabPane(TABS[3][1], id=TABS[3][0]):
                yield LookupPane(id="lookup-pane")

    def on_mount(self) -> None:  # ModeScreen.on_mount runs too: Textual calls both
        self.fill_accounts()
        self.watch(self.porte_voix, "current_account", self._follow_current_account)
        self.query_one(TemplatesPane).focus_main()

    def on_screen_resume(self) -> None:
        self.fill_accounts()

    # -- the account -----------------------------------------------------------------------------
    def eligible(self) -> list[str]:
        return [
            name
            for name, account in self.session.accounts.items()
            if provider_info(account.provider).capabilities & SERVICES
        ]

    def fill_accounts(self) -> None:
        select = self.query_one("#templates-account", Select)
        previous = select.value
        names = self.eligible()
        select.set_options(
            [
                (
                    Text(f"{name} · {provider_info(self.session.accounts[name].provider).label}"),
                    name,
                )
                for name in names
            ]
        )
        current = self.porte_voix.current_account
        # Chosen here, not by the operator: the console's current account stays as it is.
        with select.prevent(Select.Changed):
            if current in names:
                select.value = current
            elif previous in names:
                select.value = previous
            elif names:
                select.value = names[0]
        self._account_chosen()

    def _follow_current_account(self, name: str | None) -> None:
        select = self.query_one("#templates-account", Select)
        if name in self.eligible() and select.value != name:
            with select.prevent(Select.Changed):
                select.value = name
            self._account_chosen()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "templates-account":
            if isinstance(event.value, str):
                self.porte_voix.current_account = event.value
            self._account_chosen()

    def account(self) -> str | None:
        value = self.query_one("#templates-account", Select).value
        return value if isinstance(value, str) and value in self.session.accounts else None

    def _account_chosen(self) -> None:
        name = self.account()
        active = self.active_pane()
        for pane in self.query(AccountPane):
            pane.set_account(name, visible_now=pane is active)
        if active is not None and name is None:
            active.activate()  # says why there is nothing to show

    # -- tabs ------------------------------------------------------------------------------------
    def active_pane(self) -> AccountPane | None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.active_pane
        return pane.query_one(AccountPane) if pane is not None else None

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        pane = event.pane.query_one(AccountPane)
        pane.activate()
        pane.focus_main()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_next_tab(self, step: int) -> None:
        ids = [tab for tab, *_ in TABS]
        tabs = self.query_one(TabbedContent)
        tabs.active = ids[(ids.index(tabs.active) + step) % len(ids)]

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        commands: list[tuple[str, str, Callable[[], Any]]] = [
            (
                f"{title} ({key})",
                "A tab of the Templates screen",
                partial(self.action_show_tab, tab),
            )
            for tab, _label, key, title in TABS
        ]
        active = self.active_pane()
        provider = getattr(active, "palette_commands", None)
        if provider is not None:
            commands += provider()
        return commands
