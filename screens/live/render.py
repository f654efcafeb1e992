"""How the Live screen draws a send: counts per state in fixed columns, and a stacked bar.

Pure functions returning ``rich.text.Text`` (never markup: account names and summaries come
from outside and are shown with their control characters visible).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from rich.text import Text

from tui.errors import visible
from tui.listen.live import LIVE_STATES, SendSummary

#: Column titles of the states, 5 cells each (4 figures and a space).
STATE_TITLES = {
    "queued": "Queu",
    "sent": "Sent",
    "delivered": "Dlvd",
    "failed": "Fail",
    "answered": "Answ",
    "voicemail": "VMail",
    "unknown": "Unkn",
}
STYLES = {
    "queued": "grey50",
    "sent": "cyan",
    "delivered": "green",
    "failed": "red",
    "answered": "bright_green",
    "voicemail": "yellow",
    "unknown": "magenta",
}
#: Bar glyphs per state: colour is not all there is (a monochrome terminal, a screen reader).
GLYPHS = {
    "queued": "·",
    "sent": "░",
    "delivered": "█",
    "failed": "▓",
    "answered": "█",
    "voicemail": "▒",
    "unknown": "?",
}
BAR_WIDTH = 10
#: How the "via" column names where a send's latest state came from.
VIA = {"callback": "cb", "getCDR": "cdr", "": "-"}


def fit(text: str, width: int) -> str:
    """``text`` made visible, cut to ``width`` cells (an ellipsis when cut), padded."""
    shown = visible(text).replace("\n", " ")
    if len(shown) > width:
        shown = shown[: max(width - 1, 0)] + "…"
    return shown.ljust(width)


def figure(value: int, width: int = 5) -> Text:
    """A count, right-aligned; 0 dimmed so that what moves stands out; 10 000+ as 10k."""
    shown = str(value) if value < 10_000 else f"{value // 1000}k"
    return Text(shown.rjust(width - 1) + " ", style="dim" if value == 0 else "")


#: The bar fills from the left with what is settled, what still moves last.
BAR_ORDER = ("delivered", "answered", "voicemail", "failed", "unknown", "sent", "queued")


def bar(counts: Counter[str], total: int, width: int = BAR_WIDTH) -> Text:
    """A stacked bar of the states (``BAR_ORDER``), ``width`` cells for ``total``."""
    text = Text()
    whole = max(total, sum(counts.values()), 1)
    used = 0
    for state in BAR_ORDER:
        count = counts[state]
        if not count:
            continue
        cells = max(1, round(count * width / whole))
        cells = min(cells, width - used)
        if cells <= 0:
            break
        text.append(GLYPHS[state] * cells, style=STYLES[state])
        used += cells
    if used < width:
        text.append(" " * (width - used))
    return text


def send_cells(send: SendSummary) -> list[Text]:
    """The row of one send, matching ``columns()``."""
    created = send.created_at.astimezone()
    when = f"{created:%H:%M}" if _today(created) else f"{created:%d/%m}"
    cells = [
        Text(fit(send.reference, 10) + " "),
        Text(fit(send.account, 9) + " "),
        Text(when + " "),
    ]
    cells += [figure(send.counts[state]) for state in LIVE_STATES]
    cells.append(bar(send.counts, send.total))
    cells.append(Text(" " + VIA.get(send.via, "?")))
    return cells


def columns() -> list[tuple[str, str]]:
    """(key, title) of the sends table's columns."""
    keys = [("ref", "Send".ljust(11)), ("account", "Account".ljust(10)), ("at", "At".ljust(6))]
    keys += [(state, STATE_TITLES[state].rjust(4)[:5] + " ") for state in LIVE_STATES]
    keys += [("bar", "Progress".ljust(BAR_WIDTH)), ("via", " Via")]
    return keys


def legend() -> Text:
    text = Text()
    for state in LIVE_STATES:
        text.append(GLYPHS[state], style=STYLES[state])
        text.append(f"{state} ")
    text.append("· via: cb callback, cdr getCDR poll")
    return text


def chart_title(deliveries: Sequence[int]) -> str:
    total = sum(deliveries)
    peak = max(deliveries, default=0)
    return f"Deliveries per minute, last hour: {total} in all, at most {peak} a minute"


def _today(moment: datetime) -> bool:
    return moment.date() == datetime.now(moment.tzinfo).date()
