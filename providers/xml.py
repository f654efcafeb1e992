"""The one XML parser porte-voix uses, hardened, and helpers to build XML safely.

Provider replies and callbacks are untrusted: no DTD, no entities, no network, bounded size.
A document that declares a DOCTYPE is refused outright, which removes XXE and entity
expansion ("billion laughs") at the root instead of relying on parser flags alone.

XML is always built with lxml's element API so that ``<``, ``&`` and quotes in a message are
escaped by the serializer, never by hand.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024
#: Bytes a streamed document may spend before its root element starts (declaration, comments).
MAX_PROLOG_BYTES = 64 * 1024


class XmlRefused(ValueError):
    """The document is malformed, too large or hostile."""


#: The hardening every parser here shares: no entities, no DTD, no network, libxml2's limits.
_HARDENED: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(**_HARDENED)


def parse(data: bytes | str, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse untrusted XML; raise ``XmlRefused`` for anything malformed or hostile."""
    try:
        raw = data.encode("utf-8") if isinstance(data, str) else data
    except UnicodeEncodeError:
        raise XmlRefused("text that is not valid Unicode (lone surrogate)") from None
    if isinstance(data, str):
        # A str has already been decoded: drop any encoding declaration lxml would refuse.
        raw = _strip_declaration(raw)
    if len(raw) > max_bytes:
        raise XmlRefused(f"document larger than {max_bytes} bytes")
    if not raw.strip():
        raise XmlRefused("empty document")
    upper = raw.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise XmlRefused("documents with a DOCTYPE or entity declarations are refused")
    try:
        root = etree.fromstring(raw, parser=_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise XmlRefused(f"malformed XML: {exc}") from None
    if root is None:
        raise XmlRefused("empty document")
    # The byte check above misses a DOCTYPE written in UTF-16; the parser's view does not.
    _refuse_doctype(root)
    return root


def _refuse_doctype(element: etree._Element) -> None:
    docinfo: Any = element.getroottree().docinfo  # lxml-stubs do not describe DocInfo fully
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlRefused("documents with a DOCTYPE or entity declarations are refused")


Event = tuple[str, etree._Element]


class XmlStream:
    """The hardened parser for a document read piece by piece (a reply of tens of MB).

    ``feed`` takes the bytes as they arrive and returns the elements of ``tags`` completed so
    far, as ``("end", element)``; the caller reads each one, then ``release``s it so that the
    tree never holds more than the element being read. The same refusals as ``parse``: more
    than ``max_bytes``, malformed XML, and any DOCTYPE, which is looked for in the bytes before
    the root element and, whatever the encoding (UTF-16 too), in the parser's own view of the
    prolog before the main parser has seen a byte of it.
    """

    def __init__(self, tags: Collection[str], *, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self.root_tag: str | None = None  # known once the root element has started
        self.root: etree._Element | None = None  # set by ``close``
        self._held: list[bytes] = []  # the prolog, until the root element is seen and checked
        self._prolog: Any = etree.XMLPullParser(events=("start",), **_HARDENED)
        self._parser: Any = etree.XMLPullParser(events=("end",), tag=tuple(tags), **_HARDENED)

    def feed(self, chunk: bytes) -> list[Event]:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise XmlRefused(f"document larger than {self.max_bytes} bytes")
        if self.root_tag is None:
            chunk = self._check_prolog(chunk)
            if not chunk:
                return []
        return _events(self._parser, self._parser.feed, chunk)

    def close(self) -> list[Event]:
        """The last events; refuses an empty, truncated or malformed document."""
        if self.root_tag is None:
            blank = not b"".join(self._held).strip()
            raise XmlRefused("empty document" if blank else "malformed XML: no root element")
        return _events(self._parser, self._close)

    def _close(self) -> None:
        # What is left of the tree once the caller has released what it read: tests look at it.
        self.root = self._parser.close()

    def _check_prolog(self, chunk: bytes) -> bytes:
        """Hold the bytes until the root element starts; then check them and let them go."""
        self._held.append(chunk)
        held = b"".join(self._held)
        upper = held.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise XmlRefused("documents with a DOCTYPE or entity declarations are refused")
        events = _events(self._prolog, self._prolog.feed, chunk)
        if not events:
            if len(held) > MAX_PROLOG_BYTES:
                raise XmlRefused(f"no root element in the first {MAX_PROLOG_BYTES} bytes")
            return b""
        root = events[0][1]
        _refuse_doctype(root)
        self.root_tag = str(root.tag)
        self._held = []
        self._prolog = None
        return held


def _events(parser: Any, step: Any, *chunk: bytes) -> list[Event]:
    try:
        step(*chunk)
        return list(parser.read_events())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise XmlRefused(f"malformed XML: {exc}") from None


def release(element: etree._Element) -> None:
    """Free a streamed element once read: its content, and the siblings that came before it."""
    element.clear()
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _strip_declaration(raw: bytes) -> bytes:
    stripped = raw.lstrip()
    if stripped.startswith(b"<?xml"):
        end = stripped.find(b"?>")
        if end != -1:
            return stripped[end + 2 :]
    return raw


def child_text(element: etree._Element, path: str) -> str | None:
    """Text of the first element at ``path`` (stripped), or None when absent."""
    found = element.find(path)
    if found is None or found.text is None:
        return None if found is None else ""
    return found.text.strip()


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    """Append a child element; the serializer escapes its text and attributes."""
    element = etree.SubElement(parent, tag, attrib=attrs or None)
    if text is not None:
        element.text = text
    return element


def to_bytes(root: etree._Element, encoding: str = "UTF-8") -> bytes:
    """Serialize with a declaration, refusing characters ``encoding`` cannot carry.

    lxml would silently turn such characters into numeric references (``&#8217;``), which
    CapitoleMobile would show literally; encoding strictly makes that impossible.
    """
    body = etree.tostring(root, encoding="unicode")
    declaration = f'<?xml version="1.0" encoding="{encoding}"?>\n'
    return (declaration + body).encode(encoding, errors="strict")
