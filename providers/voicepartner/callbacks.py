"""VoicePartner callbacks (``notifyUrl``).

* Voicemail drop: ``GET ?campaign_token=&campaign_id=&delivered_quantity=&total_quantity=``,
  campaign totals rather than one state per number.
* Text-to-speech call: ``POST`` JSON, one number per call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from providers.base import CallbackRequest
from providers.callbacks.inputs import (
    check_body,
    duration_seconds,
    get_field,
    ident,
    lenient_datetime,
    merged_fields,
    phone_number,
    quantity,
    short_token,
    show,
)
from providers.errors import CallbackError
from providers.models import CallbackItem, DeliveryEvent, DeliveryState, EventKind
from providers.voicepartner.codes import KIND


def parse_voicepartner_campaign(query: Mapping[str, str]) -> DeliveryEvent:
    """Voicemail drop: campaign totals, not per number.

    The provider may call more than once as a campaign progresses, so only a complete count is
    final (DELIVERED); anything less is SENT with the figures, never FAILED, which would be
    final and hide a later, better count.
    """
    campaign = ident(get_field(query, "campaign_id", required=True), "campaign_id", required=True)
    ident(get_field(query, "campaign_token"), "campaign_token")  # validated; the raw is stored
    delivered = quantity(
        get_field(query, "delivered_quantity", required=True), "delivered_quantity"
    )
    total = quantity(get_field(query, "total_quantity", required=True), "total_quantity")
    if delivered > total:
        raise CallbackError(f"voicepartner: delivered_quantity {delivered} exceeds total {total}")
    complete = total > 0 and delivered == total
    return DeliveryEvent(
        provider=KIND,
        kind=EventKind.CAMPAIGN,
        state=DeliveryState.DELIVERED if complete else DeliveryState.SENT,
        provider_code=f"{delivered}/{total}",
        campaign_id=campaign,
        description=f"{delivered} of {total} voicemails delivered",
        delivered=delivered,
        total=total,
    )


_TTS_STATES: Mapping[tuple[str, str], tuple[DeliveryState, str]] = {
    ("pending", ""): (DeliveryState.QUEUED, "call pending"),
    ("delivered", ""): (DeliveryState.DELIVERED, "call delivered"),
    ("delivered", "VOICE_ANSWERED"): (DeliveryState.ANSWERED, "call answered"),
    ("delivered", "VOICE_NOT_ANSWERED"): (
        DeliveryState.DELIVERED,
        "call delivered, not answered by a person (possibly an answering machine)",
    ),
    ("undelivered", ""): (DeliveryState.FAILED, "call not delivered"),
    ("undelivered", "VOICE_NOT_ANSWERED"): (DeliveryState.NO_ANSWER, "call not answered"),
    ("undelivered", "VOICE_ANSWERED"): (
        DeliveryState.FAILED,
        "call not delivered (although reported answered)",
    ),
}


def describe_delivery(code: str) -> str:
    """A delivery code in English (``ProviderInfo.describe_delivery``): ``status`` or
    ``status/additionnal_status`` of a call, ``delivered/total`` of a voicemail drop."""
    text = code.strip()
    head, _, tail = text.partition("/")
    if head.isdigit() and tail.isdigit():
        return f"{head} of {tail} voicemails delivered"
    known = _TTS_STATES.get((head.lower(), tail.upper()))
    return known[1] if known else "a call status VoicePartner does not document"


def parse_voicepartner_tts(body: bytes) -> DeliveryEvent:
    """Text-to-speech call, one number: JSON ``{campaignId, status, additionnal_status, ...}``.

    The provider spells ``additionnal_status``; the correct spelling is accepted too.
    """
    data = json_object(body)
    campaign = ident(json_str(data, "campaignId", required=True), "campaignId", required=True)
    status = short_token(json_str(data, "status", required=True) or "", "status")
    extra_a = json_str(data, "additionnal_status")
    extra_b = json_str(data, "additional_status")
    if extra_a and extra_b and extra_a != extra_b:
        raise CallbackError("voicepartner: additionnal_status and additional_status disagree")
    extra = short_token(extra_a or extra_b or "", "additionnal_status", allow_empty=True)
    number = phone_number(json_str(data, "phoneNumber", required=True) or "", "phoneNumber")
    sent, _ = lenient_datetime(data.get("sendAt"))
    done, unreadable = lenient_datetime(data.get("doneAt"))
    state, description = _TTS_STATES.get(
        (status.lower(), extra.upper()),
        (DeliveryState.UNKNOWN, f"status {status}/{extra or '-'} is not documented"),
    )
    seconds = duration_seconds(data.get("duration"))
    if seconds:  # a call that never connected lasts 0 s: nothing worth saying
        description = f"{description}; call lasted {seconds} s"
    description += unreadable
    return DeliveryEvent(
        provider=KIND,
        kind=EventKind.DELIVERY,
        state=state,
        provider_code=f"{status}/{extra}" if extra else status,
        campaign_id=campaign,
        number=number,
        occurred_at=done or sent,
        description=description,
    )


def parse_callback(request: CallbackRequest) -> list[CallbackItem]:
    """The provider's entry for ``providers.callbacks``: a JSON body is a text-to-speech call,
    anything else (URL fields, a form) a voicemail drop's totals."""
    body, media = request.body, request.media
    if request.method == "POST" and body.strip() and media != "application/x-www-form-urlencoded":
        return [parse_voicepartner_tts(body)]
    return [parse_voicepartner_campaign(merged_fields(request.query, body, media))]


# --------------------------------------------------------------------------- JSON


def json_object(body: bytes) -> dict[str, Any]:
    """The body as a JSON object: UTF-8, no NaN or Infinity, no repeated key."""
    check_body(body)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CallbackError("voicepartner: body is not UTF-8") from None

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"key {key[:40]!r} repeated")
            result[key] = value
        return result

    try:
        data = json.loads(text, parse_constant=no_constants, object_pairs_hook=unique)
    except (ValueError, RecursionError) as exc:
        raise CallbackError(
            f"voicepartner: body is not valid JSON ({show(str(exc), 80)})"
        ) from None
    if not isinstance(data, dict):
        raise CallbackError(f"voicepartner: expected a JSON object, got {type(data).__name__}")
    return data


def json_str(data: Mapping[str, Any], key: str, *, required: bool = False) -> str | None:
    value = data.get(key)
    if value is None:
        if required:
            raise CallbackError(f"voicepartner: {key} is missing")
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise CallbackError(f"voicepartner: {key} must be a string, got {type(value).__name__}")
    return value
