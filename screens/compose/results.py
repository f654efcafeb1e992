"""What a send's result shows beyond its rows: totals, the group, units, what to expect.

A send's journal holds one row per number. Some sends have no such rows to show, or rows that
stay blank, and the operator must be told why rather than left with an empty table:

* a group send: the provider sends to the group's members itself; its reply lists them, and
  they are kept apart from the numbers typed in (``tui.outbox.group_deliveries``): shown as
  totals (sent, refused, delivered, failed, waiting), which their reports keep current;
* campaign totals: some reports cover a whole campaign ("1 of 1 voicemails delivered"), not a
  number; the latest is shown above the table;
* a provider that sends no delivery reports at all, or sends them elsewhere: said under the
  table, so that an empty delivery column is not taken for a fault.

Costs carry their unit, the reply's own when it gave one. ``PROVIDER_NOTES`` holds what
``ProviderInfo`` does not say yet (the unit of a send's cost, what becomes of delivery reports);
it is the one place here that names providers, and belongs in ``ProviderInfo`` once it has them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from providers.base import ProviderInfo, provider_info
from providers.errors import GENERIC_CODES, InputError, ProviderError
from providers.models import EventKind, GroupTarget, SendReceipt
from tui.errors import UNREACHABLE
from tui.outbox.schema import EventRow, SendRow, SendState
from tui.outbox.store import GroupTotals, Store

#: kind -> (unit of a send's cost, what becomes of its delivery reports).
PROVIDER_NOTES: Mapping[str, tuple[str, str]] = {
    "capitole": (
        "credits",
        "CapitoleMobile reports each number's delivery to the callback URL set on its "
        "platform: the delivery column fills in as reports arrive.",
    ),
    "voicepartner": (
        "€",
        "VoicePartner reports each text-to-speech call to the send's notify URL, and a "
        "voicemail drop as totals for the whole campaign (shown above the table).",
    ),
    "octopush": (
        "€",
        "Octopush's historic API sends porte-voix no delivery reports: this column stays "
        "empty. Octopush's website shows what became of each SMS.",
    ),
    "ecampaign": (
        "credits",
        "eCampaign reports each message to the callback URL set on its platform; "
        "'porte-voix cdr' reads its history too.",
    ),
}
_CURRENCIES = {"EUR": "€", "eur": "€"}
#: Refusals worth a knowing resend: nothing was done, and trying later may go through.
TRANSIENT_CODES = frozenset({*UNREACHABLE, "RATE_LIMITED", "HTTP 429"})
#: How many of a send's events are read for its campaign totals.
TOTALS_LOOKUP = 50


@dataclass(frozen=True)
class ResultContext:
    """What the result panel shows besides the journal's rows."""

    info: ProviderInfo | None
    unit: str
    note: str
    totals: EventRow | None = None
    group: GroupTarget | None = None
    #: What became of the group's members (None: not a group send, or no member listed).
    members: GroupTotals | None = None


def cost_unit(kind: str, receipts: Iterable[SendReceipt] = ()) -> str:
    """The unit of a send's cost: the reply's own currency, else the provider's usual one."""
    for receipt in receipts:
        if receipt.currency:
            return _CURRENCIES.get(receipt.currency, receipt.currency)
    return PROVIDER_NOTES.get(kind, ("", ""))[0]


def delivery_note(kind: str) -> str:
    default = "Delivery reports show here as they arrive, if the provider sends them."
    return PROVIDER_NOTES.get(kind, ("", default))[1]


def result_context(
    store: Store,
    send: SendRow,
    *,
    blank: bool,
    receipts: Iterable[SendReceipt] = (),
) -> ResultContext:
    """The context of ``send``'s result; ``blank``: none of its rows shown has a delivery
    state yet (only then are campaign totals looked for: they replace per-number reports)."""
    try:
        info: ProviderInfo | None = provider_info(send.provider)
    except KeyError:
        info = None
    group = store.message_of(send.reference, states=()).group  # the message, not its numbers
    members = None if group is None else store.group_totals(send.reference)
    totals = None
    if blank:
        events = store.events_for(send.reference, limit=TOTALS_LOOKUP)
        campaign = [event for event in events if event.kind is EventKind.CAMPAIGN]
        totals = campaign[-1] if campaign else None
    return ResultContext(
        info=info,
        unit=cost_unit(send.provider, receipts),
        note=delivery_note(send.provider),
        totals=totals,
        group=group,
        members=members,
    )


def resend_offered(send: SendRow, errors: Iterable[BaseException] = ()) -> str | None:
    """Why a knowing resend of ``send`` cannot help, or None when it is worth offering.

    An unknown outcome or numbers never sent: yes. A refusal: only when nothing was done and
    trying again may go through (the provider unreachable, a rate limit); a refusal of the
    message itself (an unknown recorded message, a bad sender...) would only come back.
    """
    if send.dry_run:
        return "a dry run sends nothing: send it for real with ctrl+g"
    if send.state in (SendState.UNKNOWN, SendState.CANCELLED):
        return None
    if send.state is not SendState.REJECTED:
        return f"{send.reference} is {send.state}: there is nothing to resend"
    transient = (
        any(isinstance(error, ProviderError) and error.retryable for error in errors)
        or (send.error_code or "") in TRANSIENT_CODES
        or _server_failure(send.error_code)
    )
    if transient:
        return None
    if any(isinstance(error, InputError) for error in errors):
        return "the message was refused before it left: correct it and send it with ctrl+g"
    code = send.error_code or "refused"
    return (
        f"the provider refused {send.reference} ({code}): a resend would be refused again; "
        "correct the message and send it with ctrl+g"
    )


def _server_failure(code: str | None) -> bool:
    """A provider's server error (HTTP 5xx): nothing was accepted, a later try may succeed."""
    text = (code or "").strip()
    return text.startswith("HTTP 5") and text[5:].isdigit() and text not in GENERIC_CODES
