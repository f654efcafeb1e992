"""The Blacklists tab: who opted out on each channel (SMS, fax, e-mail), with search, and taking
an entry off (after a confirmation: that person will receive messages again).

The provider returns a channel's whole list in one reply; the table shows at most
``SHOWN_ROWS`` of the entries that match the search, and says when there are more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, Static

from providers.base import Capability
from providers.models import BlacklistEntry
from screens.dialogs.common import ConfirmDialog
from screens.templates.messages import ActionDone, BlacklistListed
from screens.templates.pane import AccountPane
from tui import feedback
from tui.errors import visible

CHANNEL_CHOICES = [(f"{label} blacklist", key) for key, label in feedback.CHANNEL_LABELS.items()]
KEYS = "Del remove the entry · / search · ctrl+r reload"


class BlacklistPane(AccountPane):
    CAPABILITY = Capability.BLACKLIST
    WHAT = "blacklists"
    BINDINGS = [
        Binding("delete", "remove_entry", "Remove", id="blacklist.remove", key_display="Del"),
        Binding("slash", "search", "Search", id="blacklist.search", show=False),
        Binding("ctrl+r", "reload", "Reload", id="blacklist.reload", show=False),
    ]

    entries: tuple[BlacklistEntry, ...] = ()
    shown: list[BlacklistEntry]

    def compose(self) -> ComposeResult:
        self.shown = []
        with Horizontal(classes="pane-row"):
            yield Select(CHANNEL_CHOICES, value="sms", allow_blank=False, id="blacklist-channel")
            yield Input(placeholder="search numbers, addresses, reasons (/)", id="blacklist-search")
        yield Static(KEYS, classes="pane-keys")
        yield DataTable[Text](id="blacklist-table", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="pane-status")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Date", "Number or address", "Reason"):
            table.add_column(label, key=label.split()[0].lower())

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [
            (
                "Remove blacklist entry (Del)",
                "They will receive messages again",
                self.action_remove_entry,
            ),
            ("Search the blacklist (/)", "Numbers, addresses, reasons", self.action_search),
            ("Reload the blacklist (ctrl+r)", "Fetch it again", self.action_reload),
        ]

    def channel(self) -> str:
        value = self.query_one("#blacklist-channel", Select).value
        return value if isinstance(value, str) else "sms"

    # -- the list --------------------------------------------------------------------------------
    def clear(self) -> None:
        self.entries = ()
        self.shown = []
        self.query_one(DataTable).clear()

    def reload(self) -> None:
        if self.account is not None and self.supported():
            label = feedback.CHANNEL_LABELS[self.channel()]
            self.status(f"Loading the {label} blacklist…")
            self.list_entries(self.account, self.channel())

    @work(exclusive=True, group="blacklist-list")
    async def list_entries(self, account: str, channel: str) -> None:
        try:
            service = feedback.feedback_service(await self.provider(), account)
            entries = await service.get_blacklist(channel)
        except Exception as exc:  # a worker's exception would close the console
            self.failed(account, "Blacklist not loaded", exc)
            return
        self.post_message(BlacklistListed(account, channel, entries))

    def on_blacklist_listed(self, event: BlacklistListed) -> None:
        if self.mine(event.account) and event.channel == self.channel():
            self.loaded_for = event.account
            self.entries = event.entries
            self.fill()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "blacklist-channel":
            self.clear()
            self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "blacklist-search":
            self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "blacklist-search":
            self.query_one(DataTable).focus()

    def fill(self) -> None:
        search = self.query_one("#blacklist-search", Input).value
        matching = [e for e in self.entries if feedback.entry_matches(e, search)]
        self.shown = matching[: feedback.SHOWN_ROWS]
        table = self.query_one(DataTable)
        table.clear()
        for index, entry in enumerate(self.shown):
            table.add_row(
                Text(visible(entry.date or "")),
                Text(visible(feedback.recipient_of(entry))),
                Text(visible(entry.reason or "")),
                key=str(index),
            )
        label = feedback.CHANNEL_LABELS[self.channel()]
        if not self.entries:
            self.status(f"Nobody is on the {label} blacklist.")
        elif len(matching) > len(self.shown):
            self.status(
                f"{len(self.shown)} of {len(matching)} matching entries shown "
                f"({len(self.entries)} in all): refine the search."
            )
        else:
            self.status(f"{len(matching)} of {len(self.entries)} entries shown.")

    def selected(self) -> BlacklistEntry | None:
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.shown[int(key)] if key is not None else None

    # -- actions ---------------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.reload()

    def action_search(self) -> None:
        self.query_one("#blacklist-search", Input).focus()

    def action_remove_entry(self) -> None:
        entry = self.selected()
        account = self.account
        if entry is None or account is None:
            self.notify("Select an entry first.", severity="warning")
            return
        recipient = feedback.recipient_of(entry)
        channel = self.channel()
        label = feedback.CHANNEL_LABELS[channel]
        dialog = ConfirmDialog(
            f"Take {recipient} off the {label} blacklist?",
            [
                ("Account", account),
                ("On the list since", entry.date or "—"),
                ("Reason", entry.reason or "—"),
            ],
            [("remove", "Remove", "error")],
            warning="They asked for no more messages: only remove them if they asked again.",
        )

        def confirmed(choice: str | None) -> None:
            if choice == "remove":
                self.remove_entry(account, channel, recipient)

        self.app.push_screen(dialog, confirmed)

    @work(group="blacklist-change")
    async def remove_entry(self, account: str, channel: str, recipient: str) -> None:
        label = feedback.CHANNEL_LABELS[channel]
        self.status(f"Taking {recipient} off the {label} blacklist…")
        try:
            service = feedback.feedback_service(await self.session.provider(account), account)
            await service.del_blacklist_member(channel, recipient)
        except Exception as exc:  # a worker's exception would close the console
            self.failed(account, f"{recipient} not removed", exc)
            return
        self.post_message(ActionDone(account, f"{recipient} is off the {label} blacklist."))
