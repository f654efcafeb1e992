"""What every sandbox shares: credentials, fault injection, delayed callbacks, serving.

A sandbox is an aiohttp application that answers exactly as its provider's spec describes.
Each one also exposes a small control API under ``/_sandbox/`` so that tests and the demo (in
this or another process) can inject faults and point delivery callbacks somewhere:

* ``POST /_sandbox/faults``   JSON ``{"hang_seconds": 30, "status": 500, "count": 1}``
* ``POST /_sandbox/callbacks`` JSON ``{"url": "http://127.0.0.1:8080/cb", "delay": 1.5}``
* ``GET  /_sandbox/requests``  the last requests received (method, path, content type, body as
  text); ``DELETE`` forgets them and the arrivals
* ``GET  /_sandbox/arrivals``  every request received (the last ``MAX_ARRIVALS``), without its
  body: ``[arrived, answered, method, path, body bytes, status]``, times in seconds since the
  epoch, read when the request reached the sandbox and when its answer was ready — for
  benchmarks that time a client from outside it
* ``POST /_sandbox/balance``   JSON ``{"amount": "1000000"}`` sets the account's balance, in the
  sandbox's own unit (credits, or euros where the provider counts money); answers
  ``{"balance": "1000000"}``, or 404 for a sandbox without a balance
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

import httpx
from aiohttp import web

log = logging.getLogger(__name__)

#: The demo accounts' credentials. Any other login or secret is refused like the real thing.
SANDBOX_LOGIN = "demo"
SANDBOX_EMAIL_LOGIN = "demo@porte-voix.test"  # Octopush logs in with an e-mail address
SANDBOX_SECRET = "sandbox-secret"

MAX_RECORDED_REQUESTS = 1000
MAX_ARRIVALS = 100_000
CALLBACK_CONCURRENCY = 8


@dataclass
class Faults:
    """Misbehaviour to apply to the next ``count`` provider requests (-1: until cleared)."""

    hang_seconds: float = 0.0
    status: int | None = None
    count: int = 0

    def take(self) -> tuple[float, int | None] | None:
        if self.count == 0:
            return None
        if self.count > 0:
            self.count -= 1
        return self.hang_seconds, self.status


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: str
    body: bytes
    content_type: str = ""


#: One request's arrival: (arrived, answered, method, path, body bytes, HTTP status).
Arrival = tuple[float, float, str, str, int, int]


def _arrivals() -> deque[Arrival]:
    return deque(maxlen=MAX_ARRIVALS)


@dataclass
class CallbackSettings:
    url: str | None = None
    delay: float = 1.0


@dataclass
class SandboxBase:
    """State common to every sandbox; subclasses add their provider's state and routes."""

    #: Where the provider's API lives under the sandbox's root URL: what an account's URL
    #: option must hold (CapitoleMobile: the sending URL itself; the others: the API root).
    api_path: ClassVar[str] = ""

    name: str = "sandbox"
    faults: Faults = field(default_factory=Faults)
    callbacks: CallbackSettings = field(default_factory=CallbackSettings)
    requests: list[RecordedRequest] = field(default_factory=list)
    arrivals: deque[Arrival] = field(default_factory=_arrivals)
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    _client: httpx.AsyncClient | None = None
    _slots: asyncio.Semaphore | None = None

    # -- to implement -------------------------------------------------------------------------
    def add_routes(self, app: web.Application) -> None:
        raise NotImplementedError

    def set_balance(self, amount: Decimal) -> Decimal:
        """Set the account's balance (``POST /_sandbox/balance``) and return it."""
        raise NotImplementedError

    # -- building -----------------------------------------------------------------------------
    def build_app(self) -> web.Application:
        app = web.Application(middlewares=[self._record_and_fault], client_max_size=6 * 1024**2)
        app.router.add_post("/_sandbox/faults", self._set_faults)
        app.router.add_post("/_sandbox/callbacks", self._set_callbacks)
        app.router.add_get("/_sandbox/requests", self._list_requests)
        app.router.add_delete("/_sandbox/requests", self._forget_requests)
        app.router.add_get("/_sandbox/arrivals", self._list_arrivals)
        app.router.add_post("/_sandbox/balance", self._set_balance)
        self.add_routes(app)
        app.on_cleanup.append(self._cancel_callbacks)
        return app

    @web.middleware
    async def _record_and_fault(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        if request.path.startswith("/_sandbox/"):
            return await handler(request)
        arrived = time.time()
        body = await request.read()
        self.requests.append(
            RecordedRequest(
                request.method,
                request.path,
                request.query_string,
                body,
                request.headers.get("Content-Type", ""),
            )
        )
        del self.requests[:-MAX_RECORDED_REQUESTS]
        status = 500
        try:
            response = await self._answer(request, handler)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            self.arrivals.append(
                (arrived, time.time(), request.method, request.path, len(body), status)
            )

    async def _answer(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        fault = self.faults.take()
        if fault is not None:
            hang, status = fault
            if hang:
                await asyncio.sleep(hang)
            if status is not None:
                return web.Response(status=status, text=f"sandbox fault: HTTP {status}")
        return await handler(request)

    async def _set_faults(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.faults = Faults(
            hang_seconds=float(data.get("hang_seconds", 0)),
            status=int(data["status"]) if data.get("status") is not None else None,
            count=int(data.get("count", 1)),
        )
        return web.json_response({"ok": True})

    async def _set_callbacks(self, request: web.Request) -> web.Response:
        data = await request.json()
        self.callbacks = CallbackSettings(url=data.get("url"), delay=float(data.get("delay", 1.0)))
        return web.json_response({"ok": True})

    async def _list_requests(self, request: web.Request) -> web.Response:
        return web.json_response(
            [
                {
                    "method": r.method,
                    "path": r.path,
                    "query": r.query,
                    "content_type": r.content_type,
                    "body": r.body.decode("latin-1"),
                }
                for r in self.requests
            ]
        )

    async def _forget_requests(self, request: web.Request) -> web.Response:
        self.requests.clear()
        self.arrivals.clear()
        return web.json_response({"ok": True})

    async def _list_arrivals(self, request: web.Request) -> web.Response:
        return web.json_response(list(self.arrivals))

    async def _set_balance(self, request: web.Request) -> web.Response:
        data = await request.json()
        try:
            amount = Decimal(str(data["amount"]))
        except (KeyError, TypeError, InvalidOperation):
            return web.json_response({"error": "amount: a decimal number"}, status=400)
        if not amount.is_finite() or amount < 0:
            return web.json_response({"error": "amount: a decimal number"}, status=400)
        try:
            balance = self.set_balance(amount)
        except NotImplementedError:
            return web.json_response({"error": f"{self.name} has no balance"}, status=404)
        return web.json_response({"balance": str(balance)})

    # -- delivery callbacks -------------------------------------------------------------------
    def schedule_callback(
        self,
        method: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        json_body: Any = None,
        url: str | None = None,
        delay: float | None = None,
    ) -> None:
        """Call the configured callback URL (or ``url``) after the configured delay.

        Best effort, like the real providers: a failing receiver is logged, not retried.
        """
        target = url or self.callbacks.url
        if not target:
            return
        wait = self.callbacks.delay if delay is None else delay

        async def deliver() -> None:
            await asyncio.sleep(wait)
            # Like a real platform, post a bounded number of reports at once over one client.
            async with self._callback_slots():
                try:
                    await self._callback_client().request(
                        method,
                        target,
                        params=dict(params) if params else None,
                        data=dict(data) if data else None,
                        content=json.dumps(json_body).encode() if json_body is not None else None,
                        headers={"Content-Type": "application/json"}
                        if json_body is not None
                        else None,
                    )
                except httpx.HTTPError as exc:
                    log.warning("%s sandbox: callback failed: %s", self.name, type(exc).__name__)

        task = asyncio.get_running_loop().create_task(deliver())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _callback_slots(self) -> asyncio.Semaphore:
        if self._slots is None:
            self._slots = asyncio.Semaphore(CALLBACK_CONCURRENCY)
        return self._slots

    def _callback_client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=10.0, trust_env=False)
        return self._client

    async def _cancel_callbacks(self, _app: web.Application) -> None:
        for task in list(self._tasks):
            task.cancel()
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        self._slots = None


class RunningSandbox:
    """One sandbox served on 127.0.0.1 on a free port."""

    def __init__(self, sandbox: SandboxBase, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sandbox = sandbox
        self.host = host
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def start(self) -> RunningSandbox:
        self._runner = web.AppRunner(
            self.sandbox.build_app(), handle_signals=False, access_log=None
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        # The port is only known once bound (port 0 asks the OS for a free one).
        sockets = getattr(site._server, "sockets", None) or []
        if not sockets:
            raise RuntimeError(f"{self.sandbox.name} sandbox did not bind a socket")
        self.port = int(sockets[0].getsockname()[1])
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> RunningSandbox:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
