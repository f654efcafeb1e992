"""The ``listen`` daemon as a real child process on 127.0.0.1, for the end-to-end tests.

Started with ``python -m tui.cli listen --port 0``; its address is read from its status file
(``tui.listen.status``), so no output needs parsing. Every daemon started here is stopped (or
killed) by the test that started it, and dies with the test process (parent-death signal).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.e2e.conftest import ROOT
from tui.listen.status import daemon_status
from tui.listen.tokens import token_env_name


def token_for(account: str) -> str:
    """A fixed, valid token per account (the environment's way, the child has no keyring)."""
    return f"tok-{account}-".replace(".", "-") + "0123456789abcdefghij"


def token_env(*accounts: str) -> dict[str, str]:
    return {token_env_name(name): token_for(name) for name in accounts}


def _die_with_parent() -> None:
    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


@dataclass
class RunningDaemon:
    proc: subprocess.Popen[bytes]
    base: str
    log: Path

    def url(self, provider: str, account: str, token: str | None = None) -> str:
        return f"{self.base}/{provider}/{account}/{token or token_for(account)}"

    def stop(self, timeout: float = 40) -> int:
        """SIGTERM, then wait for a clean exit (killed if it overruns)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("the daemon did not stop on SIGTERM") from None

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def start_daemon(
    home: Path, env: dict[str, str], *, port: int = 0, timeout: float = 30, log_name: str = "d"
) -> RunningDaemon:
    """Start ``porte-voix listen`` and wait until it listens."""
    data = home / "data"
    log = home / f"listen-{log_name}.log"
    environment = {**os.environ, **env, "PORTE_VOIX_HOME": str(home), "NO_PROXY": "127.0.0.1"}
    with log.open("ab") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tui.cli", "listen", "--port", str(port)],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=handle,
            stderr=handle,
            preexec_fn=_die_with_parent,  # the child calls prctl only, before exec
        )
    deadline = time.monotonic() + timeout
    while True:
        info = daemon_status(data)
        if info is not None and info.pid == proc.pid and info.port:
            return RunningDaemon(proc, f"http://127.0.0.1:{info.port}", log)
        if proc.poll() is not None:
            raise AssertionError(f"the daemon exited {proc.returncode}: {log.read_text()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"the daemon did not start: {log.read_text()}")
        time.sleep(0.05)
