"""Octopush, historic API (``https://www.octopush-dm.com/api``): SMS sending and balance.

A send is one form POST (UTF-8) to ``/sms`` (XML reply) or ``/sms/json`` (JSON reply); the
balance is ``/balance`` or ``/balance/json``. Octopush answers HTTP 200 even when it refuses:
the outcome is ``error_code`` (``000`` = accepted), read by ``providers.octopush.codes``. Local
rules (SMS type from the route, sender, STOP mention, numbers, ``sending_date`` in GMT+1) live
in ``providers.octopush.rules``.

* **Campaign id.** The historic API has none: the reply's ``ticket`` identifies the send
  (``SendReceipt.reference``). A message with a campaign id is refused.
* **Duplicates.** ``msg.request_id`` goes out as ``request_id``; Octopush refuses a second
  request with the same id (code 120) without sending it, which makes a knowing resend safe;
  code 120 raises ``AlreadySentError`` (a ``ProviderError``), so that the orchestrator reports
  the batch as already sent rather than failed.
* **Dry run** is Octopush's own simulation (``request_mode=simu``): a real request that Octopush
  validates and prices without sending anything.
* **Batches** of 500 recipients (``INFO.batch_size``): Octopush documents no maximum; 500
  numbers keep a request body near 8 kB and its reply (one entry per number) small, and give
  the orchestrator a progress/cancel point. Each batch needs its own ``request_id``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, NoReturn

import httpx

from providers import phone
from providers.base import AccountSettings, Capability
from providers.errors import (
    AlreadySentError,
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
)
from providers.forms import form_encode
from providers.http import FORM_CONTENT_TYPE, make_client, request
from providers.models import (
    Balance,
    BalanceLine,
    RecipientResult,
    Route,
    SendReceipt,
    SendStatus,
    SmsMessage,
    VoiceMessage,
)
from providers.octopush import CAPABILITIES, DEFAULT_BASE_URL
from providers.octopush import rules as rules
from providers.octopush.codes import (
    ALREADY_RECEIVED,
    AUTHENTICATION,
    KIND,
    RETRYABLE,
    Reply,
    ReplyUnreadable,
    meaning,
    parse_reply,
)
from providers.octopush.rules import SmsType, from_sending_timestamp, sending_timestamp
from providers.phone import normalise
from providers.prepared import LastPrepared
from providers.redact import excerpt, guard_provider

#: Characters of a reply kept in an error (replies are short; an HTML page is not).
MAX_ORIGINAL = 500
#: What a dry run adds to the send's body: Octopush's own simulation (``request_mode=simu``).
SIMULATION = b"&" + form_encode([("request_mode", "simu")])


@dataclass(frozen=True)
class _Prepared:
    """What validation decided: the form fields of the send, in order, and the rest derived
    from them here, with the checks: validation runs while the previous batch's request is out,
    so the send of this one has nothing left to build."""

    fields: tuple[tuple[str, str], ...]
    recipients: tuple[str, ...]
    sending_date: int | None
    body: bytes | None = field(init=False)  # the fields encoded, when they can be (see below)
    sent: frozenset[str] = field(init=False)  # the recipients, to match the reply against
    request_id: str = field(init=False)

    def __post_init__(self) -> None:
        try:
            body: bytes | None = form_encode(self.fields)
        except UnicodeEncodeError:  # a login or key with a lone surrogate: the send meets it
            body = None
        object.__setattr__(self, "body", body)
        object.__setattr__(self, "sent", frozenset(self.recipients))
        request_id = next((v for k, v in self.fields if k == "request_id"), "")
        object.__setattr__(self, "request_id", request_id)


@guard_provider
class OctopushProvider:
    kind: ClassVar[str] = KIND
    capabilities: ClassVar[Capability] = CAPABILITIES

    def __init__(
        self,
        settings: AccountSettings,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        options = settings.options
        self._sms_type = rules.sms_type_option(options.get("sms_type"))
        self._reply_format = rules.reply_format_option(options.get("reply_format"))
        self._base_url = (options.get("base_url") or DEFAULT_BASE_URL).strip().rstrip("/")
        self._default_sender = (options.get("sender") or "").strip() or None
        self._settings = settings
        self._secret = secret
        self._client = make_client(transport)
        self._prepared: LastPrepared[_Prepared] = LastPrepared()

    def __repr__(self) -> str:
        return (
            f"OctopushProvider(account={self._settings.name!r}, "
            f"login={self._settings.login!r}, base_url={self._base_url!r})"
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def sms_type_for(self, route: Route) -> SmsType:
        """The ``sms_type`` a message on ``route`` goes out with (the account option wins)."""
        return rules.sms_type_for(route, self._sms_type)

    # ------------------------------------------------------------------------- validation

    def validate_voice(self, message: VoiceMessage) -> NoReturn:
        raise InputError("channel", "Octopush (historic API) sends SMS only, not voice messages")

    def validate_sms(self, message: SmsMessage) -> None:
        self._prepared.keep(message, self._prepare(message))

    def _login(self) -> str:
        login = self._settings.login.strip()
        if not login:
            raise InputError("login", "the Octopush login (the account's e-mail) is empty")
        return login

    def _prepare(self, message: SmsMessage) -> _Prepared:
        login = self._login()
        if not self._secret.strip():
            raise InputError("secret", "the Octopush API key is empty")
        rules.refuse_foreign_fields(message)
        recipients = rules.check_recipients(message.recipients)
        sms_type = self.sms_type_for(message.route)
        rules.check_text(message, sms_type)
        sender = rules.choose_sender(message.sender, self._default_sender, sms_type)
        sending_date = rules.check_schedule(message.schedule)
        fields: list[tuple[str, str]] = [
            ("user_login", login),
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
            fields.append(("request_id", rules.check_request_id(message.request_id)))
        return _Prepared(tuple(fields), recipients, sending_date)

    # ------------------------------------------------------------------------- operations

    async def send_voice(self, message: VoiceMessage, *, dry_run: bool = False) -> SendReceipt:
        self.validate_voice(message)

    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
        # Checked (and prepared) already when this very message was validated last.
        prepared = self._prepared.take(message) or self._prepare(message)
        body = form_encode(prepared.fields) if prepared.body is None else prepared.body
        if dry_run:
            body += SIMULATION
        # A simulation spends nothing: its failures are ordinary errors, not unknown outcomes.
        reply = await self._call("sms", body, sends=not dry_run, request_id=prepared.request_id)
        return _receipt(reply, prepared, dry_run=dry_run)

    async def balance(self) -> Balance:
        body = form_encode([("user_login", self._login()), ("api_key", self._secret)])
        reply = await self._call("balance", body, sends=False)
        lines = tuple(
            BalanceLine(
                label=rules.TYPE_LABELS.get(kind, f"SMS type {kind}"),
                amount=amount,
                unit="SMS",
                route_id=kind,
                channel="sms",
            )
            for kind, amount in reply.balances.items()
        )
        if not lines:
            raise ProviderError(KIND, "BAD_REPLY", "the balance reply lists no balance")
        return Balance(KIND, lines, as_of=rules.now())

    async def _call(
        self, operation: str, body: bytes, *, sends: bool, request_id: str = ""
    ) -> Reply:
        # ``body``: the form fields as urlencode writes them, UTF-8 percent-escapes (é → %C3%A9,
        # + → %2B), built by form_encode, not by httpx, so that tests can assert the exact bytes.
        suffix = "/json" if self._reply_format == "json" else ""
        response = await request(
            self._client,
            KIND,
            "POST",
            f"{self._base_url}/{operation}{suffix}",
            sends=sends,
            content=body,
            headers={"Content-Type": FORM_CONTENT_TYPE},
        )
        if 400 <= response.status_code < 500:
            # Refused before any processing (wrong base_url, a proxy...): nothing was sent.
            raise ProviderError(
                KIND,
                f"HTTP {response.status_code}",
                f"the server refused the request with HTTP {response.status_code}; "
                "check the account's base_url",
                self._original(response),
            )
        try:
            reply = parse_reply(response.content, self._reply_format)
        except ReplyUnreadable as exc:
            if sends:
                raise OutcomeUnknownError(
                    KIND,
                    f"the reply could not be read ({exc}); the SMS may have been sent",
                    self._original(response),
                ) from None
            raise ProviderError(
                KIND, "BAD_REPLY", f"the reply could not be read ({exc})", self._original(response)
            ) from None
        if not reply.ok:
            code = reply.error_code
            if code == ALREADY_RECEIVED:
                # Not a failure: the first request with this id was received; this one was
                # not sent again (PROVIDER-NOTES: "duplicate -> error 120").
                raise AlreadySentError(
                    KIND, code, meaning(code), self._original(response), request_id=request_id
                )
            error_class = AuthenticationError if code in AUTHENTICATION else ProviderError
            raise error_class(
                KIND,
                code,
                meaning(code),
                self._original(response),
                retryable=code in RETRYABLE,
                balance=str(reply.balance) if reply.balance is not None else None,
            )
        return reply

    def _original(self, response: httpx.Response) -> str:
        """The start of the reply for an error, scrubbed: read only when an error needs it."""
        return excerpt(response.content, self._secret, MAX_ORIGINAL)


#: The error of a number a reply that lists others leaves out.
NOT_LISTED = "the provider's reply does not list this number; check its history"
#: ``costs.get`` default: a listed number may have no cost (None).
_UNLISTED = Decimal(-1)


def _same_number(number: str, sent: Collection[str]) -> str:
    """The number as we sent it: the reply writes it so, or nationally (parsed, then)."""
    if number in sent:
        return number
    try:
        return normalise(number)
    except InputError:
        return number


def _receipt(reply: Reply, prepared: _Prepared, *, dry_run: bool) -> SendReceipt:
    sent = prepared.sent
    failures = {_same_number(failure.recipient, sent): failure for failure in reply.failures}
    costs: dict[str, Decimal | None] = {}
    for success in reply.successes:
        number = success.recipient
        costs[number if number in sent else _same_number(number, sent)] = success.cost
    # A reply that lists recipients vouches only for those it lists.
    unlisted_unknown = bool(failures or costs) and not dry_run
    ok_status = SendStatus.DRY_RUN if dry_run else SendStatus.ACCEPTED
    accepted = False
    results: list[RecipientResult] = []
    append = results.append
    for number in prepared.recipients:
        if failures:
            failure = failures.pop(number, None)
            if failure is not None:
                append(_rejected(number, failure.error_code))
                continue
        cost = costs.get(number, _UNLISTED)
        if cost is _UNLISTED:
            if unlisted_unknown:
                append(RecipientResult(number, SendStatus.UNKNOWN, error=NOT_LISTED))
                continue
            cost = None
        append(RecipientResult(number, ok_status, None, None, cost))
        accepted = True
    # Numbers the provider reports in a form we did not send: shown, never hidden.
    results.extend(_rejected(number, failure.error_code) for number, failure in failures.items())
    if dry_run:
        status = SendStatus.DRY_RUN
    elif accepted:
        status = SendStatus.ACCEPTED
    else:
        status = SendStatus.REJECTED
    warnings: list[str] = []
    asked, got = prepared.sending_date, reply.sending_date
    if asked is not None and got is not None and got != asked:
        warnings.append(
            f"Octopush scheduled the send for {from_sending_timestamp(got).isoformat()}, "
            f"not {from_sending_timestamp(asked).isoformat()} as asked"
        )
    currency = reply.currency_code
    return SendReceipt(
        provider=KIND,
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


__all__ = [
    "DEFAULT_BASE_URL",
    "OctopushProvider",
    "SmsType",
    "from_sending_timestamp",
    "sending_timestamp",
]
