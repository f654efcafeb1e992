"""Parse the providers' delivery and reply callbacks into ``DeliveryEvent``.

Pure functions, no I/O. Callbacks come from the internet: every parser bounds what it reads,
refuses what it cannot understand with ``CallbackError`` (and nothing else), and never echoes
more than a short ``repr`` of the offending input in its message.

* CapitoleMobile: ``GET ?id=&gsm=&status=&network=&date=`` (delivery report) and
  ``GET ?num=&message=`` (direct reply or STOP).
* eCampaign: ``POST`` form field ``xml`` holding ``<ecampaign><msgid/><state/><timestamp/>``
  (one call per state change), or the importMembers report ``<ecampaign><importFromXml>``.
* VoicePartner: ``GET ?campaign_token=&campaign_id=&delivered_quantity=&total_quantity=``
  (voicemail drop, campaign totals) and ``POST`` JSON per number (text-to-speech).
* Octopush (historic API) documents no callback.

Dates the providers write without a zone are Paris wall-clock time; events carry UTC. In the
autumn hour that happens twice, the first (summer-time) occurrence is assumed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from providers.callbacks.inputs import (
    MAX_BODY_BYTES,
    check_body,
    duration_seconds,
    ecampaign_xml,
    get_field,
    ident,
    json_object,
    json_str,
    lenient_datetime,
    media_type,
    merged_fields,
    parse_datetime,
    parse_form,
    phone_number,
    quantity,
    short_token,
    show,
    text_field,
)
from providers.ecampaign.states import delivery_state
from providers.errors import CallbackError
from providers.models import DeliveryEvent, DeliveryState, EventKind
from providers.xml import XmlRefused
from providers.xml import parse as parse_xml

# --------------------------------------------------------------------------- shared values


MAX_IMPORT_ERRORS = 1000


def _require_mapping(query: object) -> None:
    if not isinstance(query, Mapping):
        raise CallbackError(f"expected query fields, got {type(query).__name__}")


# --------------------------------------------------------------------------- CapitoleMobile

_STOP = re.compile(
    r"(?:stop(?:pe[rz])?|arret(?:e[rz]?)?|desabonne(?:r|z|ment)?|desinscri(?:re|ption|vez)"
    r"|unsubscribe)(?![a-z])"
)
_STOP_ANYWHERE = re.compile(r"(?<![a-z0-9-])stop(?![a-z])")  # not "non-stop"


def is_stop_message(text: str) -> bool:
    """Whether a reply asks to opt out.

    Case, accents, spaces and punctuation are ignored. A reply is a STOP when it starts with an
    opt-out word (STOP, "STOP 36XXX", "Stop.", ARRET, arrêt, arrêter, désabonner,
    désabonnement, désinscrire, unsubscribe...) or holds the word STOP anywhere, since STOP is
    the keyword the marketing mention teaches. A missed opt-out keeps messaging someone who
    refused (a legal fault); a wrong one only loses a recipient, so the rule leans to STOP.
    ``stopper``-like words count; "stp" (s'il te plaît) does not.
    """
    # U+FFFD stands for a byte a UTF-8 decoder could not read: in the opt-out words it can
    # only have been an accented e (ARRÊT, désabonner sent in Latin-9), so read it as one.
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("\ufffd", "e"))
    folded = "".join(c for c in decomposed if not unicodedata.combining(c))
    start = re.sub(r"^[^a-z0-9]+", "", folded)
    return bool(_STOP.match(start) or _STOP_ANYWHERE.search(folded))


_CAPITOLE_STATUSES: Mapping[str, tuple[DeliveryState, str]] = {
    "DELIVERED": (DeliveryState.DELIVERED, "delivery receipt from the operator"),
    "INVALID_DESTINATION_ADDRESS": (
        DeliveryState.FAILED,
        "permanent operator error: invalid destination number",
    ),
}


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
    state, description = _CAPITOLE_STATUSES.get(
        status.upper(), (DeliveryState.UNKNOWN, f"status {status} is not documented")
    )
    return DeliveryEvent(
        provider="capitole",
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
        provider="capitole",
        kind=EventKind.STOP if stop else EventKind.REPLY,
        state=DeliveryState.STOP if stop else DeliveryState.REPLY,
        number=number,
        text=message,
        description="the recipient opted out (STOP)" if stop else "direct reply",
    )


def parse_capitole(query: Mapping[str, str]) -> DeliveryEvent:
    """Either callback, told apart by its keys."""
    _require_mapping(query)
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


# --------------------------------------------------------------------------- eCampaign


@dataclass(frozen=True)
class ImportReport:
    """eCampaign's importMembers report (``<importFromXml>``). ``state`` is the provider's own."""

    state: str
    imported: int | None
    errors: tuple[str, ...] = ()


CallbackItem = DeliveryEvent | ImportReport


def _ecampaign_root(form_xml: str | bytes) -> etree._Element:
    if not isinstance(form_xml, str | bytes):
        raise CallbackError(f"ecampaign: expected XML text, got {type(form_xml).__name__}")
    raw = form_xml.encode("utf-8", "surrogatepass") if isinstance(form_xml, str) else form_xml
    check_body(raw)
    try:
        # eCampaign exchanges UTF-8 only. Decoding here, before the parser sees the bytes,
        # also keeps a UTF-16 document from slipping a DOCTYPE past the byte-level check.
        document = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CallbackError("ecampaign: the XML is not UTF-8") from None
    if document.lstrip().startswith("xml="):  # the whole form body was passed: take its field
        document = get_field(parse_form(raw), "xml", required=True)
    try:
        root = parse_xml(document, max_bytes=MAX_BODY_BYTES)
    except XmlRefused as exc:
        raise CallbackError(f"ecampaign: {show(str(exc), 120)}") from None
    except (ValueError, LookupError, etree.LxmlError):  # defensive: lxml on hostile bytes
        raise CallbackError("ecampaign: unreadable XML") from None
    # Defence in depth: no DTD, ever (``doctype`` is missing from lxml-stubs, hence getattr).
    if getattr(root.getroottree().docinfo, "doctype", ""):
        raise CallbackError("ecampaign: documents with a DOCTYPE are refused")
    if not isinstance(root.tag, str) or root.tag != "ecampaign":
        raise CallbackError(f"ecampaign: root element is {show(str(root.tag))}, not <ecampaign>")
    return root


def _only_text(parent: etree._Element, tag: str, *, required: bool) -> str | None:
    found = parent.findall(tag)
    if len(found) > 1:
        raise CallbackError(f"ecampaign: <{tag}> appears {len(found)} times")
    if not found:
        if required:
            raise CallbackError(f"ecampaign: <{tag}> is missing")
        return None
    return (found[0].text or "").strip()


def _state_event(root: etree._Element) -> DeliveryEvent:
    message_id = ident(_only_text(root, "msgid", required=True), "msgid", required=True)
    code = _only_text(root, "state", required=True) or ""
    if not (code.isascii() and code.isdigit()) or len(code) > 3:
        raise CallbackError(f"ecampaign: state {show(code)} is not a numeric state code")
    occurred, unreadable = lenient_datetime(_only_text(root, "timestamp", required=False))
    state, description = delivery_state(code)
    description += unreadable
    return DeliveryEvent(
        provider="ecampaign",
        kind=EventKind.DELIVERY,
        state=state,
        provider_code=code,
        message_id=message_id,
        occurred_at=occurred,
        description=description,
    )


def _import_report(node: etree._Element) -> ImportReport:
    state = text_field(_only_text(node, "state", required=True), "state", max_chars=64)
    imported_text = _only_text(node, "imported", required=False)
    imported = quantity(imported_text, "imported") if imported_text else None
    errors: list[str] = []
    for errors_node in node.findall("errors"):
        for item in errors_node.findall("error"):
            errors.append(text_field((item.text or "").strip(), "error") or "")
    if len(errors) > MAX_IMPORT_ERRORS:
        raise CallbackError(f"ecampaign: {len(errors)} import errors is more than expected")
    return ImportReport(state=state or "", imported=imported, errors=tuple(errors))


def parse_ecampaign_state(form_xml: str | bytes) -> DeliveryEvent:
    """The state callback: ``<ecampaign><msgid/><state/><timestamp/></ecampaign>``."""
    return _state_event(_ecampaign_root(form_xml))


def parse_ecampaign_import_report(form_xml: str | bytes) -> ImportReport:
    """The importMembers callback: ``<ecampaign><importFromXml><state/><imported/><errors/>``."""
    root = _ecampaign_root(form_xml)
    nodes = root.findall("importFromXml")
    if len(nodes) != 1:
        raise CallbackError("ecampaign: expected exactly one <importFromXml>")
    return _import_report(nodes[0])


def parse_ecampaign(form_xml: str | bytes) -> CallbackItem:
    """Either eCampaign callback, told apart by its content."""
    root = _ecampaign_root(form_xml)
    if root.find("importFromXml") is not None:
        nodes = root.findall("importFromXml")
        if len(nodes) != 1:
            raise CallbackError("ecampaign: expected exactly one <importFromXml>")
        return _import_report(nodes[0])
    return _state_event(root)


# --------------------------------------------------------------------------- VoicePartner


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
        provider="voicepartner",
        kind=EventKind.CAMPAIGN,
        state=DeliveryState.DELIVERED if complete else DeliveryState.SENT,
        provider_code=f"{delivered}/{total}",
        campaign_id=campaign,
        description=f"{delivered} of {total} voicemails delivered",
        delivered=delivered,
        total=total,
    )


_VP_STATES: Mapping[tuple[str, str], tuple[DeliveryState, str]] = {
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
    state, description = _VP_STATES.get(
        (status.lower(), extra.upper()),
        (DeliveryState.UNKNOWN, f"status {status}/{extra or '-'} is not documented"),
    )
    seconds = duration_seconds(data.get("duration"))
    if seconds:  # a call that never connected lasts 0 s: nothing worth saying
        description = f"{description}; call lasted {seconds} s"
    description += unreadable
    return DeliveryEvent(
        provider="voicepartner",
        kind=EventKind.DELIVERY,
        state=state,
        provider_code=f"{status}/{extra}" if extra else status,
        campaign_id=campaign,
        number=number,
        occurred_at=done or sent,
        description=description,
    )


# --------------------------------------------------------------------------- dispatcher


Query = Mapping[str, str] | str | bytes

#: Providers whose callbacks may carry Latin-9 rather than UTF-8 in the query string.
_QUERY_FALLBACK = {"capitole": "iso-8859-15"}


def parse_callback(
    provider: str, method: str, query: Query, body: bytes, content_type: str
) -> list[DeliveryEvent]:
    """Parse one inbound delivery or reply callback for ``provider`` (what the receiver calls).

    ``query`` is best given as the raw query string (still percent-encoded): CapitoleMobile's
    API is Latin-9, and a framework that decodes the query as UTF-8 turns "ARRÊT" into
    "ARR\ufffdT"; the raw string is decoded here, UTF-8 first, then Latin-9 for Capitole.
    An eCampaign importMembers report is refused here (it is no delivery event): use
    ``parse_callback_items`` where such reports are expected. Only ``CallbackError`` escapes.
    """
    items = parse_callback_items(provider, method, query, body, content_type)
    events = [item for item in items if isinstance(item, DeliveryEvent)]
    if len(events) != len(items):
        raise CallbackError(
            "ecampaign: an importMembers report, not a delivery state "
            "(parse it with parse_callback_items)"
        )
    return events


def parse_callback_items(
    provider: str, method: str, query: Query, body: bytes, content_type: str
) -> list[CallbackItem]:
    """``parse_callback``, also returning eCampaign importMembers reports (``ImportReport``)."""
    if not isinstance(body, bytes):
        raise CallbackError(f"body must be bytes, got {type(body).__name__}")
    check_body(body)
    kind = provider.strip().lower() if isinstance(provider, str) else ""
    if isinstance(query, str | bytes):
        query = parse_form(query, fallback_encoding=_QUERY_FALLBACK.get(kind))
    _require_mapping(query)
    verb = method.strip().upper() if isinstance(method, str) else ""
    media = media_type(content_type)
    if verb not in ("GET", "POST"):
        raise CallbackError(f"{kind or 'callback'}: method {show(verb, 10)} is not used")
    if kind == "capitole":
        return [parse_capitole(merged_fields(query, body, media))]
    if kind == "voicepartner":
        if verb == "POST" and body.strip() and media != "application/x-www-form-urlencoded":
            return [parse_voicepartner_tts(body)]
        return [parse_voicepartner_campaign(merged_fields(query, body, media))]
    if kind == "ecampaign":
        if verb != "POST":
            raise CallbackError("ecampaign: callbacks are POST requests")
        return [parse_ecampaign(ecampaign_xml(body, media, content_type))]
    if kind == "octopush":
        raise CallbackError("octopush: this API documents no callback")
    raise CallbackError(f"unknown provider {show(kind, 20)}")
