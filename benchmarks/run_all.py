"""``make bench``: run the goal benchmarks one after the other and print ONE summary table.

``startup.py``, ``bulk_send.py`` and ``outbox.py`` each print their own figures, then append
their summary rows (goal, measured, yardstick, ratio, met) to a file this script reads at the
end. Quick sizes by default; ``--full`` runs the sizes the goals name (10 000 and 100 000
recipients per provider, and the 1 000 000-recipient outbox send: up to about half an hour).
``--components`` also runs the component profiles (``bench_recipients``, ``bench_text``,
``bench_store``), which have no goal and add no row.

Each script runs in its own process group and is killed with everything it started if it
overruns its time limit; its rows are then replaced by one saying so.

Run: ``make bench`` or ``make bench BENCH_ARGS=--full``, or
``.venv/bin/python benchmarks/run_all.py [--full] [--only startup,outbox]``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

HERE = Path(__file__).resolve().parent
#: script -> (time limit quick, time limit full), seconds, for the whole script.
GOAL_SCRIPTS = {
    "startup": (300, 900),
    "bulk_send": (900, 2400),
    "outbox": (1200, 2400),
    "receiver": (600, 1200),
    "history": (1200, 2400),
}
COMPONENT_SCRIPTS = ("bench_recipients", "bench_text", "bench_store")


def run(script: str, args: list[str], limit: float, summary: Path) -> tuple[int | None, float]:
    """Run one script to its end or its time limit; (exit code or None if killed, seconds)."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, str(HERE / f"{script}.py"), *args],
        cwd=h.ROOT,
        env={**os.environ, h.SUMMARY_ENV: str(summary)},
        start_new_session=True,
    )
    try:
        code: int | None = proc.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        code = None
    except KeyboardInterrupt:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise
    finally:
        # The script, and anything it left behind in its group (sandbox, CLI), ends here.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    return code, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="quick sizes (default)")
    size.add_argument("--full", action="store_true", help="the sizes the goals name")
    parser.add_argument("--only", help="comma-separated: " + ", ".join(GOAL_SCRIPTS))
    parser.add_argument("--components", action="store_true", help="also the component profiles")
    args = parser.parse_args()
    scripts = list(GOAL_SCRIPTS)
    if args.only:
        scripts = [s.strip() for s in args.only.split(",") if s.strip()]
        unknown = [s for s in scripts if s not in GOAL_SCRIPTS]
        if unknown:
            parser.error(f"unknown script(s) {unknown}: choose among {list(GOAL_SCRIPTS)}")
    flag = "--full" if args.full else "--quick"

    load_before = os.getloadavg()[0]
    rows: list[h.Row] = []
    with tempfile.TemporaryDirectory(prefix="pv-bench-summary-") as tmp:
        for script in scripts:
            summary = Path(tmp) / f"{script}.jsonl"
            limit = GOAL_SCRIPTS[script][1 if args.full else 0]
            print(f"\n=== {script}.py {flag} (stops after {limit} s at most)", flush=True)
            code, took = run(script, [flag], limit, summary)
            got = h.read_rows(summary)
            if code is None:
                got = [h.Row(f"{script}.py", f"killed after {limit} s", "—", "—", False)]
            elif code != 0:
                got.append(h.Row(f"{script}.py", f"exit {code}", "—", "—", False))
            rows += got
            print(f"=== {script}.py: {took:.0f} s", flush=True)
        if args.components:
            for script in COMPONENT_SCRIPTS:
                print(f"\n=== {script}.py (component profile, no goal)", flush=True)
                code, _ = run(script, [], 600, Path(tmp) / "none.jsonl")
                if code != 0:
                    rows.append(h.Row(f"{script}.py", f"exit {code}", "—", "—", None))

    print()
    print(
        f"load average (1 min) {load_before:.2f} before, {os.getloadavg()[0]:.2f} after, on "
        f"{os.cpu_count()} CPUs: other work on the machine slows both sides of each ratio"
    )
    met = sum(1 for r in rows if r.met)
    h.print_table(
        rows,
        f"SUMMARY ({'full' if args.full else 'quick'} sizes): {met} of {len(rows)} goals met",
    )


if __name__ == "__main__":
    main()
