"""VoicePartner: voicemail drops (``campaign/send``) and text-to-speech calls (``tts/send``).

Endpoints (JSON bodies, base ``https://api.voicepartner.fr/v1``): ``POST campaign/send``,
``POST tts/send``, ``GET me/{apiKey}`` (credit), ``GET audios/{apiKey}``,
``POST audio-file/rename``, ``DELETE campaign/cancel/{apiKey}/{campaignId}``.

Decisions:

* The API key travels in some URL paths: URLs are built at the last moment and never stored,
  logged or put in an error; provider texts are scrubbed of the key before they are kept.
* JSON is serialised by us (fixed key order, compact separators, ``ensure_ascii``): the bytes
  are the same every time, and accents travel as ``\\u00e9`` escapes, exactly like the
  provider's own PHP samples (``json_encode``), immune to any charset guessing on their side.
* ``scheduledDate`` is Europe/Paris wall time to the minute (``2021-02-02 14:15:00``). A
  schedule with seconds is refused rather than rounded (the operator sees the exact time that
  will be used), and so is a time inside the autumn DST overlap, which is ambiguous locally.
* A send of more than 500 numbers is split into requests of at most 500 (in the given order).
  If a later request fails, the accepted requests are not lost: the receipt lists every
  recipient (ACCEPTED with its campaign id, REJECTED when surely not sent, UNKNOWN when the
  request may have been processed) and says what happened in ``warnings``. Only a failure of
  the first request raises, since nothing was accepted then.
* Rate limits (``campaign/send`` 5/min and 2000/h, ``tts/send`` 2000/h, ``me`` and rename
  5/min, ``audios`` 360/min) are enforced before each request by limiters shared per API key
  (``providers.ratelimit``). A wait longer than ``max_wait`` raises ``RateLimitedError``
  instead of sleeping inside the send.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, NoReturn
from urllib.parse import quote

import httpx

from providers import http
from providers.base import AccountSettings, Capability
from providers.errors import InputError, ProviderError, RateLimitedError
from providers.models import (
    AudioFile,
    Balance,
    BalanceLine,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)
from providers.ratelimit import (
    REGISTRY,
    LimiterRegistry,
    RateLimiter,
    Window,
    per_hour,
    per_minute,
)
from providers.redact import guard_provider, scrub
from providers.voicepartner import CAPABILITIES, DEFAULT_BASE_URL, MAX_NUMBERS_PER_REQUEST
from providers.voicepartner.codes import (
    KIND,
    Chunk,
    Tally,
    amount_and_unit,
    audio_files,
    decode_reply,
    success_or_raise,
)
from providers.voicepartner.rules import (
    check_campaign_id,
    check_filename,
    check_token,
    plan_voice,
)

log = logging.getLogger(__name__)

#: Longest wait for a rate-limit slot inside one call before giving up with RateLimitedError.
DEFAULT_MAX_WAIT = 75.0
JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
ACCEPT_JSON = {"Accept": "application/json"}


class Operation(StrEnum):
    """Endpoint families that have their own rate limits."""

    CAMPAIGN = "campaign/send"
    TTS = "tts/send"
    ME = "me"
    AUDIOS = "audios"
    RENAME = "audio-file/rename"


LIMITS: dict[Operation, tuple[Window, ...]] = {
    Operation.CAMPAIGN: (per_minute(5), per_hour(2000)),
    Operation.TTS: (per_hour(2000),),
    Operation.ME: (per_minute(5),),
    Operation.AUDIOS: (per_minute(360),),
    Operation.RENAME: (per_minute(5),),
}


def encode_json(body: dict[str, Any]) -> bytes:
    """The exact bytes sent: insertion order, no spaces, ASCII only (see module docstring)."""
    return json.dumps(body, ensure_ascii=True, separators=(",", ":")).encode("ascii")


@guard_provider
class VoicePartnerProvider:
    kind: ClassVar[str] = KIND
    capabilities: ClassVar[Capability] = CAPABILITIES

    def __init__(
        self,
        settings: AccountSettings,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        registry: LimiterRegistry | None = None,
        max_wait: float = DEFAULT_MAX_WAIT,
    ) -> None:
        if not secret.strip():
            raise InputError("secret", "the VoicePartner API key is empty")
        options = settings.options
        base_url = (options.get("base_url") or DEFAULT_BASE_URL).strip().rstrip("/")
        if not base_url.startswith(("https://", "http://")):
            raise InputError("base_url", "must be an http:// or https:// URL")
        self.settings = settings
        self.base_url = base_url
        self.default_email = (options.get("email") or "").strip() or None
        self.default_sender = (options.get("sender") or "").strip() or None
        self.default_notify_url = (options.get("notify_url") or "").strip() or None
        self.max_wait = max_wait
        self._secret = secret.strip()
        self._registry = registry or REGISTRY
        self._client = http.make_client(transport)

    def __repr__(self) -> str:
        return f"VoicePartnerProvider(account={self.settings.name!r}, base_url={self.base_url!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- rate limits --------------------------------------------------------------------------
    def limiter(self, operation: Operation) -> RateLimiter:
        """The limiter of ``operation`` for this API key (shared with other objects)."""
        return self._registry.get(
            f"{KIND}:{operation.value}", self._secret, *LIMITS[operation], provider=KIND
        )

    def next_request_in(self, operation: Operation = Operation.CAMPAIGN) -> float:
        """Seconds before ``operation`` may be called again (for "next request in 47 s")."""
        return self.limiter(operation).next_slot()

    # -- validation ---------------------------------------------------------------------------
    def validate_sms(self, message: SmsMessage) -> NoReturn:
        raise InputError("channel", "VoicePartner sends voice messages only")

    def validate_voice(self, message: VoiceMessage) -> None:
        plan_voice(
            message,
            email=self.default_email,
            sender=self.default_sender,
            notify_url=self.default_notify_url,
            now=datetime.now(UTC),
        )

    # -- sending ------------------------------------------------------------------------------
    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
        self.validate_sms(message)

    async def send_voice(self, message: VoiceMessage, *, dry_run: bool = False) -> SendReceipt:
        plan = plan_voice(
            message,
            email=self.default_email,
            sender=self.default_sender,
            notify_url=self.default_notify_url,
            now=datetime.now(UTC),
        )
        if dry_run:
            # VoicePartner has no simulation mode: local validation is all a dry run can do.
            return SendReceipt(
                provider=KIND,
                status=SendStatus.DRY_RUN,
                recipients=tuple(RecipientResult(n, SendStatus.DRY_RUN) for n in plan.numbers),
            )
        operation = Operation.TTS if plan.tts else Operation.CAMPAIGN
        size = MAX_NUMBERS_PER_REQUEST
        chunks = [
            Chunk(plan.numbers[i : i + size], plan.rendered[i : i + size])
            for i in range(0, len(plan.numbers), size)
        ]
        tally = Tally()
        try:
            for index, chunk in enumerate(chunks):
                body = {"apiKey": self._secret, **plan.before}
                body["phoneNumbers"] = ",".join(chunk.rendered)
                body.update(plan.after)
                try:
                    reply = await self._call(
                        operation,
                        "POST",
                        f"/{operation.value}",
                        sends=True,
                        content=encode_json(body),
                    )
                    data = success_or_raise(reply, sends=True, secret=self._secret)
                except Exception as exc:
                    if index == 0:
                        raise  # nothing was accepted: the ordinary contract applies
                    tally.fail(exc, chunks[index:], index, len(chunks))
                    break
                tally.accept(chunk, data, index)
        except asyncio.CancelledError:
            if tally.references:
                # The receipt cannot travel with a cancellation: leave a trace for reconciling.
                log.warning(
                    "%s: send cancelled after campaigns %s were accepted",
                    KIND,
                    ",".join(tally.references),
                )
            raise
        return tally.receipt()

    # -- account ------------------------------------------------------------------------------
    async def balance(self) -> Balance:
        """``GET me/{apiKey}``; the credit is read from any numeric credit field.

        Assumed reply shape: ``{"credit": 12.5, "currency": "EUR"}`` (also accepted: ``credits``,
        ``solde``, ``balance``, ``amount``, at top level or one level down under ``data``...).
        """
        reply = await self._call(Operation.ME, "GET", f"/me/{self._key_segment()}", sends=False)
        data = success_or_raise(reply, sends=False, secret=self._secret)
        found = amount_and_unit(data)
        if found is None:
            raise ProviderError(KIND, "BAD_REPLY", "the credit reply holds no credit amount")
        amount, unit = found
        return Balance(KIND, (BalanceLine("credit", amount, unit),), as_of=datetime.now(UTC))

    async def list_audio(self) -> list[AudioFile]:
        """``GET audios/{apiKey}``: the audio files uploaded on the web platform."""
        reply = await self._call(
            Operation.AUDIOS, "GET", f"/audios/{self._key_segment()}", sends=False
        )
        return audio_files(decode_reply(reply, sends=False, secret=self._secret), self._secret)

    async def rename_audio(self, token: str, filename: str) -> None:
        """``POST audio-file/rename``."""
        token = check_token(token)
        filename = check_filename(filename)
        body = {"apiKey": self._secret, "tokenAudio": token, "filename": filename}
        reply = await self._call(
            Operation.RENAME, "POST", "/audio-file/rename", sends=False, content=encode_json(body)
        )
        success_or_raise(reply, sends=False, secret=self._secret)

    async def cancel_campaign(self, campaign_id: str) -> None:
        """``DELETE campaign/cancel/{apiKey}/{campaignId}``: cancel a scheduled send.

        An unreadable answer is an unknown outcome: the operator checks before resending.
        """
        campaign_id = check_campaign_id(campaign_id)
        path = f"/campaign/cancel/{self._key_segment()}/{quote(campaign_id, safe='')}"
        reply = await self._call(None, "DELETE", path, sends=True)
        success_or_raise(reply, sends=True, secret=self._secret)

    # -- plumbing -----------------------------------------------------------------------------
    def _key_segment(self) -> str:
        return quote(self._secret, safe="")

    async def _call(
        self,
        operation: Operation | None,
        method: str,
        path: str,
        *,
        sends: bool,
        content: bytes | None = None,
    ) -> httpx.Response:
        limiter = self.limiter(operation) if operation is not None else None
        if limiter is not None:
            await limiter.acquire(max_wait=self.max_wait)
        headers = JSON_HEADERS if content is not None else ACCEPT_JSON
        try:
            response = await http.request(
                self._client,
                KIND,
                method,
                self.base_url + path,
                sends=sends,
                content=content,
                headers=headers,
            )
        except RateLimitedError as exc:
            if limiter is not None:
                limiter.block_for(exc.retry_after)
            raise RateLimitedError(
                KIND, exc.retry_after, scrub(exc.original, self._secret)
            ) from None
        except ProviderError as exc:
            exc.original = scrub(exc.original, self._secret)
            raise
        if limiter is not None:
            limiter.observe(response.headers, response.status_code)
        return response
