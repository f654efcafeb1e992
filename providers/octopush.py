"""Octopush, historic API (``https://www.octopush-dm.com/api``): SMS sending and balance.

A send is one form POST (UTF-8) to ``/sms`` (XML reply) or ``/sms/json`` (JSON reply). Octopush
answers HTTP 200 even when it refuses: the outcome is ``error_code`` (``000`` = accepted), read
by ``providers.octopush_codes``.

Decisions (see also the option descriptions in ``INFO``):

* **SMS type.** ``XXX`` low cost, ``FR`` premium, ``WWW`` world. The account option ``sms_type``
  wins when set. When it is not set, the message's route decides: marketing goes ``FR`` (the
  premium route, where Octopush enforces the opt-out mention), notification goes ``XXX``.
* **STOP mention.** Octopush refuses ``FR`` texts without the exact ``STOP au XXXXX`` (code 121);
  it adds nothing itself, so the mention is checked here and is part of the counted text.
* **Sender.** Only ``FR``/``WWW`` carry one (``sms_sender``). A sender typed on a low-cost message
  is refused rather than silently dropped; the account's default sender is simply not used.
* **Campaign id.** The historic API has none: the ``ticket`` of the reply identifies the send
  (``SendReceipt.reference``). A message with a campaign id is refused.
* **Duplicates.** ``msg.request_id`` goes out as ``request_id``; Octopush refuses a second request
  with the same id (code 120) without sending it, which makes a knowing resend safe.
* **Dry run** is Octopush's own simulation (``request_mode=simu``): a real request that Octopush
  validates and prices without sending anything.
* **Batches** of 500 recipients (``INFO.batch_size``): Octopush documents no maximum; 500 numbers
  keep a request body around 8 kB and its reply (one entry per number) small, and give the
  orchestrator a progress/cancel point every 500 numbers. Each batch needs its own request_id.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from enum import StrEnum
from typing import ClassVar, NoReturn
from urllib.parse import urlencode

import httpx

from . import phone
from .base import AccountSettings, Capability, OptionSpec, ProviderInfo
from .errors import AuthenticationError, InputError, OutcomeUnknownError, ProviderError
from .http import FORM_CONTENT_TYPE, make_client, request
from .models import (
    Balance,
    BalanceLine,
    RecipientResult,
    Route,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)
from .octopush_codes import AUTHENTICATION, RETRYABLE, Reply, ReplyUnreadable, meaning, parse_reply
from .text import check_sms_text

PROVIDER = "octopush"
DEFAULT_BASE_URL = "https://www.octopush-dm.com/api"
MAX_TEXT_CHARS = 459  # sms_text, per the spec; Octopush concatenates up to this length itself
STOP_MENTION = "STOP au XXXXX"
MAX_REQUEST_ID = 64  # ours: the provider documents no length; the id must stay a short token

_SENDER = re.compile(r"[A-Za-z0-9]{3,11}")
_REQUEST_ID = re.compile(r"[A-Za-z0-9]+")


class SmsType(StrEnum):
    LOW_COST = "XXX"
    PREMIUM = "FR"
    WORLD = "WWW"


_TYPE_LABELS = {
    "FR": "Premium SMS, France (FR)",
    "XXX": "Low-cost SMS, France (XXX)",
    "WWW": "World SMS (WWW)",
}

CAPABILITIES = (
    Capability.SMS
    | Capability.BALANCE
    | Capability.DRY_RUN
    | Capability.SCHEDULE
    | Capability.ROUTE
    | Capability.LONG_SMS
)

# --------------------------------------------------------------------------- sending_date
#
# The spec wants sending_date as "a timestamp, in GMT+1". Octopush reads the number as the
# seconds elapsed on a GMT+1 wall clock since that clock showed 1970-01-01 00:00: it turns the
# number into a calendar date with no offset, and takes that date as GMT+1 time. So the number
# to send is the GMT+1 wall-clock time of the instant, counted as if it were UTC; that is the
# true Unix time plus 3600 s, all year round. GMT+1 is a fixed offset (Paris winter time): in
# summer, 12:00 in Paris (GMT+2) is 11:00 GMT+1, and the number says 11:00.

GMT_PLUS_ONE = timezone(timedelta(hours=1), "GMT+1")
_WALL_EPOCH = datetime(1970, 1, 1)


def sending_timestamp(when: datetime) -> int:
    """The ``sending_date`` Octopush expects for the aware instant ``when`` (whole seconds)."""
    if when.tzinfo is None or when.utcoffset() is None:
        raise InputError("schedule", "the date has no time zone; give an aware datetime")
    wall = when.astimezone(GMT_PLUS_ONE).replace(tzinfo=None)
    return (wall - _WALL_EPOCH) // timedelta(seconds=1)


def from_sending_timestamp(value: int) -> datetime:
    """The instant an Octopush ``sending_date`` stands for (inverse of ``sending_timestamp``)."""
    return datetime(1970, 1, 1, tzinfo=GMT_PLUS_ONE) + timedelta(seconds=value)


def _now() -> datetime:
    return datetime.now(UTC)


# --------------------------------------------------------------------------- options


def _sms_type_option(value: str | None) -> SmsType | None:
    text = (value or "").strip().upper()
    if not text:
        return None
    try:
        return SmsType(text)
    except ValueError:
        raise InputError(
            "sms_type", f"{value!r} is not an Octopush SMS type; use XXX, FR or WWW"
        ) from None


def _reply_format_option(value: str | None) -> str:
    text = (value or "json").strip().lower()
    if text not in ("json", "xml"):
        raise InputError("reply_format", f"{value!r} is not a reply format; use json or xml")
    return text


@dataclass(frozen=True)
class _Prepared:
    """What validation decided: the exact form fields of the send, in order."""

    fields: tuple[tuple[str, str], ...]
    recipients: tuple[str, ...]
    sending_date: int | None


class OctopushProvider:
    kind: ClassVar[str] = PROVIDER
    capabilities: ClassVar[Capability] = CAPABILITIES

    def __init__(
        self,
        settings: AccountSettings,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        options = settings.options
        self._sms_type = _sms_type_option(options.get("sms_type"))
        self._reply_format = _reply_format_option(options.get("reply_format"))
        self._base_url = (options.get("base_url") or DEFAULT_BASE_URL).strip().rstrip("/")
        self._default_sender = (options.get("sender") or "").strip() or None
        self._settings = settings
        self._secret = secret
        self._client = make_client(transport)

    def __repr__(self) -> str:
        return (
            f"OctopushProvider(account={self._settings.name!r}, "
            f"login={self._settings.login!r}, base_url={self._base_url!r})"
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _url(self, operation: str) -> str:
        suffix = "/json" if self._reply_format == "json" else ""
        return f"{self._base_url}/{operation}{suffix}"

    # ------------------------------------------------------------------------- validation

    def sms_type_for(self, route: Route) -> SmsType:
        if self._sms_type is not None:
            return self._sms_type
        return SmsType.PREMIUM if route is Route.MARKETING else SmsType.LOW_COST

    def validate_voice(self, message: VoiceMessage) -> NoReturn:
        raise InputError("channel", "Octopush (historic API) sends SMS only, not voice messages")

    def validate_sms(self, message: SmsMessage) -> None:
        self._prepare(message)

    def _prepare(self, message: SmsMessage) -> _Prepared:
        if not self._settings.login.strip():
            raise InputError("login", "the Octopush login (the account's e-mail) is empty")
        self._refuse_foreign_fields(message)
        recipients = _check_recipients(message.recipients)
        sms_type = self.sms_type_for(message.route)
        _check_text(message.text, sms_type)
        sender = self._sender(message, sms_type)
        sending_date = _check_schedule(message.schedule)
        fields: list[tuple[str, str]] = [
            ("user_login", self._settings.login.strip()),
            ("api_key", self._secret),
            ("sms_recipients", ",".join(phone.for_octopush(number) for number in recipients)),
            ("sms_text", message.text),
            ("sms_type", sms_type.value),
        ]
        if sender is not None:
            fields.append(("sms_sender", sender))
        fields.append(("sms_mode", "1" if sending_date is None else "2"))
        if sending_date is not None:
            fields.append(("sending_date", str(sending_date)))
        if message.request_id is not None:
            fields.append(("request_id", _check_request_id(message.request_id)))
        return _Prepared(tuple(fields), recipients, sending_date)

    @staticmethod
    def _refuse_foreign_fields(message: SmsMessage) -> None:
        if message.campaign_id:
            raise InputError(
                "campaign_id",
                "Octopush (historic API) has no campaign id; the ticket it returns identifies "
                "the send. Remove the campaign id.",
            )
        if message.template_id or message.group is not None or message.caller_id:
            raise InputError(
                "template_id" if message.template_id else "group" if message.group else "caller_id",
                "templates, groups and caller ids are eCampaign features; Octopush sends the "
                "text to the numbers given",
            )

    def _sender(self, message: SmsMessage, sms_type: SmsType) -> str | None:
        typed = (message.sender or "").strip() or None
        if sms_type is SmsType.LOW_COST:
            if typed is not None:
                raise InputError(
                    "sender",
                    "low-cost SMS (sms_type XXX) cannot carry a sender; remove it or use the "
                    "FR or WWW type",
                )
            return None  # the account's default sender applies to FR/WWW only
        sender = typed or self._default_sender
        if sender is not None and not _SENDER.fullmatch(sender):
            where = "sender" if typed else "account option 'sender'"
            raise InputError(
                "sender",
                f"{where} {sender!r} is invalid: 3 to 11 characters among a-z, A-Z and 0-9, "
                "without space, accent or punctuation",
            )
        return sender

    # ------------------------------------------------------------------------- operations

    async def send_voice(self, message: VoiceMessage, *, dry_run: bool = False) -> SendReceipt:
        self.validate_voice(message)

    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
        prepared = self._prepare(message)
        fields = list(prepared.fields)
        if dry_run:
            fields.append(("request_mode", "simu"))
        # A simulation spends nothing: its failures are ordinary errors, not unknown outcomes.
        sends = not dry_run
        reply = await self._call("sms", fields, sends=sends)
        return self._receipt(reply, prepared, dry_run=dry_run)

    async def balance(self) -> Balance:
        if not self._settings.login.strip():
            raise InputError("login", "the Octopush login (the account's e-mail) is empty")
        fields = [("user_login", self._settings.login.strip()), ("api_key", self._secret)]
        reply = await self._call("balance", fields, sends=False)
        lines = tuple(
            BalanceLine(
                label=_TYPE_LABELS.get(kind, f"SMS type {kind}"),
                amount=amount,
                unit="SMS",
                route_id=kind,
                channel="sms",
            )
            for kind, amount in reply.balances.items()
        )
        if not lines:
            raise ProviderError(PROVIDER, "BAD_REPLY", "the balance reply lists no balance")
        return Balance(PROVIDER, lines, as_of=_now())

    async def _call(self, operation: str, fields: list[tuple[str, str]], *, sends: bool) -> Reply:
        # urlencode writes UTF-8 percent-escapes (é → %C3%A9, + → %2B): the body is built here,
        # not by httpx, so that tests can assert the exact bytes.
        body = urlencode(fields).encode("ascii")
        response = await request(
            self._client,
            PROVIDER,
            "POST",
            self._url(operation),
            sends=sends,
            content=body,
            headers={"Content-Type": FORM_CONTENT_TYPE},
        )
        original = self._scrub(response.content[:500].decode("utf-8", errors="replace"))
        if 400 <= response.status_code < 500:
            # The request was refused before processing (wrong base_url, proxy...): not sent.
            raise ProviderError(
                PROVIDER,
                f"HTTP {response.status_code}",
                f"the server refused the request with HTTP {response.status_code}; "
                "check the account's base_url",
                original,
            )
        try:
            reply = parse_reply(response.content, self._reply_format)
        except ReplyUnreadable as exc:
            if sends:
                raise OutcomeUnknownError(
                    PROVIDER,
                    f"the reply could not be read ({exc}); the SMS may have been sent",
                    original,
                ) from None
            raise ProviderError(
                PROVIDER, "BAD_REPLY", f"the reply could not be read ({exc})", original
            ) from None
        if not reply.ok:
            raise self._refusal(reply, original)
        return reply

    def _refusal(self, reply: Reply, original: str) -> ProviderError:
        code = reply.error_code
        error_class = AuthenticationError if code in AUTHENTICATION else ProviderError
        return error_class(
            PROVIDER,
            code,
            meaning(code),
            original,
            retryable=code in RETRYABLE,
            balance=str(reply.balance) if reply.balance is not None else None,
        )

    def _scrub(self, text: str) -> str:
        return text.replace(self._secret, "***") if self._secret else text

    @staticmethod
    def _receipt(reply: Reply, prepared: _Prepared, *, dry_run: bool) -> SendReceipt:
        failures = {failure.recipient: failure for failure in reply.failures}
        successes = {success.recipient: success for success in reply.successes}
        ok_status = SendStatus.DRY_RUN if dry_run else SendStatus.ACCEPTED
        results: list[RecipientResult] = []
        for number in prepared.recipients:
            failure = failures.pop(number, None)
            if failure is not None:
                results.append(_rejected(number, failure.error_code))
                continue
            success = successes.get(number)
            results.append(
                RecipientResult(number, ok_status, cost=success.cost if success else None)
            )
        # Numbers the provider reports in a form we did not send: shown, never hidden.
        results.extend(_rejected(number, f.error_code) for number, f in failures.items())
        if dry_run:
            status = SendStatus.DRY_RUN
        elif any(result.status is SendStatus.ACCEPTED for result in results):
            status = SendStatus.ACCEPTED
        else:
            status = SendStatus.REJECTED
        warnings: list[str] = []
        if (
            prepared.sending_date is not None
            and reply.sending_date is not None
            and reply.sending_date != prepared.sending_date
        ):
            warnings.append(
                "Octopush scheduled the send for "
                f"{from_sending_timestamp(reply.sending_date).isoformat()}, not for "
                f"{from_sending_timestamp(prepared.sending_date).isoformat()} as asked"
            )
        currency = reply.currency_code
        return SendReceipt(
            provider=PROVIDER,
            status=status,
            recipients=tuple(results),
            balance=reply.balance,
            cost=reply.cost,
            currency="EUR" if currency in ("€", "EUR") else currency,
            reference=reply.ticket,
            warnings=tuple(warnings),
        )


def _rejected(number: str, code: str | None) -> RecipientResult:
    error = f"{code}: {meaning(code)}" if code else "refused by Octopush (no code given)"
    return RecipientResult(number, SendStatus.REJECTED, error=error)


# --------------------------------------------------------------------------- field checks


def _check_recipients(recipients: tuple[str, ...]) -> tuple[str, ...]:
    if not recipients:
        raise InputError("recipients", "the message has no recipient")
    seen: set[str] = set()
    for number in recipients:
        e164 = phone.normalise(number, field="recipients")
        if e164 != number:
            raise InputError("recipients", f"{number!r} is not in E.164 form ({e164})")
        # Only French ranges say reliably "mobile"; elsewhere the provider judges.
        if phone.is_french(number):
            phone.require_mobile(number, "an SMS needs a mobile number")
        if number in seen:
            raise InputError("recipients", f"{phone.display(number)} is listed twice")
        seen.add(number)
    return tuple(recipients)


def _check_text(text: str, sms_type: SmsType) -> None:
    # Octopush adds nothing to the text (the STOP mention is typed by the operator), so what
    # is counted is exactly what is sent: count it without a route-added mention.
    check_sms_text(text, PROVIDER, route=Route.NOTIFICATION, long=True)
    if len(text) > MAX_TEXT_CHARS:
        raise InputError(
            "text", f"{len(text)} characters; Octopush takes at most {MAX_TEXT_CHARS}"
        )
    if sms_type is SmsType.PREMIUM and STOP_MENTION not in text:
        raise InputError(
            "text",
            f'premium SMS (sms_type FR) must contain the exact mention "{STOP_MENTION}" '
            "(same case, five X; Octopush puts its short number there); without it Octopush "
            "refuses the send (code 121)",
        )


def _check_schedule(schedule: datetime | None) -> int | None:
    if schedule is None:
        return None
    timestamp = sending_timestamp(schedule)  # refuses naive datetimes
    if schedule <= _now():
        raise InputError("schedule", f"{schedule.isoformat()} is in the past")
    return timestamp


def _check_request_id(request_id: str) -> str:
    if not _REQUEST_ID.fullmatch(request_id) or len(request_id) > MAX_REQUEST_ID:
        raise InputError(
            "request_id",
            f"{request_id!r} is invalid: 1 to {MAX_REQUEST_ID} characters among a-z, A-Z "
            "and 0-9",
        )
    return request_id


INFO = ProviderInfo(
    kind=PROVIDER,
    label="Octopush (historic API)",
    capabilities=CAPABILITIES,
    options=(
        OptionSpec("base_url", "API root (the /sms and /balance endpoints)", DEFAULT_BASE_URL),
        OptionSpec(
            "sms_type",
            "XXX low cost, FR premium (needs 'STOP au XXXXX' in the text), WWW world. When set "
            "it applies to every send; unset: FR for the marketing route, XXX otherwise",
        ),
        OptionSpec("sender", "default sender for FR/WWW sends: 3-11 characters a-z A-Z 0-9"),
        OptionSpec("reply_format", "json or xml: the reply format asked for", "json"),
    ),
    factory=OctopushProvider,
    login_label="login (account e-mail)",
    secret_label="API key",
    batch_size=500,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "INFO",
    "GMT_PLUS_ONE",
    "OctopushProvider",
    "SmsType",
    "from_sending_timestamp",
    "sending_timestamp",
]
