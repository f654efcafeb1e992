"""The one XML parser porte-voix uses, hardened, and helpers to build XML safely.

Provider replies and callbacks are untrusted: no DTD, no entities, no network, bounded size.
A document that declares a DOCTYPE is refused outright, which removes XXE and entity
expansion ("billion laughs") at the root instead of relying on parser flags alone.

XML is always built with lxml's element API so that ``<``, ``&`` and quotes in a message are
escaped by the serializer, never by hand.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

MAX_XML_BYTES = 5 * 1024 * 1024


class XmlRefused(ValueError):
    """The document is malformed, too large or hostile."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


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
    docinfo: Any = root.getroottree().docinfo  # lxml-stubs do not describe DocInfo fully
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise XmlRefused("documents with a DOCTYPE or entity declarations are refused")
    return root


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
