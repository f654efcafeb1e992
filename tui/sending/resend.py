"""A knowing resend: a stored send goes again as a new send, and the rules of what it targets.

A resend is the only way an unknown or refused send goes out again. It targets the recipients
not known to be accepted, less those an earlier resend of it already requested; leaving out
the unknown outcomes too means no number can get the message twice. An eCampaign group went
with the first request only: it goes again only when that request was not accepted (and, if
its outcome is unknown, only when unknown outcomes are resent).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from providers.base import Provider
from providers.models import GroupTarget, Message, SmsMessage
from tui.compliance.hours import PARIS, HoursCheck, check_messages
from tui.outbox.store import (
    RESENDABLE_STATES,
    UNSETTLED_RECIPIENTS,
    RecipientState,
    SendRow,
    SendState,
    Store,
    StoreError,
)
from tui.sending.events import ProgressSink
from tui.sending.orchestrate import send
from tui.sending.run import SendOutcome


async def resend(
    store: Store,
    provider: Provider,
    reference: str,
    *,
    all_recipients: bool = False,
    skip_unknown: bool = False,
    dry_run: bool = False,
    schedule: datetime | None = None,
    progress: ProgressSink | None = None,
    cancel: asyncio.Event | None = None,
    batch_size: int | None = None,
    on_begin: Callable[[str], None] | None = None,
) -> SendOutcome:
    """Send a stored message again, knowingly, as a new send with ``resend_of=reference``.

    Only ``unknown``, ``rejected`` and ``cancelled`` sends may be resent. By default only the
    recipients not known to be accepted (pending, rejected, unknown, cancelled) are targeted;
    ``skip_unknown=True`` leaves out those whose outcome is unknown too (no duplicate possible:
    only numbers never sent or refused); ``all_recipients=True`` targets every one. Resending
    unknown recipients may deliver a message twice: THE CALLER MUST HAVE THE OPERATOR CONFIRM A
    SECOND TIME, naming the send and the number of recipients, before calling this.

    The French sending hours are the caller's to check first, as for a new send
    (``resend_hours``); ``schedule`` moves the resend to the time the operator chose then.
    """
    row = _resendable(store, reference)
    if row.provider != provider.kind:
        raise StoreError(f"send {reference} went through {row.provider}, not {provider.kind}")
    message = resend_message(
        store, reference, all_recipients=all_recipients, skip_unknown=skip_unknown
    )
    if schedule is not None:
        message = dataclasses.replace(message, schedule=schedule.astimezone(PARIS))
    return await send(
        store,
        provider,
        row.account,
        message,
        dry_run=dry_run,
        resend_of=reference,
        progress=progress,
        cancel=cancel,
        batch_size=batch_size,
        on_begin=on_begin,
    )


def resend_message(
    store: Store, reference: str, *, all_recipients: bool = False, skip_unknown: bool = False
) -> Message:
    """The message a resend of ``reference`` sends (its targets: see ``resend``); raises
    ``StoreError`` when the send may not be resent or has nobody left to resend to."""
    row = _resendable(store, reference)
    states: frozenset[RecipientState] | None = None
    if not all_recipients:
        states = (
            UNSETTLED_RECIPIENTS - {RecipientState.UNKNOWN}
            if skip_unknown
            else UNSETTLED_RECIPIENTS
        )
    message = store.message_of(reference, states=states)
    resent = set() if all_recipients else store.resent_numbers(reference)
    if resent:  # an earlier resend requested these already: never twice
        kept = tuple(n for n in message.recipients if n not in resent)
        message = dataclasses.replace(message, recipients=kept)
    if row.recipients_total and not message.recipients:
        raise StoreError(f"send {reference} has no recipient left to resend to")
    if isinstance(message, SmsMessage) and message.request_id is not None:
        # The operator's own id: the batches get the ids derived from their content instead, so
        # that a batch the provider had already received is refused as already sent.
        message = dataclasses.replace(message, request_id=None)
    if message.group is not None and not group_in_resend(
        store, reference, all_recipients=all_recipients, skip_unknown=skip_unknown
    ):
        message = dataclasses.replace(message, group=None)
        if not message.recipients:
            raise StoreError(f"send {reference}: its group was already sent the message")
    return message


def _resendable(store: Store, reference: str) -> SendRow:
    row = store.get_send(reference)
    if row is None:
        raise StoreError(f"no send {reference!r}")
    if row.state not in RESENDABLE_STATES:
        allowed = ", ".join(sorted(RESENDABLE_STATES))
        raise StoreError(f"send {reference} is {row.state}; only {allowed} sends can be resent")
    if row.dry_run:
        raise StoreError(f"send {reference} was a dry run: send the message itself instead")
    return row


def resend_hours(
    store: Store,
    reference: str,
    *,
    skip_unknown: bool = False,
    promotional: bool = False,
    alsace_moselle: bool = False,
    now: datetime | None = None,
) -> HoursCheck:
    """The French sending hours' verdict on a resend of ``reference``, as on a new send: a
    marketing-route SMS (or a message the operator marks ``promotional`` again: the mark is
    not stored) is commercial, judged at its schedule or ``now``, in its recipients' time."""
    message = resend_message(store, reference, skip_unknown=skip_unknown)
    return check_messages(
        [message], promotional=promotional, now=now, alsace_moselle=alsace_moselle
    )


def group_in_resend(
    store: Store, reference: str, *, all_recipients: bool = False, skip_unknown: bool = False
) -> bool:
    """Whether a resend of ``reference`` names its eCampaign group again.

    The group went with the first request: once the provider accepted it, the group has its
    message; when its outcome is unknown, it goes again only if unknown outcomes are resent.
    """
    if all_recipients:
        return True
    first = store.batch_state(reference, 0)
    if first is RecipientState.UNKNOWN:
        return not skip_unknown
    return first is not RecipientState.ACCEPTED  # refused, or never requested


@dataclass(frozen=True)
class ResendPlan:
    """What a knowing resend of one send would target: what the operator confirms."""

    send: SendRow
    #: Recipients not known to be accepted: a plain resend targets them all.
    pending: int
    #: Of those, the ones refused, cancelled or never requested: none of them can get it twice.
    never_sent: int
    #: Of those, the ones whose outcome is unknown (the provider may have sent it).
    unknown: int
    #: The eCampaign group the send named, if any.
    group: GroupTarget | None
    #: Whether the group goes again with a plain resend / with one of the never sent only.
    group_again: bool
    group_again_if_never_sent: bool

    @property
    def may_duplicate(self) -> bool:
        """The provider may already have sent it: a plain resend may deliver it twice."""
        return self.send.state is SendState.UNKNOWN

    @property
    def offers_never_sent(self) -> bool:
        """Whether "only the never sent" is a choice: after an unknown outcome, the safe way on."""
        return self.may_duplicate and bool(self.unknown) and bool(self.never_sent)


def plan_resend(store: Store, reference: str) -> ResendPlan | None:
    """The plan for resending ``reference``; None when it does not exist, may not be resent,
    or has no number left that neither it nor an earlier resend of it requested."""
    row = store.get_send(reference)
    if row is None or row.state not in RESENDABLE_STATES:
        return None
    # Numbers an earlier resend requested are left out, as ``resend`` leaves them out.
    resent = store.resent_counts(reference)
    unknown = row.unknown - resent.get(RecipientState.UNKNOWN, 0)
    covered = sum(resent.get(state, 0) for state in UNSETTLED_RECIPIENTS)
    pending = row.recipients_total - row.accepted - covered
    group = store.message_of(reference, states=()).group  # the message, not its numbers
    if row.recipients_total and pending <= 0 and group is None:
        return None  # every number has it, or was requested again already
    return ResendPlan(
        send=row,
        pending=pending,
        never_sent=pending - unknown,
        unknown=unknown,
        group=group,
        group_again=group is not None and group_in_resend(store, reference),
        group_again_if_never_sent=group is not None
        and group_in_resend(store, reference, skip_unknown=True),
    )
