"""Reading the synchronous reply of the four send services into a ``SendReceipt``.

The reply lists one ``<destination>`` per recipient with ``<state>`` OK or KO, ``<msgid>``,
``<credits>`` and, for group sends, ``<memberID>``. Money has been spent as soon as one
destination is OK, so a reply that both refuses (code 12 "errors occurred during the send") and
lists accepted destinations is returned as a receipt with a warning, never raised away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from providers.decimals import to_decimal
from providers.ecampaign.codes import KIND, OK, SEND_ERRORS, meaning
from providers.ecampaign.core import (
    EcampaignCore,
    Reply,
    e164_or_raw,
)
from providers.errors import OutcomeUnknownError
from providers.models import RecipientResult, SendReceipt, SendStatus


@dataclass(frozen=True, init=False)
class EcampaignRecipientResult(RecipientResult):
    """A ``RecipientResult`` with the group member it went to (``memberID``, group sends)."""

    member_id: str | None = None

    def __init__(
        self,
        number: str,
        status: SendStatus,
        message_id: str | None = None,
        error: str | None = None,
        cost: Decimal | None = None,
        member_id: str | None = None,
    ) -> None:
        # One per destination, 500 a batch: written as RecipientResult writes its fields (in one
        # step, not an object.__setattr__ each), the instance as frozen.
        RecipientResult.__init__(self, number, status, message_id, error, cost)
        self.__dict__["member_id"] = member_id


def phone_key(code: str | None, number: str | None) -> tuple[str, str]:
    return ((code or "").strip().lstrip("+"), (number or "").strip().lstrip("0"))


def _destination(
    element: etree._Element,
    phones: Mapping[tuple[str, str], str],
    mails: Mapping[str, str],
    amounts: dict[str, Decimal | None],
) -> EcampaignRecipientResult:
    # ``attr`` and ``phone_key`` written out: a reply has one destination per recipient.
    get = element.get
    mail = (get("mail") or "").strip()
    if mail:
        address = mails.get(mail.lower(), mail)
    else:
        code = (get("code") or "").strip() or None
        number = (get("number") or "").strip() or None
        key = ((code or "").lstrip("+"), (number or "").lstrip("0"))
        address = phones.get(key) or e164_or_raw(code, number) or ""
    # The children read in one pass (what ``findtext`` would find: the first of each name);
    # a reply has one destination per recipient.
    found: dict[str, str | None] = {}
    for child in element:
        tag = child.tag
        if isinstance(tag, str) and tag not in found:
            found[tag] = (child.text or "").strip() or None
    state = (found.get("state") or "").upper()
    if state == "OK":
        status, error = SendStatus.ACCEPTED, None
    elif state == "KO":
        status, error = SendStatus.REJECTED, "refused by eCampaign (state KO)"
    else:
        status, error = SendStatus.UNKNOWN, f"eCampaign gave no usable state ({state or 'none'})"
    credits = found.get("credits")
    if credits is None:
        cost = None
    elif credits in amounts:  # every destination of a reply costs much the same: read once
        cost = amounts[credits]
    else:
        cost = amounts[credits] = to_decimal(credits)
    return EcampaignRecipientResult(
        address, status, found.get("msgid"), error, cost, found.get("memberID")
    )


def send_receipt(
    core: EcampaignCore,
    reply: Reply,
    phones: Sequence[tuple[str, str, str]] = (),
    mails: Sequence[str] = (),
) -> SendReceipt:
    """The receipt for a send reply, or the error when nothing was sent.

    ``phones`` (E.164, code, national) and ``mails`` are the listed recipients of the request:
    replies are matched back to them so that results carry the numbers as the caller gave them.
    """
    by_phone = {  # ``phone_key`` written out: one entry per recipient
        ((code or "").strip().lstrip("+"), (national or "").strip().lstrip("0")): e164
        for e164, code, national in phones
    }
    by_mail = {address.lower(): address for address in mails}
    amounts: dict[str, Decimal | None] = {}
    results = [
        _destination(element, by_phone, by_mail, amounts)
        for element in reply.root.iterfind("recipients/destination")
    ]
    if results:
        # A listed recipient missing from a reply that lists others: nobody knows its fate.
        answered = {result.number for result in results}
        results += [
            EcampaignRecipientResult(
                number, SendStatus.UNKNOWN, error="missing from eCampaign's reply"
            )
            for number in [*(e164 for e164, _, _ in phones), *mails]
            if number not in answered
        ]
    elif reply.code == OK:
        # Success without details (seen with group sends): the whole request was accepted.
        results = [
            EcampaignRecipientResult(number, SendStatus.ACCEPTED)
            for number in [*(e164 for e164, _, _ in phones), *mails]
        ]
    statuses = {result.status for result in results}
    warnings: list[str] = []
    if reply.code != OK:
        summary = f"eCampaign code {reply.code}: {meaning(reply.code)}"
        if reply.message:
            summary += f" ({core.scrub(reply.message)})"
        if SendStatus.ACCEPTED not in statuses:
            if reply.code == SEND_ERRORS and (not results or SendStatus.UNKNOWN in statuses):
                raise OutcomeUnknownError(
                    KIND,
                    f"{summary}; some messages may have been sent: check the CDR before resending",
                    core.scrub(reply.message),
                )
            raise core.refusal(reply)
        warnings.append(summary + "; only the recipients marked accepted were sent")
    if SendStatus.ACCEPTED in statuses or not results:
        status = SendStatus.ACCEPTED
    elif SendStatus.UNKNOWN in statuses:
        status = SendStatus.UNKNOWN
    else:
        status = SendStatus.REJECTED
    rejected = sum(result.status is SendStatus.REJECTED for result in results)
    if rejected and status is SendStatus.ACCEPTED:
        warnings.append(f"{rejected} recipient(s) refused by eCampaign")
    costs = [result.cost for result in results if result.cost is not None]
    return SendReceipt(
        provider=KIND,
        status=status,
        recipients=tuple(results),
        cost=sum(costs, Decimal(0)) if costs else None,
        currency="credits" if costs else None,
        warnings=tuple(warnings),
    )
