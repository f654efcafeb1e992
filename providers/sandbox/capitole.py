"""CapitoleMobile simulators: ``CapitoleSmsSandbox`` and ``CapitoleVmsSandbox``.

Each serves ``POST <path>`` (a send) and ``POST <path>_test`` (the echo), with ``<path>`` being
``/api/sendsms/xml`` or ``/api/sendvms/xml``. The form field ``XML`` is percent-decoded to
bytes and read as ISO-8859-15, like the real platform: a client that sends UTF-8 sees its
accents arrive mangled (``Ã©``), in the echo and in the messages.

Credentials are ``SANDBOX_LOGIN`` / ``SANDBOX_SECRET``. Each sandbox holds its own balance
(1000 credits): an SMS costs one credit per SMS part per recipient, a voice message one credit
per recipient. Replies are the specs' codes, followed by ``;balance`` (not after
``AUTH_FAILED``). Where a reply holds several codes (refused numbers, a warning), the sandbox
writes one per line, per-number codes as ``<gsm as received>_IS_BLACKLISTED``, and the balance
after the last one — our reading of the specs, which show a single code.

Nothing here comes from the client (``providers.capitole``, ``providers.text``,
``providers.phone``): every rule is read from the two specs, which the comments quote.

Deterministic rules (numbers as received, compared on their international digits):

* a number ending in ``99`` is on the account's blacklist (``_IS_BLACKLISTED``), as is any
  number in ``blacklist`` (a STOP reply adds its number there);
* SMS: a number that is not an allocated one (``read_gsm``) is ``<gsm>_IS_INVALID``; the others,
  landlines included, are sent. The text is counted in network parts (``gsm``), with the route
  ``M`` STOP mention for mainland French recipients: over one SMS, or four with ``long=yes``, is
  ``TOO_LONG_MESSAGE``; a sender over 11 characters gives the ``TOO_LONG_SENDER`` warning and
  the message goes from the short code;
* VMS: the caller must be a French landline (``INVALID_SENDER``); ``voice_msg`` must name one of
  ``RECORDINGS`` (``INVALID_VOICE_MSG``), whose duration must be 15–59 s, like a ``tts`` text
  spoken at 150 words a minute (``VOICE_MSG_NOT_RECORDED``); any number that is not French, not
  a mobile for type ``DD`` (the default) or neither a landline nor a mobile for ``AD``, refuses
  the whole request (``INVALID_RECIPIENT``);
* after a send, each recipient gets a delivery callback (``GET ?id=&gsm=&status=&network=&date=``)
  to the URL set with ``/_sandbox/callbacks``: ``INVALID_DESTINATION_ADDRESS`` for numbers ending
  in ``00``, ``DELIVERED`` otherwise, after the callback delay plus the wait until ``prog``. The
  voice spec mentions delivery reports without their format; the sandbox uses the SMS one;
* SMS sent from the short code (no sender) to a French mobile: a number ending in ``98`` answers
  ``STOP`` (``GET ?num=&message=STOP``, and the number joins the blacklist), one ending in ``97``
  answers ``Oui merci``, one callback delay after the delivery report — the spec only forwards
  replies to short-code sends to French mobiles.

Requests the specs do not cover (no ``XML`` field, malformed XML, an unreadable ``prog`` or
``type``) get HTTP 400 with a line starting ``sandbox:``.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from aiohttp import web
from lxml import etree
from phonenumbers import PhoneNumber

from providers.sandbox import numbers
from providers.sandbox.common import SANDBOX_LOGIN, SANDBOX_SECRET, SandboxBase
from providers.sandbox.gsm import sms_parts
from providers.xml import XmlRefused, child_text, parse

PARIS = ZoneInfo("Europe/Paris")
ENCODING = "ISO-8859-15"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
START_BALANCE = Decimal(1000)
NETWORKS = ("Orange", "SFR", "Bouygues Telecom", "Free Mobile")

# SMS spec: "sender : ... sender personnalisé (11 caractères max.)", and TOO_LONG_SENDER.
MAX_SENDER = 11
# SMS spec: "long : ... si "yes" concaténation de SMS possibles (jusqu'à 4 SMS)"; one otherwise.
MAX_PARTS, MAX_PARTS_LONG = 1, 4
# SMS spec: route "M" appends " STOP au 36XXX" (14 characters), in mainland France only.
STOP_MENTION = " STOP au 36XXX"
# VMS spec: "la durée du message vocal doit être comprise entre 15 et 59 secondes".
VOICE_MIN_SECONDS, VOICE_MAX_SECONDS = 15, 59
#: The simulated text-to-speech engine speaks this many words a minute (our model, not the
#: spec's: it gives no rate).
TTS_WORDS_PER_MINUTE = 150

#: Messages "recorded on the platform" and their durations in seconds.
RECORDINGS: dict[str, int] = {"Promo hiver": 32, "Rappel RDV": 18, "Bip": 4}
#: Replies simulated for SMS sent to numbers with these endings (see the module docstring).
REPLIES = {"98": "STOP", "97": "Oui merci"}


class BadRequest(Exception):
    """Something the specs do not cover: answered with HTTP 400."""


def form_field(body: bytes, name: bytes) -> bytes | None:
    """The percent-decoded bytes of one form field (``parse_qs`` would decode them as UTF-8)."""
    for pair in body.split(b"&"):
        key, _, value = pair.partition(b"=")
        if urllib.parse.unquote_to_bytes(key.replace(b"+", b" ")) == name:
            return urllib.parse.unquote_to_bytes(value.replace(b"+", b" "))
    return None


def read_gsm(gsm: str) -> PhoneNumber | None:
    """A ``<gsm>`` as the platform reads it.

    SMS spec: "si l'indicatif international n'est pas indiqué, le numéro est considéré comme
    provenant de France Métropolitaine", and its example lists ``0611223344`` (national),
    ``34622334455`` (international without ``+``) and ``633445566`` (national without its 0).
    So: ``+`` or ``00`` is international; a leading 0 or nine digits or fewer is French; more
    digits without a leading 0 start with their country code.
    """
    compact = "".join(gsm.split())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif not compact.startswith(("+", "0")) and len(compact) > 9:
        compact = "+" + compact
    return numbers.parse(compact, "FR")


def read_number(gsm: str) -> str | None:
    """``read_gsm`` in E.164 form."""
    number = read_gsm(gsm)
    return None if number is None else numbers.e164(number)


@dataclass
class _CapitoleSandbox(SandboxBase):
    balance: Decimal = START_BALANCE
    blacklist: set[str] = field(default_factory=set)  # international digits

    root_tag: ClassVar[str] = ""

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post(self.api_path, self._send)
        app.router.add_post(self.api_path + "_test", self._echo)

    def set_balance(self, amount: Decimal) -> Decimal:
        self.balance = amount
        return self.balance

    # -- the two endpoints ----------------------------------------------------------------------
    async def _echo(self, request: web.Request) -> web.Response:
        xml = form_field(await request.read(), b"XML") or b""
        return _text(f"IP: {request.remote}\n{xml.decode(ENCODING)}")

    async def _send(self, request: web.Request) -> web.Response:
        xml = form_field(await request.read(), b"XML")
        try:
            if not xml:
                raise BadRequest("no XML field")
            try:
                root = parse(xml.decode(ENCODING))
            except XmlRefused as exc:
                raise BadRequest(str(exc)) from None
            if root.tag != self.root_tag:
                raise BadRequest(f"the document must start with <{self.root_tag}>")
            if not _authenticated(root):
                return _text("AUTH_FAILED")
            lines = self.process(root)
        except BadRequest as exc:
            return _text(f"sandbox: {exc}", status=400)
        lines[-1] += f";{self.balance}"
        return _text("\n".join(lines))

    def process(self, root: etree._Element) -> list[str]:
        raise NotImplementedError

    # -- shared rules ---------------------------------------------------------------------------
    def is_blacklisted(self, number: PhoneNumber) -> bool:
        digits = numbers.international_digits(number)
        return digits.endswith("99") or digits in self.blacklist

    def charge(self, cost: int) -> bool:
        if cost > self.balance:
            return False
        self.balance -= cost
        return True

    def report(self, number: PhoneNumber, campaign_id: str, wait: float) -> None:
        digits = numbers.international_digits(number)
        status = "INVALID_DESTINATION_ADDRESS" if digits.endswith("00") else "DELIVERED"
        mobile = numbers.is_mobile(number)
        network = NETWORKS[int(digits[-3]) % len(NETWORKS)] if mobile else "Orange"
        params = {
            "id": campaign_id,
            "gsm": digits,
            "status": status,
            "network": network,
            "date": datetime.now(PARIS).strftime(DATE_FORMAT),
        }
        self.schedule_callback("GET", params=params, delay=wait)


@dataclass
class CapitoleSmsSandbox(_CapitoleSandbox):
    name: str = "capitole-sms"
    api_path: ClassVar[str] = "/api/sendsms/xml"
    root_tag: ClassVar[str] = "SMS"

    def process(self, root: etree._Element) -> list[str]:
        message = root.find("message")
        node = None if message is None else message.find("text")
        text = "" if node is None or node.text is None else node.text
        if not text.strip():
            return ["EMPTY_MESSAGE"]
        gsms = [(g.text or "").strip() for g in root.iterfind("recipients/gsm")]
        gsms = [g for g in gsms if g]
        if not gsms:
            return ["NO_RECIPIENT"]
        read = [(gsm, read_gsm(gsm)) for gsm in gsms]
        marketing = _field(message, "route").upper() == "M"
        limit = MAX_PARTS_LONG if _field(message, "long").lower() == "yes" else MAX_PARTS
        # The mention is added for mainland France only: a text may fit abroad and not at home.
        abroad = sms_parts(text)
        at_home = sms_parts(text + STOP_MENTION) if marketing else abroad
        french = any(n is not None and numbers.is_metropolitan_french(n) for _, n in read)
        if (at_home if french else abroad) > limit:
            return ["TOO_LONG_MESSAGE"]
        wait = self.callbacks.delay + _seconds_until(_field(message, "prog"))
        lines: list[str] = []
        accepted: list[PhoneNumber] = []
        for gsm, number in read:
            # SMS spec: "gsm : Numéro de téléphone": any allocated number, landlines included
            # (unlike the VMS spec, it names no line type); only unreadable ones are invalid.
            if number is None:
                lines.append(f"{gsm}_IS_INVALID")
            elif self.is_blacklisted(number):
                lines.append(f"{gsm}_IS_BLACKLISTED")
            else:
                accepted.append(number)
        if not accepted:
            return lines
        cost = sum(at_home if numbers.is_metropolitan_french(n) else abroad for n in accepted)
        if not self.charge(cost):
            return ["NOT_ENOUGH_CREDITS"]
        sender = _field(message, "sender")
        if len(sender) > MAX_SENDER:
            lines.append("TOO_LONG_SENDER")
            sender = ""  # replaced by the short code
        lines.append("SENDING_OK")
        campaign_id = _field(message, "id")
        for number in accepted:
            self.report(number, campaign_id, wait)
            if not sender:
                self._maybe_reply(number, wait + self.callbacks.delay)
        return lines

    def _maybe_reply(self, number: PhoneNumber, wait: float) -> None:
        # SMS spec: replies come back only "à destination de n° mobiles français
        # métropolitains, sans personnalisation de l'émetteur (n° court)".
        if not (numbers.is_metropolitan_french(number) and numbers.is_mobile(number)):
            return
        digits = numbers.international_digits(number)
        answer = REPLIES.get(digits[-2:])
        if answer is None:
            return
        self.schedule_callback("GET", params={"num": digits, "message": answer}, delay=wait)
        if answer == "STOP":
            # The platform blacklists the number when the STOP arrives, not when we send.
            asyncio.get_running_loop().call_later(wait, self.blacklist.add, digits)


@dataclass
class CapitoleVmsSandbox(_CapitoleSandbox):
    name: str = "capitole-vms"
    api_path: ClassVar[str] = "/api/sendvms/xml"
    root_tag: ClassVar[str] = "VMS"

    def process(self, root: etree._Element) -> list[str]:
        message = root.find("message")
        # VMS spec: "sender : Numéro appelant (numéro de fixe français métropolitain)".
        caller = read_gsm(_field(message, "sender"))
        if caller is None or not _french_landline(caller):
            return ["INVALID_SENDER"]
        voice_error = _voice_error(_field(message, "voice_msg"), _field(message, "tts"))
        if voice_error:
            return [voice_error]
        vms_type = _field(message, "type").upper() or "DD"
        if vms_type not in ("AD", "DD"):
            raise BadRequest(f"unknown type {vms_type!r} (AD or DD)")
        gsms = [(g.text or "").strip() for g in root.iterfind("recipients/gsm")]
        if not gsms or not all(gsms):
            return ["NO_RECIPIENT"]
        read: list[tuple[str, PhoneNumber]] = []
        for gsm in gsms:
            number = read_gsm(gsm)
            # VMS spec: "AD" reaches "n° fixes et mobiles", "DD" "n° mobiles uniquement",
            # French metropolitan numbers only.
            if number is None or not numbers.is_metropolitan_french(number):
                return ["INVALID_RECIPIENT"]
            if not (numbers.is_mobile(number) or (vms_type == "AD" and _french_landline(number))):
                return ["INVALID_RECIPIENT"]
            read.append((gsm, number))
        lines = [f"{gsm}_IS_BLACKLISTED" for gsm, number in read if self.is_blacklisted(number)]
        accepted = [number for _, number in read if not self.is_blacklisted(number)]
        if not accepted:
            return lines
        if not self.charge(len(accepted)):
            return ["NOT_ENOUGH_CREDITS"]
        campaign_id = _field(message, "id")
        for number in accepted:
            self.report(number, campaign_id, self.callbacks.delay)
        return [*lines, "SENDING_OK"]


def _french_landline(number: PhoneNumber) -> bool:
    return numbers.is_metropolitan_french(number) and numbers.is_landline(number)


def tts_seconds(text: str) -> float:
    """How long the simulated engine speaks ``text``: words holding a letter or a digit."""
    words = [w for w in text.split() if any(ch.isalnum() for ch in w)]
    return len(words) * 60 / TTS_WORDS_PER_MINUTE


def _voice_error(voice_msg: str, tts: str) -> str | None:
    if voice_msg:
        duration = RECORDINGS.get(voice_msg)
        if duration is None:
            return "INVALID_VOICE_MSG"
    elif tts:
        duration = round(tts_seconds(tts))
    else:
        return "INVALID_VOICE_MSG"
    if not VOICE_MIN_SECONDS <= duration <= VOICE_MAX_SECONDS:
        return "VOICE_MSG_NOT_RECORDED"
    return None


def _authenticated(root: etree._Element) -> bool:
    auth = root.find("authentification")
    if auth is None:
        return False
    return (
        child_text(auth, "username") == SANDBOX_LOGIN
        and child_text(auth, "password") == SANDBOX_SECRET
    )


def _field(parent: etree._Element | None, tag: str) -> str:
    if parent is None:
        return ""
    return child_text(parent, tag) or ""


def _seconds_until(prog: str) -> float:
    if not prog:
        return 0.0
    try:
        when = datetime.strptime(prog, DATE_FORMAT).replace(tzinfo=PARIS)
    except ValueError:
        raise BadRequest(f"prog {prog!r} is not aaaa-mm-jj hh:mm:ss") from None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _text(body: str, status: int = 200) -> web.Response:
    return web.Response(
        status=status,
        body=body.encode(ENCODING, errors="replace"),
        content_type="text/plain",
        charset=ENCODING,
    )
