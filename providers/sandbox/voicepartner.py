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
(seconds); past the limit: HTTP 429. Set the limits before the app is built. The counting is
the sandbox's own (``pacing``), not the client's ``providers.ratelimit``.

Campaign ids and tokens are never those of an earlier run (``ids``): a receiver that outlives
the sandbox must not take a new campaign's report for an old one's.

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
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from aiohttp import web

from providers.sandbox.common import SANDBOX_SECRET, SandboxBase
from providers.sandbox.ids import unique_hex
from providers.sandbox.pacing import Limit, SlidingWindows
from providers.sandbox.voicepartner_requests import (
    Refusal,
    SandboxAudio,
    SandboxCampaign,
    check_sender,
    default_audio,
    json_body,
    paris_now,
    parse_schedule,
    phone_numbers,
    refuse,
    string,
    tts_report,
)

__all__ = ["SandboxAudio", "SandboxCampaign", "VoicePartnerSandbox", "tts_report"]

MINUTE, HOUR = 60.0, 3600.0


@dataclass
class VoicePartnerSandbox(SandboxBase):
    api_path: ClassVar[str] = "/v1"  # the spec's URL: <host>/v1/campaign/send

    name: str = "voicepartner"
    credit: Decimal = Decimal("50.00")
    cost_per_call: Decimal = Decimal("0.15")
    campaign_limit_per_minute: int = 5
    campaign_limit_per_hour: int = 2000
    tts_limit_per_hour: int = 2000
    audio: dict[str, SandboxAudio] = field(default_factory=default_audio)
    campaigns: dict[str, SandboxCampaign] = field(default_factory=dict)
    clock: Callable[[], float] = time.monotonic
    now: Callable[[], datetime] = paris_now
    _limiters: dict[str, SlidingWindows | None] = field(default_factory=dict)

    def set_balance(self, amount: Decimal) -> Decimal:
        """The credit, in euros."""
        self.credit = amount
        return self.credit

    def add_routes(self, app: web.Application) -> None:
        self._limiters = {
            "campaign": self._limiter(
                Limit(self.campaign_limit_per_minute, MINUTE),
                Limit(self.campaign_limit_per_hour, HOUR),
            ),
            "tts": self._limiter(Limit(self.tts_limit_per_hour, HOUR)),
        }
        app.router.add_post("/v1/campaign/send", self._campaign_send)
        app.router.add_post("/v1/tts/send", self._tts_send)
        app.router.add_get("/v1/me/{api_key}", self._me)
        app.router.add_get("/v1/audios/{api_key}", self._audios)
        app.router.add_post("/v1/audio-file/rename", self._rename)
        app.router.add_delete("/v1/campaign/cancel/{api_key}/{campaign_id}", self._cancel)

    def _limiter(self, *limits: Limit) -> SlidingWindows | None:
        present = tuple(limit for limit in limits if limit.count > 0)  # 0: no limit
        return SlidingWindows(present, clock=self.clock) if present else None

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
            verdict = limiter.take()
            headers = verdict.headers
            if not verdict.allowed:
                return refuse(429, "Trop de requêtes, réessayez plus tard", headers)
        try:
            body = await json_body(request)
            self._check_key(body.get("apiKey"))
            reply = handler(body)
        except Refusal as refusal:
            return refuse(refusal.status, refusal.message, headers)
        return web.json_response(reply, headers=headers)

    def _do_campaign(self, body: dict[str, Any]) -> dict[str, Any]:
        token = string(body, "tokenAudio", required=True)
        audio = self.audio.get(token)
        if audio is None:
            raise Refusal(404, f"Fichier audio introuvable : {token}")
        email = string(body, "emailForNotification", required=True)
        if "@" not in email:
            raise Refusal(400, "emailForNotification invalide")
        numbers = phone_numbers(body)
        check_sender(string(body, "sender"))
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
        text = string(body, "text")
        token = string(body, "tokenAudio")
        if not text and not token:
            raise Refusal(400, "text manquant")
        if token and token not in self.audio:
            raise Refusal(404, f"Fichier audio introuvable : {token}")
        string(body, "lang", required=True)
        rate = body.get("speechRate")
        if rate is not None and (
            isinstance(rate, bool) or not isinstance(rate, int | float) or not 0.5 <= rate <= 2
        ):
            raise Refusal(400, "speechRate doit être compris entre 0.5 et 2")
        numbers = phone_numbers(body)
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
        scheduled = parse_schedule(string(body, "scheduledDate"), self.now())
        cost = self.cost_per_call * len(numbers)
        if cost > self.credit:
            raise Refusal(402, "Crédit insuffisant")
        self.credit -= cost
        campaign = SandboxCampaign(
            # The spec shows "campaignId": "campaignId", a string of no stated form.
            id=unique_hex(),
            token=unique_hex(8),
            kind=kind,
            numbers=numbers,
            cost=cost,
            notify_url=string(body, "notifyUrl") or None,
            scheduled=scheduled,
            started=scheduled is None,
        )
        self.campaigns[campaign.id] = campaign
        return campaign

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
        except Refusal as refusal:
            return refuse(refusal.status, refusal.message)
        return web.json_response({"success": True, "credit": float(self.credit), "currency": "EUR"})

    async def _audios(self, request: web.Request) -> web.Response:
        try:
            self._check_key(request.match_info["api_key"])
        except Refusal as refusal:
            return refuse(refusal.status, refusal.message)
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
            body = await json_body(request)
            self._check_key(body.get("apiKey"))
            token = string(body, "tokenAudio", required=True)
            filename = string(body, "filename", required=True).strip()
            if token not in self.audio:
                raise Refusal(404, f"Fichier audio introuvable : {token}")
            if not filename or "/" in filename:
                raise Refusal(400, "filename invalide")
        except Refusal as refusal:
            return refuse(refusal.status, refusal.message)
        self.audio[token].filename = filename
        return web.json_response({"success": True, "tokenAudio": token, "filename": filename})

    async def _cancel(self, request: web.Request) -> web.Response:
        try:
            self._check_key(request.match_info["api_key"])
        except Refusal as refusal:
            return refuse(refusal.status, refusal.message)
        campaign = self.campaigns.get(request.match_info["campaign_id"])
        if campaign is None:
            return refuse(404, "Campagne introuvable")
        if campaign.cancelled or campaign.started:
            why = "déjà annulée" if campaign.cancelled else "déjà envoyée"
            return web.json_response({"success": False, "error": f"Campagne {why}"}, status=400)
        campaign.cancelled = True
        self.credit += campaign.cost
        return web.json_response(
            {"success": True, "campaignId": campaign.id, "refund": float(campaign.cost)}
        )

    def _check_key(self, key: object) -> None:
        # Read from this module at each call: tests swap SANDBOX_SECRET here.
        if key != SANDBOX_SECRET:
            raise Refusal(401, "Clé API invalide")
