"""Character tables and transliteration for SMS text.

The GSM-7 default alphabet and extension table (3GPP TS 23.038), the ISO-8859-15 (Latin-9)
repertoire CapitoleMobile requires, the characters refused everywhere (control characters, lone
surrogates), and the transliteration offered to the operator before anything is sent.
``providers.text`` builds the counting and the per-provider rules on top of this module.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Literal

Target = Literal["latin9", "gsm7"]

# The default alphabet in table order, without 0x1B (the escape to the extension table, not a
# character). Greek capitals are escapes so that look-alike Latin letters cannot slip in.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅå"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039eÆæßÉ"
    " !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
LATIN9 = frozenset(bytes(range(256)).decode("iso-8859-15"))


def distinct(chars: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(chars))


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def non_gsm7_characters(text: str) -> tuple[str, ...]:
    """The distinct characters that force ``text`` into UCS-2, in order of appearance."""
    return distinct(ch for ch in text if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION)


def is_refused(ch: str, charset: str) -> bool:
    category = unicodedata.category(ch)
    if category == "Cs":  # a lone surrogate: not a character, no charset encodes it
        return True
    if category == "Cc" and ch not in "\n\r":
        return True
    return charset == "ISO-8859-15" and ch not in LATIN9


def latin9_unencodable(text: str) -> tuple[str, ...]:
    """The distinct characters ISO-8859-15 cannot encode, in order of appearance."""
    return distinct(ch for ch in text if ch not in LATIN9)


# --------------------------------------------------------------------------- transliteration

_COMMON: dict[str, str] = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
    "\u2026": "...",
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2022", "-"),
    # Odd spaces: the no-break space is Latin-9 but not GSM-7, so it silently turns a French
    # text (" :", " ?") into UCS-2 and halves what one SMS holds.
    **dict.fromkeys("\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008", " "),
    **dict.fromkeys("\u2009\u200a\u202f\u205f\u3000", " "),
    # Invisible characters pasted from word processors (the soft hyphen is Latin-9 too).
    **dict.fromkeys("\u00ad\u200b\u2060\ufeff", ""),
    **dict.fromkeys("\x0b\x0c\x85\u2028\u2029", "\n"),
    "\u00bd": "1/2",
    "\u00bc": "1/4",
    "\u00be": "3/4",
    "\u00a6": "|",
}
# Only for target="gsm7": Latin-9 characters the GSM-7 tables lack. Accented letters need no
# entry: stripping their accent (ê → e, ç → c) is the generic rule below.
_GSM7_ONLY: dict[str, str] = {"«": '"', "»": '"', "œ": "oe", "Œ": "OE", "`": "'"}
_TABLES: dict[str, dict[str, str]] = {"latin9": _COMMON, "gsm7": {**_COMMON, **_GSM7_ONLY}}


def _fits(ch: str, target: Target) -> bool:
    if target == "gsm7":
        return (ch in GSM7_BASIC or ch in GSM7_EXTENSION) and ch != "\f"
    return not is_refused(ch, "ISO-8859-15")


def _translit_char(ch: str, target: Target) -> str | None:
    """Replacement for one NFC character; ``ch`` itself when it fits, None when none exists."""
    table = _TABLES[target]
    if ch in table:
        return table[ch]
    if _fits(ch, target):
        return ch
    bare = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    if bare and all(_fits(c, target) for c in bare):
        return bare
    category = unicodedata.category(ch)
    if category in ("Cc", "Cs", "Mn"):  # control, lone surrogate, accent left alone after NFC
        return ""
    return None


def suggest_transliteration(ch: str, target: Target = "latin9") -> str | None:
    """What to type instead of ``ch``: itself if it is fine, "" to remove it, None if no
    transliteration exists (an emoji, a letter with no Latin equivalent)."""
    pieces = [_translit_char(c, target) for c in unicodedata.normalize("NFC", ch)]
    if any(piece is None for piece in pieces):
        return None
    return "".join(piece for piece in pieces if piece is not None)


def transliterate(text: str, target: Target = "latin9") -> str:
    """Replace what has a plain equivalent (quotes, dashes, ellipsis, odd spaces, accents the
    target lacks); characters with none (emoji) are kept and still reported as unencodable.

    ``target="latin9"`` keeps every Latin-9 letter (œ, «, é); ``target="gsm7"`` goes further
    so that the text travels as GSM-7 (œ → oe, ê → e, « → ")."""
    out: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        replacement = _translit_char(ch, target)
        out.append(ch if replacement is None else replacement)
    return "".join(out)


_CONTROL_NAMES = {"\t": "tab", "\x0b": "vertical tab", "\x0c": "form feed", "\x00": "NUL"}


def describe_character(ch: str) -> str:
    """``’ (U+2019)``; invisible characters by name: ``U+00A0 (no-break space)``."""
    code = f"U+{ord(ch):04X}"
    category = unicodedata.category(ch)
    if category == "Cs":
        return f"{code} (lone surrogate)"
    if category == "Cc":
        return f"{code} ({_CONTROL_NAMES.get(ch, 'control character')})"
    if category.startswith("Z") or category == "Cf":
        return f"{code} ({unicodedata.name(ch, 'invisible character').lower()})"
    if unicodedata.combining(ch):
        return f"\u25cc{ch} ({code}, {unicodedata.name(ch, 'combining mark').lower()})"
    return f"{ch} ({code})"
