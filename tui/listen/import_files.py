"""The receiver's one-time file URLs: ``GET <public_url>/imports/<token>.xml``, for eCampaign.

eCampaign's ``importMembers`` fetches the members' XML from a URL we give it
(``tui.groups.import_spool``). The receiver serves each file exactly once: the first GET takes
it out of reach of any other (a rename), and the first *complete* GET consumes it; a GET cut
short puts it back for a retry. Later GETs answer 410, unknown tokens 404, an expired file 410.

The path cannot meet a provider's callback route (``/{provider}/{account}/{token}``): its last
segment ends in ``.xml``, which no callback token holds (letters, digits, ``-``, ``_``). Nothing
here lists the directory, and the token, matched by a pattern of URL-safe characters, can name
no path outside it. No log line holds the token: the import's id (a hash of it) stands for it.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from tui.groups.import_spool import Claim, ImportSpool

log = logging.getLogger("tui.receiver")

#: The file path under the receiver's root, and the one after a reverse proxy's prefix
#: (``tui.groups.import_spool.import_url`` builds the URL).
IMPORT_ROUTES = (
    "/imports/{token:[A-Za-z0-9_-]+}.xml",
    "/{prefix:.+}/imports/{token:[A-Za-z0-9_-]+}.xml",
)
CHUNK = 256 * 1024


def add_import_routes(app: web.Application, spool: ImportSpool) -> None:
    """Before the provider routes: ``/prefix/imports/X.xml`` must not read as a callback."""

    async def handle(request: web.Request) -> web.StreamResponse:
        return await serve_import(spool, request)

    for path in IMPORT_ROUTES:
        app.router.add_route("GET", path, handle)


async def serve_import(spool: ImportSpool, request: web.Request) -> web.StreamResponse:
    claim = await asyncio.to_thread(spool.claim, request.match_info["token"])
    if isinstance(claim, str):
        if claim == "gone":
            log.warning("refused a GET of an import file already fetched, refused or expired")
            return web.Response(status=410, text="gone")
        return web.Response(status=404, text="not found")
    complete = False
    try:
        response = await _stream(claim, request)
        complete = True
        return response
    finally:
        record = await asyncio.to_thread(spool.served, claim, complete=complete)
        if complete and record is not None:
            log.info(
                "%s: import %s fetched (%d member(s), %d bytes)",
                record.account,
                record.id,
                record.submitted,
                claim.size,
            )
        elif not complete:
            log.warning("import %s: a GET ended before the whole file was sent", claim.record.id)


async def _stream(claim: Claim, request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={"Content-Type": "application/xml; charset=utf-8", "Cache-Control": "no-store"}
    )
    response.content_length = claim.size
    await response.prepare(request)
    with claim.serving.open("rb") as source:
        while chunk := await asyncio.to_thread(source.read, CHUNK):
            await response.write(chunk)
    await response.write_eof()
    return response
