"""Part 2 of ``history.py``: the local history store at 1,000,000 rows (issue 11).

A store of ``--store-rows`` recipients (10,000 sends of 100 by default, five accounts, four
providers, every outcome and delivery state, campaign ids, three months of dates) is written
with the outbox's own schema (``Store`` creates it, with every index), then bulk-loaded with
plain sqlite3, as ``bench_store.py`` does. Then, in fresh processes, interleaved rounds:

* **pages**: the History screen's reads (``HistoryReader``): the first page (connection opened
  in the same measure), a filter's first page for each filter the screen offers, the page
  after a row half-way down (keyset), and the full count (shown later, in its own thread: no
  goal). Goal: every page under 0.3 s.
* **export**: ``tui.history.export`` writing every row to CSV from one cursor, against the
  ``sqlite3`` shell's CSV dump (``sqlite3 -csv -header``) of the very same SELECT (same
  columns, same order: ``HistoryReader.sql``). The export also puts each provider code's
  meaning into words and makes outside text visible; the shell writes the columns raw. Time
  inside the process (its first query to its last byte; the interpreter's start and imports
  left out; the shell's whole run on its side), the CPU time over the same span (user+system,
  less disturbed by other work on the machine), and peak memory (``ru_maxrss``) of each. Every
  round is printed (one export, then one shell dump), then the medians, the median of the
  rounds' own ratios and the CPU ratio; the goal is judged on the ratio of the median times.
  Goals: time ≤ 2× the shell's, peak ≤ 100 MB (one batch of rows in memory at a time).

If no ``sqlite3`` shell is installed (``apt-get install sqlite3``), the yardstick falls back
to Python's ``sqlite3.Connection.iterdump()`` of the two tables to a file, and the summary
says so.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

ROWS = 1_000_000
PER_SEND = 100
PAGE_GOAL = 0.3
EXPORT_GOAL = 2.0
EXPORT_MEMORY_MB = 100.0
ACCOUNTS = (
    ("shop", "capitole"),
    ("notify", "octopush"),
    ("crm", "ecampaign"),
    ("calls", "voicepartner"),
    ("rare", "octopush"),  # one send in a hundred: a filter that keeps few rows
)
START = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)


def populate(path: Path, rows: int) -> float:
    """The store, created by ``Store`` (schema and indexes), rows loaded in one transaction."""
    from tui.outbox.store import Store

    Store(path).close()
    started = time.perf_counter()
    sends = -(-rows // PER_SEND)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA synchronous = OFF")
    try:
        with conn:
            for first in range(0, sends, 500):
                batch = range(first, min(first + 500, sends))
                conn.executemany(
                    """INSERT INTO sends (reference, created_at, updated_at, account, provider,
                           channel, message_json, summary, state, campaign_id, recipients_total)
                       VALUES (?, ?, ?, ?, ?, 'sms', '{}', 'Bonjour', 'accepted', ?, ?)""",
                    (_send(i, sends) for i in batch),
                )
                conn.executemany(
                    """INSERT INTO send_recipients (reference, position, provider, number, state,
                           error, delivery_state, delivery_code, delivery_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (row for i in batch for row in _recipients(i, sends, rows)),
                )
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    return time.perf_counter() - started


def _account(i: int) -> tuple[str, str]:
    return ACCOUNTS[4] if i % 100 == 99 else ACCOUNTS[i % 4]


def _send(i: int, sends: int) -> tuple[object, ...]:
    at = (START + timedelta(days=90 * i / sends)).isoformat(timespec="microseconds")
    account, provider = _account(i)
    return (f"PB{i:08d}", at, at, account, provider, f"C{i % 700}", PER_SEND)


def _recipients(i: int, sends: int, rows: int) -> list[tuple[object, ...]]:
    at = (START + timedelta(days=90 * i / sends)).isoformat(timespec="microseconds")
    provider = _account(i)[1]
    found: list[tuple[object, ...]] = []
    for n in range(min(PER_SEND, rows - i * PER_SEND)):
        number = f"+336{(i * PER_SEND + n) * 7 % 100_000_000:08d}"
        kind = (i + n) % 20
        if kind == 19:
            found.append((f"PB{i:08d}", n, provider, number, "rejected", "120: refused", None,
                          None, None, at))  # fmt: skip
        elif kind == 18:
            found.append((f"PB{i:08d}", n, provider, number, "unknown", None, None, None, None,
                          at))  # fmt: skip
        else:
            state, code = ("failed", "8") if kind in (3, 11) else ("delivered", "4")
            found.append((f"PB{i:08d}", n, provider, number, "accepted", None, state, code, at, at))
    return found


# --------------------------------------------------------------------------- child processes


def filters() -> list[tuple[str, dict[str, Any], str]]:
    """(label, HistoryFilter fields, sort) of each page measured."""
    return [
        ("first page", {}, "newest"),
        ("filter: account (1 send in 4)", {"account": "crm"}, "newest"),
        ("filter: account (1 send in 100)", {"account": "rare"}, "newest"),
        ("filter: provider", {"provider": "ecampaign"}, "newest"),
        ("filter: status failed", {"status": "failed"}, "newest"),
        ("filter: status undelivered", {"status": "undelivered"}, "newest"),
        ("filter: status unknown", {"status": "unknown"}, "newest"),
        ("filter: number", {"number": "+33600000700"}, "newest"),
        ("filter: campaign", {"campaign": "C42"}, "newest"),
        ("filter: one week", {"start": "2026-02-01", "stop": "2026-02-07"}, "newest"),
        (
            "filter: account + failed + week",
            {"account": "crm", "status": "failed", "start": "2026-02-01", "stop": "2026-02-07"},
            "newest",
        ),
        ("sort: by number", {}, "number"),
        ("sort: oldest first", {}, "oldest"),
    ]


def child_pages(db: Path) -> dict[str, float]:
    from datetime import date

    from tui.outbox.history import HistoryFilter, HistoryReader, Sort

    figures: dict[str, float] = {}
    started = time.perf_counter()
    reader = HistoryReader(db)
    for label, fields, sort in filters():
        values = {
            k: date.fromisoformat(v) if k in ("start", "stop") else v for k, v in fields.items()
        }
        flt = HistoryFilter(**values)  # type: ignore[arg-type]
        page = reader.page(flt, Sort(sort))
        figures[label] = time.perf_counter() - started
        if not page.rows:
            raise SystemExit(f"{label}: no row")
        started = time.perf_counter()
    with sqlite3.connect(db) as conn:  # a row half-way down, for the keyset page after it
        middle = conn.execute("SELECT max(id) / 2 FROM sends").fetchone()[0]
        key = conn.execute(
            "SELECT s.id, max(r.id) FROM sends s JOIN send_recipients r "
            "ON r.reference = s.reference WHERE s.id = ?",
            (middle,),
        ).fetchone()
    started = time.perf_counter()
    reader.page(HistoryFilter(), Sort.NEWEST, after=tuple(key))
    figures["page after a row half-way down"] = time.perf_counter() - started
    started = time.perf_counter()
    figures["count"] = float(reader.count(HistoryFilter()))
    figures["count seconds"] = time.perf_counter() - started
    return figures


def child_export(db: Path, out: Path) -> dict[str, float]:
    from tui.history import export
    from tui.outbox.history import HistoryFilter, HistoryReader, Sort

    started, cpu = time.perf_counter(), time.process_time()
    reader = HistoryReader(db)
    with out.open("w", encoding="utf-8", newline="", buffering=1 << 20) as target:
        rows = export.export(reader, HistoryFilter(), Sort.NEWEST, target, "csv")
    return {
        "seconds": time.perf_counter() - started,
        "inside_cpu": time.process_time() - cpu,
        "rows": float(rows),
    }


def shell_query(db: Path) -> str:
    from tui.outbox.history import HistoryFilter, HistoryReader, Sort

    reader = HistoryReader(db)
    query, params = reader.sql(HistoryFilter(), Sort.NEWEST)
    reader.close()
    assert not params
    # The same columns as the export writes, minus the two it computes (meaning, visibility).
    return query.replace(", s.id, r.id, r.provider FROM", " FROM", 1)


def child_iterdump(db: Path, out: Path) -> dict[str, float]:
    started, cpu = time.perf_counter(), time.process_time()
    with sqlite3.connect(db) as conn, out.open("w", encoding="utf-8") as target:
        for line in conn.iterdump():
            target.write(line + "\n")
    return {"seconds": time.perf_counter() - started, "inside_cpu": time.process_time() - cpu}


def child(argv: list[str]) -> None:
    import resource

    kind, db = argv[0], Path(argv[1])
    if kind == "pages":
        result = child_pages(db)
    elif kind == "export":
        result = child_export(db, Path(argv[2]))
    else:
        result = child_iterdump(db, Path(argv[2]))
    result["maxrss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result), flush=True)


def measure(argv: list[str], out: Path | None = None) -> dict[str, float]:
    with h.temp_home("pv-bench-store-run-") as scratch:
        log = out or scratch / "child.out"
        run = h.run_measured(argv, h.child_env(None), timeout=900, stdout=log)
        if not run.ok:
            raise SystemExit(f"{' '.join(argv[-3:])} failed ({run.returncode})")
        figures: dict[str, float] = {}
        if out is None:
            figures = json.loads(log.read_text().splitlines()[-1])
    figures["wall"], figures["peak"], figures["cpu"] = run.wall, run.maxrss_mb, run.cpu
    return figures


# --------------------------------------------------------------------------- the report


def report(rows: int, rounds: int) -> list[h.Row]:
    me = [h.PYTHON, str(Path(__file__).resolve()), "--child"]
    shell = shutil.which("sqlite3")
    with h.temp_home("pv-bench-history-store-") as home:
        db = home / "store.db"
        print(f"\nstore of {rows:,} rows ({rows // PER_SEND:,} sends of {PER_SEND})...", flush=True)
        took = populate(db, rows)
        print(f"  loaded in {took:.1f} s ({db.stat().st_size / h.MB:.0f} MB); {rounds} rounds")
        query = shell_query(db)
        pages: list[dict[str, float]] = []
        ours: list[dict[str, float]] = []
        yardstick: list[dict[str, float]] = []
        for _ in range(rounds):
            pages.append(measure([*me, "pages", str(db)]))
            out = home / "export.csv"
            ours.append(measure([*me, "export", str(db), str(out)]))
            theirs = home / "shell.csv"
            if shell:
                run = h.run_measured(
                    [shell, "-csv", "-header", str(db), query],
                    h.child_env(None),
                    timeout=900,
                    stdout=theirs,
                )
                yardstick.append(
                    {
                        "seconds": run.wall,
                        "wall": run.wall,
                        "peak": run.maxrss_mb,
                        "cpu": run.cpu,
                        "inside_cpu": run.cpu,  # its whole run (a start-up of a few ms)
                    }
                )
            else:
                yardstick.append(measure([*me, "iterdump", str(db), str(theirs)]))
        lines = [sum(1 for _ in path.open("rb")) for path in (out, theirs)]
        if int(ours[-1]["rows"]) != rows or (shell and lines[0] != lines[1]):
            raise SystemExit(f"export wrote {lines[0]:,} lines, the shell {lines[1]:,}")
    return _print(pages, ours, yardstick, rows, "sqlite3 -csv" if shell else "iterdump")


def _print(
    pages: list[dict[str, float]],
    ours: list[dict[str, float]],
    theirs: list[dict[str, float]],
    rows: int,
    yardstick: str,
) -> list[h.Row]:
    def med(side: list[dict[str, float]], key: str) -> float:
        return h.median([run[key] for run in side])

    labels = [label for label, _f, _s in filters()] + ["page after a row half-way down"]
    print(f"\nHistory pages on {rows:,} rows (each in a fresh process; medians):")
    for label in labels:
        print(f"  {label:40} {med(pages, label) * 1000:8.1f} ms")
    print(f"  {'(full count, shown later: no goal)':40} {med(pages, 'count seconds'):8.2f} s")
    first = med(pages, "first page")
    slowest = max(labels[1:], key=lambda label: med(pages, label))
    worst = med(pages, slowest)
    s_time, y_time = med(ours, "seconds"), med(theirs, "seconds")
    s_cpu, y_cpu = med(ours, "inside_cpu"), med(theirs, "inside_cpu")
    s_peak, y_peak = med(ours, "peak"), med(theirs, "peak")
    paired = h.median([o["seconds"] / t["seconds"] for o, t in zip(ours, theirs, strict=True)])
    print(f"\nCSV export of {rows:,} rows, each round one process per side, one after the other:")
    print(f"  {'round':>5} {'export':>9} {'CPU':>7} {yardstick:>12} {'CPU':>7} {'ratio':>7}")
    for n, (o, t) in enumerate(zip(ours, theirs, strict=True), 1):
        print(
            f"  {n:>5} {h.seconds(o['seconds']):>9} {h.seconds(o['inside_cpu']):>7}"
            f" {h.seconds(t['seconds']):>12} {h.seconds(t['inside_cpu']):>7}"
            f" {h.ratio(o['seconds'], t['seconds']):>7}"
        )
    print(f"\nMedians of {len(ours)} rounds     time       CPU   process  proc. CPU     peak")
    for label, side in (("tui.history.export", ours), (yardstick, theirs)):
        print(f"  {label:<25} {h.seconds(med(side, 'seconds')):>8}"
              f" {h.seconds(med(side, 'inside_cpu')):>9} {h.seconds(med(side, 'wall')):>9}"
              f" {h.seconds(med(side, 'cpu')):>10} {med(side, 'peak'):6.0f} MB")  # fmt: skip
    print("  (time and CPU: inside the process, first query to last byte; the shell's whole run.")
    print("  process: spawn to exit, the interpreter's start and imports included. CPU is")
    print("  user+system time, which a busy machine disturbs less than the time)")
    print(
        f"  ratios: time {h.ratio(s_time, y_time)} (medians), {paired:.2f}× (median of the rounds'"
        f" own ratios); CPU {h.ratio(s_cpu, y_cpu)}"
    )
    if yardstick == "iterdump":
        print("  (no sqlite3 shell here: the yardstick is Python's iterdump of the tables)")
    size = f"{rows // 1000:,}k" if rows < 1_000_000 else f"{rows / 1e6:g}M"
    return [
        h.Row(f"history: first page of {size} rows < {PAGE_GOAL} s", f"{first * 1000:.0f} ms",
              f"goal {PAGE_GOAL * 1000:.0f} ms", h.ratio(first, PAGE_GOAL), first < PAGE_GOAL),
        h.Row(f"history: every filter/sort page < {PAGE_GOAL} s (slowest: {slowest})",
              f"{worst * 1000:.0f} ms", f"goal {PAGE_GOAL * 1000:.0f} ms",
              h.ratio(worst, PAGE_GOAL), worst < PAGE_GOAL),
        h.Row(f"history: CSV export of {size} rows ≤ {EXPORT_GOAL:g}× {yardstick}",
              h.seconds(s_time), f"{yardstick} {h.seconds(y_time)}", h.ratio(s_time, y_time),
              s_time <= EXPORT_GOAL * y_time),
        h.Row(f"history: CSV export peak ≤ {EXPORT_MEMORY_MB:.0f} MB", f"{s_peak:.0f} MB",
              f"{yardstick} {y_peak:.0f} MB", h.ratio(s_peak, y_peak),
              s_peak <= EXPORT_MEMORY_MB),
    ]  # fmt: skip


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
