"""Start-up: the console ready, and short CLI commands, each against a yardstick outside the
project, each run in a fresh process, medians of N runs.

* Console ready, headless at 80×24: a fresh process imports ``tui.app.PorteVoixApp`` and
  ``tui.session.Session``, opens the session (``PORTE_VOIX_HOME`` a temporary directory holding
  three accounts, secrets in the environment: the console opens on Compose SMS) and runs
  ``App.run_test(size=(80, 24))`` until the first screen is mounted, then prints a line. The
  yardstick is a minimal Textual app (one ``Label``) measured the same way. The time is from
  spawning the process to reading that line.
* ``porte-voix sms-count hello --json``, ``porte-voix --version``, ``porte-voix accounts list``
  (same home), each from spawn to exit, against ``python -c "import httpx"``.

One warm-up run of each first (disk cache), then N measured runs interleaved (each round runs
every command once), so a machine that gets busier does not favour one side. Goal (issue 13):
each at most 1.5× its yardstick.

Bytecode: an installed program starts from its cached bytecode, as the yardsticks' packages
(textual, httpx) do from theirs. An environment with ``PYTHONDONTWRITEBYTECODE`` set (these
sessions have it) would make every one of the project's modules compile from source on every
run, about half a second of the console's start that no user pays. So the children get their
own bytecode cache, ``PYTHONPYCACHEPREFIX`` in the temporary home (nothing is written into the
tree), filled by the warm-up runs for both sides alike. ``--source`` measures the other way:
``PYTHONDONTWRITEBYTECODE=1``, the project compiled from source on every run.

Run: ``.venv/bin/python benchmarks/startup.py [--runs 15]`` (``--quick``: 5 runs).
"""

from __future__ import annotations

import argparse
import select
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

GOAL = 1.5
RUNS, QUICK_RUNS = 15, 5
PROVIDERS = ("capitole", "octopush", "ecampaign")

CONSOLE = """
import asyncio, os, sys
from tui.app import PorteVoixApp
from tui.session import Session

async def main():
    app = PorteVoixApp(Session.open(demo=False))
    async with app.run_test(size=(80, 24)):
        print(type(app.screen).__name__, flush=True)
        os._exit(0)

asyncio.run(main())
"""

MINIMAL = """
import asyncio, os
from textual.app import App
from textual.widgets import Label

class Minimal(App):
    def compose(self):
        yield Label("hello")

async def main():
    app = Minimal()
    async with app.run_test(size=(80, 24)):
        print(type(app.screen).__name__, flush=True)
        os._exit(0)

asyncio.run(main())
"""


def time_to_line(argv: list[str], env: dict[str, str], timeout: float = 60) -> tuple[float, str]:
    """Seconds from spawning ``argv`` to reading its first line of output; then it is gone."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv,
        cwd=h.ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        preexec_fn=h._die_with_parent,
    )
    assert proc.stdout is not None
    try:
        ready, _, _ = select.select([proc.stdout], [], [], timeout)
        line = proc.stdout.readline().decode().strip() if ready else ""
        elapsed = time.perf_counter() - start
    finally:
        if proc.poll() is None:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        proc.stdout.close()
    if not line:
        raise SystemExit(f"{argv[-1][:40]!r}: no line within {timeout} s")
    return elapsed, line


def time_to_exit(argv: list[str], env: dict[str, str]) -> float:
    measured = h.run_measured(argv, env, timeout=60)
    if not measured.ok:
        raise SystemExit(f"{' '.join(argv)}: exit {measured.returncode}")
    return measured.wall


def prepare_home(home: Path) -> dict[str, str]:
    """Three accounts (secrets in the environment), as ``accounts add --store env`` leaves them;
    their URLs point nowhere: nothing here makes a request."""
    secrets: dict[str, str] = {}
    nowhere = "http://127.0.0.1:9"
    options = {
        "capitole": ["--login", "demo", "--set", f"sms_url={nowhere}/api/sendsms/xml"],
        "octopush": ["--login", "demo@porte-voix.test", "--set", f"base_url={nowhere}"],
        "ecampaign": ["--login", "demo", "--set", f"base_url={nowhere}", "--set", "route=1"],
    }
    for provider in PROVIDERS:
        name = h.account_name(provider)
        add = ["accounts", "add", name, "--provider", provider, "--store", "env"]
        h.porte_voix(home, *add, *options[provider])
        secrets.update(h.secret_env(provider))
    return h.child_env(home, **secrets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, help=f"measured runs of each ({RUNS} by default)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} runs")
    parser.add_argument("--full", action="store_true", help=f"{RUNS} runs (default)")
    parser.add_argument("--summary", help="append the summary rows (JSON lines) to this file")
    parser.add_argument(
        "--source",
        action="store_true",
        help="no bytecode cache: the project's modules compile from source on every run",
    )
    args = parser.parse_args()
    runs = args.runs or (QUICK_RUNS if args.quick else RUNS)

    with h.temp_home() as home:
        if not args.source:
            h.use_bytecode_cache(home / "pycache")
        env = prepare_home(home)
        if args.source:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        console = [h.PYTHON, "-c", CONSOLE]
        minimal = [h.PYTHON, "-c", MINIMAL]
        commands = {
            "sms-count hello --json": [h.PORTE_VOIX, "sms-count", "hello", "--json"],
            "--version": [h.PORTE_VOIX, "--version"],
            "accounts list": [h.PORTE_VOIX, "accounts", "list"],
        }
        httpx_only = [h.PYTHON, "-c", "import httpx"]
        screens = {"console": time_to_line(console, env)[1], "minimal": ""}
        screens["minimal"] = time_to_line(minimal, env)[1]
        for argv in [*commands.values(), httpx_only]:
            time_to_exit(argv, env)
        times: dict[str, list[float]] = {k: [] for k in ["console", "minimal", *commands, "httpx"]}
        for round_ in range(runs):
            print(f"  round {round_ + 1}/{runs}", file=sys.stderr)
            times["console"].append(time_to_line(console, env)[0])
            times["minimal"].append(time_to_line(minimal, env)[0])
            for label, argv in commands.items():
                times[label].append(time_to_exit(argv, env))
            times["httpx"].append(time_to_exit(httpx_only, env))

    med = {k: h.median(v) for k, v in times.items()}
    low = {k: min(v) for k, v in times.items()}
    cache = "none, compiled from source each run" if args.source else "cached (warm-up runs)"
    print(f"\nstart-up, fresh process each time, median (min) of {runs} runs; bytecode {cache}")
    pairs = [("console", "minimal")] + [(label, "httpx") for label in commands]
    names = {
        "console": f"console ready, 80×24 (opens on {screens['console']})",
        "minimal": "minimal Textual app ready, 80×24",
        "httpx": 'python -c "import httpx"',
        **{label: f"porte-voix {label}" for label in commands},
    }
    head = f"{'what':<46} {'median':>8} {'min':>8} | {'yardstick':<34} {'median':>8} | ratio"
    print(head)
    print("-" * len(head))
    summary: list[h.Row] = []
    for ours, theirs in pairs:
        ratio = med[ours] / med[theirs]
        print(
            f"{names[ours]:<46} {med[ours]:>7.3f}s {low[ours]:>7.3f}s | {names[theirs]:<34} "
            f"{med[theirs]:>7.3f}s | {ratio:.2f}×"
        )
        summary.append(
            h.Row(
                f"{names[ours]} ≤ {GOAL}× yardstick",
                f"{med[ours]:.3f} s",
                f"{'minimal app' if theirs == 'minimal' else 'import httpx'} {med[theirs]:.3f} s",
                f"{ratio:.2f}×",
                ratio <= GOAL,
            )
        )
    h.record(summary, args.summary)
    print()
    h.print_table(summary)


if __name__ == "__main__":
    main()
