"""The receiver's one writer task: group commit, so that durability does not cost throughput.

Each callback handler hands what it parsed to ``GroupWriter.submit`` and waits. One task takes
every callback waiting (up to ``max_batch``) and stores them in ONE transaction, in a worker
thread (``Store.record_batch``): the outbox runs ``synchronous=FULL``, so when the commit
returns, the events are on disk. Only then is each handler woken with the events that were new,
and only then does it answer 200. While one commit is being written the next callbacks gather:
the busier the receiver, the more callbacks each fsync carries.

A batch whose transaction fails is tried again callback by callback, so that one bad callback
cannot cost the others their answer; a callback whose own write fails gets the exception (its
handler answers 500, and the provider retries later). ``max_waiting`` bounds the memory a flood
can take: beyond it ``submit`` refuses at once (``WriterBusy``: the handler answers 503).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from providers.models import DeliveryEvent
from tui.outbox.store import Store
from tui.outbox.tracking import Callback, StoredHook

log = logging.getLogger(__name__)

MAX_BATCH = 500
MAX_WAITING = 20_000


class WriterBusy(Exception):
    """Too many callbacks are waiting to be written: come back later."""


class WriterClosed(Exception):
    """The receiver is shutting down: nothing more is accepted."""


@dataclass
class _Job:
    callback: Callback
    done: asyncio.Future[list[DeliveryEvent]]


class GroupWriter:
    """Gathers the callbacks that arrive together and commits them in one transaction."""

    def __init__(
        self,
        store: Store,
        *,
        on_stored: StoredHook | None = None,
        max_batch: int = MAX_BATCH,
        max_waiting: int = MAX_WAITING,
    ) -> None:
        self.store = store
        self.on_stored = on_stored
        self.max_batch = max_batch
        self.max_waiting = max_waiting
        self._queue: collections.deque[_Job] = collections.deque()
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        self._writing = False
        #: Commits made and callbacks written, for the log and the benchmark.
        self.commits = 0
        self.written = 0

    async def submit(
        self, account: str | None, events: Sequence[DeliveryEvent], raw: bytes
    ) -> list[DeliveryEvent]:
        """Store ``events`` (committed when this returns); the ones that were new."""
        if self._closed:
            raise WriterClosed()
        if len(self._queue) >= self.max_waiting:
            raise WriterBusy()
        loop = asyncio.get_running_loop()
        job = _Job(Callback(account, tuple(events), raw), loop.create_future())
        self._queue.append(job)
        self._ensure_running().set()
        # Not shielded: a handler cancelled meanwhile leaves its job queued; it is written all
        # the same (the provider will retry, and the retry is a duplicate).
        return await job.done

    def _ensure_running(self) -> asyncio.Event:
        if self._wake is None:
            self._wake = asyncio.Event()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(self._wake))
        return self._wake

    async def _run(self, wake: asyncio.Event) -> None:
        while True:
            await wake.wait()
            wake.clear()
            while self._queue:
                count = min(len(self._queue), self.max_batch)
                batch = [self._queue.popleft() for _ in range(count)]
                self._writing = True
                try:
                    await self._write(batch)
                finally:
                    self._writing = False

    async def _write(self, batch: list[_Job]) -> None:
        callbacks = [job.callback for job in batch]
        try:
            results = await asyncio.to_thread(self.store.record_batch, callbacks, self.on_stored)
        except Exception as exc:
            if len(batch) == 1:
                self._fail(batch[0], exc)
                return
            log.warning(
                "a group commit of %d callbacks failed (%s); writing them one by one",
                len(batch),
                type(exc).__name__,
            )
            for job in batch:
                await self._write([job])
            return
        self.commits += 1
        self.written += len(batch)
        for job, stored in zip(batch, results, strict=True):
            if not job.done.done():
                job.done.set_result(stored)

    @staticmethod
    def _fail(job: _Job, exc: Exception) -> None:
        log.error("a callback could not be stored: %s", type(exc).__name__)
        if not job.done.done():
            job.done.set_exception(exc)

    @property
    def waiting(self) -> int:
        return len(self._queue)

    async def close(self) -> None:
        """Refuse new callbacks, write those already waiting, then stop the task."""
        self._closed = True
        task = self._task
        if task is None:
            return
        # The handlers of the callbacks waiting, and of a commit under way, wait for them.
        while (self._queue or self._writing) and not task.done():
            await asyncio.sleep(0.005)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        for job in self._queue:  # only if the task died: never leave a handler waiting
            if not job.done.done():
                job.done.set_exception(WriterClosed())
        self._queue.clear()
