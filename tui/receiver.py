"""The delivery-report receiver: verify, persist, then acknowledge.

Providers call ``/{provider}/{account}/{token}``. The token is per account and compared in
constant time. The raw request and the parsed events are committed to SQLite *before* the 200
answer, so a report the provider considers delivered is never lost. Garbage gets a 400 and
changes nothing; a wrong token gets a 404 (no hint that the account exists).
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from aiohttp import web

from providers.callbacks import parse_callback_items
from providers.errors import CallbackError
from providers.models import DeliveryEvent, ImportReport
from tui.outbox.store import Store

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024

#: Told (account, the events just stored) once they are committed, in the receiver's loop.
StoredListener = Callable[[str, Sequence[DeliveryEvent]], None]


async def serve(
    app: web.Application, host: str = "127.0.0.1", port: int = 0
) -> tuple[web.AppRunner, int]:
    """Serve ``app``; return its runner (for cleanup) and the port actually bound."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
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

    def register(self, account: str, provider: str, token: str | None = None) -> str:
        token = token or new_token()
        self.routes[account] = (provider, token)
        return token

    def path_for(self, account: str) -> str:
        provider, token = self.routes[account]
        return f"/{provider}/{account}/{token}"

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/{provider}/{account}/{token}", self.handle)
        return app

    async def handle(self, request: web.Request) -> web.Response:
        provider = request.match_info["provider"]
        account = request.match_info["account"]
        expected = self.routes.get(account)
        if (
            expected is None
            or expected[0] != provider
            or not hmac.compare_digest(expected[1], request.match_info["token"])
        ):
            self.refused += 1
            return web.Response(status=404, text="not found")
        try:
            body = await request.content.read(MAX_BODY + 1)
            if len(body) > MAX_BODY:
                raise CallbackError("body larger than 64 KiB")
            # The raw query string: the parser decodes it (UTF-8, or Latin-9 for CapitoleMobile),
            # where aiohttp's decoded view would garble a Latin-9 "ARRÊT".
            items = parse_callback_items(
                provider,
                request.method,
                request.rel_url.raw_query_string,
                body,
                request.headers.get("Content-Type", ""),
            )
        except CallbackError as exc:
            self.refused += 1
            log.warning("refused a %s callback for %s: %s", provider, account, exc)
            return web.Response(status=400, text="unreadable callback")
        raw = f"{request.method} {request.path_qs}\n".encode() + body
        # Never log or store the token: keep only the query string beyond the path.
        raw = raw.replace(expected[1].encode(), b"<token>")
        events = [item for item in items if isinstance(item, DeliveryEvent)]
        stored = [e for e in events if self.store.record_event(e, raw, account=account)]
        self._announce(account, stored)
        for report in items:
            if isinstance(report, ImportReport):
                log.info(
                    "%s: group import report: state %s, %s imported, %d error(s)",
                    account,
                    report.state,
                    report.imported,
                    len(report.errors),
                )
        self.received += len(events)
        return web.Response(text="OK")

    def _announce(self, account: str, stored: Sequence[DeliveryEvent]) -> None:
        if not stored:
            return  # duplicates change nothing
        for listener in list(self.listeners):
            try:
                listener(account, stored)
            except Exception:  # a display problem must never cost the provider its answer
                log.exception("a receiver listener failed")
