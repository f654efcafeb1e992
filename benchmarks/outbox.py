"""Does a batch cost the same at the end of a 1 000 000-recipient send as at its start?

One real send through the ``porte-voix`` CLI (``send sms --account A --to-file F --text T --yes
--json``, ``PORTE_VOIX_HOME`` a temporary directory) to the CapitoleMobile sandbox in a child
process (``python -m providers.sandbox --json``), its balance raised through the control API.
A real send, not ``--dry-run``: every batch goes through the outbox as in production (intent
committed, request, per-recipient results recorded). CapitoleMobile's sandbox keeps nothing
per message (no delivery callbacks are configured), so its own cost per request stays flat:
the sandbox's answer time is printed next to the figures to show it.

The clock is outside the project: the sandbox records when each request arrived and when its
answer was ready (``GET /_sandbox/arrivals``). From the intervals between arrivals it prints the
time per 1 000 recipients over the first and the last 5 % of the batches (at least 20; the
first batch, which pays one-time costs, left out) and their ratio, the time before the first
request (reading, parsing, validating, journalling) and after the last answer (the report),
and the CLI's peak memory (``ru_maxrss``). Goals (issues 8 and 13): the end/start ratio at most
1.2 (a batch costs the same), the whole send's time per 1 000 at 1 000 000 at most 1.2× that at
100 000, peak memory under 150 MB.

Sizes 100 000 and 1 000 000 (``--quick``: 100 000 only). Each send is killed after
``--timeout`` seconds (900 by default) and then reported as "did not finish in N s", with the
figures of the batches that arrived until then.

Run: ``.venv/bin/python benchmarks/outbox.py [--quick] [--timeout 900]``.
"""

from __future__ import annotations

import argparse
import itertools
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

SIZES = (100_000, 1_000_000)
QUICK_SIZES = (100_000,)
FLAT_GOAL = 1.2
#: Batches in each window: 5 % of the send, at least this many (fewer is noise).
MIN_WINDOW = 20
MEMORY_GOAL_MB = 150
PROVIDER = "capitole"
TEXT = "Bonjour, votre rendez-vous du 12/06 à 14h30 est confirmé. Merci de votre confiance."


@dataclass
class Window:
    per_1000: float  # seconds per 1 000 recipients, arrival to arrival
    sandbox_per_1000: float  # of which the sandbox answering (arrival to answer)
    recipients: int


@dataclass
class Result:
    size: int
    cli: h.Measured
    requests: int
    recipients_sent: int
    start: Window | None
    end: Window | None
    whole_per_1000: float  # HTTP phase (first arrival to last answer) per 1 000 recipients
    first_cycle: float  # first arrival to second arrival (one-time costs), seconds
    slowest_cycle: float  # the longest arrival-to-arrival interval, seconds
    before: float
    after: float
    state: str


def window(arrivals: list[list[Any]], first: int, count: int, batch: int) -> Window:
    """Batches ``first`` .. ``first + count - 1``, each timed from its arrival to the next."""
    span = arrivals[first + count][0] - arrivals[first][0]
    served = sum(a[1] - a[0] for a in arrivals[first : first + count])
    recipients = count * batch
    return Window(span / recipients * 1000, served / recipients * 1000, recipients)


def cli_state(output: Path) -> str:
    with output.open("rb") as f:
        f.seek(max(0, output.stat().st_size - 2000))
        tail = f.read().decode(errors="replace")
    found = re.search(r'"state": "([^"]+)"', tail) or re.search(r'"code": "([^"]+)"', tail)
    return found.group(1) if found else "no output"


def one(size: int, work: Path, timeout: float) -> Result:
    name = h.SMS_SANDBOXES[PROVIDER]
    home = work / f"home-{size}"
    home.mkdir()
    numbers = h.write_numbers(work / f"numbers-{size}.txt", size)
    output = work / f"out-{size}.json"
    with h.Sandbox(home) as sandbox:
        account = h.add_account(home, sandbox, PROVIDER)
        sandbox.raise_balance(name, 10**12)
        sandbox.forget(name)
        cli = h.run_measured(
            [*h.send_argv(account, numbers), "--text", TEXT, "--yes", "--json"],
            h.child_env(home, **h.secret_env(PROVIDER)),
            timeout=timeout,
            stdout=output,
        )
        arrivals = [a for a in sandbox.arrivals(name) if a[5] == 200]
    numbers.unlink()
    state = "killed" if cli.timed_out else cli_state(output)
    output.unlink()
    n = len(arrivals)
    # The provider's batch: every request but the last holds this many recipients.
    batch = 500 if cli.timed_out or n < 2 else -(-size // n)
    sent = size if cli.ok else n * batch
    start = end = None
    whole = before = after = first = slowest = float("nan")
    if n >= 2:
        first = arrivals[1][0] - arrivals[0][0]
        slowest = max(b[0] - a[0] for a, b in itertools.pairwise(arrivals))
    # The first batch pays one-time costs on both sides (connection, lazy imports, number
    # metadata): the start window begins with the second.
    if n >= 5:
        w = min(max(MIN_WINDOW, n // 20), (n - 2) // 2)
        start = window(arrivals, 1, w, batch)
        end = window(arrivals, n - 1 - w, w, batch)
    if n:
        before = arrivals[0][0] - cli.started
        whole = (arrivals[-1][1] - arrivals[0][0]) / max(sent, 1) * 1000
        if not cli.timed_out:
            after = cli.started + cli.wall - arrivals[-1][1]
    return Result(size, cli, n, sent, start, end, whole, first, slowest, before, after, state)


def describe(r: Result, timeout: float) -> str:
    if r.cli.timed_out:
        return f"did not finish in {timeout:.0f} s"
    if r.cli.returncode != 0:
        return f"failed (exit {r.cli.returncode})"
    return h.seconds(r.cli.wall)


def print_results(results: list[Result], timeout: float) -> None:
    print(f"\noutbox at scale: one CLI send to the {h.LABELS[PROVIDER]} sandbox, clocked there")
    head = (
        f"{'recipients':>10} {'reqs':>5} | {'wall':>22} {'CPU':>7} {'peak':>8} | "
        f"{'before':>7} {'after':>6} | {'ms/1000 start':>13} {'end':>7} {'end/start':>9} | "
        f"{'sandbox ms/1000 start':>21} {'end':>5} | {'whole':>7} | {'1st batch':>9} "
        f"{'slowest':>7} | state"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        s, e = r.start, r.end
        flat = f"{e.per_1000 / s.per_1000:.2f}×" if s and e else "—"
        print(
            f"{r.size:>10,} {r.requests:>5} | {describe(r, timeout):>22} {r.cli.cpu:>6.1f}s "
            f"{r.cli.maxrss_mb:>5.0f} MB | {h.span(r.before):>7} {h.span(r.after):>6} | "
            f"{(f'{s.per_1000 * 1000:.0f}' if s else '—'):>13} "
            f"{(f'{e.per_1000 * 1000:.0f}' if e else '—'):>7} {flat:>9} | "
            f"{(f'{s.sandbox_per_1000 * 1000:.0f}' if s else '—'):>21} "
            f"{(f'{e.sandbox_per_1000 * 1000:.0f}' if e else '—'):>5} | "
            f"{r.whole_per_1000 * 1000:>5.0f}ms | {h.span(r.first_cycle):>9} "
            f"{h.span(r.slowest_cycle):>7} | {r.state}"
        )
        if r.cli.timed_out:
            print(
                f"{'':>10}   killed after {timeout:.0f} s: {r.requests} requests "
                f"({r.recipients_sent:,} recipients) had reached the sandbox; 'end' is the "
                "last window before the kill"
            )
    if results and results[0].start:
        w = results[0].start.recipients
        print(
            f"ms/1000: milliseconds per 1 000 recipients between request arrivals at the sandbox,"
            f" over the first (but the very first) and last 5 % of the batches, at least "
            f"{MIN_WINDOW} (at {results[0].size:,}: {w:,} recipients each); sandbox: of which"
            " the sandbox answering; whole: first arrival to last answer per 1 000; 1st batch:"
            " first arrival to second; slowest: the longest interval between two arrivals;"
            " before: CLI spawn to first arrival; after: last answer to exit."
        )


def rows(results: list[Result], timeout: float) -> list[h.Row]:
    out: list[h.Row] = []
    for r in results:
        where = f"{r.size:,} recipients"
        s, e = r.start, r.end
        killed = " (at the kill)" if r.cli.timed_out else ""
        if s and e:
            flat = e.per_1000 / s.per_1000
            out.append(
                h.Row(
                    f"batch cost at the end ≤ {FLAT_GOAL}× the start ({where})",
                    f"end {e.per_1000 * 1000:.0f} ms/1000{killed}",
                    f"start {s.per_1000 * 1000:.0f} ms/1000",
                    f"{flat:.2f}×",
                    flat <= FLAT_GOAL and r.cli.ok,
                )
            )
        else:
            out.append(
                h.Row(
                    f"batch cost at the end ≤ {FLAT_GOAL}× the start ({where})",
                    describe(r, timeout),
                    "too few batches",
                    "—",
                    False,
                )
            )
        out.append(
            h.Row(
                f"CLI peak memory < {MEMORY_GOAL_MB} MB ({where})",
                f"{r.cli.maxrss_mb:.0f} MB{killed}",
                "—",
                "—",
                r.cli.maxrss_mb < MEMORY_GOAL_MB and r.cli.ok,
            )
        )
        out.append(
            h.Row(
                f"send finishes within the timeout ({where})",
                describe(r, timeout),
                f"{timeout:.0f} s",
                "—",
                r.cli.ok,
            )
        )
    by_size = {r.size: r for r in results}
    small, large = by_size.get(100_000), by_size.get(1_000_000)
    if small and large and small.cli.ok:
        ratio = large.whole_per_1000 / small.whole_per_1000
        out.append(
            h.Row(
                f"time per 1,000 over the whole send: 1,000,000 ≤ {FLAT_GOAL}× 100,000",
                f"{large.whole_per_1000 * 1000:.0f} ms/1000"
                + (" (until the kill)" if large.cli.timed_out else ""),
                f"100,000: {small.whole_per_1000 * 1000:.0f} ms/1000",
                f"{ratio:.2f}×",
                ratio <= FLAT_GOAL and large.cli.ok,
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--quick", action="store_true", help="100 000 recipients only")
    parser.add_argument("--full", action="store_true", help="100 000 and 1 000 000 (default)")
    parser.add_argument("--sizes", help="other sizes, comma-separated (e.g. 20000,200000)")
    parser.add_argument("--timeout", type=float, default=900, help="per send, seconds")
    parser.add_argument("--summary", help="append the summary rows (JSON lines) to this file")
    args = parser.parse_args()
    sizes = QUICK_SIZES if args.quick else SIZES
    if args.sizes:
        sizes = tuple(int(p.replace("_", "")) for p in args.sizes.split(",") if p.strip())
    results = []
    with h.temp_home() as work:
        for size in sizes:
            print(f"  {size:,} recipients (timeout {args.timeout:.0f} s)…", file=sys.stderr)
            results.append(one(size, work, args.timeout))
    print_results(results, args.timeout)
    summary = rows(results, args.timeout)
    h.record(summary, args.summary)
    print()
    h.print_table(summary)


if __name__ == "__main__":
    main()
