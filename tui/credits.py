"""Every account's balances at once, for the Credits screen and ``porte-voix credits``.

``refresh_all`` asks every account with a balance call at the same time, each in its own task:
one account failing (a wrong secret, a provider down) is that account's row, never the whole
view's. Each answer is kept in the outbox (``tui.outbox.balances``), so the view shows what was
last seen, and when, for an account that fails now. CapitoleMobile has no balance endpoint: its
SMS and voice balances are the ones its send replies carried, each with its time, and the view
says so rather than asking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from providers.base import Capability, Provider, provider_info
from providers.models import Balance
from tui.accounts.config import Account
from tui.errors import code_name, describe
from tui.outbox.balances import KnownBalance
from tui.outbox.store import Store

#: Seconds an account's balance call may take before its row says so.
TIMEOUT = 30.0


def no_endpoint_note(label: str) -> str:
    return f"{label} has no balance endpoint: balances as last seen in a send reply"


@dataclass(frozen=True)
class Failure:
    code: str  # a name (tui.errors.code_name)
    message: str
    provider_code: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "provider_code": self.provider_code}


@dataclass(frozen=True)
class AccountBalances:
    """One account's balances as last seen, and what went wrong asking for them now."""

    account: str
    provider: str
    label: str
    has_endpoint: bool
    balances: list[KnownBalance] = field(default_factory=list)
    error: Failure | None = None

    @property
    def seen_at(self) -> datetime | None:
        return max((line.seen_at for line in self.balances), default=None)

    @property
    def note(self) -> str | None:
        """What the operator must know about where these figures come from."""
        if self.has_endpoint:
            return None
        if not self.balances:
            return no_endpoint_note(self.label) + " (none yet: it is known after the first send)"
        return no_endpoint_note(self.label)

    @property
    def low(self) -> list[KnownBalance]:
        return [line for line in self.balances if line.low]


def failure_of(exc: BaseException) -> Failure:
    provider_code = getattr(exc, "code", None)
    return Failure(
        code_name(exc),
        describe(exc).message,
        provider_code if isinstance(provider_code, str) else None,
    )


def known(store: Store, accounts: Sequence[Account]) -> list[AccountBalances]:
    """Every account's balances as last seen, asking no provider."""
    found = store.all_balances([a.name for a in accounts])
    return [_entry(account, found.get(account.name, [])) for account in accounts]


def _entry(
    account: Account, lines: list[KnownBalance], error: Failure | None = None
) -> AccountBalances:
    info = provider_info(account.provider)
    return AccountBalances(
        account.name,
        account.provider,
        info.label,
        bool(info.capabilities & Capability.BALANCE),
        lines,
        error,
    )


async def refresh_one(
    store: Store,
    account: Account,
    open_provider: Callable[[Account], Awaitable[Provider]],
    *,
    timeout: float = TIMEOUT,
) -> AccountBalances:
    """Ask one account's provider (when it has a balance call) and keep the answer."""
    error: Failure | None = None
    if provider_info(account.provider).capabilities & Capability.BALANCE:
        try:
            provider = await open_provider(account)
            balance = await asyncio.wait_for(provider.balance(), timeout)
            await asyncio.to_thread(store.record_balance, account.name, account.provider, balance)
        except TimeoutError:
            error = Failure("connection", f"no answer within {timeout:g} s", "NO_ANSWER")
        except Exception as exc:  # each account's failure is its own row
            error = failure_of(exc)
    lines = await asyncio.to_thread(store.balances, account.name)
    return _entry(account, lines, error)


async def refresh_all(
    store: Store,
    accounts: Sequence[Account],
    open_provider: Callable[[Account], Awaitable[Provider]],
    *,
    timeout: float = TIMEOUT,
) -> list[AccountBalances]:
    """Every account at once, in the order given."""
    return list(
        await asyncio.gather(
            *(refresh_one(store, a, open_provider, timeout=timeout) for a in accounts)
        )
    )


def keep_balance(account: Account, balance: Balance) -> None:
    """Keep what a balance call answered outside the console (``accounts check``)."""
    from tui.accounts import config as config_module

    with Store(config_module.data_dir() / "porte-voix.db") as store:
        store.record_balance(account.name, account.provider, balance)


def line_dict(line: KnownBalance) -> dict[str, object]:
    """A balance as ``credits --json`` lists it."""
    return {
        "label": line.label,
        "amount": str(line.amount),
        "unit": line.unit,
        "route_id": line.route or None,
        "channel": line.channel or None,
        "expires": line.expires,
        "overdraft": None if line.overdraft is None else str(line.overdraft),
        "source": "send reply" if line.source == "send" else "balance call",
        "reference": line.reference,
        "seen_at": line.seen_at.isoformat(),
        "threshold": None if line.threshold is None else str(line.threshold),
        "low": line.low,
        "covers": line.covers,
    }
