"""SMS text rules: GSM-7 / UCS-2 segments, provider character sets, STOP mention, limits.

Two layers decide what an SMS costs and whether it can be sent at all:

* the **network** carries GSM-7 (3GPP TS 23.038 default alphabet; the extension characters
  ``^ { } \\ [ ~ ] | €`` and form feed take two septets) or, as soon as one character is outside
  those tables, UCS-2 (UTF-16 code units: an emoji takes two). One SMS holds 160 septets or 70
  units; split messages carry a header and hold 153 septets or 67 units per part. Phones and
  carriers never cut an escape sequence or a surrogate pair between two parts, so parts are
  packed greedily and a two-unit character that does not fit opens the next part;
* the **provider** has its own character set (CapitoleMobile takes ISO-8859-15 bytes), maxima
  and, on some routes, a mention it appends: its ``TextProfile``, which each provider package
  declares in its ``ProviderInfo`` (``text_profile``) and ``profile_for`` finds by kind.

National language shift tables are not used: French networks send the default alphabet.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace
from typing import Literal

from providers.base import PROVIDER_KINDS, provider_info
from providers.charsets import (
    GSM7_BASIC,
    GSM7_EXTENSION,
    LATIN9,
    Target,
    describe_character,
    distinct,
    is_gsm7,
    is_refused,
    latin9_unencodable,
    non_gsm7_characters,
    suggest_transliteration,
    transliterate,
)
from providers.errors import InputError
from providers.models import Route

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "LATIN9",
    "UNKNOWN_PROFILE",
    "Encoding",
    "SmsCount",
    "Target",
    "TextProfile",
    "check_sms_text",
    "check_tts_text",
    "count_sms",
    "describe_character",
    "is_gsm7",
    "latin9_bytes",
    "latin9_unencodable",
    "non_gsm7_characters",
    "profile_for",
    "split_parts",
    "suggest_transliteration",
    "transliterate",
]

Encoding = Literal["GSM-7", "UCS-2"]
GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


# --------------------------------------------------------------------------- provider profiles


@dataclass(frozen=True)
class TextProfile:
    """What one provider accepts as SMS text.

    ``charset`` is what the request carries ("ISO-8859-15" or "UTF-8"); ``max_segments`` and
    ``max_characters`` are the provider's maxima (None: none known); ``marketing_mention`` is
    appended by the provider to marketing-route messages and counts towards the length.
    """

    key: str | None
    label: str
    sms: bool
    charset: str
    max_segments: int | None = None
    max_segments_long: int | None = None  # with the provider's "long SMS" option
    max_characters: int | None = None
    marketing_mention: str | None = None
    note: str = ""


# No provider chosen yet (the composer before an account is picked): the network rules only.
UNKNOWN_PROFILE = TextProfile(key=None, label="SMS", sms=True, charset="UTF-8")


def profile_for(provider: str | None, long: bool = False) -> TextProfile:
    """The profile of ``provider`` (a provider kind, or None), with ``long`` applied."""
    if provider is None:
        return UNKNOWN_PROFILE
    if provider not in PROVIDER_KINDS:
        raise InputError("provider", f"unknown provider {provider!r}")
    profile = provider_info(provider).text_profile
    if long and profile.max_segments_long is not None:
        return replace(profile, max_segments=profile.max_segments_long)
    return profile


# --------------------------------------------------------------------------- network encoding


def _pack(sizes: list[int], single: int, part: int) -> tuple[int, ...]:
    """Characters per SMS; a character never straddles two parts."""
    total = sum(sizes)
    if total == 0:
        return ()
    if total <= single:
        return (len(sizes),)
    parts: list[int] = []
    used = count = 0
    for size in sizes:
        if used + size > part:
            parts.append(count)
            used = count = 0
        used += size
        count += 1
    parts.append(count)
    return tuple(parts)


def _measure(text: str) -> tuple[Encoding, int, tuple[int, ...]]:
    if is_gsm7(text):
        sizes = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
        return "GSM-7", sum(sizes), _pack(sizes, GSM7_SINGLE, GSM7_PART)
    sizes = [2 if ord(ch) > 0xFFFF else 1 for ch in text]
    return "UCS-2", sum(sizes), _pack(sizes, UCS2_SINGLE, UCS2_PART)


def split_parts(text: str) -> tuple[str, ...]:
    """``text`` cut where the network cuts it (for previews); ``()`` for an empty text."""
    parts: list[str] = []
    start = 0
    for count in _measure(text)[2]:
        parts.append(text[start : start + count])
        start += count
    return tuple(parts)


# --------------------------------------------------------------------------- counting


@dataclass(frozen=True)
class SmsCount:
    """How ``text`` (plus any appended mention) travels, and the provider's maxima.

    ``units`` are GSM-7 septets or UTF-16 code units; ``unencodable`` lists the distinct
    characters the provider cannot carry (or control characters), in order of appearance.
    """

    encoding: Encoding
    characters: int
    units: int
    segments: int
    unencodable: tuple[str, ...]
    max_segments: int | None
    stop_mention: str | None
    max_characters: int | None = None

    @property
    def too_long(self) -> bool:
        if self.max_segments is not None and self.segments > self.max_segments:
            return True
        # Compared with units, not code points: the provider does not say how it counts an
        # extension character or an emoji, and counting them as two can only err on the safe side.
        return self.max_characters is not None and self.units > self.max_characters

    def as_dict(self) -> dict[str, object]:
        return {
            "encoding": self.encoding,
            "characters": self.characters,
            "units": self.units,
            "segments": self.segments,
            "unencodable": list(self.unencodable),
            "max_segments": self.max_segments,
            "stop_mention": self.stop_mention,
        }


def count_sms(
    text: str, provider: str | None = None, route: Route = Route.NOTIFICATION, long: bool = False
) -> SmsCount:
    """Count ``text`` as ``provider`` will send it. Never raises for any text."""
    profile = profile_for(provider, long)
    mention = profile.marketing_mention if route == Route.MARKETING else None
    sent = text + mention if mention else text
    encoding, units, parts = _measure(sent)
    return SmsCount(
        encoding=encoding,
        characters=len(sent),
        units=units,
        segments=len(parts),
        unencodable=distinct(ch for ch in sent if is_refused(ch, profile.charset)),
        max_segments=profile.max_segments,
        stop_mention=mention,
        max_characters=profile.max_characters,
    )


def _is_blank(text: str) -> bool:
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


def check_sms_text(
    text: str, provider: str | None, route: Route = Route.NOTIFICATION, long: bool = False
) -> SmsCount:
    """Count ``text`` and raise ``InputError`` if ``provider`` cannot send it as it is."""
    profile = profile_for(provider, long)
    if not profile.sms:
        raise InputError("channel", f"{profile.label} does not send SMS (voice only)")
    if _is_blank(text):
        raise InputError("text", "the message is empty")
    count = count_sms(text, provider, route, long)
    if count.unencodable:
        raise InputError("text", _offending_message(count.unencodable, profile.label))
    if count.too_long:
        sent = text + (count.stop_mention or "")
        raise InputError("text", _too_long_message(sent, count, profile, long))
    return count


def check_tts_text(text: str, provider: str | None) -> None:
    """Refuse text-to-speech text that is empty or that ``provider`` cannot carry.

    Text that is not Unicode text at all comes first, with the position of its first bad
    character (counted from 1): lone surrogates (what Python makes of bytes that were not
    UTF-8, e.g. a Latin-1 file read as UTF-8) and control characters.
    """
    profile = profile_for(provider)
    _refuse_non_text(text, "tts")
    if _is_blank(text):
        raise InputError("tts", "the text to speak is empty")
    bad = distinct(ch for ch in text if is_refused(ch, profile.charset))
    if bad:
        raise InputError("tts", _offending_message(bad, profile.label))


def _refuse_non_text(text: str, field: str) -> None:
    """Lone surrogates and control characters (line breaks apart), named with their position."""
    for index, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cs":
            raise InputError(field, _not_utf8_message(text, index))
        if category == "Cc" and ch not in "\n\r":
            others = sum(
                1 for c in text[index + 1 :] if unicodedata.category(c) == "Cc" and c not in "\n\r"
            )
            more = f" (and {others} more control characters after it)" if others else ""
            raise InputError(
                field,
                f"{describe_character(ch)} at character {index + 1} cannot be spoken{more}; "
                f"{_fix_hint(ch)}",
            )


def _not_utf8_message(text: str, index: int) -> str:
    ch = text[index]
    count = sum(1 for c in text if unicodedata.category(c) == "Cs")
    total = f"; {count} such characters in all" if count > 1 else ""
    if 0xDC80 <= ord(ch) <= 0xDCFF:  # a byte Python could not decode (surrogateescape)
        return (
            f"the text is not valid UTF-8: byte 0x{ord(ch) - 0xDC00:02X} at character "
            f"{index + 1}{total} (was it saved in another encoding, such as Latin-1? save it "
            "as UTF-8)"
        )
    return (
        f"{describe_character(ch)} at character {index + 1} is half of a character (a lone "
        f"surrogate) and cannot be encoded in UTF-8{total}; retype that character"
    )


# --------------------------------------------------------------------------- Latin-9


def latin9_bytes(text: str, *, field: str = "text") -> bytes:
    """Encode ``text`` to ISO-8859-15, refusing (with their names) what it cannot carry."""
    bad = latin9_unencodable(text)
    if bad:
        raise InputError(field, _offending_message(bad, "ISO-8859-15 (Latin-9)", verb="encoded in"))
    return text.encode("iso-8859-15")


# --------------------------------------------------------------------------- messages


def _fix_hint(ch: str) -> str:
    if unicodedata.category(ch) == "Mn":
        return "transliterate to join this accent to its letter"
    suggestion = suggest_transliteration(ch)
    if suggestion is None:
        return "no transliteration exists; remove it"
    if suggestion in ("", ch):
        return "remove it"
    named = {" ": "a space", "\n": "a line break"}
    return f"replace with {named.get(suggestion, suggestion)}"


def _offending_message(chars: tuple[str, ...], label: str, *, verb: str = "sent by") -> str:
    if len(chars) == 1:
        return f"{describe_character(chars[0])} cannot be {verb} {label}; {_fix_hint(chars[0])}"
    listed = "; ".join(f"{describe_character(ch)}: {_fix_hint(ch)}" for ch in chars)
    return f"{len(chars)} characters cannot be {verb} {label}: {listed}"


def _too_long_message(sent: str, count: SmsCount, profile: TextProfile, long: bool) -> str:
    gsm = count.encoding == "GSM-7"
    head = f"the message is {count.characters} characters"
    if count.stop_mention:
        head += f" including the {len(count.stop_mention)}-character STOP mention"
        head += " the marketing route appends"
    if count.units > count.characters:
        doubles = "^ { } \\ [ ~ ] | € count as 2" if gsm else "emoji count as 2"
        head += f", counted as {count.units} ({doubles})"
    parts = [head]
    if count.max_segments is not None and count.segments > count.max_segments:
        single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
        room = single if count.max_segments == 1 else count.max_segments * part
        parts.append(
            f"that is {count.segments} SMS but {profile.label} allows at most "
            f"{count.max_segments} SMS ({room} in {count.encoding})"
        )
    else:
        parts.append(f"{profile.label} accepts at most {count.max_characters}")
    if not gsm:
        culprits = " ".join(describe_character(ch) for ch in non_gsm7_characters(sent)[:5])
        parts.append(f"it travels as UCS-2 (70 per SMS instead of 160) because of {culprits}")
    if not long and profile.max_segments_long and count.segments <= profile.max_segments_long:
        parts.append(f"long SMS would allow up to {profile.max_segments_long} SMS")
    return "; ".join(parts)
