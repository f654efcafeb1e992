"""An end-to-end send of 10 000 SMS through ``tui.sending`` against the CapitoleMobile sandbox.

The sandbox (``providers.sandbox.capitole.CapitoleSmsSandbox`` served by ``RunningSandbox`` on
127.0.0.1, balance raised, no delivery callbacks) runs in a child process, as the real provider
is another machine: the figures of this process are the console's own cost. For batch sizes
100 / 500 / 1000 it prints wall seconds, recipients per second, the CPU seconds of the console
and of the sandbox, and ratios to batch size 500 (the provider's default). Each run writes its
own outbox under a temporary ``PORTE_VOIX_HOME``.

Run: ``.venv/bin/python benchmarks/bench_send.py`` (or ``make bench``).
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from providers.base import AccountSettings, Provider, create_provider
from providers.models import SmsMessage
from providers.sandbox.common import SANDBOX_LOGIN, SANDBOX_SECRET
from tui.accounts import config
from tui.outbox.store import Store
from tui.sending.orchestrate import SendOutcome, send

ROOT = Path(__file__).resolve().parents[1]
RECIPIENTS = 10_000
BATCH_SIZES = (100, 500, 1000)
BASELINE = 500
TEXT = (
    "Bonjour, votre rendez-vous du 12/06 à 14h30 est confirmé. Répondez STOP pour ne plus recevoir."
)

# The child: serve the sandbox, print its URL, then answer "cpu" with its CPU seconds until
# its standard input closes (so it never outlives this script).
SANDBOX_CHILD = """
import asyncio, sys, time
from decimal import Decimal
from providers.sandbox.capitole import CapitoleSmsSandbox
from providers.sandbox.common import CallbackSettings, RunningSandbox

async def main():
    sandbox = CapitoleSmsSandbox(balance=Decimal(10**9))
    sandbox.callbacks = CallbackSettings(url=None, delay=0.0)
    running = await RunningSandbox(sandbox).start()
    print(running.base_url, flush=True)
    loop = asyncio.get_running_loop()
    while await loop.run_in_executor(None, sys.stdin.readline):
        print(time.process_time(), flush=True)
    await running.stop()

asyncio.run(main())
"""


class SandboxProcess:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SANDBOX_CHILD],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.base_url = self.proc.stdout.readline().strip()
        if not self.base_url.startswith("http://127.0.0.1:"):
            self.close()
            raise SystemExit(f"the sandbox did not start (said {self.base_url!r})")

    def cpu(self) -> float:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("cpu\n")
        self.proc.stdin.flush()
        return float(self.proc.stdout.readline())

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def recipients(count: int) -> tuple[str, ...]:
    """Metropolitan mobiles, none ending in 97-99 (blacklisted, or answering STOP, which
    blacklists the number in the sandbox even without a callback URL)."""
    numbers = (f"+3361{i:07d}" for i in range(count * 2) if i % 100 < 97)
    return tuple(next(numbers) for _ in range(count))


def make_provider(base_url: str) -> Provider:
    options = {
        "sms_url": base_url + "/api/sendsms/xml",
        "sms_test_url": base_url + "/api/sendsms/xml_test",
    }
    return create_provider(
        AccountSettings("bench", "capitole", SANDBOX_LOGIN, options), SANDBOX_SECRET
    )


async def one_send(
    base_url: str, db: Path, message: SmsMessage, size: int
) -> tuple[SendOutcome, float, float]:
    provider = make_provider(base_url)
    try:
        with Store(db) as store:
            start, cpu = time.perf_counter(), time.process_time()
            outcome = await send(store, provider, "bench", message, batch_size=size)
            return outcome, time.perf_counter() - start, time.process_time() - cpu
    finally:
        await provider.aclose()


def main() -> None:
    data = config.data_dir()
    data.mkdir(parents=True, exist_ok=True)
    message = SmsMessage(TEXT, recipients(RECIPIENTS))
    sandbox = SandboxProcess()
    try:
        # Warm up (imports, metadata, first connection) on a small send.
        asyncio.run(
            one_send(sandbox.base_url, data / "warm.db", SmsMessage(TEXT, ("+33611223344",)), 1)
        )
        provider = make_provider(sandbox.base_url)
        start = time.process_time()
        provider.validate_sms(message)
        validate = time.process_time() - start
        asyncio.run(provider.aclose())
        results = []
        for size in BATCH_SIZES:
            before = sandbox.cpu()
            outcome, wall, cpu = asyncio.run(
                one_send(sandbox.base_url, data / f"send-{size}.db", message, size)
            )
            results.append((size, outcome, wall, cpu, sandbox.cpu() - before))
    finally:
        sandbox.close()

    print(f"end-to-end send of {RECIPIENTS} SMS to the CapitoleMobile sandbox (child process)")
    head = (
        f"{'batch':>5} {'reqs':>4} {'state':>8} {'accepted':>8} | {'wall s':>6} {'recip/s':>7} "
        f"{'x500':>5} | {'ours cpu s':>10} {'x500':>5} | {'sandbox cpu s':>13}"
    )
    print(head)
    print("-" * len(head))
    base = next(r for r in results if r[0] == BASELINE)
    for size, outcome, wall, cpu, sandbox_cpu in results:
        requests = -(-RECIPIENTS // size)
        print(
            f"{size:>5} {requests:>4} {outcome.state:>8} {outcome.accepted:>8} | {wall:>6.2f} "
            f"{RECIPIENTS / wall:>7.0f} {wall / base[2]:>5.2f} | {cpu:>10.2f} "
            f"{cpu / base[3]:>5.2f} | {sandbox_cpu:>13.2f}"
        )
    print(
        f"x500: ratio to batch size {BASELINE}; ours cpu: this process (validation, XML, outbox,"
        " HTTP client)"
    )
    print(f"provider.validate_sms on the whole 10 000-number message alone: {validate:.2f} s CPU")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="pv-bench-") as home:
        os.environ["PORTE_VOIX_HOME"] = home
        main()
