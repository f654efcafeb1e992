"""The console's side of delivery states: an embedded receiver, the getCDR poll, the daemon.

The console needs no receiver of its own to show states: the Live screen reads them from the
outbox, whoever wrote them. It runs one when

* it is the demo (the sandboxes call it back on 127.0.0.1), or
* ``listen.toml`` says ``console_receiver = "embedded"`` and no daemon runs on this data
  directory: then it serves the accounts' URLs on ``host:port`` while it is open.

It polls eCampaign's getCDR (``tui.listen.poller``) where no callback can reach it: in the demo
(whose eCampaign sandbox plays a laptop without public URL), and for real accounts when no
public URL is configured, or neither the daemon nor an embedded receiver is there to take them.
A receiver that is not served still exists then: the poll writes through it, so that whoever
listens to it (the composer's result) hears of those states as of callbacks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.errors import describe_text
from tui.listen.settings import ListenSettings
from tui.listen.status import DaemonInfo, daemon_status

if TYPE_CHECKING:  # aiohttp and the poll load when a receiver or a poll is needed, not before
    from aiohttp import web

    from tui.listen.poller import CdrPoller
    from tui.listen.routes import Route
    from tui.receiver import Receiver

log = logging.getLogger(__name__)

#: Seconds between two getCDR rounds in the demo (its sandbox tolerates any pace).
DEMO_POLL = 2.0
#: Seconds before the first round with real accounts: the console shows first.
FIRST_POLL_DELAY = 2.0


@dataclass
class ConsoleListening:
    store_path: Path
    data_dir: Path
    settings: ListenSettings = field(default_factory=ListenSettings)
    receiver: Receiver | None = None
    #: The embedded receiver's own base URL (http://127.0.0.1:PORT), when it is served.
    url: str | None = None
    poller: CdrPoller | None = None
    #: Seconds between two getCDR rounds, once the poll is started (None: no poll).
    poll_interval: float | None = None
    #: Why the embedded receiver or the poll is not running, in words.
    problem: str | None = None
    _runner: web.AppRunner | None = None
    _stores: list[Any] = field(default_factory=list)  # Store (imported with the receiver)
    _readers: list[Any] = field(default_factory=list)  # LiveReader
    _task: asyncio.Task[None] | None = None

    # -- the receiver -----------------------------------------------------------------------------
    def ensure_receiver(self) -> Receiver:
        """The receiver (not served yet): on a store connection of its own, so that its
        commits never wait behind the console's reads."""
        if self.receiver is None:
            from tui.listen.stops import record_stop
            from tui.outbox.store import Store
            from tui.receiver import Receiver

            store = Store(self.store_path)
            self._stores.append(store)
            self.receiver = Receiver(store, on_stored=record_stop)
        return self.receiver

    async def serve(self, host: str = "127.0.0.1", port: int = 0) -> str:
        from tui.receiver import serve

        receiver = self.ensure_receiver()
        self._runner, bound = await serve(receiver.build_app(), host, port)
        self.url = f"http://{host}:{bound}"
        return self.url

    async def serve_accounts(self, routes: Iterable[Route], problems: list[str]) -> None:
        """The embedded receiver for real accounts, on listen.toml's address."""
        receiver = self.ensure_receiver()
        receiver.replace_routes({r.account: (r.provider, r.token) for r in routes})
        try:
            await self.serve(self.settings.host, self.settings.port)
        except OSError as exc:
            self.problem = (
                f"the embedded receiver could not listen on {self.settings.host}:"
                f"{self.settings.port}: {describe_text(exc)}"
            )
            return
        if problems:
            self.problem = "; ".join(problems)

    def daemon(self) -> DaemonInfo | None:
        return daemon_status(self.data_dir)

    # -- the getCDR poll --------------------------------------------------------------------------
    def start_poll(
        self,
        provider_of: Callable[[str], Awaitable[object]],
        interval: float,
        *,
        delay: float = 0,
        on_receiver: Callable[[Receiver], None] | None = None,
    ) -> None:
        """Poll getCDR every ``interval`` seconds from ``delay`` seconds on; ``on_receiver`` is
        told the receiver the poll writes through once it exists."""
        self.poll_interval = interval
        self._task = asyncio.get_running_loop().create_task(
            self._poll(provider_of, interval, delay, on_receiver)
        )

    async def _poll(
        self,
        provider_of: Callable[[str], Awaitable[object]],
        interval: float,
        delay: float,
        on_receiver: Callable[[Receiver], None] | None,
    ) -> None:
        await asyncio.sleep(delay)
        try:
            from tui.listen.live import LiveReader
            from tui.listen.poller import CdrPoller

            receiver = self.ensure_receiver()
            if on_receiver is not None:
                on_receiver(receiver)
            reader = LiveReader(self.store_path)
            self._readers.append(reader)
            self.poller = CdrPoller(
                reader, provider_of, receiver.store_events, interval, days=self.settings.live_days
            )
            await self.poller.run()
        except asyncio.CancelledError:
            raise
        except Exception:  # never take the console down; the screen shows last_error
            log.exception("the getCDR poll stopped")

    def should_poll(self, has_ecampaign: bool) -> bool:
        """For real accounts: poll where callbacks cannot arrive."""
        if not has_ecampaign or self.settings.cdr_poll <= 0:
            return False
        if not self.settings.public_url:
            return True
        return self.url is None and self.daemon() is None

    # -- what the Live screen says ----------------------------------------------------------------
    def sources(self, demo: bool) -> list[str]:
        lines: list[str] = []
        daemon = self.daemon()
        if demo:
            lines.append(f"Callbacks: embedded receiver (demo) on {self.url or '?'}")
        elif daemon is not None:
            lines.append(f"Callbacks: listen daemon running (pid {daemon.pid}, {daemon.address})")
        elif self.url is not None:
            lines.append(f"Callbacks: embedded receiver on {self.url} while the console is open")
        else:
            lines.append("Callbacks: the listen daemon is NOT running: no report arrives")
        if self.poll_interval is not None:
            last = self.poller.last_round if self.poller else None
            when = f", last {last.astimezone():%H:%M:%S}" if last else ""
            error = self.poller.last_error if self.poller else None
            lines.append(
                f"eCampaign: polled through getCDR every {self.poll_interval:g} s{when}"
                + (f" ({error})" if error else "")
            )
        if self.problem:
            lines.append(self.problem)
        return lines

    async def stop_poll(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def stop(self) -> None:
        await self.stop_poll()
        if self._runner is not None:
            await self._runner.cleanup()  # the writer's last commits with it
        elif self.receiver is not None and self.receiver.writer is not None:
            await self.receiver.writer.close()
        for reader in self._readers:
            reader.close()
        for store in self._stores:
            store.close()
