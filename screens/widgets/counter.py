"""The live counter under an SMS text: characters, encoding, segments, maxima, bad characters."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from providers.text import SmsCount


def describe_count(count: SmsCount, provider_label: str | None) -> Text:
    line = Text()
    line.append(f"{count.characters} chars · ")
    line.append("GSM-7" if count.encoding == "GSM-7" else "Unicode (UCS-2)")
    limit = f"/{count.max_segments}" if count.max_segments else ""
    style = "bold red" if count.too_long else ""
    line.append(" · ")
    line.append(f"{count.segments}{limit} SMS", style=style)
    if count.max_characters:
        line.append(f" · max {count.max_characters} chars", style=style)
    if count.stop_mention:
        line.append(f" · incl. STOP mention (+{len(count.stop_mention)})")
    if count.too_long:
        line.append(f" · too long for {provider_label or 'this provider'}", style="bold red")
    if count.unencodable:
        line.append("\n")
        line.append("Cannot be sent: ", style="bold red")
        for ch in count.unencodable:
            line.append(f" {ch} ", style="reverse red")
            line.append(f"U+{ord(ch):04X} ")
        line.append(" — ctrl+t transliterates")
    return line


class SegmentCounter(Static):
    DEFAULT_CSS = """
    SegmentCounter {
        height: auto;
        color: $text-muted;
        padding: 0 1;
    }
    """

    def show_count(self, count: SmsCount, provider_label: str | None) -> None:
        self.update(describe_count(count, provider_label))
