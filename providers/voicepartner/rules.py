"""VoicePartner local validation: everything checked before a request leaves.

Also the checks of the extra operations' arguments (audio token, file name, campaign id).

``plan_voice`` turns a ``VoiceMessage`` into the JSON fields of ``campaign/send`` (an audio
file, a voicemail drop) or ``tts/send`` (a text spoken by a synthetic voice), in the order they
are sent, or raises ``InputError`` naming the field and what is wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from providers import phone, text
from providers.base import TtsCheck
from providers.errors import InputError
from providers.models import Channel, VoiceMessage
from providers.voicepartner import TEXT_PROFILE as TEXT_PROFILE
from providers.voicepartner.codes import KIND

PARIS = ZoneInfo("Europe/Paris")
SCHEDULE_FORMAT = "%Y-%m-%d %H:%M:00"
MIN_SPEECH_RATE = 0.5
MAX_SPEECH_RATE = 2.0

#: Longest text to speak, in characters. VoicePartner documents no limit (neither the spec
#: file nor its online documentation, see PROVIDER-NOTES.md), so this is ours: about three
#: minutes of speech at the normal rate (150 words a minute, some 15 characters a second),
#: the longest voice message any provider here documents (eCampaign's 180-second templates),
#: and three times what CapitoleMobile plays (59 s). A longer text is a document, not a call,
#: and 120,000 characters would only be refused by the provider after a round trip.
MAX_TTS_CHARACTERS = 3000
TTS_WORDS_PER_MINUTE = 150

_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
_LANG = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")
_URL = re.compile(r"^https?://[^\s/?#]+[^\s]*$")
_CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_TOKEN = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
_BAD_FILENAME = re.compile(r"[/\\\x00-\x1f\x7f]")


@dataclass(frozen=True)
class VoicePlan:
    """What a send will put on the wire, minus the API key and the numbers."""

    tts: bool
    numbers: tuple[str, ...]  # E.164, in the order given
    rendered: tuple[str, ...]  # as VoicePartner wants them (0611223344)
    before: dict[str, Any] = field(default_factory=dict)  # fields before phoneNumbers
    after: dict[str, Any] = field(default_factory=dict)  # fields after phoneNumbers


def plan_voice(
    message: VoiceMessage,
    *,
    email: str | None,
    sender: str | None,
    notify_url: str | None,
    now: datetime,
) -> VoicePlan:
    _refuse_foreign_fields(message)
    audio = (message.audio_token or "").strip()
    spoken = (message.tts or "").strip()
    if audio and spoken:
        raise InputError(
            "tts", "give either an audio file (voicemail drop) or a text to speak, not both"
        )
    if not audio and not spoken:
        raise InputError(
            "audio_token", "choose an audio file (voicemail drop) or a text to speak (tts)"
        )
    numbers, rendered = _recipients(message.recipients)
    schedule = format_schedule(message.schedule, now) if message.schedule is not None else None
    url = _notify_url(message.notify_url or notify_url)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    if audio:
        if message.speech_rate is not None:
            raise InputError("speech_rate", "a speech rate applies to text-to-speech only")
        before["tokenAudio"] = check_token(audio)
        before["emailForNotification"] = _email(message.email or email)
        callback = message.sender or sender
        if callback is not None and callback.strip():
            after["sender"] = _sender(callback)
        if schedule is not None:
            after["scheduledDate"] = schedule
        if url is not None:
            after["notifyUrl"] = url
    else:
        if message.sender:
            raise InputError("sender", "text-to-speech calls have no call-back number")
        if message.email:
            raise InputError("email", "text-to-speech calls send no notification e-mail")
        before["text"] = check_tts(spoken)
        before["lang"] = _lang(message.lang)
        if message.speech_rate is not None:
            after["speechRate"] = _speech_rate(message.speech_rate)
        if url is not None:
            after["notifyUrl"] = url
        if schedule is not None:
            after["scheduledDate"] = schedule
    return VoicePlan(bool(spoken), numbers, rendered, before, after)


def check_tts(spoken: str) -> str:
    """The text to speak, or ``InputError`` naming the problem (and where it is): text that
    is not UTF-8, control characters, an empty text, more than ``MAX_TTS_CHARACTERS``."""
    text.check_tts_text(spoken, KIND)
    if len(spoken) > MAX_TTS_CHARACTERS:
        raise InputError(
            "tts",
            f"the text to speak is {len(spoken):,} characters; porte-voix sends at most "
            f"{MAX_TTS_CHARACTERS:,} (about 3 minutes of speech) in one call",
        )
    return spoken


def estimate_tts_seconds(spoken: str, speech_rate: float = 1.0) -> float:
    """Rough speech duration: words (holding a letter or digit) at 150 a minute, times rate."""
    words = sum(1 for w in spoken.split() if any(ch.isalnum() for ch in w))
    return words * 60 / TTS_WORDS_PER_MINUTE / speech_rate


def tts_check(spoken: str) -> TtsCheck:
    """``ProviderInfo.check_tts``: the estimate and the problem ``check_tts`` would raise."""
    seconds = estimate_tts_seconds(spoken)
    summary = (
        f"≈ {seconds:.0f} s of speech at {TTS_WORDS_PER_MINUTE} words a minute; "
        f"{len(spoken):,} of {MAX_TTS_CHARACTERS:,} characters"
    )
    try:
        check_tts(spoken.strip())
    except InputError as exc:
        return TtsCheck(seconds, summary, exc.message)
    return TtsCheck(seconds, summary)


def _refuse_foreign_fields(message: VoiceMessage) -> None:
    foreign = {
        "vms_type": message.vms_type,
        "voice_msg": message.voice_msg,
        "template_id": message.template_id,
        "group": message.group,
        "campaign_id": message.campaign_id,
    }
    for name, value in foreign.items():
        if value is not None:
            raise InputError(name, f"VoicePartner has no {name.replace('_', ' ')} field")


def _recipients(recipients: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if not recipients:
        raise InputError("recipients", "no recipient")
    numbers: list[str] = []
    rendered: list[str] = []
    seen: set[str] = set()
    for raw in recipients:
        e164 = phone.number_of(raw, field="recipient")
        if not phone.is_french(e164):
            raise InputError(
                "recipient", f"{phone.display(e164)}: VoicePartner calls French numbers only"
            )
        phone.check_reachable(e164, Channel.VOICE, field="recipient")
        if e164 in seen:
            # The same person would be called twice, and results could not be told apart.
            raise InputError("recipient", f"{phone.display(e164)} appears twice")
        seen.add(e164)
        numbers.append(e164)
        rendered.append(phone.for_voicepartner(e164))
    return tuple(numbers), tuple(rendered)


def format_schedule(when: datetime, now: datetime) -> str:
    """``scheduledDate``: Europe/Paris wall time, to the minute."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError("schedule", "the date has no time zone; give an aware datetime")
    if when <= now:
        raise InputError("schedule", "the date is in the past")
    local = when.astimezone(PARIS)
    if local.second or local.microsecond:
        raise InputError(
            "schedule",
            f"VoicePartner schedules to the minute; {local:%H:%M:%S} has seconds "
            "(choose a whole minute)",
        )
    if local.replace(fold=1 - local.fold).utcoffset() != local.utcoffset():
        raise InputError(
            "schedule",
            f"{local:%Y-%m-%d %H:%M} happens twice in Paris (end of summer time); "
            "choose a time outside 02:00-03:00",
        )
    return local.strftime(SCHEDULE_FORMAT)


def _email(value: str | None) -> str:
    if value is None or not value.strip():
        raise InputError(
            "email",
            "a voicemail drop needs an e-mail for the end-of-campaign notification "
            "(set the account option 'email')",
        )
    value = value.strip()
    if not _EMAIL.match(value):
        raise InputError("email", f"{value!r} is not an e-mail address")
    return value


def _sender(value: str) -> str:
    e164 = phone.normalise(value, field="sender")
    if not phone.is_french(e164) or not phone.is_mobile(e164):
        raise InputError("sender", f"{phone.display(e164)} is not a French mobile number")
    return phone.for_voicepartner(e164)


def _notify_url(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) > 2000 or not _URL.match(value):
        # The URL may carry the receiver's token: never echo it.
        raise InputError("notify_url", "must be an absolute http:// or https:// URL")
    return value


def _lang(value: str) -> str:
    value = (value or "").strip()
    if not _LANG.match(value):
        raise InputError("lang", f"{value!r} is not a language code such as 'fr' or 'en'")
    return value


def _speech_rate(value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise InputError("speech_rate", "must be a number between 0.5 and 2")
    if not MIN_SPEECH_RATE <= value <= MAX_SPEECH_RATE:
        raise InputError("speech_rate", f"{value:g} is outside 0.5–2")
    return float(value)


def check_token(token: str) -> str:
    token = token.strip()
    if not _TOKEN.match(token):
        raise InputError("audio_token", "an audio token is 1 to 128 letters, digits, . _ : -")
    return token


def check_filename(filename: str) -> str:
    filename = filename.strip()
    if not filename:
        raise InputError("filename", "the new name is empty")
    if len(filename) > 255:
        raise InputError("filename", "the new name is longer than 255 characters")
    if _BAD_FILENAME.search(filename):
        raise InputError("filename", "a file name cannot hold / \\ or control characters")
    return filename


def check_campaign_id(campaign_id: str) -> str:
    campaign_id = campaign_id.strip()
    if not _CAMPAIGN_ID.match(campaign_id):
        raise InputError(
            "campaign_id", "a VoicePartner campaign id is 1 to 128 letters, digits, . _ : -"
        )
    return campaign_id
