"""CapitoleMobile replies (SMS and VMS): every documented code, and how a reply is read.

A reply is plain text: ``CODE`` or ``CODE;balance`` (``SENDING_OK;9542``). The specs show one
code per reply, but two codes start with an underscore (``_IS_BLACKLISTED``, ``_IS_INVALID``),
which suggests the refused number is written first (``0611223344_IS_BLACKLISTED``) and that a
reply may hold one such code per refused number. So the reader accepts several codes, one per
line or separated by ``;`` or spaces, with or without a number before the per-number codes, and
takes the last plain number as the balance (``9542``, ``9542.50`` or ``9542,50``).

How a reply becomes a result (``receipt_from_reply``):

* ``SENDING_OK`` (or the warning ``TOO_LONG_SENDER`` alone, which means "sent from a short
  code") → accepted; per-number codes mark those recipients REJECTED; other codes and parts we
  do not understand become warnings, because the send itself was confirmed.
* otherwise an error code (``AUTH_FAILED``, ``NOT_ENOUGH_CREDITS``...) → ``ProviderError``
  (``AuthenticationError`` for ``AUTH_FAILED``): per the spec, an error code replaces
  ``SENDING_OK``, so nothing was sent.
* otherwise per-number codes naming every recipient → ``ProviderError``: nobody was sent to.
* anything else (empty, unreadable, per-number codes that leave other recipients unconfirmed)
  → ``OutcomeUnknownError``: the send may have happened; the operator reconciles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from providers import phone
from providers.decimals import to_decimal
from providers.errors import (
    AuthenticationError,
    InputError,
    OutcomeUnknownError,
    ProviderError,
    generic_meaning,
)
from providers.models import RecipientResult, SendReceipt, SendStatus
from providers.redact import excerpt

KIND = "capitole"
#: How much of an unreadable reply travels in errors (replies are short; HTML pages are not).
MAX_ORIGINAL = 500


class Severity(StrEnum):
    OK = "ok"
    WARNING = "warning"  # the send happened, with a caveat
    ERROR = "error"  # the request was refused; nothing was sent
    RECIPIENT = "recipient"  # one number was refused


@dataclass(frozen=True)
class CodeInfo:
    severity: Severity
    meaning: str


SENDING_OK = "SENDING_OK"
AUTH_FAILED = "AUTH_FAILED"
TOO_LONG_SENDER = "TOO_LONG_SENDER"
IS_BLACKLISTED = "_IS_BLACKLISTED"
IS_INVALID = "_IS_INVALID"

#: Every code of both specs (SMS and VMS), with our plain-English meaning.
CODES: Mapping[str, CodeInfo] = {
    SENDING_OK: CodeInfo(Severity.OK, "the send was accepted"),
    AUTH_FAILED: CodeInfo(
        Severity.ERROR,
        "login or API password refused, or the API option is not enabled on the account",
    ),
    "NO_RECIPIENT": CodeInfo(Severity.ERROR, "no recipient, or an empty recipient number"),
    "NOT_ENOUGH_CREDITS": CodeInfo(
        Severity.ERROR, "not enough credits on the account for this send"
    ),
    "EMPTY_MESSAGE": CodeInfo(Severity.ERROR, "the message text is empty"),
    "TOO_LONG_MESSAGE": CodeInfo(
        Severity.ERROR, "the message is too long to be sent (long=yes allows up to 4 SMS)"
    ),
    TOO_LONG_SENDER: CodeInfo(
        Severity.WARNING,
        "the sender name is longer than 11 characters: the message was sent from a short "
        "code instead",
    ),
    "INVALID_SENDER": CodeInfo(
        Severity.ERROR,
        "the caller number is missing or invalid (a French metropolitan landline is required)",
    ),
    "INVALID_VOICE_MSG": CodeInfo(
        Severity.ERROR, "the voice message is empty or no recorded message has that name"
    ),
    "VOICE_MSG_NOT_RECORDED": CodeInfo(
        Severity.ERROR,
        "the voice message was not recorded properly (it must last between 15 and 59 seconds)",
    ),
    "INVALID_RECIPIENT": CodeInfo(Severity.ERROR, "a recipient number is invalid"),
    IS_BLACKLISTED: CodeInfo(
        Severity.RECIPIENT, "the number is on the account's blacklist (it answered STOP)"
    ),
    IS_INVALID: CodeInfo(Severity.RECIPIENT, "the number is invalid"),
}

_PER_NUMBER = re.compile(r"^(?P<number>\+?[0-9]*)(?P<code>_IS_BLACKLISTED|_IS_INVALID)$")
_AMOUNT = re.compile(r"^-?[0-9]+(?:[.,][0-9]+)?$")
_SEPARATORS = re.compile(r"[;\s]+")


@dataclass(frozen=True)
class NumberCode:
    """A per-number code; ``number`` is as the provider wrote it ("" when absent)."""

    code: str
    number: str


@dataclass(frozen=True)
class Reply:
    codes: tuple[str, ...]  # whole-request codes, in order
    numbers: tuple[NumberCode, ...]
    balance: Decimal | None
    unknown: tuple[str, ...]  # parts that are neither a code nor a balance
    raw: str

    @property
    def sent(self) -> bool:
        return SENDING_OK in self.codes or TOO_LONG_SENDER in self.codes

    @property
    def errors(self) -> tuple[str, ...]:
        return tuple(c for c in self.codes if CODES[c].severity is Severity.ERROR)

    @property
    def clean(self) -> bool:
        """Every part was understood and there was at least one code."""
        return not self.unknown and bool(self.codes or self.numbers)


def parse_reply(text: str, secret: str = "") -> Reply:
    """Read a reply; ``secret`` is scrubbed from the excerpt (``raw``) kept for errors."""
    codes: list[str] = []
    numbers: list[NumberCode] = []
    unknown: list[str] = []
    balance: Decimal | None = None
    for token in _SEPARATORS.split(text.strip()):
        if not token:
            continue
        upper = token.upper()
        if upper in CODES and CODES[upper].severity is not Severity.RECIPIENT:
            codes.append(upper)
        elif match := _PER_NUMBER.match(upper):
            numbers.append(NumberCode(match["code"], match["number"]))
        elif _AMOUNT.match(token) and (amount := to_decimal(token)) is not None:
            balance = amount
        else:
            unknown.append(token)
    raw = excerpt(text, secret, MAX_ORIGINAL)
    return Reply(tuple(codes), tuple(numbers), balance, tuple(unknown), raw)


def meaning(code: str) -> str:
    info = CODES.get(code)
    return info.meaning if info else "unknown code"


def describe_refusal(code: str) -> str:
    """A reply code's meaning (``ProviderInfo.describe_refusal``), per-number ones included
    however they were written (``_IS_BLACKLISTED``, ``IS_BLACKLISTED``, ``0611…_IS_INVALID``)."""
    upper = code.strip().upper()
    match = _PER_NUMBER.match(upper) or _PER_NUMBER.match("_" + upper)
    if match:
        upper = match["code"]
    info = CODES.get(upper)
    if info is not None:
        return info.meaning
    return generic_meaning(code) or "not a code of CapitoleMobile's documentation"


def match_number(written: str, recipients: Sequence[str]) -> str | None:
    """The recipient (E.164) the provider meant by ``written`` (national or international)."""
    if not written:
        return None
    digits = written.lstrip("+")
    for candidate in (written, "+" + digits):
        try:
            e164 = phone.normalise(candidate)
        except InputError:
            continue
        if e164 in recipients:
            return e164
    return None


def receipt_from_reply(
    reply: Reply, recipients: Sequence[str], reference: str | None = None
) -> SendReceipt:
    """Turn a send reply into a receipt, or raise the error it means (see the module doc)."""
    refused: dict[str, str] = {}
    notes: list[str] = []
    for item in reply.numbers:
        target = match_number(item.number, recipients)
        if target is None and not item.number and len(recipients) == 1:
            target = recipients[0]  # the only recipient cannot be anyone else
        if target is not None:
            refused[target] = f"{item.code.lstrip('_')}: {meaning(item.code)}"
        elif item.number:
            notes.append(f"{item.number}{item.code}: {meaning(item.code)} (not in this request)")
        else:
            notes.append(f"{item.code}: {meaning(item.code)}; the provider did not say which")
    balance_text = None if reply.balance is None else str(reply.balance)

    if not reply.sent:
        if reply.errors:
            code = reply.errors[0]
            extra = [f"also {c}" for c in reply.errors[1:]]
            extra += [f"{phone.display(n)}: {why}" for n, why in refused.items()] + notes
            text = meaning(code) + ("; " + "; ".join(extra) if extra else "")
            error = AuthenticationError if code == AUTH_FAILED else ProviderError
            raise error(KIND, code, text, reply.raw, balance=balance_text)
        if refused and not reply.unknown and set(refused) == set(recipients):
            code = reply.numbers[0].code
            listed = "; ".join(f"{phone.display(n)}: {why}" for n, why in refused.items())
            raise ProviderError(
                KIND,
                code,
                f"every recipient was refused ({listed})",
                reply.raw,
                balance=balance_text,
            )
        if reply.numbers:
            why = "the provider refused some numbers without confirming the send to the others"
        else:
            why = "the provider's reply could not be understood"
        raise OutcomeUnknownError(KIND, why + "; the send may have happened", reply.raw)

    warnings = [f"{c}: {meaning(c)}" for c in reply.codes if c != SENDING_OK]
    warnings += notes
    warnings += [f"unrecognised part of the reply: {part!r}" for part in reply.unknown]
    accepted = SendStatus.ACCEPTED
    if refused:
        results = tuple(
            RecipientResult(n, SendStatus.REJECTED, error=refused[n])
            if n in refused
            else RecipientResult(n, accepted)
            for n in recipients
        )
    else:  # the usual reply, SENDING_OK: one result per number, nothing to look up
        results = tuple([RecipientResult(n, accepted) for n in recipients])
    # ``refused`` holds recipients only: none refused is never everyone refused.
    everyone_refused = bool(refused) and set(refused) == set(recipients)
    return SendReceipt(
        provider=KIND,
        status=SendStatus.REJECTED if everyone_refused else SendStatus.ACCEPTED,
        recipients=results,
        balance=reply.balance,
        reference=reference,
        warnings=tuple(warnings),
    )
