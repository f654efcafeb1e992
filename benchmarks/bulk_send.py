"""A bulk SMS send through the ``porte-voix`` CLI vs a bare httpx client posting the same bodies.

For each provider that sends SMS (CapitoleMobile, Octopush, eCampaign) and each size (10 000
and 100 000 recipients by default):

1. a fresh sandbox (``python -m providers.sandbox --json``, a child process) has its balance
   raised through its control API (``POST /_sandbox/balance``);
2. the CLI a user runs sends the message: ``porte-voix send sms --account A --to-file F
   --text T --yes --json``, in its own process, ``PORTE_VOIX_HOME`` a temporary directory and
   the account added with ``accounts add … --store env`` (secret in the environment);
3. the bodies the sandbox received are read back from its request log (``GET
   /_sandbox/requests``), the sandbox is stopped and a fresh one started (same state, balance
   raised again: the replay costs the sandbox the same work);
4. the yardstick, a bare ``httpx.Client`` in its own process, posts those same bodies, one after
   the other, to the same endpoint, and reads each answer.

Both processes are measured from spawn to exit: wall seconds, CPU seconds and peak resident
memory (``ru_maxrss``) from their own rusage. The CLI's wall time is also split with the
sandbox's arrival times (``GET /_sandbox/arrivals``): before its first request (reading,
parsing, validating, journalling), the HTTP phase (first arrival to last answer), and after
its last answer (the report). Goals (issue 13): wall at most 1.5× the yardstick's, peak
memory under 150 MB.

Both sides start from cached bytecode (a cache of their own, outside the tree, filled by a
warm-up send of 100 recipients per provider and its replay): an installed program does not
compile its modules at every start, even where ``PYTHONDONTWRITEBYTECODE`` is set.

Run: ``.venv/bin/python benchmarks/bulk_send.py [--sizes 10000] [--providers capitole]
[--repeat 3]`` (``--quick``: 10 000 only; ``--repeat``: medians of several runs of each send,
for a busy machine). The default run takes a few minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

SIZES = (10_000, 100_000)
QUICK_SIZES = (10_000,)
WARM_UP_SIZE = 100
WALL_GOAL = 1.5
MEMORY_GOAL_MB = 150
TEXT = "Bonjour, votre rendez-vous du 12/06 à 14h30 est confirmé. Merci de votre confiance."

# The yardstick: post each recorded request as it was received, one after the other.
BARE_CLIENT = """
import json, sys
import httpx
base, bodies = sys.argv[1], sys.argv[2]
with httpx.Client(trust_env=False, timeout=120) as client, open(bodies) as lines:
    for line in lines:
        r = json.loads(line)
        url = base + r["path"] + ("?" + r["query"] if r["query"] else "")
        headers = {"Content-Type": r["content_type"]} if r["content_type"] else {}
        reply = client.request(
            r["method"], url, content=r["body"].encode("latin-1"), headers=headers
        )
        reply.read()
        if reply.status_code != 200:
            sys.exit(f"HTTP {reply.status_code}")
"""


@dataclass
class Result:
    provider: str
    size: int
    cli: h.Measured
    bare: h.Measured | None
    requests: int
    before: float  # CLI spawn -> first request arrives
    http: float  # first arrival -> last answer
    after: float  # last answer -> CLI exit
    sandbox_cpu: tuple[float, float]  # during the CLI's send, during the replay
    state: str


def cli_state(output: Path) -> str:
    """The send's ``state`` (or ``status``) from the ``--json`` output, read at its ends only
    (a 100 000-recipient report is megabytes)."""
    with output.open("rb") as f:
        head = f.read(400).decode(errors="replace")
        f.seek(max(0, output.stat().st_size - 2000))
        tail = f.read().decode(errors="replace")
    for text, key in ((tail, "state"), (head, "status"), (head, "code")):
        found = re.search(rf'"{key}": "([^"]+)"', text)
        if found:
            return found.group(1)
    return "no output"


def one(provider: str, size: int, numbers: Path, work: Path, timeout: float, run: int) -> Result:
    name = h.SMS_SANDBOXES[provider]
    home = work / f"home-{provider}-{size}-{run}"
    home.mkdir()
    output = work / f"out-{provider}-{size}.json"
    with h.Sandbox(home) as sandbox:
        account = h.add_account(home, sandbox, provider)
        sandbox.raise_balance(name)
        sandbox.forget(name)
        cpu_before = sandbox.cpu_seconds()
        cli = h.run_measured(
            [*h.send_argv(account, numbers), "--text", TEXT, "--yes", "--json"],
            h.child_env(home, **h.secret_env(provider)),
            timeout=timeout,
            stdout=output,
        )
        cli_sandbox_cpu = sandbox.cpu_seconds() - cpu_before
        arrivals = sandbox.arrivals(name)
        recorded = sandbox.requests(name)
    state = "did not finish" if cli.timed_out else cli_state(output)
    output.unlink()
    if arrivals:
        before = arrivals[0][0] - cli.started
        http = arrivals[-1][1] - arrivals[0][0]
        after = float("nan") if cli.timed_out else cli.started + cli.wall - arrivals[-1][1]
    else:
        before = http = after = float("nan")
    bare = None
    bare_sandbox_cpu = float("nan")
    complete = len(recorded) == len(arrivals)
    if not complete:
        print(
            f"  {provider} {size}: the sandbox kept {len(recorded)} of {len(arrivals)} bodies:"
            " no yardstick",
            file=sys.stderr,
        )
    if cli.ok and recorded and complete:
        bodies = work / f"bodies-{provider}-{size}.jsonl"
        with bodies.open("w") as out:
            for request in recorded:
                out.write(json.dumps(request) + "\n")
        with h.Sandbox(home) as sandbox:
            sandbox.raise_balance(name)
            sandbox.forget(name)
            cpu_before = sandbox.cpu_seconds()
            bare = h.run_measured(
                [h.PYTHON, "-c", BARE_CLIENT, sandbox.root(name), str(bodies)],
                h.child_env(None),
                timeout=timeout,
            )
            bare_sandbox_cpu = sandbox.cpu_seconds() - cpu_before
            replayed = sandbox.arrivals(name)
        bodies.unlink()
        if [a[4] for a in replayed] != [a[4] for a in arrivals] or not bare.ok:
            print(f"  {provider} {size}: the replay differs from the send", file=sys.stderr)
            bare = None
    return Result(
        provider,
        size,
        cli,
        bare,
        len(arrivals),
        before,
        http,
        after,
        (cli_sandbox_cpu, bare_sandbox_cpu),
        state,
    )


def median_result(runs: list[Result]) -> Result:
    """Each figure's median over ``runs`` (one run: itself); a failed run is reported as is."""
    failed = [r for r in runs if not r.cli.ok or r.bare is None]
    if len(runs) == 1 or failed:
        return failed[0] if failed else runs[0]
    bares = [r.bare for r in runs if r.bare is not None]

    def measured(items: list[h.Measured]) -> h.Measured:
        first = items[0]
        return h.Measured(
            first.argv,
            h.median([m.wall for m in items]),
            h.median([m.user for m in items]),
            h.median([m.system for m in items]),
            h.median([m.maxrss_mb for m in items]),
            first.returncode,
            first.timed_out,
            first.started,
        )

    return Result(
        runs[0].provider,
        runs[0].size,
        measured([r.cli for r in runs]),
        measured(bares),
        runs[0].requests,
        h.median([r.before for r in runs]),
        h.median([r.http for r in runs]),
        h.median([r.after for r in runs]),
        (
            h.median([r.sandbox_cpu[0] for r in runs]),
            h.median([r.sandbox_cpu[1] for r in runs]),
        ),
        runs[0].state,
    )


def outcome_text(m: h.Measured, timeout: float) -> str | None:
    if m.timed_out:
        return f"did not finish in {timeout:.0f} s"
    if m.returncode != 0:
        return f"failed (exit {m.returncode})"
    return None


def rows(results: list[Result], timeout: float) -> list[h.Row]:
    out: list[h.Row] = []
    for r in results:
        where = f"{h.LABELS[r.provider]}, {r.size:,} recipients"
        failure = outcome_text(r.cli, timeout)
        if failure or r.bare is None:
            out.append(
                h.Row(
                    f"CLI send ≤ {WALL_GOAL}× bare httpx wall ({where})",
                    failure or h.seconds(r.cli.wall),
                    "no yardstick",
                    "—",
                    False,
                )
            )
        else:
            ratio = r.cli.wall / r.bare.wall
            out.append(
                h.Row(
                    f"CLI send ≤ {WALL_GOAL}× bare httpx wall ({where})",
                    h.seconds(r.cli.wall),
                    f"httpx {h.seconds(r.bare.wall)}",
                    f"{ratio:.2f}×",
                    ratio <= WALL_GOAL,
                )
            )
        peak = r.cli.maxrss_mb
        out.append(
            h.Row(
                f"CLI peak memory < {MEMORY_GOAL_MB} MB ({where})",
                f"{peak:.0f} MB" + (" (killed)" if r.cli.timed_out else ""),
                f"httpx {r.bare.maxrss_mb:.0f} MB" if r.bare else "—",
                h.ratio(peak, r.bare.maxrss_mb) if r.bare else "—",
                peak < MEMORY_GOAL_MB and not r.cli.timed_out,
            )
        )
    return out


def print_results(results: list[Result], timeout: float, repeat: int) -> None:
    runs = f", medians of {repeat} runs" if repeat > 1 else ""
    print(f"\nbulk SMS send: porte-voix CLI vs bare httpx posting the same bodies (sandbox{runs})")
    head = (
        f"{'provider':<14} {'recipients':>10} {'reqs':>4} | {'wall CLI':>8} {'httpx':>6} "
        f"{'ratio':>6} | {'CPU CLI':>7} {'httpx':>6} {'ratio':>6} | {'peak CLI':>8} "
        f"{'httpx':>6} | {'before':>6} {'HTTP':>6} {'after':>6} | {'sandbox CPU':>11} | state"
    )
    print(head)
    print("-" * len(head))
    for r in results:
        c, b = r.cli, r.bare
        failure = outcome_text(c, timeout)
        wall = f"{c.wall:>7.1f}s" if not failure else f"{'>' + str(int(timeout)):>7}s"
        print(
            f"{h.LABELS[r.provider]:<14} {r.size:>10,} {r.requests:>4} | {wall} "
            f"{(f'{b.wall:.1f}s' if b else '—'):>6} "
            f"{(h.ratio(c.wall, b.wall) if b else '—'):>6} | {c.cpu:>6.1f}s "
            f"{(f'{b.cpu:.1f}s' if b else '—'):>6} {(h.ratio(c.cpu, b.cpu) if b else '—'):>6} | "
            f"{c.maxrss_mb:>5.0f} MB {(f'{b.maxrss_mb:.0f}MB' if b else '—'):>6} | "
            f"{h.span(r.before):>6} {h.span(r.http):>6} {h.span(r.after):>6} | "
            f"{r.sandbox_cpu[0]:>4.1f}s/{r.sandbox_cpu[1]:>4.1f}s | {r.state}"
        )
    print(
        "wall, CPU (user+system) and peak RSS of each process from spawn to exit; before: CLI"
        " spawn to its first request reaching the sandbox; HTTP: first arrival to last answer;"
        " after: last answer to exit; sandbox CPU: during the CLI's send / during the replay."
        f" Goals: wall ≤ {WALL_GOAL}× httpx, peak < {MEMORY_GOAL_MB} MB."
    )


def parse_sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sizes", type=parse_sizes, help="e.g. 10000 or 10000,100000")
    parser.add_argument(
        "--providers",
        default=",".join(h.SMS_SANDBOXES),
        help="comma-separated: " + ", ".join(h.SMS_SANDBOXES),
    )
    parser.add_argument("--quick", action="store_true", help="10 000 recipients only")
    parser.add_argument("--full", action="store_true", help="the default sizes (10k, 100k)")
    parser.add_argument("--timeout", type=float, default=600, help="per CLI send, seconds")
    parser.add_argument(
        "--repeat", type=int, default=1, help="runs of each send; the medians are printed"
    )
    parser.add_argument("--summary", help="append the summary rows (JSON lines) to this file")
    args = parser.parse_args()
    sizes = args.sizes or (QUICK_SIZES if args.quick else SIZES)
    providers = [p.strip() for p in args.providers.split(",") if p.strip()]
    unknown = [p for p in providers if p not in h.SMS_SANDBOXES]
    if unknown:
        parser.error(f"unknown provider(s) {unknown}: choose among {list(h.SMS_SANDBOXES)}")
    if max(sizes) > 500 * 1000:
        parser.error("at most 500,000 recipients: the sandbox keeps the last 1,000 bodies")

    results: list[Result] = []
    with h.temp_home() as work:
        # Both sides start from cached bytecode, filled by a small send of each provider and
        # its replay (h.use_bytecode_cache); these warm-up runs are not reported.
        h.use_bytecode_cache(work / "pycache")
        warm = h.write_numbers(work / "numbers-warm.txt", WARM_UP_SIZE)
        print("  warm-up (bytecode cache, disk cache)…", file=sys.stderr)
        for provider in providers:
            one(provider, WARM_UP_SIZE, warm, work, args.timeout, -1)
        for size in sizes:
            numbers = h.write_numbers(work / f"numbers-{size}.txt", size)
            for provider in providers:
                print(f"  {h.LABELS[provider]}, {size:,} recipients…", file=sys.stderr)
                runs = [
                    one(provider, size, numbers, work, args.timeout, i) for i in range(args.repeat)
                ]
                results.append(median_result(runs))
            numbers.unlink()
    print_results(results, args.timeout, args.repeat)
    summary = rows(results, args.timeout)
    h.record(summary, args.summary)
    print()
    h.print_table(summary)


if __name__ == "__main__":
    main()
