"""Form bodies (``application/x-www-form-urlencoded``) built fast, byte for byte as the
standard library builds them.

CapitoleMobile and eCampaign take a whole XML document in one form field, Octopush a list of
numbers: a batch's body is tens of kilobytes, which ``urllib.parse.urlencode`` escapes with one
Python call per byte. No httpx here: the providers' rules modules build bodies too, and a
console start must not load an HTTP client for them.
"""

from __future__ import annotations

from collections.abc import Sequence

#: The bytes a form body carries as themselves (``urllib.parse.quote_plus``'s "always safe").
_FORM_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"


def form_encode(fields: Sequence[tuple[str, str | bytes]]) -> bytes:
    """``urllib.parse.urlencode(fields).encode("ascii")``, byte for byte (text as UTF-8,
    ``+`` for a space, ``%XX`` for every other byte outside ``A-Z a-z 0-9 _ . - ~``).

    ``urlencode`` calls Python once per byte, and a batch's body is tens of kilobytes of XML:
    here each distinct byte to escape is replaced in one pass over the body."""
    return b"&".join(_quote_plus(name) + b"=" + _quote_plus(value) for name, value in fields)


def _quote_plus(value: str | bytes) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    present = set(data.translate(None, _FORM_SAFE))
    if 0x25 in present:  # "%" first: the escapes written next hold it
        data = data.replace(b"%", b"%25")
    for byte in present - {0x25, 0x20}:
        data = data.replace(bytes((byte,)), b"%%%02X" % byte)
    return data.replace(b" ", b"+")
