"""The Replies tab: what recipients answered on a channel (date, number, message), STOP replies
marked as such (the callbacks' own rule, ``providers.callbacks.inputs.is_stop_message``).

Messages are the recipients' words: shown as text with control characters made visible, on
one line each (a line break shows as a space). Searching ``stop`` keeps the STOP replies.
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
from screens.templates.messages import RepliesListed
from screens.templates.pane import AccountPane
from tui import feedback
from tui.errors import visible

CHANNEL_CHOICES = [(f"{label} replies", key) for key, label in feedback.CHANNEL_LABELS.items()]
KEYS = "/ search (type stop for the STOP replies) · ctrl+r reload"


class RepliesPane(AccountPane):
    CAPABILITY = Capability.BLACKLIST
    WHAT = "replies"
    BINDINGS = [
        Binding("slash", "search", "Search", id="replies.search", show=False),
        Binding("ctrl+r", "reload", "Reload", id="replies.reload"),
    ]

    replies: list[feedback.Reply]

    def compose(self) -> ComposeResult:
        self.replies = []
        with Horizontal(classes="pane-row"):
            yield Select(CHANNEL_CHOICES, value="sms", allow_blank=False, id="replies-channel")
            yield Input(placeholder="search numbers and messages (/)", id="replies-search")
        yield Static(KEYS, classes="pane-keys")
        yield DataTable[Text](id="replies-table", cursor_type="row", zebra_stripes=True)
        yield Static("", classes="pane-status")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for label in ("Date", "Number", "STOP", "Message"):
            table.add_column(label, key=label.lower())

    def palette_commands(self) -> list[tuple[str, str, Callable[[], Any]]]:
        return [
            (
                "Search the replies (/)",
                "Numbers and messages; stop: STOP replies",
                self.action_search,
            ),
            ("Reload the replies (ctrl+r)", "Fetch them again", self.action_reload),
        ]

    def channel(self) -> str:
        value = self.query_one("#replies-channel", Select).value
        return value if isinstance(value, str) else "sms"

    def clear(self) -> None:
        self.replies = []
        self.query_one(DataTable).clear()

    def reload(self) -> None:
        if self.account is not None and self.supported():
            self.status("Loading the replies…")
            self.list_replies(self.account, self.channel())

    @work(exclusive=True, group="replies-list")
    async def list_replies(self, account: str, channel: str) -> None:
        try:
            service = feedback.feedback_service(await self.provider(), account)
            received = await service.get_responses(channel)
        except Exception as exc:  # a worker's exception would close the console
            self.failed(account, "Replies not loaded", exc)
            return
        self.post_message(RepliesListed(account, channel, feedback.replies_of(received)))

    def on_replies_listed(self, event: RepliesListed) -> None:
        if self.mine(event.account) and event.channel == self.channel():
            self.loaded_for = event.account
            self.replies = event.replies
            self.fill()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "replies-channel":
            self.clear()
            self.reload()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "replies-search":
            self.fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "replies-search":
            self.query_one(DataTable).focus()

    def fill(self) -> None:
        search = self.query_one("#replies-search", Input).value
        matching = [r for r in self.replies if feedback.reply_matches(r, search)]
        shown = matching[: feedback.SHOWN_ROWS]
        table = self.query_one(DataTable)
        table.clear()
        for reply in shown:
            table.add_row(
                Text(visible(reply.date or "")),
                Text(visible(reply.number or "")),
                Text("STOP", style="bold red") if reply.stop else Text(""),
                Text(visible(reply.message).replace("\n", " ")),
            )
        stops = sum(reply.stop for reply in self.replies)
        if not self.replies:
            self.status("No reply received on this channel.")
        else:
            more = " (refine the search to see the rest)" if len(matching) > len(shown) else ""
            self.status(f"{len(shown)} of {len(self.replies)} replies shown; {stops} STOP{more}.")

    def action_reload(self) -> None:
        self.reload()

    def action_search(self) -> None:
        self.query_one("#replies-search", Input).focus()
