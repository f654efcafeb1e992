"""How many delivery reports a second does ``porte-voix listen`` store durably, against a bare
aiohttp handler that stores nothing, under the same load, in the same run?

The durable side is the real daemon (``porte-voix listen``, in its own process, a temporary
``PORTE_VOIX_HOME``) with one CapitoleMobile account and, in its outbox, one send of as many
recipients as there are reports: each report is parsed, matched to its recipient, applied, and
committed (``synchronous=FULL``) before its 200, the callbacks that arrive together sharing one
commit (group commit). The yardstick is a bare aiohttp handler in its own process: it reads the
request and answers 200, nothing parsed, nothing stored.

The load is a third process (a minimal HTTP/1.1 client on asyncio streams, ``--concurrency``
keep-alive connections, every request built before the clock starts) sending the same
CapitoleMobile delivery reports (``GET …?id=REF&gsm=…&status=DELIVERED&date=…``), each number
once, to each server in turn; rounds are interleaved (bare, durable, bare, durable…) and the
medians compared. A second yardstick, with no goal, is the same bare handler parsing each report
as the daemon does (``providers.callbacks``) and storing nothing: what durability itself costs.
After each durable round the outbox is read back: every report must be stored
and applied, or the round does not count. Goal (issue 12): the durable pace at least half the
bare handler's.

Run: ``.venv/bin/python benchmarks/receiver.py [--quick | --full] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness as h

GOAL = 0.5
QUICK = 4_000
FULL = 20_000
ACCOUNT = "bench"
TOKEN = "benchmark-token-0123456789abcdef"
REFERENCE = "PVBENCH001"


# --------------------------------------------------------------------------- child roles


def serve_bare(port_file: Path, parse: bool) -> None:
    """The yardstick: read the request, answer 200, nothing else (``parse``: the second
    yardstick, which also parses the report as the daemon does, and stores nothing)."""
    from aiohttp import web

    from providers.callbacks import parse_callback_items

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        if parse:
            parse_callback_items(
                request.match_info["provider"],
                request.method,
                request.rel_url.raw_query_string,
                body,
                request.headers.get("Content-Type", ""),
            )
        return web.Response(text="OK")

    async def main() -> None:
        app = web.Application()
        app.router.add_route("*", "/{provider}/{account}/{token}", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        port_file.write_text(str(port))
        await asyncio.Event().wait()

    asyncio.run(main())


def load(url: str, count: int, concurrency: int) -> None:
    """Send ``count`` delivery reports over ``concurrency`` keep-alive connections; print the
    figures. A minimal HTTP/1.1 client on asyncio streams, each request's bytes built before
    the clock starts: the load costs as little as possible, so the servers set the pace."""
    parts = urllib.parse.urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    requests = [
        (
            f"GET {parts.path}?id={REFERENCE}&gsm=3361{n:07d}&status=DELIVERED"
            f"&date=2026-01-05+10%3A00%3A00 HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"
        ).encode("ascii")
        for n in range(count)
    ]

    async def main() -> dict[str, float]:
        ok = errors = 0
        pending = iter(requests)

        async def connection() -> None:
            nonlocal ok, errors
            reader, writer = await asyncio.open_connection(host, port)
            try:
                for request in pending:
                    writer.write(request)
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = re.search(rb"(?i)content-length: *(\d+)", head)
                    await reader.readexactly(int(length.group(1)) if length else 0)
                    if head.startswith(b"HTTP/1.1 200"):
                        ok += 1
                    else:
                        errors += 1
            finally:
                writer.close()

        start = time.perf_counter()
        await asyncio.gather(*(connection() for _ in range(concurrency)))
        return {"seconds": time.perf_counter() - start, "ok": ok, "errors": errors}

    print(json.dumps(asyncio.run(main())))


# --------------------------------------------------------------------------- the parent


def start(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            argv,
            cwd=h.ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            preexec_fn=h._die_with_parent,  # the child calls prctl only, before exec
        )


def wait_for(condition: object, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def run_load(url: str, count: int, concurrency: int) -> dict[str, float]:
    done = subprocess.run(
        [h.PYTHON, __file__, "--load", url, str(count), str(concurrency)],
        cwd=h.ROOT,
        env=h.child_env(None),
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        raise SystemExit(f"the load generator failed: {done.stderr.strip()}")
    figures: dict[str, float] = json.loads(done.stdout)
    return figures


def bare_round(home: Path, count: int, concurrency: int, *, parse: bool = False) -> float:
    port_file = home / "bare.port"
    port_file.unlink(missing_ok=True)
    argv = [h.PYTHON, __file__, "--bare-server", str(port_file), *(["--parse"] if parse else [])]
    proc = start(argv, h.child_env(home), home / "bare.log")
    try:
        wait_for(lambda: port_file.exists() and port_file.read_text(), "the bare server")
        url = f"http://127.0.0.1:{port_file.read_text()}/capitole/{ACCOUNT}/{TOKEN}"
        figures = run_load(url, count, concurrency)
    finally:
        stop(proc)
    if figures["errors"]:
        raise SystemExit(f"the bare server refused {figures['errors']:.0f} requests")
    return count / figures["seconds"]


def prepare_outbox(home: Path, count: int) -> None:
    """One accepted CapitoleMobile send of ``count`` recipients: what the reports match."""
    sys.path.insert(0, str(h.ROOT))
    from providers.models import SendReceipt, SendStatus, SmsMessage
    from tui.outbox.store import Store

    numbers = tuple(f"+3361{n:07d}" for n in range(count))
    message = SmsMessage("Bonjour", numbers)
    with Store(home / "data" / "porte-voix.db") as store:
        store.begin_send("bench", "capitole", "sms", message, numbers, reference=REFERENCE,
                         campaign_id=REFERENCE)  # fmt: skip
        for batch, first in enumerate(range(0, count, 500)):
            part = numbers[first : first + 500]
            store.mark_batch_sending(REFERENCE, batch, part)
            receipt = SendReceipt("capitole", SendStatus.ACCEPTED, reference=REFERENCE)
            store.record_batch_result(REFERENCE, receipt, batch=batch)
        store.finish_send(REFERENCE, "accepted")


def durable_round(home: Path, count: int, concurrency: int) -> tuple[float, str]:
    for name in ("data", "config.toml"):
        path = home / name
        if path.is_dir():
            import shutil

            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    env = h.child_env(home, PORTE_VOIX_SECRET_BENCH="x", PORTE_VOIX_CALLBACK_TOKEN_BENCH=TOKEN)
    h.porte_voix(home, "accounts", "add", ACCOUNT, "--provider", "capitole", "--login", "b",
                 "--store", "env")  # fmt: skip
    prepare_outbox(home, count)
    log = home / "daemon.log"
    proc = start([h.PORTE_VOIX, "listen", "--port", "0"], env, log)
    try:
        wait_for(lambda: "listening on" in log.read_text(), "the daemon")
        port = re.search(r"listening on http://127\.0\.0\.1:(\d+)", log.read_text())
        assert port is not None
        url = f"http://127.0.0.1:{port.group(1)}/capitole/{ACCOUNT}/{TOKEN}"
        figures = run_load(url, count, concurrency)
    finally:
        stop(proc)
    if figures["errors"]:
        raise SystemExit(f"the daemon refused {figures['errors']:.0f} reports: {log.read_text()}")
    with sqlite3.connect(home / "data" / "porte-voix.db") as conn:
        stored = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        applied = conn.execute(
            "SELECT count(*) FROM send_recipients WHERE delivery_state = 'delivered'"
        ).fetchone()[0]
    if stored != count or applied != count:
        raise SystemExit(f"only {stored} reports stored and {applied} applied of {count}")
    commits = re.search(r"(\d+) commit\(s\)", log.read_text())
    return count / figures["seconds"], commits.group(1) if commits else "?"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help=f"{QUICK} reports a round (default)")
    size.add_argument("--full", action="store_true", help=f"{FULL} reports a round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--bare-server", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--parse", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.bare_server:
        sys.path.insert(0, str(h.ROOT))
        serve_bare(args.bare_server, args.parse)
        return
    if args.load:
        load(args.load[0], int(args.load[1]), int(args.load[2]))
        return
    count = FULL if args.full else QUICK
    bare: list[float] = []
    parsing: list[float] = []
    durable: list[float] = []
    with h.temp_home("pv-bench-receiver-") as home:
        for round_ in range(1, args.rounds + 1):
            bare.append(bare_round(home, count, args.concurrency))
            parsing.append(bare_round(home, count, args.concurrency, parse=True))
            pace, commits = durable_round(home, count, args.concurrency)
            durable.append(pace)
            print(
                f"round {round_}: bare {bare[-1]:,.0f}/s, parsing only {parsing[-1]:,.0f}/s, "
                f"durable {pace:,.0f}/s ({count} reports in {commits} commits)",
                flush=True,
            )
    best_bare, best_parsing, best_durable = map(h.median, (bare, parsing, durable))
    print(
        f"\n{count} delivery reports a round, {args.concurrency} at once, medians of "
        f"{args.rounds} rounds: durable {best_durable:,.0f}/s, bare handler {best_bare:,.0f}/s, "
        f"the same handler parsing each report (and storing nothing) {best_parsing:,.0f}/s "
        f"(load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} CPUs)"
    )
    rows = [
        h.Row(
            f"listen: durable reports/s ≥ {GOAL:g}× a bare handler's ({count})",
            f"{best_durable:,.0f}/s",
            f"{best_bare:,.0f}/s bare",
            h.ratio(best_durable, best_bare),
            best_durable >= GOAL * best_bare,
        ),
        # No goal: what storing costs beside the parsing both must do.
        h.Row(
            "listen: durable against parsing only (no goal)",
            f"{best_durable:,.0f}/s",
            f"{best_parsing:,.0f}/s parsing",
            h.ratio(best_durable, best_parsing),
            None,
        ),
    ]
    h.print_table(rows)
    h.record(rows)


if __name__ == "__main__":
    main()
