"""Exact JSON round trip of the outgoing-message dataclasses, for the outbox.

A send is stored as the message the operator confirmed, so that a knowing resend rebuilds the
very same message. Decoding is driven by the dataclass annotations (``typing.get_type_hints``),
so enums come back as enums, ``Decimal`` as ``Decimal`` and nested ``GroupTarget`` /
``FilterCriterion`` as dataclasses. A datetime keeps its IANA zone name when it has one, so
``Europe/Paris`` stays ``Europe/Paris`` rather than becoming a fixed ``+01:00``.

Fields the running version does not know are refused rather than dropped: silently losing a
group filter or a schedule on resend would send something else than what was confirmed.
"""

from __future__ import annotations

import dataclasses
import json
import types
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Union, get_args, get_origin, get_type_hints
from zoneinfo import ZoneInfo

from providers.models import BalanceLine, Message, SmsMessage, VoiceMessage

#: Top-level types a stored document may name. Nested types are found through annotations.
_ROOTS: dict[str, type[Any]] = {cls.__name__: cls for cls in (SmsMessage, VoiceMessage)}
_FORMAT = 1


class CodecError(ValueError):
    """A stored document cannot be rebuilt into the dataclass it names."""


def encode_message(message: Message) -> str:
    if not isinstance(message, SmsMessage | VoiceMessage):
        raise TypeError(f"cannot store a {type(message).__name__}")
    document = {"format": _FORMAT, "type": type(message).__name__, "fields": encode(message)}
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def decode_message(text: str) -> Message:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CodecError(f"stored message is not JSON ({exc.msg})") from None
    if not isinstance(document, dict) or document.get("format") != _FORMAT:
        raise CodecError("stored message has an unknown format")
    cls = _ROOTS.get(str(document.get("type")))
    if cls is None:
        raise CodecError(f"stored message has an unknown type {document.get('type')!r}")
    message: Message = decode(cls, document.get("fields"))
    return message


def encode(value: Any) -> Any:
    """Turn a dataclass (or any value inside one) into JSON-ready data."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, Enum):  # before str/int: StrEnum members are also str
        return value.value
    if isinstance(value, str | int | float):
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
        return {"iso": value.isoformat(), "zone": zone}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [encode(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items()}
    raise TypeError(f"cannot store a value of type {type(value).__name__}")


def decode(hint: Any, data: Any) -> Any:
    """Rebuild a value of type ``hint`` from what ``encode`` produced."""
    origin = get_origin(hint)
    if hint is Any:
        return data
    if origin is Union or origin is types.UnionType:
        if data is None and type(None) in get_args(hint):
            return None
        options = [arg for arg in get_args(hint) if arg is not type(None)]
        if len(options) != 1:
            raise CodecError(f"cannot decode the union {hint!r}")
        return decode(options[0], data)
    if data is None:
        raise CodecError(f"missing value for a {hint!r}")
    if origin is tuple:
        args = get_args(hint)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(decode(args[0], item) for item in _list(data))
        return tuple(decode(arg, item) for arg, item in zip(args, _list(data), strict=True))
    if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
        key_hint, value_hint = get_args(hint) or (Any, Any)
        if not isinstance(data, dict):
            raise CodecError("expected an object")
        return {decode(key_hint, k): decode(value_hint, v) for k, v in data.items()}
    if isinstance(hint, type):
        return _decode_type(hint, data)
    raise CodecError(f"cannot decode a {hint!r}")


def _decode_type(cls: type[Any], data: Any) -> Any:
    if dataclasses.is_dataclass(cls):
        return _decode_dataclass(cls, data)
    if issubclass(cls, Enum):
        return cls(data)
    if cls is datetime:
        if not isinstance(data, dict) or not isinstance(data.get("iso"), str):
            raise CodecError("expected a stored datetime")
        moment = datetime.fromisoformat(data["iso"])
        zone = data.get("zone")
        return moment.astimezone(ZoneInfo(zone)) if zone else moment
    if cls is Decimal:
        return Decimal(_expect(data, str))
    if cls is bool:
        return _expect(data, bool)
    if cls is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise CodecError("expected a number")
        return float(data)
    if cls is int:
        if isinstance(data, bool):
            raise CodecError("expected an integer")
        return _expect(data, int)
    if cls is str:
        return _expect(data, str)
    raise CodecError(f"cannot decode a {cls.__name__}")


def _decode_dataclass(cls: type[Any], data: Any) -> Any:
    if not isinstance(data, dict):
        raise CodecError(f"expected an object for {cls.__name__}")
    hints = get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - names)
    if unknown:
        raise CodecError(f"stored {cls.__name__} has fields this version does not know: {unknown}")
    return cls(**{name: decode(hints[name], value) for name, value in data.items()})


def _list(data: Any) -> list[Any]:
    if not isinstance(data, list):
        raise CodecError("expected a list")
    return data


def _expect(data: Any, cls: type[Any]) -> Any:
    if not isinstance(data, cls):
        raise CodecError(f"expected a {cls.__name__}, got {type(data).__name__}")
    return data


def encode_balance_lines(lines: tuple[BalanceLine, ...]) -> str:
    return json.dumps([encode(line) for line in lines], ensure_ascii=False, sort_keys=True)


def decode_balance_lines(text: str) -> tuple[BalanceLine, ...]:
    lines: tuple[BalanceLine, ...] = decode(tuple[BalanceLine, ...], json.loads(text))
    return lines


__all__ = [
    "CodecError",
    "decode",
    "decode_balance_lines",
    "decode_message",
    "encode",
    "encode_balance_lines",
    "encode_message",
]
