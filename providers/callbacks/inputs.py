"""Bounded, strict reading of callback inputs: query fields, form bodies, multipart, ids, texts.

Shared by every provider's callback parser (``providers.<kind>.callbacks``). Everything here
raises ``CallbackError`` and nothing else, and error messages show at most a short ``repr`` of
the offending input: callbacks come from the internet and may be huge or hostile.
"""

from __future__ import annotations

import email
import re
import unicodedata
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Literal, overload
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from providers import phone
from providers.errors import CallbackError

MAX_BODY_BYTES = 64 * 1024
MAX_TEXT_CHARS = 2048
MAX_ID_CHARS = 128
MAX_TOKEN_CHARS = 64
MAX_FIELDS = 100

_ALLOWED_CONTROLS = frozenset("\t\n\r")
_TOKEN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.")


def show(value: object, limit: int = 40) -> str:
    """A short, escaped rendering of untrusted input for error messages."""
    text = value if isinstance(value, str) else repr(value)
    shown = repr(text[: limit + 1])
    if len(shown) > limit + 2:  # cut the escaped form, so escapes cannot multiply the length
        return f"{shown[:limit]}… ({len(text)} characters)"
    return shown


def check_body(body: bytes) -> None:
    if len(body) > MAX_BODY_BYTES:
        raise CallbackError(f"body of {len(body)} bytes exceeds the {MAX_BODY_BYTES}-byte limit")


def require_mapping(query: object) -> None:
    if not isinstance(query, Mapping):
        raise CallbackError(f"expected query fields, got {type(query).__name__}")


# --------------------------------------------------------------------------- query and form fields


@overload
def get_field(query: Mapping[str, str], key: str, *, required: Literal[True]) -> str: ...
@overload
def get_field(query: Mapping[str, str], key: str, *, required: bool = False) -> str | None: ...
def get_field(query: Mapping[str, str], key: str, *, required: bool = False) -> str | None:
    """One field of a query or form; refuses a repeated field when the mapping can tell."""
    if not isinstance(query, Mapping):
        raise CallbackError(f"expected query fields, got {type(query).__name__}")
    if len(query) > MAX_FIELDS:
        raise CallbackError(f"{len(query)} fields is more than a callback carries")
    getall = getattr(query, "getall", None)  # multidict (aiohttp) keeps repeated fields
    if callable(getall):
        values = list(getall(key, []))
        if len(values) > 1:
            raise CallbackError(f"{key}: field repeated {len(values)} times")
    value = query.get(key)
    if value is None:
        if required:
            raise CallbackError(f"{key}: missing")
        return None
    if not isinstance(value, str):
        raise CallbackError(f"{key}: expected text, got {type(value).__name__}")
    return value


def _unquote(raw: bytes, what: str, fallback_encoding: str | None) -> str:
    data = urllib.parse.unquote_to_bytes(raw.replace(b"+", b" "))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        if fallback_encoding is None:
            raise CallbackError(f"{what}: not UTF-8") from None
        try:
            return data.decode(fallback_encoding, errors="strict")
        except (UnicodeDecodeError, LookupError):
            raise CallbackError(f"{what}: neither UTF-8 nor {fallback_encoding}") from None


def parse_form(raw: str | bytes, *, fallback_encoding: str | None = None) -> dict[str, str]:
    """Fields of a URL-encoded form body or raw query string, strictly decoded.

    Values are UTF-8; with ``fallback_encoding`` (``"iso-8859-15"`` for CapitoleMobile, whose
    API is Latin-9) a value that is not UTF-8 is read in that encoding instead. Pass the query
    string as received (still percent-encoded): a framework's decoded query has already lost
    the bytes. Repeated fields are refused: which one would be meant is unknowable.
    """
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if not isinstance(data, bytes):
        raise CallbackError(f"expected form text, got {type(raw).__name__}")
    check_body(data)
    parts = [part for part in data.split(b"&") if part]
    if len(parts) > MAX_FIELDS:
        raise CallbackError(f"{len(parts)} fields is more than a callback carries")
    fields: dict[str, str] = {}
    for part in parts:
        raw_name, _, raw_value = part.partition(b"=")
        name = _unquote(raw_name, "field name", fallback_encoding)
        if not name.isprintable() or len(name) > MAX_TOKEN_CHARS:
            raise CallbackError(f"field name {show(name)} is not acceptable")
        if name in fields:
            raise CallbackError(f"{name}: field repeated")
        fields[name] = _unquote(raw_value, name, fallback_encoding)
    return fields


def multipart_field(body: bytes, content_type: str, name: str) -> bytes:
    """The one ``name`` field of a ``multipart/form-data`` body, as bytes."""
    check_body(body)
    if not content_type.isascii() or not content_type.isprintable() or len(content_type) > 256:
        raise CallbackError("multipart: unacceptable Content-Type header")
    head = f"MIME-Version: 1.0\r\nContent-Type: {content_type}\r\n\r\n".encode("ascii")
    try:
        message = email.message_from_bytes(head + body)
        found = [part for part in _parts(message) if _part_name(part) == name]
        if len(found) != 1:
            raise CallbackError(f"multipart: expected one {name!r} field, found {len(found)}")
        payload = found[0].get_payload(decode=True)
    except CallbackError:
        raise
    except Exception:  # the stdlib parser is lenient; any failure is garbage from outside
        raise CallbackError("multipart: unreadable body") from None
    if not isinstance(payload, bytes):
        raise CallbackError(f"multipart: field {name!r} is not data")
    return payload


def _parts(message: Message) -> list[Message]:
    if not message.is_multipart():
        raise CallbackError("multipart: body has no parts (boundary missing or wrong)")
    payload = message.get_payload()
    if not isinstance(payload, list) or len(payload) > MAX_FIELDS:
        raise CallbackError("multipart: unexpected structure")
    return [part for part in payload if isinstance(part, Message)]


def _part_name(part: Message) -> str | None:
    value = part.get_param("name", header="content-disposition")
    if value is None:
        return None
    return str(collapse_rfc2231_value(value))


# --------------------------------------------------------------------------- values


@overload
def ident(value: str | None, field: str, *, required: Literal[True]) -> str: ...
@overload
def ident(value: str | None, field: str, *, required: bool = False) -> str | None: ...
def ident(value: str | None, field: str, *, required: bool = False) -> str | None:
    """A message or campaign id: printable, no control characters, bounded. Empty is absent."""
    text = (value or "").strip()
    if not text:
        if required:
            raise CallbackError(f"{field}: missing")
        return None
    if len(text) > MAX_ID_CHARS:
        raise CallbackError(f"{field}: id of {len(text)} characters exceeds {MAX_ID_CHARS}")
    if not text.isprintable():
        raise CallbackError(f"{field}: {show(text)} holds control or invisible characters")
    return text


def short_token(value: str | None, field: str, *, allow_empty: bool = False) -> str:
    """A status word such as ``DELIVERED``: ASCII letters, digits, ``_ - .``."""
    text = (value or "").strip()
    if not text:
        if allow_empty:
            return ""
        raise CallbackError(f"{field}: missing")
    if len(text) > MAX_TOKEN_CHARS or not set(text) <= _TOKEN_CHARS:
        raise CallbackError(f"{field}: {show(text)} is not a status word")
    return text


@overload
def text_field(value: str, field: str, *, max_chars: int = ..., single_line: bool = ...) -> str: ...
@overload
def text_field(
    value: str | None, field: str, *, max_chars: int = ..., single_line: bool = ...
) -> str | None: ...
def text_field(
    value: str | None, field: str, *, max_chars: int = MAX_TEXT_CHARS, single_line: bool = False
) -> str | None:
    """Free text (a reply, an operator name): bounded; tabs and line breaks only as controls."""
    if value is None:
        return None
    if len(value) > max_chars:
        raise CallbackError(f"{field}: {len(value)} characters exceed the {max_chars} limit")
    for char in value:
        category = unicodedata.category(char)
        if category == "Cs":
            raise CallbackError(f"{field}: holds an unpaired surrogate (not UTF-8 text)")
        if category == "Cc" and (single_line or char not in _ALLOWED_CONTROLS):
            raise CallbackError(f"{field}: holds the control character {char!r}")
    return value.strip() if single_line else value


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


# --------------------------------------------------------------------------- dates, numbers

PARIS = ZoneInfo("Europe/Paris")

MAX_NUMBER_CHARS = 32
_NUMBER_CHARS = re.compile(r"\+?[0-9 .()/-]+")
MAX_QUANTITY = 10_000_000  # far above any campaign; refuses absurd figures
MAX_DURATION_SECONDS = 86_400


_NAIVE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.[0-9]{1,6})?)?"
)
_ZONED = re.compile(_NAIVE.pattern + r"(?:Z|[+-][0-9]{2}:?[0-9]{2})")
_EPOCH = re.compile(r"[0-9]{9,10}|[0-9]{13}")  # seconds, or milliseconds
_MIN_YEAR, _MAX_YEAR = 2000, 2100  # a callback dated outside this is garbage, not history


def parse_datetime(value: object, field: str) -> datetime | None:
    """A provider date as an aware UTC datetime; ``None`` when absent or empty.

    Accepts ``YYYY-MM-DD HH:MM[:SS]`` (Paris time), ISO 8601 with an offset, and Unix time in
    seconds or milliseconds (numbers or digit strings).
    """
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CallbackError(f"{field}: expected a date, got {type(value).__name__}")
    text = str(value).strip()
    if not text:
        return None
    if len(text) > 40:
        raise CallbackError(f"{field}: {show(text)} is not a date")
    try:
        if _EPOCH.fullmatch(text):
            seconds = int(text) / (1000 if len(text) == 13 else 1)
            result = datetime.fromtimestamp(seconds, UTC)
        elif match := _NAIVE.fullmatch(text):
            year, month, day, hour, minute, sec = (int(g or 0) for g in match.groups())
            local = datetime(year, month, day, hour, minute, sec, tzinfo=PARIS)
            result = local.astimezone(UTC)
        elif _ZONED.fullmatch(text):
            result = datetime.fromisoformat(text).astimezone(UTC)
        else:
            raise ValueError("unrecognised form")
    except (ValueError, OverflowError, OSError):
        raise CallbackError(
            f"{field}: {show(text)} is not a date (expected YYYY-MM-DD HH:MM:SS)"
        ) from None
    if not _MIN_YEAR <= result.year <= _MAX_YEAR:
        raise CallbackError(f"{field}: {show(text)} is outside {_MIN_YEAR}-{_MAX_YEAR}")
    return result


def lenient_datetime(value: object) -> tuple[datetime | None, str]:
    """For dates whose form the provider does not document: unreadable is noted, not fatal.

    Refusing the whole callback would lose its state over a field the receiver can stand in
    for (it records when the callback arrived); the raw request is kept anyway.
    """
    try:
        return parse_datetime(value, "timestamp"), ""
    except CallbackError:
        return None, " (unreadable timestamp)"


def duration_seconds(value: object) -> int | None:
    """Call length in seconds, best effort: its form is undocumented and it is informative only."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except ValueError:
        return None
    if not 0 <= seconds <= MAX_DURATION_SECONDS:  # also refuses NaN
        return None
    return round(seconds)


def phone_number(raw: str, field: str) -> str:
    """E.164 from a callback number: international digits (``336…``), ``+336…`` or ``06…``."""
    text = raw.strip()
    if not text:
        raise CallbackError(f"{field}: empty phone number")
    if len(text) > MAX_NUMBER_CHARS:
        raise CallbackError(f"{field}: {show(text)} is too long for a phone number")
    if text.isascii() and text.isdigit() and not text.startswith("0"):
        text = "+" + text  # the providers write international numbers without the plus
    if text.startswith("00"):
        text = "+" + text[2:]
    if not _NUMBER_CHARS.fullmatch(text):
        raise CallbackError(f"{field}: {show(text)} holds characters a phone number cannot")
    # Only the length is checked, not the allocated ranges: a report about a number the
    # operator refused ("invalid destination") must not be lost for naming that number.
    try:
        parsed = phonenumbers.parse(text, phone.DEFAULT_REGION)
    except NumberParseException:
        raise CallbackError(f"{field}: {show(text)} is not a phone number") from None
    if not phonenumbers.is_possible_number(parsed):
        raise CallbackError(f"{field}: {show(text)} has the wrong length for its country")
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def quantity(raw: object, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise CallbackError(f"{field}: expected a whole number, got {type(raw).__name__}")
    text = str(raw).strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 9:
        raise CallbackError(f"{field}: {show(text)} is not a whole number")
    value = int(text)
    if value > MAX_QUANTITY:
        raise CallbackError(f"{field}: {value} is implausibly large")
    return value


# --------------------------------------------------------------------------- request bodies


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower() if isinstance(content_type, str) else ""


def merged_fields(query: Mapping[str, str], body: bytes, media: str) -> Mapping[str, str]:
    """Query fields, plus form fields of a form-encoded body (a provider may POST instead)."""
    if not body.strip() or media != "application/x-www-form-urlencoded":
        return query
    keys = list(query.keys())
    if len(keys) != len(set(keys)):
        raise CallbackError("a field is repeated in the URL")
    fields = parse_form(body)
    clash = [k for k in fields if k in query]
    if clash:
        raise CallbackError(f"field {show(clash[0], 20)} is both in the URL and the body")
    return {**{k: v for k, v in query.items()}, **fields}
