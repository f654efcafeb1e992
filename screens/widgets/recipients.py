"""Recipients typed or pasted (one per line, commas, spaces), validated as typed."""

from __future__ import annotations

from rich.markup import escape
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Static, TextArea

from providers.models import Channel
from providers.phone import RecipientList, parse_recipients

MAX_LISTED_INVALID = 5


def summarise(parsed: RecipientList) -> str:
    parts = [f"[b]{len(parsed.valid)}[/b] valid"]
    if parsed.duplicates:
        parts.append(f"{parsed.duplicates} duplicate(s) removed")
    if parsed.invalid:
        parts.append(f"[red]{len(parsed.invalid)} invalid[/red]")
    lines = [" · ".join(parts)]
    for bad in parsed.invalid[:MAX_LISTED_INVALID]:
        lines.append(f"  [red]✗[/red] {escape(bad.raw)}: {escape(bad.reason)}")
    if len(parsed.invalid) > MAX_LISTED_INVALID:
        lines.append(f"  … and {len(parsed.invalid) - MAX_LISTED_INVALID} more")
    return "\n".join(lines)


class RecipientsField(Vertical):
    """A text area of numbers and a status line; posts ``Changed`` after each validation."""

    DEFAULT_CSS = """
    RecipientsField { height: auto; }
    RecipientsField TextArea { height: 4; }
    RecipientsField #recipients-status { height: auto; padding: 0 1; color: $text-muted; }
    """

    class Changed(Message):
        def __init__(self, parsed: RecipientList) -> None:
            super().__init__()
            self.parsed = parsed

    def __init__(
        self,
        *,
        mobile_only: bool = False,
        channel: Channel | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.mobile_only = mobile_only
        #: Numbers that cannot receive this channel (special-rate numbers...) are refused.
        self.channel = channel
        self.parsed = RecipientList((), (), 0)
        self.validating = False
        self._debounce: Timer | None = None
        self._parsed_for: tuple[str, bool] = ("", mobile_only)

    def compose(self) -> ComposeResult:
        yield TextArea(id="recipients-input", soft_wrap=True, show_line_numbers=False)
        yield Static("no recipient yet", id="recipients-status")

    @property
    def text(self) -> str:
        return self.query_one(TextArea).text

    @property
    def parsed_current(self) -> bool:
        """``parsed`` is that of the text shown (no validation pending for a newer one)."""
        return self._parsed_for == (self.text, self.mobile_only)

    def set_numbers(self, numbers: list[str]) -> None:
        self.query_one(TextArea).load_text("\n".join(numbers))
        self.revalidate()

    def set_mobile_only(self, mobile_only: bool) -> None:
        if mobile_only != self.mobile_only:
            self.mobile_only = mobile_only
            self.revalidate()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        # Typing must stay fluid with 10 000 pasted numbers: validate after a pause, off the loop.
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(0.25, self.revalidate)

    def revalidate_now(self) -> None:
        """Make ``parsed`` match the current text (synchronously, only when it is stale)."""
        if self._parsed_for != (self.text, self.mobile_only):
            self._apply(
                self.text,
                self.mobile_only,
                parse_recipients(self.text, mobile_only=self.mobile_only, channel=self.channel),
            )

    def revalidate(self) -> None:
        self.validating = True
        self._validate(self.text, self.mobile_only)

    @work(thread=True, exclusive=True, group="recipients")
    def _validate(self, text: str, mobile_only: bool) -> None:
        parsed = parse_recipients(text, mobile_only=mobile_only, channel=self.channel)
        self.app.call_from_thread(self._apply, text, mobile_only, parsed)

    def _apply(self, text: str, mobile_only: bool, parsed: RecipientList) -> None:
        if text != self.text or mobile_only != self.mobile_only:
            return  # a newer validation is on its way
        self.validating = False
        self.parsed = parsed
        self._parsed_for = (text, mobile_only)
        status = self.query_one("#recipients-status", Static)
        status.update(summarise(parsed) if text.strip() else "no recipient yet")
        self.post_message(self.Changed(parsed))
