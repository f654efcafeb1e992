"""eCampaign callbacks: ``POST`` with the form field ``xml``.

* State change of one message: ``<ecampaign><msgid/><state/><timestamp/></ecampaign>``, one
  call per state (codes in ``states``).
* importMembers report: ``<ecampaign><importFromXml><state/><imported/><errors/>``.

The field may come URL-encoded, in a multipart form, or as the whole body (text/xml).
"""

from __future__ import annotations

from lxml import etree

from providers.base import CallbackRequest
from providers.callbacks.inputs import (
    MAX_BODY_BYTES,
    check_body,
    get_field,
    ident,
    lenient_datetime,
    multipart_field,
    parse_form,
    quantity,
    show,
    text_field,
)
from providers.ecampaign.codes import KIND
from providers.ecampaign.states import delivery_state
from providers.errors import CallbackError
from providers.models import CallbackItem, DeliveryEvent, EventKind, ImportReport
from providers.xml import XmlRefused
from providers.xml import parse as parse_xml

MAX_IMPORT_ERRORS = 1000


def _root(form_xml: str | bytes) -> etree._Element:
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
        provider=KIND,
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
    return _state_event(_root(form_xml))


def parse_ecampaign_import_report(form_xml: str | bytes) -> ImportReport:
    """The importMembers callback: ``<ecampaign><importFromXml><state/><imported/><errors/>``."""
    root = _root(form_xml)
    nodes = root.findall("importFromXml")
    if len(nodes) != 1:
        raise CallbackError("ecampaign: expected exactly one <importFromXml>")
    return _import_report(nodes[0])


def parse_ecampaign(form_xml: str | bytes) -> CallbackItem:
    """Either eCampaign callback, told apart by its content."""
    root = _root(form_xml)
    if root.find("importFromXml") is not None:
        nodes = root.findall("importFromXml")
        if len(nodes) != 1:
            raise CallbackError("ecampaign: expected exactly one <importFromXml>")
        return _import_report(nodes[0])
    return _state_event(root)


def form_xml(body: bytes, media: str, content_type: str) -> str | bytes:
    """The ``xml`` field, wherever the request carries it."""
    if media in ("", "application/x-www-form-urlencoded"):
        # A str: already decoded as UTF-8, so any encoding declaration inside is ignored.
        return get_field(parse_form(body), "xml", required=True)
    if media == "multipart/form-data":
        return multipart_field(body, content_type, "xml")
    if media in ("text/xml", "application/xml"):
        return body
    raise CallbackError(f"ecampaign: content type {show(media, 40)} is not a form")


def parse_callback(request: CallbackRequest) -> list[CallbackItem]:
    """The provider's entry for ``providers.callbacks``."""
    if request.method != "POST":
        raise CallbackError("ecampaign: callbacks are POST requests")
    return [parse_ecampaign(form_xml(request.body, request.media, request.content_type))]
