"""getCDR replies read as they arrive: rows are made while the reply is still downloading.

A busy month is tens of MB (100,000 messages with their texts are about 45 MB), so the reply is
never held whole, nor parsed into one tree: ``CdrReader`` feeds the bytes to the hardened
streaming parser (``providers.xml.XmlStream``: no DTD, no entities, no network, DOCTYPE
refused in any encoding) and turns each ``<message>`` or ``<campaign>`` into a row as soon as
its end tag is read, then frees it. Memory stays that of one row whatever the reply's size,
which is capped at ``MAX_CDR_BYTES`` rather than the 5 MB of small replies.

getCDR answers in two shapes. Without ``campaignid``: one ``<message id channel>`` per single
send and one ``<campaign id channel recipients_count>`` per campaign. With ``campaignid``: the
``<message id>`` elements of that campaign (no channel attribute; ``group_member_id`` instead).
The document's samples leave the opening tags unclosed; real replies are well-formed. Its
campaign sample spells the attribute ``Channel``: both spellings are read.

The return code comes first (``<code>`` precedes ``<getCDR>`` in every reply the document
shows): the reader knows whether the rows count before it reads any, and a reply whose rows come
before its code is refused rather than guessed at.
"""

from __future__ import annotations

import functools
from decimal import Decimal

from lxml import etree

from providers.decimals import to_decimal
from providers.ecampaign.codes import OK
from providers.ecampaign.core import attr, e164_or_raw, to_bool, to_int
from providers.ecampaign.states import delivery_state
from providers.models import CdrCampaign, CdrRecord, DeliveryState
from providers.xml import XmlRefused, XmlStream, release

#: Largest getCDR reply read: a year of a busy account with texts (about 1,000,000 messages).
MAX_CDR_BYTES = 512 * 1024 * 1024
#: The elements the reader is told about; the rest of the document goes by in C.
_TAGS = ("code", "message", "campaign")
_ROW_PARENT = "getCDR"

CdrRow = CdrRecord | CdrCampaign


def _fields(element: etree._Element) -> dict[str, str | None]:
    """Each child's stripped text by tag (None when empty), the first one of a tag winning.

    One pass over the children: a ``findtext`` per field would walk them once per field.
    """
    found: dict[str, str | None] = {}
    for child in element:
        tag = child.tag  # always a name: comments and PIs are dropped, entities refused
        if tag not in found:
            value = child.text
            found[tag] = (value.strip() or None) if value else None
    return found


@functools.lru_cache(maxsize=1024)
def _state(status: str | None, channel: str | None) -> tuple[DeliveryState, str | None]:
    """State and meaning of a delivery code (a reply repeats a handful of them)."""
    if status is None:
        return DeliveryState.UNKNOWN, None  # no state yet (a scheduled message)
    return delivery_state(status, channel)


@functools.lru_cache(maxsize=256)
def _credits(text: str | None) -> Decimal | None:
    return to_decimal(text)


def _number(code: str | None, number: str | None) -> str | None:
    """``e164_or_raw``, with a shortcut for French numbers, which most rows are.

    A French national number of nine digits not starting with 0 gives ``+33`` and those digits
    whether or not its range is allocated (``e164_or_raw`` falls back to the same text), so the
    number library, some 40 µs a row, is not needed to know it.
    """
    if (
        code == "33"
        and number is not None
        and len(number) == 9
        and number.isascii()
        and number.isdigit()
        and number[0] != "0"
    ):
        return "+33" + number
    return e164_or_raw(code, number)


def _made(values: dict[str, object]) -> CdrRecord:
    """``CdrRecord(**values)`` given every field, at a fraction of the cost.

    A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__``: for 16
    fields that is a third of a row's reading. The instance made here is the same one (equal,
    same hash, same ``asdict``); ``test_ecampaign_cdr_reader`` holds it to that, field by field.
    """
    made: CdrRecord = object.__new__(CdrRecord)
    object.__setattr__(made, "__dict__", values)
    return made


def record(element: etree._Element, channel: str | None) -> CdrRecord:
    """One ``<message>``; ``channel`` stands in when the element has none (campaign shape)."""
    get = _fields(element).get
    # ``attr`` inlined: two calls a row for a hundred thousand rows. Same rule: the first
    # non-blank of ``channel`` and ``Channel``, stripped.
    record_channel = (
        (element.get("channel") or "").strip() or (element.get("Channel") or "").strip() or channel
    )
    status = get("status_id")
    state, meaning = _state(status, record_channel)
    return _made(
        {
            "id": (element.get("id") or "").strip(),
            "channel": record_channel,
            "date_init": get("date_init"),
            "sender": get("sender"),
            "from_api": to_bool(get("from_api")),
            "credits": _credits(get("credits")),
            "message_ref": get("message_ref"),
            "group_member_id": get("group_member_id"),
            "number": _number(get("phone_code"), get("phone_number")),
            "mail_recipient": get("mail_recipient"),
            "mail_subject": get("mail_subject"),
            "status_code": status,
            "state": state,
            "status_date": get("status_date"),
            "content": get("content"),
            "status_meaning": meaning,
        }
    )


def campaign(element: etree._Element) -> CdrCampaign:
    get = _fields(element).get
    return CdrCampaign(
        id=attr(element, "id") or "",
        channel=attr(element, "channel", "Channel"),
        recipients_count=to_int(attr(element, "recipients_count")),
        date_init=get("date_init"),
        sender=get("sender"),
        from_api=to_bool(get("from_api")),
        credits=_credits(get("credits")),
        group_id=get("group_id"),
        template_id=get("template_id"),
    )


def _code(text: str | None) -> int:
    digits = (text or "").strip().removeprefix("-")
    # isascii: "²".isdigit() is true but int() refuses it; the length bounds the int.
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 9):
        raise XmlRefused("no eCampaign return code in the reply")
    return int((text or "").strip())


class CdrReader:
    """One getCDR reply, fed as it arrives; rows come out once the code says they count.

    ``feed`` and ``close`` return the rows completed so far (none unless the code is 0) and
    raise ``XmlRefused`` for a reply that is hostile, malformed, too large, not eCampaign's, or
    lists rows before its code. ``code`` and ``message`` are set as soon as they are read.
    """

    def __init__(self, channel: str | None = None, *, max_bytes: int = MAX_CDR_BYTES) -> None:
        self.channel = channel
        self.code: int | None = None
        self.message = ""
        self.rows_read = 0
        self._xml = XmlStream(_TAGS, max_bytes=max_bytes)
        #: ``<getCDR>`` under the root, once a row in it was read.
        self._listing: etree._Element | None = None

    def feed(self, chunk: bytes) -> list[CdrRow]:
        events = self._xml.feed(chunk)
        if self._xml.root_tag not in (None, "ecampaign"):
            raise XmlRefused("not an eCampaign reply")
        return self._rows(events)

    def close(self) -> list[CdrRow]:
        rows = self._rows(self._xml.close())
        if self.code is None:
            raise XmlRefused("no eCampaign return code in the reply")
        return rows

    def _rows(self, events: list[tuple[str, etree._Element]]) -> list[CdrRow]:
        rows: list[CdrRow] = []
        listing: etree._Element | None = None
        known = self._listing
        channel = self.channel
        for _event, element in events:
            parent = element.getparent()
            if parent is None:  # the root itself, were it named like a row
                continue
            if parent is known:
                # The listing already found (lxml hands out one proxy per element while it is
                # held, so ``is`` finds it): a row, without walking up to the root again.
                listing = parent
                if self.code == OK:
                    rows.append(
                        record(element, channel) if element.tag == "message" else campaign(element)
                    )
            elif parent.tag == _ROW_PARENT and _is_root(parent.getparent()):
                if self.code is None:
                    raise XmlRefused("rows before the return code")
                if self.code == OK:
                    rows.append(
                        record(element, channel) if element.tag == "message" else campaign(element)
                    )
                listing = known = self._listing = parent
            elif _is_root(parent):
                if element.tag == "code" and self.code is None:
                    self.code = _code(element.text)
                elif element.tag == "message" and not self.message:
                    self.message = (element.text or "").strip()
                release(element)
            # Anything else lies inside an element read later, and is freed with it.
        events.clear()  # the rows' proxies go first: freeing an element with one costs more
        if listing is not None:
            # Every row read so far, at once. The last child stays: it may be the row the parser
            # is still building.
            del listing[:-1]
        self.rows_read += len(rows)
        return rows


def _is_root(element: etree._Element | None) -> bool:
    return element is not None and element.getparent() is None
