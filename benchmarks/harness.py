"""What the benchmarks share: a temporary home, the sandbox in a child process, measured child
processes, recipient files, and the summary rows that ``run_all.py`` prints as one table.

Not a benchmark itself (``run_all.py`` does not run it). Everything here talks to 127.0.0.1
only, and every child process it starts is killed when the benchmark ends (and, on Linux, when
the benchmark itself dies: the children get a parent-death signal).
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PYTHON = sys.executable
PORTE_VOIX = str(BIN / "porte-voix")
SECRET = "sandbox-secret"  # every sandbox's secret (providers.sandbox.common.SANDBOX_SECRET)
MB = 1024 * 1024

#: Where a script appends its summary rows (set by run_all.py, or ``--summary FILE``).
SUMMARY_ENV = "PORTE_VOIX_BENCH_SUMMARY"

#: The sandboxes that send SMS, by the name a benchmark option uses.
SMS_SANDBOXES = {"capitole": "capitole_sms", "octopush": "octopush", "ecampaign": "ecampaign"}
LABELS = {"capitole": "CapitoleMobile", "octopush": "Octopush", "ecampaign": "eCampaign"}

#: Endings the sandboxes treat specially (blacklisted, undeliverable, STOP or other replies,
#: never final): recipient files avoid them, so that every number is accepted and the sandbox
#: does no extra work (eCampaign scans its blacklist for every recipient).
SPECIAL_ENDINGS = frozenset({0, 77, 97, 98, 99})


# --------------------------------------------------------------------------- processes


def _die_with_parent() -> None:
    """In the child, before exec: be sent SIGKILL when the benchmark process dies."""
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


#: Where children keep their bytecode (``use_bytecode_cache``); None: as the environment says.
_BYTECODE_CACHE: Path | None = None


def use_bytecode_cache(folder: Path) -> None:
    """Give every child from now on a bytecode cache of its own in ``folder``.

    An installed program starts from cached bytecode, as the yardsticks' packages do. An
    environment with ``PYTHONDONTWRITEBYTECODE`` set would have the project's modules compiled
    from source in every run, a cost no user pays; a ``PYTHONPYCACHEPREFIX`` outside the tree
    gives both sides the same cache (filled by a warm-up run) without writing into the tree."""
    global _BYTECODE_CACHE
    _BYTECODE_CACHE = folder


def child_env(home: Path | None, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    if _BYTECODE_CACHE is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(_BYTECODE_CACHE)
    for key in list(env):
        if key.upper().startswith("PORTE_VOIX_") or key.lower().endswith("_proxy"):
            del env[key]
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    if home is not None:
        env["PORTE_VOIX_HOME"] = str(home)
    env.update(extra)
    return env


@dataclass
class Measured:
    """One child process, from spawn to exit: wall, CPU and peak memory from its rusage."""

    argv: list[str]
    wall: float  # seconds
    user: float
    system: float
    maxrss_mb: float
    returncode: int | None
    timed_out: bool
    started: float  # time.time() at spawn, to compare with the sandbox's arrival times

    @property
    def cpu(self) -> float:
        return self.user + self.system

    @property
    def ok(self) -> bool:
        return not self.timed_out and self.returncode == 0


def run_measured(
    argv: Sequence[str],
    env: dict[str, str],
    *,
    timeout: float,
    stdout: Path | None = None,
    cwd: Path = ROOT,
) -> Measured:
    """Run ``argv`` to its end (or SIGKILL it after ``timeout`` seconds) and measure it.

    The child is reaped with ``wait4``, whose rusage is the child's own (its ``ru_maxrss`` is
    its peak resident set); its exit is watched through a pidfd, so the wall time is exact.
    """
    with contextlib.ExitStack() as files:
        out: Any = subprocess.DEVNULL
        err: Any = subprocess.DEVNULL
        if stdout is not None:
            out = files.enter_context(stdout.open("wb"))
            err = files.enter_context(stdout.with_suffix(".stderr").open("wb"))
        started = time.time()
        start = time.perf_counter()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            preexec_fn=_die_with_parent,
        )
    timed_out = not _wait_exit(proc.pid, timeout)
    if timed_out:
        os.kill(proc.pid, signal.SIGKILL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if stdout is not None and proc.returncode and not timed_out:
        errors = stdout.with_suffix(".stderr").read_text(errors="replace")
        sys.stderr.write(f"{Path(argv[0]).name} exited {proc.returncode}: {errors[-2000:]}\n")
    return Measured(
        list(argv),
        wall,
        usage.ru_utime,
        usage.ru_stime,
        usage.ru_maxrss / 1024,  # KiB on Linux
        None if timed_out else proc.returncode,
        timed_out,
        started,
    )


def _wait_exit(pid: int, timeout: float) -> bool:
    """Wait until the child ``pid`` has exited (without reaping it); False on timeout."""
    deadline = time.monotonic() + timeout
    try:
        fd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        fd = None
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if fd is not None:
                if select.select([fd], [], [], left)[0]:
                    return True
            else:  # no pidfd: poll, finely at first (start-up runs are short)
                info = os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
                if info is not None:
                    return True
                time.sleep(0.001 if left > timeout - 2 else 0.02)
    finally:
        if fd is not None:
            os.close(fd)


def porte_voix(home: Path, *args: str, stdin: str | None = None, **env: str) -> str:
    """Run a set-up command (not measured); fail loudly if it fails."""
    done = subprocess.run(
        [PORTE_VOIX, *args],
        cwd=ROOT,
        env=child_env(home, **env),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if done.returncode != 0:
        raise SystemExit(f"porte-voix {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


# --------------------------------------------------------------------------- home


@contextlib.contextmanager
def temp_home(prefix: str = "pv-bench-") -> Iterator[Path]:
    """A temporary ``PORTE_VOIX_HOME`` (and scratch space), removed at the end."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def account_name(provider: str) -> str:
    return f"bench-{provider}"


def secret_env(provider: str) -> dict[str, str]:
    return {f"PORTE_VOIX_SECRET_{account_name(provider).upper().replace('-', '_')}": SECRET}


def add_account(home: Path, sandbox: Sandbox, provider: str) -> str:
    """``porte-voix accounts add`` for the sandbox's account of ``provider``, secret in the
    environment (``--store env``); returns the account's name."""
    described = next(a for a in sandbox.info["accounts"] if a["provider"] == provider)
    name = account_name(provider)
    args = ["accounts", "add", name, "--provider", provider, "--store", "env"]
    if described["login"]:
        args += ["--login", described["login"]]
    for key, value in described["options"].items():
        args += ["--set", f"{key}={value}"]
    porte_voix(home, *args)
    return name


def send_argv(account: str, numbers: Path) -> list[str]:
    """The start of the send command a user runs (``--text`` and the rest follow)."""
    return [PORTE_VOIX, "send", "sms", "--account", account, "--to-file", str(numbers)]


def write_numbers(path: Path, count: int) -> Path:
    """``count`` distinct French mobiles, one a line, national format (``06…``), none with an
    ending the sandboxes treat specially."""
    with path.open("w") as out:
        written, i = 0, 0
        while written < count:
            if i % 100 not in SPECIAL_ENDINGS:
                out.write(f"06{10_000_000 + i:08d}\n")
                written += 1
            i += 1
    return path


# --------------------------------------------------------------------------- sandbox


class Sandbox:
    """``python -m providers.sandbox --json`` in a child process; its control API."""

    def __init__(self, home: Path) -> None:
        self.proc = subprocess.Popen(
            [PYTHON, "-m", "providers.sandbox", "--json"],
            cwd=ROOT,
            env=child_env(home),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], 60)
        line = self.proc.stdout.readline() if ready else b""
        try:
            self.info: dict[str, Any] = json.loads(line)
        except ValueError:
            self.close()
            raise SystemExit(f"the sandbox did not start (said {line[:200]!r})") from None
        self.client = httpx.Client(trust_env=False, timeout=120)

    def root(self, name: str) -> str:
        return str(self.info["control_urls"][name]).removesuffix("/_sandbox/")

    def control(self, name: str, method: str, path: str, **kwargs: Any) -> Any:
        reply = self.client.request(method, f"{self.root(name)}/_sandbox/{path}", **kwargs)
        reply.raise_for_status()
        return reply.json()

    def raise_balance(self, name: str, amount: int = 10**9) -> None:
        self.control(name, "POST", "balance", json={"amount": str(amount)})

    def forget(self, name: str) -> None:
        self.control(name, "DELETE", "requests")

    def arrivals(self, name: str) -> list[list[Any]]:
        return list(self.control(name, "GET", "arrivals"))

    def requests(self, name: str) -> list[dict[str, str]]:
        return list(self.control(name, "GET", "requests"))

    def cpu_seconds(self) -> float:
        """The sandbox process's CPU time so far (user + system), from /proc."""
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return float("nan")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- summary


@dataclass
class Row:
    """One line of the summary table: a goal, what was measured, against what."""

    goal: str
    measured: str
    yardstick: str
    ratio: str
    met: bool | None  # None: not measured (did not run)


def record(rows: Sequence[Row], path: str | None = None) -> None:
    """Append ``rows`` to the summary file, if one was asked for."""
    target = path or os.environ.get(SUMMARY_ENV)
    if not target:
        return
    with open(target, "a") as out:
        for row in rows:
            out.write(json.dumps(asdict(row)) + "\n")


def read_rows(path: Path) -> list[Row]:
    if not path.exists():
        return []
    return [Row(**json.loads(line)) for line in path.read_text().splitlines() if line.strip()]


def print_table(rows: Sequence[Row], title: str = "") -> None:
    head = ("goal", "measured", "yardstick", "ratio", "met")
    cells = [(r.goal, r.measured, r.yardstick, r.ratio, verdict(r.met)) for r in rows] or [
        ("(no result)", "", "", "", "")
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(head)]

    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    if title:
        print(title)
    print(line(head))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for c in cells:
        print(line(c))


def verdict(met: bool | None) -> str:
    return "n/a" if met is None else ("yes" if met else "NO")


def seconds(value: float) -> str:
    return f"{value:.2f} s" if value < 10 else f"{value:.1f} s"


def span(value: float) -> str:
    """Seconds in a table cell; "—" when not measured (NaN)."""
    return "—" if value != value else f"{value:.1f}s"


def ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}×" if b > 0 else "—"
