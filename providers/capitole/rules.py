"""CapitoleMobile local rules and request bodies (SMS and VMS).

Everything here runs before any request: a message either passes every rule or an
``InputError`` names the field and says what is wrong. Decisions beyond the specs:

* **Campaign id**: the spec allows 10 characters without ``-``; we also refuse anything outside
  ``[A-Za-z0-9_]``, because the id comes back inside a callback URL (``?id=...``) where spaces,
  ``&``, ``#`` or accents could be mangled, and then events could not be matched to the send.
* **SMS sender**: at most 11 characters (longer ones are not refused by the provider but
  silently replaced by a short code — the ``TOO_LONG_SENDER`` warning); only unaccented
  letters, digits, spaces and ``. - _ & ' +``, since operators alter other characters.
* **Route and long** are always written (``N``/``M``, ``no``/``yes``) rather than left to the
  provider's defaults. **VMS type** is written too: the spec's default is ambiguous ("AD ... ou
  DD ... par défaut"), so an unset type is sent as ``DD``, the stricter of the two.
* **VMS recipients**: the spec's type definitions (AD: landlines and mobiles; DD: mobiles only)
  contradict its recipient line ("fixe (AD et DD) et mobile (DD seulement)"); we follow the
  type definitions. French +33 numbers only; AD also takes 09 (VoIP) home lines.
* **Schedule** (``prog``) is written in Europe/Paris local time, the only reading a French
  platform can give a zone-less date. An instant in the hour repeated when the clocks go back
  is refused: the local form cannot say which of the two hours is meant.
* **Text-to-speech length**: the 15–59 s rule is estimated at 150 words a minute; only texts
  clearly outside it (with a 25 % margin) are refused. Recorded messages cannot be checked
  locally (the provider answers ``VOICE_MSG_NOT_RECORDED``).
* The XML carries a declaration naming ISO-8859-15 (the PHP sample has none): without it an
  XML parser must read the bytes as UTF-8 and every accent would break.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast
from zoneinfo import ZoneInfo

from lxml import etree

from providers import phone, text
from providers.base import TtsCheck
from providers.capitole import ENCODING as ENCODING
from providers.capitole import STOP_MENTION as STOP_MENTION
from providers.capitole import TEXT_PROFILE as TEXT_PROFILE
from providers.capitole.codes import KIND
from providers.errors import InputError
from providers.forms import form_encode
from providers.models import Channel, Route, SmsMessage, VmsType, VoiceMessage
from providers.phone_fr import PhoneNumberType
from providers.xml import sub, to_bytes

PARIS = ZoneInfo("Europe/Paris")
PROG_FORMAT = "%Y-%m-%d %H:%M:%S"
CAMPAIGN_ID = re.compile(r"^[A-Za-z0-9_]{1,10}$")
SMS_SENDER = re.compile(r"^[A-Za-z0-9 .\-_&'+]{1,11}$")
MAX_SENDER = 11

TTS_WORDS_PER_MINUTE = 150
TTS_MIN_SECONDS, TTS_MAX_SECONDS = 15, 59
TTS_MARGIN = 0.25  # refuse only what is clearly out of range: the estimate is rough


# --------------------------------------------------------------------------- small checks


def check_plain(field: str, value: str, *, secret: bool = False) -> None:
    """Latin-9 and no control characters (lxml refuses them; the provider would too).

    For a secret the message never shows the offending characters.
    """
    bad = tuple(dict.fromkeys(ch for ch in value if _is_control(ch)))
    if secret:
        if bad or text.latin9_unencodable(value):
            raise InputError(
                field, "contains characters that cannot be sent in ISO-8859-15 (Latin-9)"
            )
        return
    if bad:
        named = ", ".join(text.describe_character(ch) for ch in bad)
        raise InputError(field, f"contains control characters: {named}")
    text.latin9_bytes(value, field=field)


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cs") and ch not in "\n\r"


def check_campaign_id(campaign_id: str | None) -> None:
    if campaign_id is None:
        return
    if "-" in campaign_id:
        raise InputError("campaign_id", "CapitoleMobile forbids '-' in a campaign id")
    if len(campaign_id) > 10:
        raise InputError(
            "campaign_id", f"at most 10 characters for CapitoleMobile ({len(campaign_id)} given)"
        )
    if not CAMPAIGN_ID.match(campaign_id):
        raise InputError(
            "campaign_id",
            "use only letters A-Z a-z, digits and '_' (the id comes back in callback URLs)",
        )


def format_prog(when: datetime) -> str:
    """``aaaa-mm-jj hh:mm:ss`` in Paris local time (seconds kept, fractions dropped)."""
    return when.astimezone(PARIS).strftime(PROG_FORMAT)


def check_schedule(when: datetime | None, now: datetime | None = None) -> None:
    if when is None:
        return
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError("schedule", "the date has no time zone; give an aware datetime")
    current = now or datetime.now(UTC)
    if when <= current:
        raise InputError("schedule", f"{format_prog(when)} (Paris time) is in the past")
    local = when.astimezone(PARIS)
    twin = local.replace(fold=1 - local.fold)
    if twin.utcoffset() != local.utcoffset():
        raise InputError(
            "schedule",
            f"{format_prog(when)} happens twice in Paris (clocks go back); CapitoleMobile's "
            "local-time format cannot say which, so choose a time outside that hour",
        )


def check_recipients(
    recipients: Sequence[str], channel: Channel = Channel.SMS
) -> tuple[phone.Number, ...]:
    """The recipients as ``phone.Number`` (parsed only when they are plain strings)."""
    if not recipients:
        raise InputError("recipient", "no recipient")
    seen: set[str] = set()
    numbers: list[phone.Number] = []
    # What is checked of a parsed number depends on its kind alone (its class): each kind is
    # checked once, then its other numbers only for duplicates.
    passed: set[type] = set()
    for raw in recipients:
        known = type(raw) in passed
        number = cast(phone.Number, raw) if known else phone.number_of(raw, field="recipient")
        if not known and number != raw:
            raise InputError("recipient", f"{raw!r} is not in E.164 form (+33611223344)")
        if number in seen:
            raise InputError(
                "recipient", f"{phone.display(number)} is listed twice (it would be charged twice)"
            )
        if not known:
            phone.check_reachable(number, channel)
            if number is raw:
                passed.add(type(number))
        seen.add(number)
        numbers.append(number)
    return tuple(numbers)


def check_credentials(login: str, secret: str) -> None:
    if not login.strip():
        raise InputError("login", "the CapitoleMobile account has no username")
    check_plain("login", login)
    if not secret:
        raise InputError("secret", "the CapitoleMobile API password is missing")
    check_plain("secret", secret, secret=True)


def estimate_tts_seconds(spoken: str) -> float:
    """Rough speech duration: words (runs without spaces holding a letter or digit) at 150/min."""
    words = [w for w in spoken.split() if any(ch.isalnum() for ch in w)]
    return len(words) * 60 / TTS_WORDS_PER_MINUTE


# --------------------------------------------------------------------------- SMS


def check_sms(message: SmsMessage) -> None:
    for name, value in (
        ("template_id", message.template_id),
        ("group", message.group),
        ("caller_id", message.caller_id),
    ):
        if value is not None:
            raise InputError(name, "not supported by CapitoleMobile")
    # message.request_id is Octopush's duplicate guard; CapitoleMobile has none, so it is ignored.
    check_recipients(message.recipients)
    text.check_sms_text(message.text, KIND, route=message.route, long=message.long)
    check_plain("text", message.text)
    if message.sender is not None:
        _check_sms_sender(message.sender)
    check_schedule(message.schedule)
    check_campaign_id(message.campaign_id)


def _check_sms_sender(sender: str) -> None:
    if not sender.strip():
        raise InputError("sender", "empty sender; leave it unset to send from a short code")
    if sender != sender.strip():
        raise InputError("sender", "remove the spaces at the start or end of the sender")
    if len(sender) > MAX_SENDER:
        raise InputError(
            "sender",
            f"at most {MAX_SENDER} characters ({len(sender)} given); CapitoleMobile would "
            "replace it with a short code",
        )
    if not SMS_SENDER.match(sender):
        raise InputError(
            "sender",
            "use only unaccented letters, digits, spaces and . - _ & ' + (operators alter "
            "other characters)",
        )


def _plain_newlines(value: str) -> str:
    # lxml writes a carriage return as "&#13;", which a platform that does not parse XML
    # properly would show literally; a line feed alone is what phones display anyway.
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _authentication(root: etree._Element, login: str, secret: str) -> None:
    auth = sub(root, "authentification")  # sic: the provider's spelling
    sub(auth, "username", login)
    sub(auth, "password", secret)


def _recipients(root: etree._Element, recipients: Sequence[str]) -> None:
    node = sub(root, "recipients")
    for number in recipients:
        sub(node, "gsm", phone.for_capitole(number))


def sms_xml(message: SmsMessage, login: str, secret: str) -> bytes:
    root = etree.Element("SMS")
    _authentication(root, login, secret)
    node = sub(root, "message")
    sub(node, "text", _plain_newlines(message.text))
    if message.sender is not None:
        sub(node, "sender", message.sender)
    sub(node, "route", "M" if message.route == Route.MARKETING else "N")
    sub(node, "long", "yes" if message.long else "no")
    if message.schedule is not None:
        sub(node, "prog", format_prog(message.schedule))
    if message.campaign_id is not None:
        sub(node, "id", message.campaign_id)
    _recipients(root, message.recipients)
    return _serialize(root)


# --------------------------------------------------------------------------- VMS


def check_voice(message: VoiceMessage) -> None:
    for name, value in (
        ("audio_token", message.audio_token),
        ("email", message.email),
        ("speech_rate", message.speech_rate),
        ("notify_url", message.notify_url),
        ("template_id", message.template_id),
        ("group", message.group),
    ):
        if value is not None:
            raise InputError(name, "not supported by CapitoleMobile voice messages")
    if message.schedule is not None:
        raise InputError("schedule", "CapitoleMobile voice messages cannot be scheduled")
    _check_caller(message.sender)
    vms_type = message.vms_type or VmsType.DD
    for number in check_recipients(message.recipients, Channel.VOICE):
        _check_voice_recipient(number, vms_type)
    has_recording = bool(message.voice_msg)
    has_tts = bool(message.tts)
    if has_recording == has_tts:
        raise InputError(
            "voice_msg",
            "give exactly one of a recorded message name (voice_msg) or a text to speak (tts)",
        )
    if message.voice_msg:
        check_plain("voice_msg", message.voice_msg)
        if message.voice_msg != message.voice_msg.strip():
            raise InputError("voice_msg", "remove the spaces at the start or end of the name")
    if message.tts:
        _check_tts(message.tts, message.lang)
    check_campaign_id(message.campaign_id)


def _check_caller(sender: str | None) -> None:
    if not sender:
        raise InputError("sender", "CapitoleMobile needs a caller number (a French landline)")
    e164 = phone.normalise(sender, field="sender")
    if not phone.is_french(e164) or phone.line_type(e164) is not phone.LineType.FIXED:
        raise InputError(
            "sender",
            f"{phone.display(e164)} is not a French metropolitan landline (01 to 05), which "
            "CapitoleMobile requires as the caller number",
        )


def _check_voice_recipient(number: phone.Number, vms_type: VmsType) -> None:
    if not phone.is_french(number):
        raise InputError(
            "recipient", f"{phone.display(number)}: CapitoleMobile calls French numbers only"
        )
    kind = phone.line_type(number)
    if vms_type is VmsType.DD and kind is not phone.LineType.MOBILE:
        raise InputError(
            "recipient",
            f"{phone.display(number)} is not a mobile number: type DD drops the message into a "
            "mobile's voicemail (use type AD to call landlines)",
        )
    if kind is phone.LineType.OTHER and number.kind != PhoneNumberType.VOIP:
        raise InputError("recipient", f"{phone.display(number)} is neither a landline nor a mobile")


def _check_tts(spoken: str, lang: str) -> None:
    if lang.lower() != "fr":
        raise InputError("lang", "CapitoleMobile's text-to-speech speaks French only")
    text.check_tts_text(spoken, KIND)
    check_plain("tts", spoken)
    seconds = estimate_tts_seconds(spoken)
    low = TTS_MIN_SECONDS * (1 - TTS_MARGIN)
    high = TTS_MAX_SECONDS * (1 + TTS_MARGIN)
    if low <= seconds <= high:
        return
    words = round(seconds * TTS_WORDS_PER_MINUTE / 60)
    shortest = TTS_MIN_SECONDS * TTS_WORDS_PER_MINUTE // 60
    longest = TTS_MAX_SECONDS * TTS_WORDS_PER_MINUTE // 60
    verdict = "too short" if seconds < low else "too long"
    raise InputError(
        "tts",
        f"{verdict}: {words} words is about {seconds:.0f} s of speech at "
        f"{TTS_WORDS_PER_MINUTE} words a minute, and CapitoleMobile only plays messages of "
        f"{TTS_MIN_SECONDS} to {TTS_MAX_SECONDS} s (write roughly {shortest} to {longest} words)",
    )


def tts_check(spoken: str) -> TtsCheck:
    """``ProviderInfo.check_tts``: the length estimate, and what ``check_voice`` would refuse."""
    seconds = estimate_tts_seconds(spoken)
    summary = f"≈ {seconds:.0f} s of speech at {TTS_WORDS_PER_MINUTE} words a minute"
    if spoken.strip() and not TTS_MIN_SECONDS <= seconds <= TTS_MAX_SECONDS:
        summary += f" (CapitoleMobile plays {TTS_MIN_SECONDS} to {TTS_MAX_SECONDS} s)"
    try:
        _check_tts(spoken, "fr")
    except InputError as exc:
        return TtsCheck(seconds, summary, exc.message)
    return TtsCheck(seconds, summary)


def vms_xml(message: VoiceMessage, login: str, secret: str) -> bytes:
    root = etree.Element("VMS")
    _authentication(root, login, secret)
    node = sub(root, "message")
    if not message.sender:  # check_voice refuses this first; never build a document without it
        raise InputError("sender", "CapitoleMobile needs a caller number (a French landline)")
    sub(node, "sender", phone.for_capitole(phone.normalise(message.sender, field="sender")))
    sub(node, "type", (message.vms_type or VmsType.DD).value)
    if message.voice_msg:
        sub(node, "voice_msg", message.voice_msg)
    if message.tts:
        sub(node, "tts", _plain_newlines(message.tts))
    if message.campaign_id is not None:
        sub(node, "id", message.campaign_id)
    _recipients(root, message.recipients)
    return _serialize(root)


# --------------------------------------------------------------------------- encoding


def _serialize(root: etree._Element) -> bytes:
    try:
        return to_bytes(root, ENCODING)
    except UnicodeEncodeError:
        # Validation refuses such characters first; never echo the document (it holds the
        # password) if one slips through.
        raise InputError("text", "a field holds characters ISO-8859-15 cannot carry") from None


def form_body(xml: bytes) -> bytes:
    """``XML=<percent-encoded Latin-9 bytes>``; never httpx ``data=`` (it re-encodes as UTF-8)."""
    return form_encode([("XML", xml)])
