"""The cost of counting SMS live under the text box: ``providers.text.count_sms``.

The composer recounts the whole text at every keystroke, so one call on a text of L characters
is the cost of one keystroke at length L. For L from 10 to 1530 characters (eCampaign's 10-SMS
cap), in GSM-7 and in UCS-2 (the same French text with typographic quotes, which force UCS-2),
it prints microseconds per call, calls per second, the ratio to ``len()`` (the floor of any
counter), the share of a 60 Hz frame (16.7 ms) one keystroke takes, and what typing the whole
text costs (one call per prefix, 1..L).

Figures are CPU time of this process (best of several rounds), so that a busy machine does not
blur them. Run: ``.venv/bin/python benchmarks/bench_text.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from providers.models import Route
from providers.text import count_sms

LENGTHS = (10, 70, 160, 306, 459, 765, 1071, 1530)
PROVIDER = "ecampaign"  # the provider whose cap (10 SMS) reaches 1530 characters
FRAME_US = 1e6 / 60

_GSM = (
    "Bonjour, votre rendez-vous du 12/06 à 14h30 est confirmé. Présentez-vous 10 min avant "
    "avec votre carte. Pour annuler, répondez ANNULER. Merci et à demain ! "
)
# The same kind of text as a word processor pastes it: typographic apostrophe and quotes
# (not GSM-7, so the whole text travels as UCS-2); the first one is within 10 characters.
_UCS = "L’agence : " + _GSM.replace("votre carte", "votre “carte”")


def text_of(seed: str, length: int) -> str:
    return (seed * (length // len(seed) + 1))[:length]


def per_call(fn: Callable[[], object], budget: float = 0.05, rounds: int = 5) -> float:
    """Best CPU seconds per call of ``fn`` (each round runs it for about ``budget`` seconds)."""
    calls = 1
    while True:  # find a repetition count that fills the budget
        start = time.process_time()
        for _ in range(calls):
            fn()
        spent = time.process_time() - start
        if spent >= budget / 4:
            break
        calls *= 4
    calls = max(1, int(calls * budget / max(spent, 1e-9)))
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        for _ in range(calls):
            fn()
        best = min(best, (time.process_time() - start) / calls)
    return best


def typing_cost(text: str) -> float:
    """CPU seconds to count every prefix of ``text``: typing it one key at a time (best of 3)."""
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        for end in range(1, len(text) + 1):
            count_sms(text[:end], PROVIDER, Route.NOTIFICATION)
        best = min(best, time.process_time() - start)
    return best


def main() -> None:
    print(f"count_sms per keystroke (provider {PROVIDER!r}), CPU time, best of 5 rounds")
    head = (
        f"{'chars':>5} {'enc':>5} {'SMS':>3} | {'us/call':>8} {'calls/s':>9} | "
        f"{'len() ns':>8} {'x len':>7} | {'% frame':>7} | {'type all ms':>11}"
    )
    print(head)
    print("-" * len(head))
    for length in LENGTHS:
        for seed in (_GSM, _UCS):
            text = text_of(seed, length)
            count = count_sms(text, PROVIDER)
            if (seed is _UCS) != (count.encoding == "UCS-2"):
                raise SystemExit(f"bench text of {length} chars is not {count.encoding}")
            call = per_call(partial(count_sms, text, PROVIDER, Route.NOTIFICATION))
            length_call = per_call(partial(len, text))
            typing = typing_cost(text)
            print(
                f"{length:>5} {count.encoding[:5]:>5} {count.segments:>3} | {call * 1e6:>8.1f} "
                f"{1 / call:>9.0f} | {length_call * 1e9:>8.1f} {call / length_call:>7.0f} | "
                f"{call * 1e6 / FRAME_US:>7.2%} | {typing * 1e3:>11.1f}"
            )
    print(
        "x len: count_sms / len() on the same text (both called through functools.partial);"
        " % frame: one keystroke's count in a 16.7 ms frame;"
        " type all: counting every prefix 1..L"
    )


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="pv-bench-") as home:
        os.environ["PORTE_VOIX_HOME"] = home
        main()
