"""How fast pasted recipient lists are read: ``providers.phone.parse_recipients``.

Builds lists of 100 / 1 000 / 10 000 numbers typed the ways operators paste them (national with
spaces or dots, +33, 0033, international without plus, foreign numbers), with about 2 % garbage
and 5 % repeats, one per line or separated by ``;`` / ``,``. Prints numbers per second and the
ratio to two baselines run on the same pre-split items:

* ``phonenumbers.parse`` alone (what the brief calls the bare loop);
* ``parse`` + ``is_valid_number`` + ``format_number(E164)``: the least any correct reader does.

Run: ``.venv/bin/python benchmarks/bench_recipients.py`` (or ``make bench``).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from providers.phone import parse_recipients, split_recipients

SIZES = (100, 1_000, 10_000)
SEED = 20260522


def _mobile(rng: random.Random) -> str:
    """Nine national digits of a metropolitan French mobile (0639 and 069x are overseas)."""
    if rng.random() < 0.7:
        return "6" + rng.choice("01245678") + f"{rng.randrange(10**7):07d}"
    return f"7{rng.randrange(3, 10)}" + f"{rng.randrange(10**7):07d}"


def _typed(rng: random.Random) -> str:
    """One number, written one of the ways operators paste them."""
    n = _mobile(rng)
    pairs = " ".join(n[i : i + 2] for i in range(1, 9, 2))
    style = rng.randrange(9)
    if style == 0:
        return f"0{n[0]} {pairs}"  # 06 11 22 33 44
    if style == 1:
        return f"0{n[0]}." + pairs.replace(" ", ".")  # 06.11.22.33.44
    if style == 2:
        return f"+33{n}"
    if style == 3:
        return f"+33 {n[0]} {pairs}"  # +33 6 11 22 33 44
    if style == 4:
        return f"0033{n}"
    if style == 5:
        return f"33{n}"  # international without the plus
    if style == 6:
        return f"0{n}"
    if style == 7:
        return f"+32 47{rng.randrange(10)} {rng.randrange(10**6):06d}"  # Belgian mobile
    return f"+34 6{rng.randrange(10**8):08d}"  # Spanish mobile


def build_list(size: int, rng: random.Random) -> str:
    items: list[str] = []
    while len(items) < size:
        roll = rng.random()
        if roll < 0.02:
            items.append(rng.choice(["abc", "06 12", "+33 1", "0611-22-33-4x", "12345678901234"]))
        elif roll < 0.07 and items:
            items.append(rng.choice(items))  # a repeat
        else:
            items.append(_typed(rng))
    separators = ["\n"] * 8 + [";", ", "]
    out = [items[0]]
    for item in items[1:]:
        out.append(rng.choice(separators))
        out.append(item)
    return "".join(out)


def bare_parse(items: list[str]) -> None:
    for raw in items:
        # try/except rather than contextlib.suppress: the baseline must carry no extra cost.
        try:  # noqa: SIM105
            phonenumbers.parse(raw, "FR")
        except NumberParseException:
            pass


def library_minimum(items: list[str]) -> None:
    for raw in items:
        try:
            parsed = phonenumbers.parse(raw, "FR")
        except NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def best_times(fns: dict[str, Callable[[], object]], size: int) -> dict[str, float]:
    """Best CPU time of each function over a few rounds, run in turn.

    CPU time of this process (not wall time): the code is CPU-bound, and a machine busy with
    other work would otherwise blur the ratios. Rounds alternate the functions for the same
    reason.
    """
    rounds = 7 if size <= 1_000 else 3
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    return best


def main() -> None:
    rng = random.Random(SEED)
    print("parse_recipients: pasted lists, numbers per second, ratio to bare phonenumbers loops")
    print(f"python {sys.version.split()[0]}, phonenumbers {phonenumbers.__version__}")
    head = (
        f"{'numbers':>8} {'valid':>6} {'bad':>4} {'dup':>4} | {'ours ms':>8} {'nums/s':>8}"
        f" | {'split ms':>8} | {'parse ms':>8} {'x parse':>7} | {'min ms':>7} {'x min':>6}"
        f" | {'mobile_only ms':>14} {'x ours':>6}"
    )
    print(head)
    print("-" * len(head))
    # Warm up: phonenumbers loads each region's metadata on first use.
    warm = build_list(200, random.Random(0))
    parse_recipients(warm, mobile_only=True)
    library_minimum(split_recipients(warm))
    for size in SIZES:
        text = build_list(size, rng)
        items = split_recipients(text)
        result = parse_recipients(text)
        times = best_times(
            {
                "ours": partial(parse_recipients, text),
                "split": partial(split_recipients, text),
                "bare": partial(bare_parse, items),
                "minimum": partial(library_minimum, items),
                "mobile": partial(parse_recipients, text, mobile_only=True),
            },
            size,
        )
        ours, split, bare = times["ours"], times["split"], times["bare"]
        minimum, mobile = times["minimum"], times["mobile"]
        print(
            f"{len(items):>8} {len(result.valid):>6} {len(result.invalid):>4}"
            f" {result.duplicates:>4} | {ours * 1e3:>8.1f} {len(items) / ours:>8.0f}"
            f" | {split * 1e3:>8.1f} | {bare * 1e3:>8.1f} {ours / bare:>7.2f}"
            f" | {minimum * 1e3:>7.1f} {ours / minimum:>6.2f}"
            f" | {mobile * 1e3:>14.1f} {mobile / ours:>6.2f}"
        )
    print(
        "x parse: ours / bare phonenumbers.parse loop; x min: ours / (parse + is_valid + E164);"
        " best CPU time of 7 rounds (3 at 10 000)"
    )


if __name__ == "__main__":
    # Nothing here reads config or data, but keep any accidental lookup out of the real home.
    with tempfile.TemporaryDirectory(prefix="pv-bench-") as home:
        os.environ["PORTE_VOIX_HOME"] = home
        main()
