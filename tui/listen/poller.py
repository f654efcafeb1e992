"""eCampaign states read through getCDR, where no callback can reach the operator.

A console on a laptop has no public URL: eCampaign's state callbacks have nowhere to go. Its
history (``tracking/getCDR``) holds every message's latest state, so the console asks for it,
every ``interval`` seconds, only for the accounts with a recent send still waiting for final
states, and only as much as needed:

* one listing of the account's period (``api_only``), which holds the single messages, each
  with its latest state, and the campaigns (a send to several numbers is one);
* then each campaign not known to be finished, for its messages (at most
  ``MAX_CAMPAIGNS`` per round, the newest first).

Each state read becomes a ``DeliveryEvent`` like the callback's (same message id, state, code and
date, so that one reported both ways is stored once), stored through the same writer as the
callbacks, with a raw record beginning ``getCDR`` (how the Live screen tells the source). A
failing account is logged and tried again at the next round; nothing here ever raises into the
console.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from providers.callbacks.inputs import lenient_datetime
from providers.models import CdrCampaign, CdrRecord, DeliveryEvent, EventKind
from tui.errors import describe_text
from tui.listen.live import POLL_PREFIX, LiveReader
from tui.schedule import PARIS

log = logging.getLogger(__name__)

KIND = "ecampaign"
#: Campaigns read per account and round: the newest first; the others wait for the next round.
MAX_CAMPAIGNS = 5
#: A campaign listed this long before the oldest send waiting cannot be one of ours.
SLACK = timedelta(minutes=10)

#: Stores events as a callback would be: (account, events, raw) -> stored.
Sink = Callable[[str, Sequence[DeliveryEvent], bytes], Awaitable[object]]
#: The provider object of an account (the console's ``Session.provider``).
ProviderOf = Callable[[str], Awaitable[object]]


def event_of(record: CdrRecord) -> DeliveryEvent | None:
    """The state of one message as the callback would report it; None before any state."""
    code = (record.status_code or "").strip()
    message_id = record.message_ref or None
    if not code or not message_id:
        return None
    occurred, _unreadable = lenient_datetime(record.status_date)
    return DeliveryEvent(
        provider=KIND,
        kind=EventKind.DELIVERY,
        state=record.state,
        provider_code=code,
        message_id=message_id,
        occurred_at=occurred,
        description=record.status_meaning,
    )


def raw_of(record: CdrRecord, campaign: str | None) -> bytes:
    where = f" campaign={campaign}" if campaign else ""
    return (
        f"{POLL_PREFIX}{where} message={record.id} ref={record.message_ref} "
        f"status={record.status_code} date={record.status_date}"
    ).encode("utf-8", "replace")


@dataclass
class CdrPoller:
    reader: LiveReader
    provider_of: ProviderOf
    sink: Sink
    interval: float
    days: int = 3
    #: Campaigns whose messages all reached a final state: never read again.
    finished: set[str] = field(default_factory=set)
    last_round: datetime | None = None
    last_error: str | None = None
    rounds: int = 0

    async def run(self) -> None:
        """Poll until cancelled."""
        while True:
            await self.poll_once()
            await asyncio.sleep(self.interval)

    async def poll_once(self) -> int:
        """One round over every account waiting for states; how many events were new."""
        now = datetime.now(UTC)
        try:
            waiting = await asyncio.to_thread(
                self.reader.unsettled_sends, KIND, now - timedelta(days=self.days)
            )
        except Exception as exc:  # a busy or damaged store: try again next round
            self.last_error = describe_text(exc)
            return 0
        oldest: dict[str, datetime] = {}
        for account, _reference, created in waiting:
            oldest.setdefault(account, datetime.fromisoformat(created))
        stored = 0
        for account, since in oldest.items():
            try:
                stored += await self._poll_account(account, since)
                self.last_error = None
            except Exception as exc:
                self.last_error = f"{account}: {describe_text(exc)}"
                log.warning("getCDR poll of %s failed: %s", account, self.last_error)
        self.last_round = datetime.now(UTC)
        self.rounds += 1
        return stored

    async def _poll_account(self, account: str, since: datetime) -> int:
        provider = await self.provider_of(account)
        iter_cdr = getattr(provider, "iter_cdr", None)
        if iter_cdr is None:
            return 0
        first = since.astimezone(PARIS).date()
        last = datetime.now(PARIS).date()
        events: list[tuple[DeliveryEvent, bytes]] = []
        campaigns: list[str] = []
        async with aclosing(iter_cdr(first, last, api_only=True)) as rows:
            async for row in rows:
                if isinstance(row, CdrRecord):
                    self._keep(events, row, None)
                elif (
                    isinstance(row, CdrCampaign)
                    and row.id not in self.finished
                    and _after(row.date_init, since - SLACK)
                ):
                    campaigns.append(row.id)
        for campaign in list(reversed(campaigns))[:MAX_CAMPAIGNS]:
            final = await self._read_campaign(iter_cdr, campaign, first, last, events)
            if final:
                self.finished.add(campaign)
        results = await asyncio.gather(*(self.sink(account, [event], raw) for event, raw in events))
        return sum(len(result) for result in results if isinstance(result, list))

    async def _read_campaign(
        self,
        iter_cdr: Callable[..., AsyncGenerator[object, None]],
        campaign: str,
        first: date,
        last: date,
        events: list[tuple[DeliveryEvent, bytes]],
    ) -> bool:
        """Add the campaign's states; whether every message of it is final."""
        final = True
        async with aclosing(iter_cdr(first, last, campaign=campaign)) as messages:
            async for row in messages:
                if isinstance(row, CdrRecord):
                    event = self._keep(events, row, campaign)
                    final = final and event is not None and _is_final(event)
        return final

    @staticmethod
    def _keep(
        events: list[tuple[DeliveryEvent, bytes]], record: CdrRecord, campaign: str | None
    ) -> DeliveryEvent | None:
        event = event_of(record)
        if event is not None:
            events.append((event, raw_of(record, campaign)))
        return event


def _is_final(event: DeliveryEvent) -> bool:
    from providers.models import FINAL_STATES

    return event.state in FINAL_STATES


def _after(text: str | None, moment: datetime) -> bool:
    """Whether a Paris wall-clock date ``text`` lies after ``moment`` (unreadable: yes)."""
    when, unreadable = lenient_datetime(text)
    return when is None or bool(unreadable) or when >= moment
