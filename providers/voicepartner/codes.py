"""VoicePartner replies, read defensively, and how they become a receipt.

Documented success: ``{"success": true, "campaignId": ..., "cost": 0.15, "currency": "EUR",
"nbSms": 1, "audioFile": {...}, "detail": {...}}``. Failures come as ``{"success": false,
"code"?: ..., "message"? | "error"?: ...}``, with HTTP 200 or 4xx. Numbers are read as
``Decimal`` so that costs and credits never pick up binary rounding.

Every provider text kept in an error is scrubbed of the API key first: a provider that echoes
the key it refused must not put it on the operator's screen or in a log.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx

from providers.decimals import to_decimal
from providers.errors import (
    AuthenticationError,
    OutcomeUnknownError,
    ProviderError,
    generic_meaning,
)
from providers.models import AudioFile, RecipientResult, SendReceipt, SendStatus
from providers.redact import excerpt, scrub

log = logging.getLogger(__name__)

KIND = "voicepartner"


_AMOUNT_KEYS = ("credit", "credits", "solde", "balance", "amount", "montant")
_UNIT_KEYS = ("currency", "devise", "unit")
_LIST_KEYS = ("data", "audios", "audioFiles", "audio_files", "files", "items", "result")
_TOKEN_KEYS = ("tokenAudio", "token_audio", "token", "audioToken", "id")
_NAME_KEYS = ("filename", "fileName", "file_name", "name")
_DURATION_KEYS = ("duration", "duree", "length")
_CREATED_KEYS = ("createdAt", "created_at", "created", "dateCreation", "date")

_MEANINGS = {
    400: "the request was refused as invalid",
    401: "the API key was refused",
    402: "not enough credit",
    403: "the API key was refused or lacks the right",
    404: "not found",
    409: "conflict with the current state",
    422: "the request was refused as invalid",
}


def describe_refusal(code: str) -> str:
    """A refusal code's meaning (``ProviderInfo.describe_refusal``): VoicePartner documents no
    code list, so its numeric codes are read as the HTTP statuses they follow."""
    text = code.strip()
    generic = generic_meaning(text)
    numeric = text.removeprefix("HTTP ").strip()
    if numeric.isdigit() and int(numeric) in _MEANINGS:
        return _MEANINGS[int(numeric)]
    return generic or "a code VoicePartner does not document; its message says more"


def decode_reply(response: httpx.Response, *, sends: bool, secret: str) -> Any:
    """The JSON of ``response``, or the right error when there is none to use."""
    status = response.status_code
    raw = excerpt(response.content, secret)
    try:
        data = json.loads(response.content, parse_float=Decimal)
    except ValueError:
        data = None
    obj = data if isinstance(data, dict) else None
    if status >= 400:
        raise _failure(obj, status, raw, secret)
    if data is None or status >= 300:
        # A redirect or a body that is not JSON: we cannot tell whether it worked.
        meaning = f"unusable reply (HTTP {status}{'' if data is not None else ', not JSON'})"
        if sends:
            raise OutcomeUnknownError(KIND, meaning + "; the request may have been processed", raw)
        raise ProviderError(KIND, "BAD_REPLY", meaning, raw, retryable=True)
    if obj is not None and _falsy(obj.get("success")):
        raise _failure(obj, status, raw, secret)
    return data


def success_or_raise(response: httpx.Response, *, sends: bool, secret: str) -> dict[str, Any]:
    """A JSON object reporting success; anything else raises.

    For a send, a 2xx reply that neither says ``success`` nor carries a ``campaignId`` is an
    unknown outcome: the provider answered something we cannot read as yes or no.
    """
    data = decode_reply(response, sends=sends, secret=secret)
    if isinstance(data, dict) and (_truthy(data.get("success")) or "campaignId" in data):
        return data
    if isinstance(data, dict) and not sends:
        return data  # reads (credit) need not carry a success flag
    meaning = "the reply does not say whether the request succeeded"
    if sends:
        raise OutcomeUnknownError(
            KIND,
            meaning + "; the request may have been processed",
            excerpt(response.content, secret),
        )
    raise ProviderError(KIND, "BAD_REPLY", meaning, excerpt(response.content, secret))


def _truthy(value: object) -> bool:
    return value is True or value == 1 or (isinstance(value, str) and value.lower() == "true")


def _falsy(value: object) -> bool:
    return value is False or (
        not isinstance(value, bool)
        and (value == 0 or (isinstance(value, str) and value.lower() == "false"))
    )


def _failure(data: Mapping[str, Any] | None, status: int, raw: str, secret: str) -> ProviderError:
    """The error for a refusal: the provider's code, our meaning, the provider's own words."""
    code = _text(data.get("code")) if data else ""
    detail = ""
    if data:
        for key in ("message", "error", "errors", "detail"):
            if data.get(key) not in (None, ""):
                value = data[key]
                detail = value if isinstance(value, str) else json.dumps(value, default=str)
                break
    numeric = int(code) if code.isdigit() else status
    meaning = _MEANINGS.get(numeric, "the provider refused the request")
    original = scrub(detail, secret) if detail else raw
    if not code:
        code = f"HTTP {status}" if status >= 300 else "REFUSED"
    if numeric in (401, 403) or status in (401, 403):
        return AuthenticationError(KIND, code, meaning, original)
    return ProviderError(KIND, code, meaning, original)


def _text(value: object) -> str:
    if value is None or isinstance(value, bool):
        return ""
    return str(value).strip()


def _first(mapping: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if mapping.get(key) not in (None, ""):
            return mapping[key]
    return None


def amount_and_unit(data: Mapping[str, Any]) -> tuple[Decimal, str] | None:
    """The credit of a ``me`` reply: top level first, then one level down."""
    places: list[Mapping[str, Any]] = [data]
    places.extend(v for v in data.values() if isinstance(v, Mapping))
    for place in places:
        for key in _AMOUNT_KEYS:
            amount = to_decimal(place.get(key))
            if amount is not None:
                unit = _first(place, _UNIT_KEYS) or _first(data, _UNIT_KEYS)
                return amount, str(unit) if unit else "credits"
    return None


def audio_files(data: Any, secret: str) -> list[AudioFile]:
    items: Any = data
    if isinstance(data, Mapping):
        items = _first(data, _LIST_KEYS)
        if items is None:
            items = []
    if not isinstance(items, list):
        raise ProviderError(
            KIND,
            "BAD_REPLY",
            "the audio list reply holds no list",
            excerpt(json.dumps(data, default=str), secret),
        )
    files: list[AudioFile] = []
    for item in items:
        if not isinstance(item, Mapping):
            continue
        token = _text(_first(item, _TOKEN_KEYS))
        if not token:
            continue  # unusable without a token: it could not be sent
        name = _text(_first(item, _NAME_KEYS)) or token
        duration = _text(_first(item, _DURATION_KEYS)) or None
        created = _text(_first(item, _CREATED_KEYS)) or None
        files.append(AudioFile(token=token, filename=name, duration=duration, created=created))
    return files


@dataclass(frozen=True)
class Chunk:
    numbers: tuple[str, ...]  # E.164, for the receipt
    rendered: tuple[str, ...]  # as sent (0611223344)


class Tally:
    """The results of the requests of one send, merged into one receipt."""

    def __init__(self) -> None:
        self.results: list[RecipientResult] = []
        self.references: list[str] = []
        self.warnings: list[str] = []
        self.costs: list[Decimal | None] = []
        self.currencies: set[str] = set()

    def accept(self, chunk: Chunk, data: dict[str, Any], index: int) -> None:
        campaign_id = _campaign_id(data)
        if campaign_id is None:
            self.warnings.append(f"request {index + 1}: accepted but the reply has no campaignId")
        else:
            self.references.append(campaign_id)
        counted = data.get("nbSms")
        if type(counted) is int and counted != len(chunk.numbers):
            self.warnings.append(
                f"request {index + 1}: VoicePartner counted {counted} calls "
                f"for {len(chunk.numbers)} numbers"
            )
        self.costs.append(to_decimal(data.get("cost")))
        if isinstance(data.get("currency"), str):
            self.currencies.add(data["currency"])
        self.results.extend(
            RecipientResult(n, SendStatus.ACCEPTED, message_id=campaign_id) for n in chunk.numbers
        )

    def fail(self, exc: Exception, remaining: list[Chunk], index: int, total: int) -> None:
        """Results for a failed request (not the first) and for the ones never sent after it."""
        if isinstance(exc, OutcomeUnknownError):
            status, why = SendStatus.UNKNOWN, f"{exc.code}: {exc.meaning}"
        elif isinstance(exc, ProviderError):
            status, why = SendStatus.REJECTED, f"{exc.code}: {exc.meaning}"
        else:
            # A defect of ours after the request may have left: the outcome is unknown.
            log.error(
                "%s: request %d failed unexpectedly (%s)", KIND, index + 1, type(exc).__name__
            )
            status, why = SendStatus.UNKNOWN, f"unexpected error ({type(exc).__name__})"
        failed, later = remaining[0], remaining[1:]
        skipped = sum(len(c.numbers) for c in later)
        self.warnings.append(
            f"request {index + 1} of {total} failed ({why}); its {len(failed.numbers)} "
            f"recipients are {status.value}"
            + (f"; {skipped} later recipients were not sent" if skipped else "")
        )
        self.results.extend(RecipientResult(n, status, error=why) for n in failed.numbers)
        not_sent = "not sent: an earlier request of this send failed"
        self.results.extend(
            RecipientResult(n, SendStatus.REJECTED, error=not_sent)
            for chunk in later
            for n in chunk.numbers
        )

    def receipt(self) -> SendReceipt:
        status = SendStatus.ACCEPTED
        if any(r.status is SendStatus.UNKNOWN for r in self.results):
            status = SendStatus.UNKNOWN
        warnings = list(self.warnings)
        if len(self.currencies) > 1:
            warnings.append(f"replies in several currencies: {', '.join(sorted(self.currencies))}")
        known = [c for c in self.costs if c is not None]
        return SendReceipt(
            provider=KIND,
            status=status,
            recipients=tuple(self.results),
            cost=sum(known, Decimal(0)) if len(known) == len(self.costs) else None,
            currency=next(iter(self.currencies)) if len(self.currencies) == 1 else None,
            reference=",".join(self.references) or None,
            warnings=tuple(warnings),
        )


def _campaign_id(data: dict[str, Any]) -> str | None:
    value = data.get("campaignId")
    if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None
