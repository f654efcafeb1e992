"""Opt-outs on every send: the numbers on the opt-out list are left out, and said so.

``screen`` is called by the send orchestration (``tui.sending.orchestrate.send``) for every send
on every provider, from the console and the command line alike, before anything is journalled:
the numbers left out never reach the outbox's recipients nor the provider, and the outcome
names them (``SendOutcome.opted_out``), so that the result and ``--json`` list each one with the
status ``opted_out``. A send whose every number is opted out is refused (``AllOptedOut``).

The one exception is knowing and per send: an operator may include opted-out numbers in a
*notification* (``--include-opted-out``, or the console's question), never in a marketing-route
SMS nor in a message marked promotional (``override_refusal``). A STOP ends marketing, not the
messages someone needs (a delivery slot, a security code).

Members of an eCampaign group are expanded by eCampaign, which applies its own blacklist: they
are not screened here (``optout sync`` brings that blacklist into the local list).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from providers.errors import InputError
from providers.models import Message, Route, SmsMessage
from tui.outbox.optout import OptOuts
from tui.outbox.store import Store

#: The command line's override, named in refusals.
OVERRIDE_FLAG = "--include-opted-out"
#: The recipient status of a number left out (``--json``, the result table).
OPTED_OUT = "opted_out"
SHOWN = 10
PAGE = 5000
#: The longest opt-out list read whole to be looked up in a staged list (a few MB); a longer
#: one is asked about the numbers a page at a time, so memory stays flat at any size.
LOOKUP_LIMIT = 100_000


@runtime_checkable
class IndexedNumbers(Protocol):
    """A list of numbers that can find a few numbers in itself, and copy itself without them,
    without being read (``tui.sending.recipients.StagedNumbers``)."""

    def among(self, numbers: Iterable[str]) -> tuple[str, ...]: ...
    def without(self, numbers: Iterable[str]) -> Sequence[str]: ...


class AllOptedOut(InputError):
    """Every recipient of a send is on the opt-out list: nothing to send."""

    def __init__(self, numbers: Sequence[str]) -> None:
        listed = ", ".join(numbers[:SHOWN]) + (
            f" (and {len(numbers) - SHOWN} more)" if len(numbers) > SHOWN else ""
        )
        super().__init__(
            "recipient",
            f"every recipient is on the opt-out list ({len(numbers)}: {listed}); nothing was "
            "sent ('porte-voix optout list' shows why each one is there)",
        )
        self.numbers = tuple(numbers)


@dataclass(frozen=True)
class Screened:
    """A message with its opted-out numbers left out (or knowingly kept)."""

    message: Message
    #: Numbers on the opt-out list, left out of the send (in the message's order).
    opted_out: tuple[str, ...] = ()
    #: Numbers on the opt-out list the operator knowingly kept (a notification).
    included: tuple[str, ...] = ()


def is_marketing(message: Message) -> bool:
    """What the send path can tell alone: an SMS on the marketing route."""
    return isinstance(message, SmsMessage) and message.route is Route.MARKETING


def override_refusal(message: Message, *, promotional: bool = False) -> str | None:
    """Why opted-out numbers may not be included in ``message`` (None: they may, knowingly)."""
    if is_marketing(message):
        return (
            f"{OVERRIDE_FLAG} is for notifications only: a marketing-route SMS never goes to "
            "a number that opted out"
        )
    if promotional:
        return (
            f"{OVERRIDE_FLAG} is for notifications only: a message marked promotional never "
            "goes to a number that opted out"
        )
    return None


def screen(store: Store, message: Message, *, include_opted_out: bool = False) -> Screened:
    """``message`` without the numbers on the opt-out list.

    ``include_opted_out`` keeps them (a notification, knowingly): refused for a marketing-route
    SMS (``InputError`` "include_opted_out"). ``AllOptedOut`` when no number is left and the
    message has no group to go to."""
    if include_opted_out:
        refusal = override_refusal(message)
        if refusal is not None:
            raise InputError("include_opted_out", refusal)
    numbers = message.recipients
    listed = _listed(OptOuts(store), numbers)
    if not listed:
        return Screened(message)
    if include_opted_out:
        return Screened(message, included=listed)
    kept = left_out(numbers, listed)
    if not kept and message.group is None:
        raise AllOptedOut(listed)
    return Screened(dataclasses.replace(message, recipients=kept), opted_out=listed)


def left_out(numbers: tuple[str, ...], listed: Sequence[str]) -> tuple[str, ...]:
    """``numbers`` without those ``listed``, in their order. A staged list is copied by SQLite
    (typed as the model's tuple, as ``tui.sending.recipients.as_recipients`` says)."""
    if isinstance(numbers, IndexedNumbers):
        return numbers.without(listed)  # type: ignore[return-value]
    gone = set(listed)
    return tuple(number for number in numbers if number not in gone)


def _listed(optouts: OptOuts, numbers: Sequence[str]) -> tuple[str, ...]:
    """The numbers of ``numbers`` on the opt-out list, in their order, once each.

    The shorter of the two lists is walked: an empty or short opt-out list is looked up in a
    staged list of a million numbers (which is not read), a long one is asked about the
    numbers a page at a time."""
    if not numbers:
        return ()
    size = optouts.count()
    if size == 0:
        return ()
    if isinstance(numbers, IndexedNumbers) and size <= min(len(numbers), LOOKUP_LIMIT):
        return numbers.among(optouts.numbers())
    found: dict[str, None] = {}
    for start in range(0, len(numbers), PAGE):
        page = numbers[start : start + PAGE]
        listed = optouts.among(page)
        if listed:
            found.update((number, None) for number in page if number in listed)
    return tuple(found)


def drop_opted_out(
    store: Store, messages: Sequence[Message], *, include_opted_out: bool = False
) -> tuple[list[Message], tuple[str, ...]]:
    """Several messages (a personalised send, one per text): those whose every number opted
    out are dropped, and their numbers returned, so that the others go on (``send`` screens
    what is left). ``AllOptedOut`` when none is left. One message is left to ``screen``."""
    if include_opted_out or len(messages) < 2:
        return list(messages), ()
    optouts = OptOuts(store)
    kept: list[Message] = []
    dropped: list[str] = []
    for message in messages:
        numbers = message.recipients
        if message.group is None and numbers and len(optouts.among(numbers)) == len(set(numbers)):
            dropped.extend(numbers)
        else:
            kept.append(message)
    if not kept:
        raise AllOptedOut(tuple(dict.fromkeys(dropped)))
    return kept, tuple(dict.fromkeys(dropped))


def opted_out_in(store: Store, messages: Sequence[Message]) -> tuple[str, ...]:
    """The numbers of ``messages`` on the opt-out list, once each: what a confirmation counts.
    Read a page at a time: a staged list of a million numbers is never copied."""
    optouts = OptOuts(store)
    found: dict[str, None] = {}
    for message in messages:
        found.update(dict.fromkeys(_listed(optouts, message.recipients)))
    return tuple(found)
