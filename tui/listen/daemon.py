"""``porte-voix listen``: the callback receiver as a long-running process.

It serves every configured account (``tui.listen.routes``), stores each callback before it
answers (``tui.receiver``, group commit), and logs to stderr in plain lines (systemd's journal
adds the time). It never logs a token nor a callback URL.

* SIGTERM or SIGINT: stop listening, let the requests in flight finish and their events be
  committed, close the store, exit 0.
* SIGHUP, or a change of ``config.toml`` noticed within ``WATCH_EVERY`` seconds: read the
  accounts again; new accounts are served, removed ones answer 404.

One daemon per data directory: it holds ``listen.lock`` (``tui.listen.status``), which is also
how the console knows that it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from tui.accounts import config as config_module
from tui.accounts.credentials import Credentials
from tui.errors import describe_text
from tui.listen.routes import Route, account_routes
from tui.listen.status import DaemonInfo, DaemonLock
from tui.listen.stops import record_stop
from tui.outbox.store import Store
from tui.receiver import Receiver, serve

log = logging.getLogger("porte_voix.listen")

DB_NAME = "porte-voix.db"
#: Seconds between two looks at config.toml's modification time.
WATCH_EVERY = 5.0
#: Seconds the requests in flight are given to finish when the daemon stops.
SHUTDOWN_GRACE = 30.0


def log_to_stderr() -> logging.Handler:
    """Plain lines on stderr: ``LEVEL name: message`` (the journal or the terminal dates them)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    handler.setLevel(logging.INFO)
    root = logging.getLogger()
    root.addHandler(handler)
    if root.level > logging.INFO or root.level == logging.NOTSET:
        root.setLevel(logging.INFO)
    return handler


@dataclass
class Daemon:
    host: str
    port: int
    data_dir: Path
    credentials: Credentials
    #: Told the port once it listens (tests, the benchmark).
    on_ready: Callable[[int], None] | None = None

    async def run(self) -> int:
        lock = DaemonLock(self.data_dir)
        lock.acquire()
        try:
            return await self._serve(lock)
        finally:
            lock.release()

    async def _serve(self, lock: DaemonLock) -> int:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        store = Store(self.data_dir / DB_NAME)
        receiver = Receiver(store, on_stored=record_stop)
        try:
            await self._load(receiver)
            runner, port = await serve(
                receiver.build_app(), self.host, self.port, shutdown_timeout=SHUTDOWN_GRACE
            )
            started = datetime.now(UTC).isoformat(timespec="seconds")
            lock.publish(DaemonInfo(os.getpid(), self.host, port, started))
            log.info("listening on http://%s:%d", self.host, port)
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(signum, stop.set)
            reloads: set[asyncio.Task[None]] = set()

            def reload() -> None:
                task = loop.create_task(self._load(receiver))
                reloads.add(task)
                task.add_done_callback(reloads.discard)

            loop.add_signal_handler(signal.SIGHUP, reload)
            watcher = loop.create_task(self._watch_config(reload))
            if self.on_ready is not None:
                self.on_ready(port)
            await stop.wait()
            log.info("stopping: the requests in flight are finished and stored first")
            watcher.cancel()
            for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                loop.remove_signal_handler(signum)
            await runner.cleanup()
            writer = receiver.writer
            commits = writer.commits if writer is not None else 0
            log.info(
                "stopped: %d event(s) received, %d request(s) refused, %d commit(s)",
                receiver.received,
                receiver.refused,
                commits,
            )
            return 0
        finally:
            store.close()

    async def _load(self, receiver: Receiver) -> None:
        """Read the accounts and their tokens (off the loop: keyring, file store)."""
        try:
            config = await asyncio.to_thread(config_module.load)
        except Exception as exc:
            log.error(
                "the accounts could not be read; serving the previous ones: %s", describe_text(exc)
            )
            return
        routes, problems = await asyncio.to_thread(
            account_routes, config.accounts.values(), self.credentials
        )
        for problem in problems:
            log.warning("%s", problem)
        before = set(receiver.routes)
        receiver.replace_routes({r.account: (r.provider, r.token) for r in routes})
        _log_accounts(routes, before)

    async def _watch_config(self, reload: Callable[[], None]) -> None:
        path = config_module.config_path()
        seen = _mtime(path)
        while True:
            await asyncio.sleep(WATCH_EVERY)
            now = _mtime(path)
            if now != seen:
                seen = now
                log.info("%s changed: reading the accounts again", path.name)
                reload()


def _mtime(path: Path) -> float | None:
    with contextlib.suppress(OSError):
        return path.stat().st_mtime
    return None


def _log_accounts(routes: list[Route], before: set[str]) -> None:
    now = {route.account for route in routes}
    for route in routes:
        if route.account not in before:
            # The path's shape only: the token is a secret.
            log.info(
                "serving %s (%s) at /%s/%s/<token>",
                route.account,
                route.provider,
                route.provider,
                route.account,
            )
    for gone in sorted(before - now):
        log.info("no longer serving %s", gone)
    if not routes:
        log.warning("no account to serve: add one with `porte-voix accounts add`")
