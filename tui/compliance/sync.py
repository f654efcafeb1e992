"""``optout sync``: a provider's SMS blacklist copied into the local opt-out list.

eCampaign keeps a blacklist per channel (its STOP replies, its operators' entries). Copying the
SMS one here makes every other provider leave those numbers out too. The copy only adds: a
number no longer on the blacklist stays on the local list (someone who said STOP once is not
put back by a change elsewhere); it is reported, and ``optout remove`` takes it off knowingly.
An entry whose number cannot be read is reported and skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.base import Provider
from providers.errors import InputError
from providers.models import BlacklistEntry
from tui.errors import visible
from tui.outbox.optout import OptOuts, OptOutSource, normalised
from tui.outbox.store import Store

CHANNEL = "sms"


@dataclass(frozen=True)
class SyncReport:
    account: str
    entries: int  # on the provider's blacklist
    added: tuple[str, ...]  # new on the local list
    already: tuple[str, ...]  # on the local list before
    #: Local entries that came from this account's blacklist and are no longer on it (kept).
    no_longer_listed: tuple[str, ...]
    #: Blacklist entries without a usable number, as received (made visible).
    unusable: tuple[str, ...]


def _note(entry: BlacklistEntry) -> str:
    parts = [part for part in (entry.reason, entry.date) if part]
    return visible("blacklist" + (f": {', '.join(parts)}" if parts else ""))


async def fetch_blacklist(provider: Provider, account: str) -> tuple[BlacklistEntry, ...]:
    """The account's SMS blacklist (``tui.feedback``'s service; ``UnsupportedAccount`` for a
    provider without one)."""
    from tui.feedback import feedback_service

    return await feedback_service(provider, account).get_blacklist(CHANNEL)


def store_blacklist(store: Store, account: str, entries: tuple[BlacklistEntry, ...]) -> SyncReport:
    """Add the blacklist's numbers to the local list (source ``blacklist``, ``account``)."""
    notes: dict[str, str] = {}
    unusable: list[str] = []
    for entry in entries:
        try:
            number = normalised(entry.number or "")
        except InputError:
            unusable.append(visible(entry.number or entry.mail or "(empty)"))
            continue
        notes.setdefault(number, _note(entry))
    optouts = OptOuts(store)
    result = optouts.add_many(notes, OptOutSource.BLACKLIST, account=account, notes=notes)
    previous = optouts.entries(source=OptOutSource.BLACKLIST, account=account)
    gone = tuple(entry.number for entry in previous if entry.number not in notes)
    return SyncReport(account, len(entries), result.added, result.already, gone, tuple(unusable))


async def sync_blacklist(store: Store, provider: Provider, account: str) -> SyncReport:
    entries = await fetch_blacklist(provider, account)
    return store_blacklist(store, account, entries)
