"""The delivery-report receiver: verify, persist (group commit), then acknowledge.

Providers call ``/{provider}/{account}/{token}``, after any path prefix a reverse proxy keeps
(``/callbacks/capitole/shop/TOKEN``). The token is per account and compared in constant time. The
raw request and the parsed events are committed to SQLite *before* the 200 answer, through the one
writer task of ``tui.listen.writer`` (the callbacks that arrive together share one commit), so a
report the provider considers delivered is never lost. What the provider may retry gets an answer
that makes it retry: 500 when the write failed, 503 when too many callbacks wait to be written.

Refusals store nothing: a wrong token, provider or account gets a 404 (no hint that the account
exists); garbage and XXE a 400; a body over ``MAX_BODY`` a 413; a request line or header over
8 KB a 400 from the HTTP parser itself, logged in one line (``QuietServerLog``), never with a
traceback nor any of the URL, which holds the token.

The receiver runs inside the ``listen`` daemon, or embedded in the console (the demo).

It also serves eCampaign's one-time import files (``GET …/imports/<token>.xml``,
``tui.listen.import_files``) from the spool beside its store, and keeps there the import reports
eCampaign posts back (``tui.groups.import_spool``), telling its import listeners.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from providers.callbacks import parse_callback_items
from providers.errors import CallbackError
from providers.models import DeliveryEvent, ImportReport
from tui.errors import visible
from tui.groups.import_spool import ImportRecord, ImportSpool, spool_dir
from tui.listen.import_files import add_import_routes
from tui.listen.writer import GroupWriter, WriterBusy, WriterClosed
from tui.outbox.store import Store
from tui.outbox.tracking import StoredHook

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024

#: Told (account, the events just stored) once they are committed, in the receiver's loop.
StoredListener = Callable[[str, Sequence[DeliveryEvent]], None]
#: Told (account, the import's record) once an eCampaign import report is stored.
ImportListener = Callable[[str, ImportRecord], None]


class QuietServerLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """aiohttp's server log, minus what a stranger can put in it.

    aiohttp logs a request it cannot parse (a URL over 8 KB, a header too long) with a
    traceback and the first hundred bytes of the offending line, which in a callback URL is the
    token. Such requests are a client's fault, answered with 400: one line, no content. Other
    errors are ours and keep their traceback.
    """

    def __init__(self) -> None:
        super().__init__(logging.getLogger("tui.receiver.http"), {})

    def exception(self, msg: object, *args: object, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info")
        if isinstance(exc, HttpProcessingError):
            self.logger.warning(
                "refused an unreadable HTTP request (%s, answered %s)",
                type(exc).__name__,
                exc.code,
            )
            return
        kwargs.setdefault("exc_info", True)
        self.logger.error(msg, *args, **kwargs)


async def serve(
    app: web.Application, host: str = "127.0.0.1", port: int = 0, *, shutdown_timeout: float = 30
) -> tuple[web.AppRunner, int]:
    """Serve ``app``; return its runner (for cleanup) and the port actually bound.

    ``runner.cleanup()`` stops listening, waits for the requests in flight (up to
    ``shutdown_timeout`` seconds), then runs the app's cleanup (the writer's last commits).
    """
    runner = web.AppRunner(
        app,
        handle_signals=False,
        access_log=None,
        logger=QuietServerLog(),
        shutdown_timeout=shutdown_timeout,
    )
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    sockets = getattr(site._server, "sockets", None) or []
    if not sockets:
        await runner.cleanup()
        raise OSError(f"could not listen on {host}:{port}")
    return runner, int(sockets[0].getsockname()[1])


def new_token() -> str:
    return secrets.token_urlsafe(18)


@dataclass
class Receiver:
    store: Store
    #: account name -> (provider kind, token)
    routes: dict[str, tuple[str, str]] = field(default_factory=dict)
    received: int = 0
    refused: int = 0
    #: Who wants to know what was stored (the console's result panel), instead of polling.
    listeners: list[StoredListener] = field(default_factory=list)
    #: Told of each event inside the commit that stores it (a STOP joins the opt-out list).
    on_stored: StoredHook | None = None
    writer: GroupWriter | None = None
    #: eCampaign's import files and reports: beside the store, where the commands write them.
    spool: ImportSpool | None = None
    import_listeners: list[ImportListener] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.writer is None:
            self.writer = GroupWriter(self.store, on_stored=self.on_stored)
        if self.spool is None:
            self.spool = ImportSpool(spool_dir(self.store.path.parent))

    def register(self, account: str, provider: str, token: str | None = None) -> str:
        token = token or new_token()
        self.routes[account] = (provider, token)
        return token

    def replace_routes(self, routes: Mapping[str, tuple[str, str]]) -> None:
        """Serve exactly these accounts from now on (the daemon's reload)."""
        self.routes = dict(routes)

    def path_for(self, account: str) -> str:
        provider, token = self.routes[account]
        return f"/{provider}/{account}/{token}"

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        assert self.spool is not None
        add_import_routes(app, self.spool)  # first: their paths could read as callbacks
        app.on_startup.append(self._clean_spool)
        app.router.add_route("*", "/{provider}/{account}/{token}", self.handle)
        app.router.add_route("*", "/{prefix:.+}/{provider}/{account}/{token}", self.handle)
        app.on_cleanup.append(self._close_writer)
        return app

    async def _clean_spool(self, _app: web.Application) -> None:
        assert self.spool is not None
        try:
            removed = await asyncio.to_thread(self.spool.clean, restore=True)
        except Exception as exc:  # the callbacks matter more: served all the same
            log.warning("the import spool could not be cleaned: %s", visible(str(exc)))
            return
        if removed:
            log.info("removed %d expired import file(s)", removed)

    async def _close_writer(self, _app: web.Application) -> None:
        if self.writer is not None:
            await self.writer.close()

    async def handle(self, request: web.Request) -> web.Response:
        received_at = datetime.now(UTC)
        provider = request.match_info["provider"]
        account = request.match_info["account"]
        expected = self.routes.get(account)
        if (
            expected is None
            or expected[0] != provider
            or not hmac.compare_digest(
                expected[1].encode(), request.match_info["token"].encode("utf-8", "replace")
            )
        ):
            self.refused += 1
            return web.Response(status=404, text="not found")
        where = (provider, account)
        # Refused before reading when it says it is too large, after MAX_BODY bytes otherwise.
        declared = request.content_length or 0
        body = b""
        if declared <= MAX_BODY and request.body_exists:
            body = await _read_body(request)
        if declared > MAX_BODY or len(body) > MAX_BODY:
            self.refused += 1
            log.warning("refused a %s callback for %s: body over %d bytes", *where, MAX_BODY)
            return web.Response(status=413, text="body too large")
        try:
            # The raw query string: the parser decodes it (UTF-8, or Latin-9 for CapitoleMobile),
            # where aiohttp's decoded view would garble a Latin-9 "ARRÊT".
            items = parse_callback_items(
                provider,
                request.method,
                request.rel_url.raw_query_string,
                body,
                request.headers.get("Content-Type", ""),
                received_at=received_at,
            )
        except CallbackError as exc:
            self.refused += 1
            log.warning("refused a %s callback for %s: %s", *where, visible(str(exc)))
            return web.Response(status=400, text="unreadable callback")
        # Never log or store the token: the path keeps its place, not its value.
        raw = f"{request.method} {request.path_qs}\n".encode() + body
        raw = raw.replace(expected[1].encode(), b"<token>")
        events = [item for item in items if isinstance(item, DeliveryEvent)]
        reports = [item for item in items if isinstance(item, ImportReport)]
        try:
            await self.store_events(account, events, raw)
            records = [await self._store_report(account, report) for report in reports]
        except WriterBusy:
            return web.Response(status=503, text="busy, try again", headers={"Retry-After": "5"})
        except WriterClosed:
            return web.Response(status=503, text="shutting down, try again")
        except Exception:  # a write that failed: the provider must retry, not forget it
            return web.Response(status=500, text="not stored, try again")
        for record in records:
            self._announce_import(account, record)
        self.received += len(events)
        return web.Response(text="OK")

    async def store_events(
        self, account: str, events: Sequence[DeliveryEvent], raw: bytes
    ) -> list[DeliveryEvent]:
        """Commit ``events`` through the writer, then tell the listeners what was new.

        Also the way in for states read elsewhere (the eCampaign getCDR poll), so that whoever
        listens hears of them the same way."""
        assert self.writer is not None
        stored = await self.writer.submit(account, events, raw) if events else []
        self._announce(account, stored)
        return stored

    async def _store_report(self, account: str, report: ImportReport) -> ImportRecord:
        assert self.spool is not None
        try:
            return await asyncio.to_thread(self.spool.record_report, account, report)
        except Exception:
            log.exception("%s: an import report could not be stored", account)
            raise

    def _announce_import(self, account: str, record: ImportRecord) -> None:
        report = record.report or {}
        log.info(
            "%s: import report%s: state %s, %s imported, %d error(s)",
            account,
            f" for import {record.id}" if record.group_id else " with no import waiting for it",
            visible(str(report.get("state"))),
            report.get("imported"),
            len(report.get("errors") or ()),
        )
        for listener in list(self.import_listeners):
            try:
                listener(account, record)
            except Exception:  # a display problem must never cost the provider its answer
                log.exception("an import listener failed")

    def _announce(self, account: str, stored: Sequence[DeliveryEvent]) -> None:
        if not stored:
            return  # duplicates change nothing
        for listener in list(self.listeners):
            try:
                listener(account, stored)
            except Exception:  # a display problem must never cost the provider its answer
                log.exception("a receiver listener failed")


async def _read_body(request: web.Request) -> bytes:
    """The body, or its first ``MAX_BODY + 1`` bytes (a chunked body announces no length)."""
    parts: list[bytes] = []
    size = 0
    while size <= MAX_BODY:
        chunk = await request.content.read(MAX_BODY + 1 - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)
