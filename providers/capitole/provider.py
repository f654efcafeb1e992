"""CapitoleMobile: SMS (``sendsms/xml``) and voice messages (``sendvms/xml``).

Both APIs take one form field, ``XML``, holding an XML document encoded in ISO-8859-15 and
percent-encoded byte by byte (``€`` travels as ``%A4``), and answer plain text such as
``SENDING_OK;9542`` (see ``codes``). Local rules and the XML live in ``rules``.

* **Dry run** posts the very same body to the provider's test URL (``xml_test``), which echoes
  the caller's IP and the XML as received and sends nothing. The specs only document it for SMS;
  for voice we infer ``sendvms/xml_test`` by analogy (option ``vms_test_url``). The echo is kept
  in ``SendReceipt.echo`` with the password blanked out, and compared with what we sent: any
  difference (a mangled accent) becomes a warning.
* **Balance**: there is no balance call. Every reply that carries one updates ``last_balance``
  (amount and time); ``balance()`` raises ``ProviderError("UNSUPPORTED")`` carrying it.
* **Batches of 500 recipients**: the specs state no maximum. 500 keeps a request around 15 kB,
  bounds what one refused request (an error code fails the whole request) holds back, and lets
  the operator see progress and cancel between requests.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import ClassVar

import httpx
from lxml import etree

from providers.base import AccountSettings, Capability
from providers.capitole import CAPABILITIES, DEFAULT_SMS_URL, DEFAULT_VMS_URL, TEST_SUFFIX
from providers.capitole import codes as codes
from providers.capitole import rules as rules
from providers.capitole.codes import KIND
from providers.errors import InputError, ProviderError
from providers.http import FORM_CONTENT_TYPE, make_client, request
from providers.models import (
    Balance,
    RecipientResult,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)
from providers.prepared import LastPrepared
from providers.redact import guard_provider, scrub
from providers.xml import XmlRefused, parse

FORM_HEADERS = {"Content-Type": FORM_CONTENT_TYPE}


@dataclass(frozen=True)
class LastBalance:
    """The balance a reply carried, and when we read it."""

    amount: Decimal
    as_of: datetime


@guard_provider
class CapitoleProvider:
    kind: ClassVar[str] = KIND
    capabilities: ClassVar[Capability] = CAPABILITIES

    def __init__(
        self,
        settings: AccountSettings,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self._secret = secret
        options = settings.options
        self.sms_url = options.get("sms_url") or DEFAULT_SMS_URL
        self.vms_url = options.get("vms_url") or DEFAULT_VMS_URL
        self.sms_test_url = options.get("sms_test_url") or self.sms_url + TEST_SUFFIX
        self.vms_test_url = options.get("vms_test_url") or self.vms_url + TEST_SUFFIX
        self.last_balance: LastBalance | None = None
        self._client = make_client(transport)
        self._prepared: LastPrepared[tuple[bytes, bytes]] = LastPrepared()

    def __repr__(self) -> str:
        return f"CapitoleProvider(account={self.settings.name!r}, login={self.settings.login!r})"

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- validation -----------------------------------------------------------------------------
    def validate_sms(self, message: SmsMessage) -> None:
        self._prepared.keep(message, self._sms_xml(message))

    def _sms_xml(self, message: SmsMessage) -> tuple[bytes, bytes]:
        """The message checked, then its XML document and the form body carrying it.

        Both built here: validation runs while the previous batch's request is out, so the
        send of this one has nothing left to build."""
        rules.check_credentials(self.settings.login, self._secret)
        rules.check_sms(message)
        xml = rules.sms_xml(message, self.settings.login, self._secret)
        return xml, rules.form_body(xml)

    def validate_voice(self, message: VoiceMessage) -> None:
        rules.check_credentials(self.settings.login, self._secret)
        rules.check_voice(message)

    # -- sending --------------------------------------------------------------------------------
    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
        # Checked (and built) already when this very message was validated last.
        xml, body = self._prepared.take(message) or self._sms_xml(message)
        if dry_run:
            return await self._dry_run(
                "sms_test_url", self.sms_test_url, self.sms_url, xml, message, body
            )
        return await self._send(self.sms_url, body, message.recipients, message.campaign_id)

    async def send_voice(self, message: VoiceMessage, *, dry_run: bool = False) -> SendReceipt:
        self.validate_voice(message)
        xml = rules.vms_xml(message, self.settings.login, self._secret)
        body = rules.form_body(xml)
        if dry_run:
            return await self._dry_run(
                "vms_test_url", self.vms_test_url, self.vms_url, xml, message, body
            )
        return await self._send(self.vms_url, body, message.recipients, message.campaign_id)

    async def _send(
        self, url: str, body: bytes, recipients: Sequence[str], reference: str | None
    ) -> SendReceipt:
        response = await request(
            self._client, KIND, "POST", url, sends=True, content=body, headers=FORM_HEADERS
        )
        reply = codes.parse_reply(_decode(response), self._secret)
        self._note_balance(reply)
        _refuse_http_error(response, reply)
        return codes.receipt_from_reply(reply, recipients, reference)

    async def _dry_run(
        self,
        option: str,
        test_url: str,
        live_url: str,
        xml: bytes,
        message: SmsMessage | VoiceMessage,
        body: bytes,
    ) -> SendReceipt:
        if test_url.rstrip("/") == live_url.rstrip("/"):
            raise InputError(option, "the test URL is the sending URL: a dry run would send")
        response = await request(
            self._client,
            KIND,
            "POST",
            test_url,
            sends=False,
            content=body,
            headers=FORM_HEADERS,
        )
        echo = _decode(response)
        reply = codes.parse_reply(echo, self._secret)
        self._note_balance(reply)
        _refuse_http_error(response, reply)
        if reply.clean:
            # Codes instead of an echo: an error (AUTH_FAILED...) raises; a success means the
            # test URL may really have sent, which the receipt must not hide.
            receipt = codes.receipt_from_reply(reply, message.recipients, message.campaign_id)
            warning = "the test URL answered like a real send: the message may have been sent"
            return replace(receipt, warnings=(warning, *receipt.warnings))
        return SendReceipt(
            provider=KIND,
            status=SendStatus.DRY_RUN,
            recipients=tuple(RecipientResult(n, SendStatus.DRY_RUN) for n in message.recipients),
            reference=message.campaign_id,
            warnings=_echo_differences(echo, xml),
            # The password element is blanked whatever its content: a secret too short to be
            # scrubbed as text, or echoed transformed, must not be shown either.
            echo=scrub(echo, self._secret, elements=("password",)),
        )

    # -- balance --------------------------------------------------------------------------------
    async def balance(self) -> Balance:
        last = self.last_balance
        meaning = "CapitoleMobile has no balance call; the balance is known only from send replies"
        if last is not None:
            meaning += f" (last seen: {last.amount} at {last.as_of:%Y-%m-%d %H:%M} UTC)"
        raise ProviderError(
            KIND, "UNSUPPORTED", meaning, balance=None if last is None else str(last.amount)
        )

    def _note_balance(self, reply: codes.Reply) -> None:
        if reply.balance is not None:
            self.last_balance = LastBalance(reply.balance, datetime.now(UTC))


def _decode(response: httpx.Response) -> str:
    """The reply as text: the declared charset when it fits, else ISO-8859-15 (never fails)."""
    declared = response.charset_encoding
    if declared:
        try:
            return response.content.decode(declared)
        except (LookupError, UnicodeDecodeError):
            pass
    return response.content.decode(rules.ENCODING)


def _refuse_http_error(response: httpx.Response, reply: codes.Reply) -> None:
    """A redirect or 4xx without a readable code: the server turned the request away."""
    status = response.status_code
    if status >= 300 and not reply.clean:
        raise ProviderError(
            KIND,
            f"HTTP {status}",
            f"the provider turned the request away with HTTP {status} (check the URL); "
            "nothing was sent",
            reply.raw,
        )


def _leaves(root: etree._Element) -> list[tuple[str, str]]:
    return [
        (str(el.tag), (el.text or "").strip())
        for el in root.iter()
        if len(el) == 0 and el.tag != "password"
    ]


def _echo_differences(echo: str, sent: bytes) -> tuple[str, ...]:
    """Compare the echoed XML with ours, field by field (the password aside)."""
    expected = parse(sent)
    tag = str(expected.tag)
    text = echo if f"<{tag}" in echo else html.unescape(echo)
    start, end = text.find(f"<{tag}"), text.rfind(f"</{tag}>")
    if start < 0 or end < 0:
        return ("the echo holds no readable XML; compare it with the message by eye",)
    try:
        echoed = parse(text[start : end + len(tag) + 3])
    except XmlRefused:
        return ("the echoed XML is malformed; compare it with the message by eye",)
    ours, theirs = _leaves(expected), _leaves(echoed)
    if [t for t, _ in ours] != [t for t, _ in theirs]:
        return ("the echoed XML does not have the structure that was sent",)
    return tuple(
        f"the provider received <{t}> as {got[:80]!r} instead of {want[:80]!r} "
        "(an encoding problem?)"
        for (t, want), (_, got) in zip(ours, theirs, strict=True)
        if want != got
    )
