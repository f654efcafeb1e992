"""VoicePartner sandbox: voicemail drops, text-to-speech calls, credit, audio files, cancel.

Routes (JSON in, JSON out), as documented by the provider:

* ``POST /v1/campaign/send``   ``{apiKey, tokenAudio, emailForNotification, phoneNumbers,
  sender?, scheduledDate?, notifyUrl?}``: at most 500 numbers, rate limited (see below).
* ``POST /v1/tts/send``        ``{apiKey, text, lang, phoneNumbers, speechRate?, notifyUrl?,
  scheduledDate?}``.
* ``GET /v1/me/{apiKey}``      ``{"success": true, "credit": 49.55, "currency": "EUR"}`` (the
  real reply is not documented; this is the shape the client assumes).
* ``GET /v1/audios/{apiKey}``  ``{"success": true, "data": [{"tokenAudio", "filename",
  "duration", "size", "createdAt"}]}``.
* ``POST /v1/audio-file/rename`` ``{apiKey, tokenAudio, filename}``.
* ``DELETE /v1/campaign/cancel/{apiKey}/{campaignId}``: only a scheduled campaign not yet
  started can be cancelled; its cost is refunded.

Valid key: ``SANDBOX_SECRET``. Audio files: ``aud-promo`` (promo-hiver.wav) and ``aud-rappel``
(rappel-rdv.wav). Every call costs ``cost_per_call`` (0.15 EUR) from a stateful credit.

Refusals answer ``{"success": false, "code": N, "message": "..."}`` with HTTP N (400 invalid,
401 bad key, 402 no credit, 404 unknown audio/campaign, 429 rate limit); refusing to cancel a
campaign that already left answers the other documented variant ``{"success": false,
"error": "..."}``.

Rate limits: ``campaign/send`` allows ``campaign_limit_per_minute`` (default 5, 0 = no limit)
and ``campaign_limit_per_hour`` (2000) requests; ``tts/send`` ``tts_limit_per_hour`` (2000).
Replies carry ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset``
(seconds); past the limit: HTTP 429. Set the limits before the app is built.

Deterministic outcomes, so that the demo shows every state:

* voicemail drop: numbers ending in ``00`` are not delivered. After the callback delay (or
  at the scheduled time plus the delay) one ``GET notifyUrl?campaign_token=&campaign_id=
  &delivered_quantity=&total_quantity=`` is made.
* text-to-speech: one ``POST`` JSON per number ``{campaignId, status, additionnal_status,
  phoneNumber, sendAt, doneAt, duration}``: a number ending in ``00`` is ``undelivered`` /
  ``VOICE_NOT_ANSWERED`` (duration 0); ending in ``01``, ``delivered`` /
  ``VOICE_NOT_ANSWERED`` (an answering machine); any other, ``delivered`` / ``VOICE_ANSWERED``
  with a duration of 5 s plus one second per 15 characters of text. Dates are Paris wall
  time ``YYYY-MM-DD HH:MM:SS``.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

from providers.ratelimit import RateLimiter, Window, per_hour, per_minute
from providers.sandbox.common import SANDBOX_SECRET, SandboxBase

PARIS = ZoneInfo("Europe/Paris")
MAX_NUMBERS = 500
_NUMBER = re.compile(r"^(?:0|\+33)([1-9]\d{8})$")
_MOBILE = re.compile(r"^(?:0|\+33)[67]\d{8}$")
_SCHEDULE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2}) (\d{1,2}):(\d{1,2}):00$")


@dataclass
class SandboxAudio:
    filename: str
    size: str
    duration: int
    created: str


@dataclass
class SandboxCampaign:
    id: str
    token: str
    kind: str  # "campaign" (voicemail drop) or "tts"
    numbers: list[str]
    cost: Decimal
    text: str = ""
    notify_url: str | None = None
    scheduled: datetime | None = None
    started: bool = False
    cancelled: bool = False


def _default_audio() -> dict[str, SandboxAudio]:
    return {
        "aud-promo": SandboxAudio("promo-hiver.wav", "135.8Ko", 27, "2024-11-04 10:12:00"),
        "aud-rappel": SandboxAudio("rappel-rdv.wav", "88.2Ko", 18, "2025-01-15 09:30:00"),
    }


def _paris_now() -> datetime:
    return datetime.now(PARIS)


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class VoicePartnerSandbox(SandboxBase):
    name: str = "voicepartner"
    credit: Decimal = Decimal("50.00")
    cost_per_call: Decimal = Decimal("0.15")
    campaign_limit_per_minute: int = 5
    campaign_limit_per_hour: int = 2000
    tts_limit_per_hour: int = 2000
    audio: dict[str, SandboxAudio] = field(default_factory=_default_audio)
    campaigns: dict[str, SandboxCampaign] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = _paris_now
    _limiters: dict[str, RateLimiter | None] = field(default_factory=dict)
    _counter: int = 0

    def add_routes(self, app: web.Application) -> None:
        self._limiters = {
            "campaign": self._limiter(
                per_minute(self.campaign_limit_per_minute)
                if self.campaign_limit_per_minute
                else None,
                per_hour(self.campaign_limit_per_hour) if self.campaign_limit_per_hour else None,
            ),
            "tts": self._limiter(
                per_hour(self.tts_limit_per_hour) if self.tts_limit_per_hour else None
            ),
        }
        app.router.add_post("/v1/campaign/send", self._campaign_send)
        app.router.add_post("/v1/tts/send", self._tts_send)
        app.router.add_get("/v1/me/{api_key}", self._me)
        app.router.add_get("/v1/audios/{api_key}", self._audios)
        app.router.add_post("/v1/audio-file/rename", self._rename)
        app.router.add_delete("/v1/campaign/cancel/{api_key}/{campaign_id}", self._cancel)

    def _limiter(self, *windows: Window | None) -> RateLimiter | None:
        present = [w for w in windows if w is not None]
        return RateLimiter(*present, name="sandbox", clock=self.clock) if present else None

    # -- sends --------------------------------------------------------------------------------
    async def _campaign_send(self, request: web.Request) -> web.Response:
        return await self._limited("campaign", request, self._do_campaign)

    async def _tts_send(self, request: web.Request) -> web.Response:
        return await self._limited("tts", request, self._do_tts)

    async def _limited(
        self,
        route: str,
        request: web.Request,
        handler: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> web.Response:
        limiter = self._limiters.get(route)
        headers: dict[str, str] = {}
        if limiter is not None:
            allowed = limiter.try_acquire()
            tightest = limiter.windows[0]
            wait = limiter.next_slot()
            headers = {
                "x-ratelimit-limit": str(tightest.limit),
                "x-ratelimit-remaining": str(limiter.remaining()),
                "x-ratelimit-reset": str(math.ceil(wait) if wait > 0 else int(tightest.seconds)),
            }
            if not allowed:
                headers["x-ratelimit-remaining"] = "0"
                return _refuse(429, "Trop de requêtes, réessayez plus tard", headers)
        try:
            body = await _json_body(request)
            self._check_key(body.get("apiKey"))
            reply = handler(body)
        except _Refusal as refusal:
            return _refuse(refusal.status, refusal.message, headers)
        return web.json_response(reply, headers=headers)

    def _do_campaign(self, body: dict[str, Any]) -> dict[str, Any]:
        token = _string(body, "tokenAudio", required=True)
        audio = self.audio.get(token)
        if audio is None:
            raise _Refusal(404, f"Fichier audio introuvable : {token}")
        email = _string(body, "emailForNotification", required=True)
        if "@" not in email:
            raise _Refusal(400, "emailForNotification invalide")
        numbers = _numbers(body)
        sender = _string(body, "sender")
        if sender and not _MOBILE.match(sender):
            raise _Refusal(400, "sender : numéro de mobile non validé")
        campaign = self._create("campaign", numbers, body)
        detail = {"nbSms": len(numbers), "cost_unity": float(self.cost_per_call)}
        detail["cost"] = float(campaign.cost)
        reply = {
            "success": True,
            "campaignId": campaign.id,
            "cost": float(campaign.cost),
            "currency": "EUR",
            "nbSms": len(numbers),
            "audioFile": {"filename": audio.filename, "size": audio.size},
            "detail": {"33": detail},
        }
        self._plan_callbacks(campaign)
        return reply

    def _do_tts(self, body: dict[str, Any]) -> dict[str, Any]:
        text = _string(body, "text")
        token = _string(body, "tokenAudio")
        if not text and not token:
            raise _Refusal(400, "text manquant")
        if token and token not in self.audio:
            raise _Refusal(404, f"Fichier audio introuvable : {token}")
        _string(body, "lang", required=True)
        rate = body.get("speechRate")
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.5 <= rate <= 2
        ):
            raise _Refusal(400, "speechRate doit être compris entre 0.5 et 2")
        numbers = _numbers(body)
        campaign = self._create("tts", numbers, body)
        campaign.text = text
        self._plan_callbacks(campaign)
        return {
            "success": True,
            "campaignId": campaign.id,
            "cost": float(campaign.cost),
            "currency": "EUR",
            "nbSms": len(numbers),
        }

    def _create(self, kind: str, numbers: list[str], body: dict[str, Any]) -> SandboxCampaign:
        scheduled = self._schedule(_string(body, "scheduledDate"))
        cost = self.cost_per_call * len(numbers)
        if cost > self.credit:
            raise _Refusal(402, "Crédit insuffisant")
        self.credit -= cost
        self._counter += 1
        seed = f"{self.name}:{self._counter}".encode()
        campaign = SandboxCampaign(
            id=hashlib.sha256(seed).hexdigest()[:12],
            token=hashlib.sha256(b"token:" + seed).hexdigest()[:16],
            kind=kind,
            numbers=numbers,
            cost=cost,
            notify_url=_string(body, "notifyUrl") or None,
            scheduled=scheduled,
            started=scheduled is None,
        )
        self.campaigns[campaign.id] = campaign
        return campaign

    def _schedule(self, value: str) -> datetime | None:
        if not value:
            return None
        match = _SCHEDULE.match(value)
        if not match:
            raise _Refusal(400, "scheduledDate : format attendu YYYY-mm-dd H:m:00")
        year, month, day, hour, minute = (int(g) for g in match.groups())
        try:
            when = datetime(year, month, day, hour, minute, tzinfo=PARIS)
        except ValueError:
            raise _Refusal(400, "scheduledDate : date invalide") from None
        if when <= self.now():
            raise _Refusal(400, "scheduledDate : date passée")
        return when

    # -- delivery callbacks -------------------------------------------------------------------
    def _plan_callbacks(self, campaign: SandboxCampaign) -> None:
        if campaign.scheduled is None:
            self._fire(campaign)
            return
        wait = max(0.0, (campaign.scheduled - self.now()).total_seconds())

        async def start_later() -> None:
            await asyncio.sleep(wait)
            if not campaign.cancelled:
                campaign.started = True
                self._fire(campaign)

        task = asyncio.get_running_loop().create_task(start_later())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _fire(self, campaign: SandboxCampaign) -> None:
        url = campaign.notify_url  # falls back to the configured URL in schedule_callback
        if campaign.kind == "campaign":
            delivered = sum(1 for n in campaign.numbers if not n.endswith("00"))
            params = {
                "campaign_token": campaign.token,
                "campaign_id": campaign.id,
                "delivered_quantity": str(delivered),
                "total_quantity": str(len(campaign.numbers)),
            }
            self.schedule_callback("GET", params=params, url=url)
            return
        start = campaign.scheduled or self.now()
        for number in campaign.numbers:
            self.schedule_callback("POST", json_body=tts_report(campaign, number, start), url=url)

    # -- account ------------------------------------------------------------------------------
    async def _me(self, request: web.Request) -> web.Response:
        try:
            self._check_key(request.match_info["api_key"])
        except _Refusal as refusal:
            return _refuse(refusal.status, refusal.message)
        return web.json_response({"success": True, "credit": float(self.credit), "currency": "EUR"})

    async def _audios(self, request: web.Request) -> web.Response:
        try:
            self._check_key(request.match_info["api_key"])
        except _Refusal as refusal:
            return _refuse(refusal.status, refusal.message)
        data = [
            {
                "tokenAudio": token,
                "filename": audio.filename,
                "duration": audio.duration,
                "size": audio.size,
                "createdAt": audio.created,
            }
            for token, audio in self.audio.items()
        ]
        return web.json_response({"success": True, "data": data})

    async def _rename(self, request: web.Request) -> web.Response:
        try:
            body = await _json_body(request)
            self._check_key(body.get("apiKey"))
            token = _string(body, "tokenAudio", required=True)
            filename = _string(body, "filename", required=True).strip()
            if token not in self.audio:
                raise _Refusal(404, f"Fichier audio introuvable : {token}")
            if not filename or "/" in filename:
                raise _Refusal(400, "filename invalide")
        except _Refusal as refusal:
            return _refuse(refusal.status, refusal.message)
        self.audio[token].filename = filename
        return web.json_response({"success": True, "tokenAudio": token, "filename": filename})

    async def _cancel(self, request: web.Request) -> web.Response:
        try:
            self._check_key(request.match_info["api_key"])
        except _Refusal as refusal:
            return _refuse(refusal.status, refusal.message)
        campaign = self.campaigns.get(request.match_info["campaign_id"])
        if campaign is None:
            return _refuse(404, "Campagne introuvable")
        if campaign.cancelled or campaign.started:
            why = "déjà annulée" if campaign.cancelled else "déjà envoyée"
            return web.json_response({"success": False, "error": f"Campagne {why}"}, status=400)
        campaign.cancelled = True
        self.credit += campaign.cost
        return web.json_response(
            {"success": True, "campaignId": campaign.id, "refund": float(campaign.cost)}
        )

    def _check_key(self, key: object) -> None:
        if key != SANDBOX_SECRET:
            raise _Refusal(401, "Clé API invalide")


def tts_report(campaign: SandboxCampaign, number: str, start: datetime) -> dict[str, Any]:
    """The callback for one number of a text-to-speech campaign (rule in the module docstring)."""
    if number.endswith("00"):
        status, extra, duration = "undelivered", "VOICE_NOT_ANSWERED", 0
    elif number.endswith("01"):
        status, extra, duration = "delivered", "VOICE_NOT_ANSWERED", 5 + len(campaign.text) // 15
    else:
        status, extra, duration = "delivered", "VOICE_ANSWERED", 5 + len(campaign.text) // 15
    done = start + timedelta(seconds=duration)
    return {
        "campaignId": campaign.id,
        "status": status,
        "additionnal_status": extra,
        "phoneNumber": number,
        "sendAt": start.strftime("%Y-%m-%d %H:%M:%S"),
        "doneAt": done.strftime("%Y-%m-%d %H:%M:%S"),
        "duration": duration,
    }


def _refuse(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"success": False, "code": status, "message": message}, status=status, headers=headers
    )


async def _json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise _Refusal(400, "Corps JSON invalide") from None
    if not isinstance(data, dict):
        raise _Refusal(400, "Corps JSON invalide")
    return data


def _string(body: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise _Refusal(400, f"Paramètre manquant : {key}")
        return ""
    if not isinstance(value, str):
        raise _Refusal(400, f"{key} doit être une chaîne")
    return value


def _numbers(body: dict[str, Any]) -> list[str]:
    raw = _string(body, "phoneNumbers", required=True)
    numbers = [part.strip() for part in raw.split(",")]
    if len(numbers) > MAX_NUMBERS:
        raise _Refusal(400, f"{MAX_NUMBERS} numéros maximum par requête")
    national: list[str] = []
    for number in numbers:
        match = _NUMBER.match(number)
        if not match:
            raise _Refusal(400, f"Numéro invalide : {number[:20]}")
        national.append("0" + match.group(1))
    return national
