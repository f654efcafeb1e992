"""History at scale (issue 11): eCampaign's getCDR reply to CSV, and the local store.

Part 1, the getCDR reply (measured here). The sandbox (``python -m providers.sandbox``, a child
process) writes the reply of its generated campaign of N SMS with their texts (campaign
``9000000000 + N``, ``showcontent``: about 45 MB at 100,000); the bytes are saved once and both
sides read the same file, each in a fresh process:

* **streaming**: ``EcampaignProvider.iter_cdr`` (the path of the History screen and of
  ``porte-voix cdr``: request, ``providers.http_stream``, ``providers.ecampaign.cdr``), the
  file served by an ``httpx.MockTransport`` in 64 KB chunks, every row written to a CSV file
  by ``porte-voix cdr --csv``'s own writer (``tui.history.cdr_output.CsvWriter``: a ``kind``
  column, every field, outside text made visible), the bytes the command prints;
* **yardstick**: plain lxml, ``etree.fromstring`` of the same bytes (the whole tree, no rows,
  no output).

A third line, ``iter_cdr`` alone (rows made, none written), shows how the time divides between
reading the reply and writing the CSV.

Time is measured inside each process, from its first byte read to its last byte written (the
interpreter's start and the imports are left out on both sides); peak memory is the process's
``ru_maxrss``. Rounds interleave the two sides (a machine getting busier favours neither); every
round is printed, then the medians, the median of the rounds' own ratios and the ratio of the
CPU times (user+system inside the process, which other work on the machine disturbs less than
the time). The goal is judged on the ratio of the median times. Goals: streaming ≤ 2× the
yardstick's time, peak ≤ 200 MB (a full lxml tree of 100,000 messages takes about 420 MB).

Part 2, the store (``history_store.py``): time to the first page and to each filter on a store
of 1,000,000 rows (goal < 0.3 s), and the 1,000,000-row CSV export against the ``sqlite3``
shell's CSV dump of the same SELECT (goal ≤ 2×, peak ≤ 100 MB). Without a ``sqlite3`` shell
(``apt-get install sqlite3``), the yardstick is Python's ``iterdump`` and the summary says so.

Run: ``.venv/bin/python benchmarks/history.py [--messages 100000] [--repeat 5]
[--store-rows 1000000] [--part reply|store|both]`` (``--quick``: 3 rounds; ``--rounds`` is
``--repeat``).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

MESSAGES = 100_000
ROUNDS, QUICK_ROUNDS = 5, 3
TIME_GOAL = 2.0
MEMORY_GOAL_MB = 200.0
SYNTHETIC_CAMPAIGNS = 9_000_000_000  # providers.sandbox.ecampaign.tracking.SYNTHETIC_CAMPAIGNS
CHUNK = 64 * 1024


# --------------------------------------------------------------------------- child processes


def child_stream(reply: Path, out: Path | None, count: int) -> dict[str, float]:
    """iter_cdr over the saved reply, every row written by ``porte-voix cdr --csv``'s writer
    (``tui.history.cdr_output.CsvWriter``); none written when ``out`` is None."""
    import asyncio
    from datetime import date

    import httpx

    from providers.base import AccountSettings
    from providers.ecampaign import EcampaignProvider
    from tui.history.cdr_output import CsvWriter

    async def body() -> AsyncIterator[bytes]:
        with reply.open("rb") as source:
            while chunk := source.read(CHUNK):
                yield chunk

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=body(), headers={"Content-Type": "text/xml"})

    async def run() -> int:
        settings = AccountSettings("bench", "ecampaign", "bench", {"route": "1"})
        provider = EcampaignProvider(settings, "secret", httpx.MockTransport(answer))
        rows = 0
        day = date(2026, 1, 1)
        stream = provider.iter_cdr(
            day, day, campaign=str(SYNTHETIC_CAMPAIGNS + count), channel="sms", content=True
        )
        if out is None:
            async for _row in stream:
                rows += 1
        else:
            # As the CLI's standard output to a file or a pipe: UTF-8, lines as written.
            with out.open("w", newline="", encoding="utf-8", buffering=1 << 20) as target:
                writer = CsvWriter(target)
                async for row in stream:
                    writer.row(row)
                    rows += 1
                writer.close()
        await provider.aclose()
        return rows

    start, cpu = time.perf_counter(), time.process_time()
    rows = asyncio.run(run())
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "rows": rows,
    }


def child_lxml(reply: Path) -> dict[str, float]:
    """The yardstick: the whole file parsed into one tree by plain lxml."""
    from lxml import etree

    start, cpu = time.perf_counter(), time.process_time()
    root = etree.fromstring(reply.read_bytes())
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    listing = root.find("getCDR")
    return {
        "seconds": seconds,
        "cpu": cpu,
        "rows": float(0 if listing is None else len(listing)),
    }


def child(argv: list[str]) -> None:
    kind, reply = argv[0], Path(argv[1])
    if kind == "csv":
        result = child_stream(reply, Path(argv[2]), int(argv[3]))
    elif kind == "rows":
        result = child_stream(reply, None, int(argv[3]))
    else:
        result = child_lxml(reply)
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)


# --------------------------------------------------------------------------- part 1


def fetch_reply(home: Path, count: int) -> Path:
    """The sandbox's getCDR reply for its generated campaign of ``count`` SMS, saved."""
    target = home / "cdr.xml"
    with h.Sandbox(home) as sandbox:
        base = sandbox.root("ecampaign")
        login = next(a for a in sandbox.info["accounts"] if a["provider"] == "ecampaign")["login"]
        document = (
            f"<ecampaign><login><user>{login}</user><password>{h.SECRET}</password></login>"
            f"<tracking><getCDR><campaignid>{SYNTHETIC_CAMPAIGNS + count}</campaignid>"
            "<showcontent>true</showcontent></getCDR></tracking></ecampaign>"
        )
        with (
            sandbox.client.stream("POST", f"{base}/tracking/getCDR", data={"xml": document}) as r,
            target.open("wb") as out,
        ):
            r.raise_for_status()
            for chunk in r.iter_bytes():
                out.write(chunk)
    return target


def measure(argv: list[str]) -> dict[str, float]:
    """One child run: its own figures, and its whole wall time from spawn to exit."""
    with h.temp_home("pv-bench-history-run-") as scratch:
        log = scratch / "child.out"
        run = h.run_measured(argv, h.child_env(None), timeout=900, stdout=log)
        if not run.ok:
            raise SystemExit(f"{' '.join(argv[2:4])} failed ({run.returncode})")
        figures: dict[str, float] = json.loads(log.read_text().splitlines()[-1])
    figures["wall"] = run.wall
    figures["maxrss_mb"] = run.maxrss_mb
    return figures


def reply_to_csv(count: int, rounds: int) -> list[h.Row]:
    with h.temp_home("pv-bench-history-") as home:
        print(f"getCDR reply of {count:,} messages from the sandbox...", flush=True)
        reply = fetch_reply(home, count)
        size_mb = reply.stat().st_size / h.MB
        print(f"  {size_mb:.1f} MB saved; {rounds} rounds, each side in a fresh process")
        me = [h.PYTHON, str(Path(__file__).resolve()), "--child"]
        out = home / "cdr.csv"
        streaming: list[dict[str, float]] = []
        parsing: list[dict[str, float]] = []
        yardstick: list[dict[str, float]] = []
        measure([*me, "lxml", str(reply)])  # warm-up: the file in the page cache
        for _ in range(rounds):
            streaming.append(measure([*me, "csv", str(reply), str(out), str(count)]))
            parsing.append(measure([*me, "rows", str(reply), "-", str(count)]))
            yardstick.append(measure([*me, "lxml", str(reply)]))
        for side in (streaming, parsing):
            if int(side[-1]["rows"]) != count:
                raise SystemExit(
                    f"the streaming side read {side[-1]['rows']:,} rows, not {count:,}"
                )

    def med(side: list[dict[str, float]], key: str) -> float:
        return h.median([run[key] for run in side])

    print("\nEach round, one process per side, one after the other (time inside the process; CPU:")
    print("its user+system time, which a busy machine disturbs less):")
    print(f"  {'round':>5} {'CSV time':>9} {'CPU':>7} {'lxml time':>10} {'CPU':>7} {'ratio':>7}")
    for n, (ours, theirs) in enumerate(zip(streaming, yardstick, strict=True), 1):
        print(
            f"  {n:>5} {h.seconds(ours['seconds']):>9} {h.seconds(ours['cpu']):>7}"
            f" {h.seconds(theirs['seconds']):>10} {h.seconds(theirs['cpu']):>7}"
            f" {h.ratio(ours['seconds'], theirs['seconds']):>7}"
        )
    s_time, y_time = med(streaming, "seconds"), med(yardstick, "seconds")
    s_cpu, y_cpu = med(streaming, "cpu"), med(yardstick, "cpu")
    s_mem, y_mem = med(streaming, "maxrss_mb"), med(yardstick, "maxrss_mb")
    paired = h.median(
        [o["seconds"] / t["seconds"] for o, t in zip(streaming, yardstick, strict=True)]
    )
    print(f"\nMedians of {len(streaming)} rounds:")
    print(f"{'':40} {'time':>9} {'CPU':>9} {'process':>9} {'peak':>9}")
    for label, side in (
        ("streaming: iter_cdr -> cdr --csv writer", streaming),
        ("  of which iter_cdr alone (no CSV)", parsing),
        ("plain lxml: etree.fromstring", yardstick),
    ):
        print(
            f"{label:40} {h.seconds(med(side, 'seconds')):>9} {h.seconds(med(side, 'cpu')):>9}"
            f" {h.seconds(med(side, 'wall')):>9} {med(side, 'maxrss_mb'):>6.0f} MB"
        )
    print(
        f"ratios: time {h.ratio(s_time, y_time)} (medians), {paired:.2f}× (median of the"
        f" rounds' own ratios); CPU {h.ratio(s_cpu, y_cpu)}"
    )
    time_met, memory_met = s_time <= TIME_GOAL * y_time, s_mem <= MEMORY_GOAL_MB
    print(
        f"time: {h.ratio(s_time, y_time)} the yardstick (goal ≤ {TIME_GOAL:g}×): "
        f"{'met' if time_met else 'NOT met'}"
    )
    print(
        f"peak memory: {s_mem:.0f} MB (goal ≤ {MEMORY_GOAL_MB:.0f} MB): "
        f"{'met' if memory_met else 'NOT met'}"
    )
    what = f"getCDR {count:,} msgs ({size_mb:.0f} MB) -> CSV"
    return [
        h.Row(
            f"{what}: time ≤ {TIME_GOAL:g}× lxml",
            h.seconds(s_time),
            f"lxml fromstring {h.seconds(y_time)}",
            h.ratio(s_time, y_time),
            time_met,
        ),
        h.Row(
            f"{what}: peak ≤ {MEMORY_GOAL_MB:.0f} MB",
            f"{s_mem:.0f} MB",
            f"lxml tree {y_mem:.0f} MB",
            h.ratio(s_mem, y_mem),
            memory_met,
        ),
    ]


# --------------------------------------------------------------------------- part 2: the store


def store_figures(args: argparse.Namespace, rounds: int) -> list[h.Row]:
    """The local history store at ``--store-rows`` rows: time to the first page and to each
    filter (goal < 0.3 s), and the CSV export against the ``sqlite3`` shell's dump of the same
    SELECT (goal ≤ 2×, peak ≤ 100 MB); see ``history_store.py``."""
    import history_store

    return history_store.report(args.store_rows, rounds)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--messages", type=int, default=MESSAGES)
    parser.add_argument("--rounds", "--repeat", dest="rounds", type=int, help="rounds (medians)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_ROUNDS} rounds")
    parser.add_argument("--full", action="store_true", help=f"{ROUNDS} rounds (the default)")
    parser.add_argument("--summary", help="append the summary rows (JSON lines) to this file")
    parser.add_argument("--store-rows", type=int, default=1_000_000, help="rows of part 2's store")
    parser.add_argument(
        "--part", choices=("reply", "store", "both"), default="both", help="which part to run"
    )
    args = parser.parse_args()
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else ROUNDS)
    rows: list[h.Row] = []
    if args.part != "store":
        rows += reply_to_csv(args.messages, rounds)
    if args.part != "reply":
        rows += store_figures(args, rounds)
    h.record(rows, args.summary)
    print()
    h.print_table(rows, "history")


if __name__ == "__main__":
    main()
