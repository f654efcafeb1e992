"""Incoming provider callbacks, parsed into ``DeliveryEvent`` (and eCampaign ``ImportReport``).

Pure functions, no I/O. ``parse_callback`` does what every callback needs (bounded body, the
query string decoded, the method and media type read) and hands a ``CallbackRequest`` to the
parser the provider's ``ProviderInfo`` names (``providers.<kind>.callbacks``); it knows no
provider by name. Every parser bounds what it reads, refuses what it cannot understand with
``CallbackError`` (and nothing else), and never echoes more than a short ``repr`` of the
offending input in its message (``providers.callbacks.inputs``).

Dates the providers write without a zone are Paris wall-clock time; events carry UTC. In the
autumn hour that happens twice, the first (summer-time) occurrence is assumed.

A provider's date is believed up to ``MAX_CLOCK_SKEW`` after the callback's arrival (clocks
drift; a Paris time read in the wrong zone is an hour off the other way). Beyond it the event
is dated by its arrival, the provider's date kept in ``DeliveryEvent.reported_at`` and named in
its description: otherwise a final state dated 2030 would outrank every later, real one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from providers.base import PROVIDER_KINDS, CallbackRequest, ProviderInfo, provider_info
from providers.callbacks.inputs import check_body, media_type, parse_form, require_mapping, show
from providers.errors import CallbackError
from providers.models import CallbackItem, DeliveryEvent, ImportReport

__all__ = ["CallbackItem", "ImportReport", "Query", "parse_callback", "parse_callback_items"]

Query = Mapping[str, str] | str | bytes

#: How far after its arrival a callback's own date is still believed.
MAX_CLOCK_SKEW = timedelta(minutes=10)


def parse_callback(
    provider: str,
    method: str,
    query: Query,
    body: bytes,
    content_type: str,
    *,
    received_at: datetime | None = None,
) -> list[DeliveryEvent]:
    """Parse one inbound delivery or reply callback for ``provider`` (what the receiver calls).

    ``query`` is best given as the raw query string (still percent-encoded): CapitoleMobile's
    API is Latin-9, and a framework that decodes the query as UTF-8 turns "ARRÊT" into
    "ARR\ufffdT"; the raw string is decoded here, UTF-8 first, then the provider's
    ``callback_encoding``. An eCampaign importMembers report is refused here (it is no delivery
    event): use ``parse_callback_items`` where such reports are expected. ``received_at`` (an
    aware datetime, default now) bounds the events' dates (``MAX_CLOCK_SKEW``). Only
    ``CallbackError`` escapes.
    """
    items = parse_callback_items(
        provider, method, query, body, content_type, received_at=received_at
    )
    events = [item for item in items if isinstance(item, DeliveryEvent)]
    if len(events) != len(items):
        raise CallbackError(
            "ecampaign: an importMembers report, not a delivery state "
            "(parse it with parse_callback_items)"
        )
    return events


def parse_callback_items(
    provider: str,
    method: str,
    query: Query,
    body: bytes,
    content_type: str,
    *,
    received_at: datetime | None = None,
) -> list[CallbackItem]:
    """``parse_callback``, also returning eCampaign importMembers reports (``ImportReport``)."""
    if not isinstance(body, bytes):
        raise CallbackError(f"body must be bytes, got {type(body).__name__}")
    check_body(body)
    kind = provider.strip().lower() if isinstance(provider, str) else ""
    info = _info(kind)
    if isinstance(query, str | bytes):
        fallback = info.callback_encoding if info is not None else None
        query = parse_form(query, fallback_encoding=fallback)
    require_mapping(query)
    verb = method.strip().upper() if isinstance(method, str) else ""
    media = media_type(content_type)
    if verb not in ("GET", "POST"):
        raise CallbackError(f"{kind or 'callback'}: method {show(verb, 10)} is not used")
    if info is None:
        raise CallbackError(f"unknown provider {show(kind, 20)}")
    items = info.parse_callback(CallbackRequest(verb, query, body, media, content_type))
    arrival = _arrival(received_at)
    return [
        bound_date(item, arrival) if isinstance(item, DeliveryEvent) else item for item in items
    ]


def _arrival(received_at: datetime | None) -> datetime:
    if received_at is None:
        return datetime.now(UTC)
    if received_at.tzinfo is None or received_at.utcoffset() is None:
        raise CallbackError("received_at must be an aware datetime")  # a defect of the caller
    return received_at.astimezone(UTC)


def bound_date(event: DeliveryEvent, received_at: datetime) -> DeliveryEvent:
    """``event`` dated by ``received_at`` when its own date lies beyond ``MAX_CLOCK_SKEW``."""
    written = event.occurred_at
    if written is None or written <= received_at + MAX_CLOCK_SKEW:
        return event
    note = (
        f"the provider dated it {written.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC, in the future; "
        "dated by its arrival instead"
    )
    description = f"{event.description}; {note}" if event.description else note
    return replace(event, occurred_at=received_at, reported_at=written, description=description)


def _info(kind: str) -> ProviderInfo | None:
    return provider_info(kind) if kind in PROVIDER_KINDS else None
