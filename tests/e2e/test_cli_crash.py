"""Crash and rerun (issue 8, "Done when"): ``porte-voix send`` killed mid-send, then
``sends --unfinished`` and ``resend --only-never-sent``: every number received the message
exactly once, counted at the sandbox. On 127.0.0.1, bounded in time."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from providers.sandbox.common import Faults
from providers.sandbox.octopush import OctopushSandbox
from tests.e2e.conftest import ROOT, Cli, assert_error_json
from tui.sending.run import ALREADY_SENT

NUMBERS = [f"+3361{i:07d}" for i in range(6_000)]  # 12 requests of 500
TEXT = "Rappel : votre rendez-vous est demain à 10 h."
BATCH = 500


def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def received(sandbox: OctopushSandbox) -> collections.Counter[str]:
    """How many times the sandbox sent the message to each number (simulations excluded)."""
    return collections.Counter(
        n for sms in sandbox.sent if not sms.simulated for n in sms.recipients
    )


def test_a_killed_send_is_found_and_finished_and_nobody_gets_it_twice(
    porte_voix: Cli, tmp_path: Path
) -> None:
    account = porte_voix.add_account("octopush")
    sandbox = porte_voix.cluster.sandboxes["octopush"]
    assert isinstance(sandbox, OctopushSandbox)
    sandbox.set_balance(Decimal(10_000))  # 100 EUR pays for 2,857 low-cost SMS only
    numbers_file = tmp_path / "n6000.txt"
    numbers_file.write_text("\n".join(NUMBERS) + "\n", encoding="utf-8")
    send_args = [
        "send", "sms", "--account", account, "--to-file", str(numbers_file), "--text", TEXT,
        "--yes", "--json",
    ]  # fmt: skip
    # Every request is held a moment before it is processed, so the kill lands mid-send.
    sandbox.faults = Faults(hang_seconds=0.5, count=-1)
    child = subprocess.Popen(
        [sys.executable, "-m", "tui.cli", *send_args],
        cwd=ROOT,
        env={**os.environ, **porte_voix.env()},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # The fourth request has reached the sandbox and is held there: kill the sender.
        until(lambda: len(sandbox.requests) >= 4, 60, "the fourth request")
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    # The held request is processed all the same: the sender never heard the answer.
    until(lambda: len(received(sandbox)) == 4 * BATCH, 10, "the request in flight")
    sandbox.faults = Faults()
    assert len(sandbox.requests) == 4

    listing = porte_voix.run("sends", "--unfinished", "--json")
    assert listing.code == 0, listing.output
    (send,) = listing.json["sends"]
    reference = send["reference"]
    assert "was interrupted" in listing.stderr and reference in listing.stderr
    assert (send["account"], send["state"], send["recipients_total"]) == (account, "unknown", 6_000)
    assert send["counts"] == {
        "accepted": 3 * BATCH,
        "rejected": 0,
        "unknown": BATCH,  # the request in flight when the process died
        "cancelled": 8 * BATCH,  # never requested
        "pending": 0,
    }

    # Running the same command again would send everything again: refused, nothing sent.
    rerun = porte_voix.run(*send_args)
    assert rerun.code == 2, rerun.output
    assert reference in assert_error_json(rerun, "duplicate_send")
    assert len(sandbox.requests) == 4

    finish = porte_voix.run("resend", reference, "--only-never-sent", "--yes", "--json")
    assert finish.code == 0, finish.stderr + finish.stdout[-2000:]
    assert (finish.json["status"], finish.json["resend_of"]) == ("accepted", reference)
    assert len(finish.json["recipients"]) == 8 * BATCH

    counts = received(sandbox)
    assert set(counts) == set(NUMBERS)
    assert set(counts.values()) == {1}  # every number exactly once
    assert len(sandbox.requests) == 4 + 8

    # The unknown ones again, knowingly: their batch is the very batch already received, so
    # the provider refuses it as a repeat, and it is reported as already sent.
    again = porte_voix.run("resend", reference, "--all", "--yes", "--allow-duplicates", "--json")
    assert again.code == 0, again.stderr + again.stdout[-2000:]
    assert (again.json["status"], again.json["already_sent"]) == ("accepted", BATCH)
    assert {r["error"] for r in again.json["recipients"]} == {ALREADY_SENT}
    assert received(sandbox) == counts  # still exactly once
    unfinished = porte_voix.run("sends", "--unfinished", "--json")
    assert [s["resent_by"] for s in unfinished.json["sends"]] == [
        [finish.json["reference"], again.json["reference"]]
    ]
