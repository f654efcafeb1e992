"""CapitoleMobile callbacks: delivery reports and direct replies (STOP included).

* Delivery report: ``GET ?id=&gsm=&status=&network=&date=``.
* Direct reply or opt-out: ``GET ?num=&message=``.

The API is Latin-9: a query string that is not UTF-8 is read as ISO-8859-15
(``INFO.callback_encoding``). Either callback may also come as a form-encoded POST.
"""

from __future__ import annotations

from collections.abc import Mapping

from providers.base import CallbackRequest
from providers.callbacks.inputs import (
    get_field,
    ident,
    is_stop_message,
    merged_fields,
    parse_datetime,
    phone_number,
    require_mapping,
    short_token,
    text_field,
)
from providers.capitole.codes import KIND
from providers.errors import CallbackError
from providers.models import CallbackItem, DeliveryEvent, DeliveryState, EventKind

_STATUSES: Mapping[str, tuple[DeliveryState, str]] = {
    "DELIVERED": (DeliveryState.DELIVERED, "delivery receipt from the operator"),
    "INVALID_DESTINATION_ADDRESS": (
        DeliveryState.FAILED,
        "permanent operator error: invalid destination number",
    ),
}


def describe_delivery(code: str) -> str:
    """A delivery report's ``status`` in English (``ProviderInfo.describe_delivery``)."""
    known = _STATUSES.get(code.strip().upper())
    return known[1] if known else "a status CapitoleMobile's documentation does not list"


def parse_capitole_delivery(query: Mapping[str, str]) -> DeliveryEvent:
    """``?id=123456&gsm=336XXXXXXXX&status=DELIVERED&network=Orange&date=2020-03-10 09:20:10``.

    ``id`` is the optional campaign id given at send time: Capitole has no per-message id, so
    events match on (campaign id, number). A status the spec does not list is kept as UNKNOWN.
    """
    status = short_token(get_field(query, "status", required=True), "status")
    number = phone_number(get_field(query, "gsm", required=True), "gsm")
    campaign = ident(get_field(query, "id"), "id")
    network = text_field(get_field(query, "network"), "network", max_chars=64, single_line=True)
    occurred = parse_datetime(get_field(query, "date"), "date")
    state, description = _STATUSES.get(
        status.upper(), (DeliveryState.UNKNOWN, f"status {status} is not documented")
    )
    return DeliveryEvent(
        provider=KIND,
        kind=EventKind.DELIVERY,
        state=state,
        provider_code=status,
        campaign_id=campaign,
        number=number,
        occurred_at=occurred,
        network=network or None,
        description=description,
    )


def parse_capitole_reply(query: Mapping[str, str]) -> DeliveryEvent:
    """``?num=33610203040&message=Hello+World``: a direct reply, or an opt-out (STOP)."""
    number = phone_number(get_field(query, "num", required=True), "num")
    message = text_field(get_field(query, "message", required=True), "message")
    stop = is_stop_message(message)
    return DeliveryEvent(
        provider=KIND,
        kind=EventKind.STOP if stop else EventKind.REPLY,
        state=DeliveryState.STOP if stop else DeliveryState.REPLY,
        number=number,
        text=message,
        description="the recipient opted out (STOP)" if stop else "direct reply",
    )


def parse_capitole(query: Mapping[str, str]) -> DeliveryEvent:
    """Either callback, told apart by its keys."""
    require_mapping(query)
    delivery = any(k in query for k in ("gsm", "status"))
    reply = any(k in query for k in ("num", "message"))
    if delivery and reply:
        raise CallbackError("capitole: both delivery-report and reply fields are present")
    if delivery:
        return parse_capitole_delivery(query)
    if reply:
        return parse_capitole_reply(query)
    raise CallbackError(
        "capitole: neither a delivery report (gsm, status) nor a reply (num, message)"
    )


def parse_callback(request: CallbackRequest) -> list[CallbackItem]:
    """The provider's entry for ``providers.callbacks``: URL fields, or a form-encoded body."""
    return [parse_capitole(merged_fields(request.query, request.body, request.media))]
