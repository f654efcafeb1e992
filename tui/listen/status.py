"""Whether the ``listen`` daemon is running, for the Live screen, the console and a second daemon.

The daemon holds an exclusive ``flock`` on ``DATA/listen.lock`` for as long as it runs, and writes
there one JSON object: its pid, address and start time. The kernel drops the lock with the
process, however it ends (SIGKILL included), so a stale file never reads as "running": whoever
can take a shared lock on it knows no daemon is there.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no daemon status there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = "listen.lock"


@dataclass(frozen=True)
class DaemonInfo:
    pid: int
    host: str
    port: int
    started_at: str  # UTC, ISO 8601

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class AlreadyRunning(Exception):
    def __init__(self, info: DaemonInfo | None) -> None:
        where = f" (pid {info.pid}, {info.address})" if info else ""
        super().__init__(f"a porte-voix listen daemon already runs on this data directory{where}")
        self.info = info


def lock_path(data_dir: Path) -> Path:
    return data_dir / LOCK_NAME


def _read(handle: int) -> DaemonInfo | None:
    os.lseek(handle, 0, os.SEEK_SET)
    text = os.read(handle, 4096).decode("utf-8", "replace")
    try:
        data = json.loads(text)
        return DaemonInfo(
            int(data["pid"]), str(data["host"]), int(data["port"]), str(data["started_at"])
        )
    except (ValueError, KeyError, TypeError):
        return None


def daemon_status(data_dir: Path) -> DaemonInfo | None:
    """The running daemon's details, or None when none runs on ``data_dir``."""
    path = lock_path(data_dir)
    if fcntl is None or not path.exists():
        return None
    try:
        handle = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            info = _read(handle)
            return info or DaemonInfo(0, "?", 0, "")
        fcntl.flock(handle, fcntl.LOCK_UN)
        return None
    finally:
        os.close(handle)


class DaemonLock:
    """Held by the running daemon: ``acquire`` before binding (a second daemon stops there),
    ``publish`` once the address is known."""

    def __init__(self, data_dir: Path) -> None:
        self.path = lock_path(data_dir)
        self._handle: int | None = None

    def acquire(self, attempts: int = 20) -> None:
        if fcntl is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        handle = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        for attempt in range(attempts):
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # A reader holds it for an instant; a daemon holds it for good.
                if attempt == attempts - 1:
                    info = _read(handle)
                    os.close(handle)
                    raise AlreadyRunning(info) from None
                time.sleep(0.05)
        os.ftruncate(handle, 0)
        self._handle = handle

    def publish(self, info: DaemonInfo) -> None:
        """Say where the daemon listens (read by ``daemon_status``)."""
        if self._handle is None:
            return
        os.ftruncate(self._handle, 0)
        os.lseek(self._handle, 0, os.SEEK_SET)
        os.write(self._handle, json.dumps(asdict(info)).encode())

    def release(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                os.ftruncate(self._handle, 0)
            os.close(self._handle)  # closing drops the lock
            self._handle = None
