"""VoicePartner sandbox, the request side: reading JSON bodies, refusals, campaigns, reports.

The rules quote the spec (voicepartner-vms-api.txt) and, for what it leaves out (text-to-speech,
callbacks, audio files), PROVIDER-NOTES.md. See ``providers.sandbox.voicepartner`` for the
routes and the deterministic outcomes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web

PARIS = ZoneInfo("Europe/Paris")
# Spec: "Limite : 5 requêtes par minute et 500 numéros max par requête".
MAX_NUMBERS = 500
# Spec: phoneNumbers "au format national (06xxxxxxxx) ou international (+336xxxxxxxx), pour des
# numéros français", and "Le dépôt fonctionne sur les fixes et sur les mobiles".
_NUMBER = re.compile(r"^(?:0|\+33)([1-9]\d{8})$")
# Spec: sender, "Numéro de téléphone portable qui peut être rappelé".
_MOBILE = re.compile(r"^(?:0|\+33)[67]\d{8}$")
# Spec: scheduledDate "au format YYYY-mm-dd H:m:00 (ex: 2021-02-02 14:15:00)".
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


def default_audio() -> dict[str, SandboxAudio]:
    return {
        "aud-promo": SandboxAudio("promo-hiver.wav", "135.8Ko", 27, "2024-11-04 10:12:00"),
        "aud-rappel": SandboxAudio("rappel-rdv.wav", "88.2Ko", 18, "2025-01-15 09:30:00"),
    }


def paris_now() -> datetime:
    return datetime.now(PARIS)


class Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def refuse(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response(
        {"success": False, "code": status, "message": message}, status=status, headers=headers
    )


async def json_body(request: web.Request) -> dict[str, Any]:
    try:
        data = await request.json()
    except ValueError:
        raise Refusal(400, "Corps JSON invalide") from None
    if not isinstance(data, dict):
        raise Refusal(400, "Corps JSON invalide")
    return data


def string(body: dict[str, Any], key: str, *, required: bool = False) -> str:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise Refusal(400, f"Paramètre manquant : {key}")
        return ""
    if not isinstance(value, str):
        raise Refusal(400, f"{key} doit être une chaîne")
    return value


def phone_numbers(body: dict[str, Any]) -> list[str]:
    """``phoneNumbers``, comma-separated French numbers, in national form."""
    raw = string(body, "phoneNumbers", required=True)
    numbers = [part.strip() for part in raw.split(",")]
    if len(numbers) > MAX_NUMBERS:
        raise Refusal(400, f"{MAX_NUMBERS} numéros maximum par requête")
    national: list[str] = []
    for number in numbers:
        match = _NUMBER.match(number)
        if not match:
            raise Refusal(400, f"Numéro invalide : {number[:20]}")
        national.append("0" + match.group(1))
    return national


def check_sender(sender: str) -> None:
    if sender and not _MOBILE.match(sender):
        raise Refusal(400, "sender : numéro de mobile non validé")


def parse_schedule(value: str, now: datetime) -> datetime | None:
    """``scheduledDate`` as a Paris time, refused when malformed or not in the future."""
    if not value:
        return None
    match = _SCHEDULE.match(value)
    if not match:
        raise Refusal(400, "scheduledDate : format attendu YYYY-mm-dd H:m:00")
    year, month, day, hour, minute = (int(g) for g in match.groups())
    try:
        when = datetime(year, month, day, hour, minute, tzinfo=PARIS)
    except ValueError:
        raise Refusal(400, "scheduledDate : date invalide") from None
    if when <= now:
        raise Refusal(400, "scheduledDate : date passée")
    return when


def tts_report(campaign: SandboxCampaign, number: str, start: datetime) -> dict[str, Any]:
    """The callback for one number of a text-to-speech campaign (rule in the module docstring
    of ``providers.sandbox.voicepartner``)."""
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
