"""Balances per account *and* channel or route, their history, and low-balance thresholds.

One account may hold several balances: CapitoleMobile's SMS and voice platforms are two
accounts on the provider's side (a voice send's reply carries the voice balance, never the SMS
one), eCampaign has one per route, Octopush one per SMS type. Each is kept under its own key
``(account, channel, route)`` (``''`` where the provider names none), with where it was seen
(``api``: a balance call; ``send``: a send reply, with the send's reference) and when. Every
figure seen is also appended to ``balance_history``, which the Credits screen draws.

A threshold is set per key, per channel (``route=''``) or per account (both ``''``); the most
precise one applies. How many messages a balance still covers needs the unit cost: a balance
counted in SMS covers that many; otherwise the cost of the account's last send on that channel
(its ``cost``, or, for a provider whose replies carry no cost, the drop of the balance across it)
divided by its accepted recipients.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Protocol

from providers.models import Balance, BalanceLine
from tui.outbox.base import StoreBase
from tui.outbox.schema import decimal_or_none, from_text, to_text

API = "api"
SEND = "send"
#: A balance kept in this unit counts messages (Octopush: SMS left per type).
MESSAGE_UNITS = frozenset({"SMS", "sms", "messages"})
_CHANNEL_LABELS = {"sms": "SMS", "voice": "voice", "mail": "e-mail", "fax": "fax"}


class AccountLike(Protocol):
    """What choosing an account's balance needs (``tui.accounts.config.Account`` fits)."""

    @property
    def name(self) -> str: ...
    @property
    def options(self) -> Mapping[str, str]: ...


@dataclass(frozen=True)
class KnownBalance:
    """One balance of an account, as last seen, with the threshold that applies to it."""

    account: str
    provider: str
    channel: str
    route: str
    label: str
    amount: Decimal
    unit: str
    expires: str | None
    overdraft: Decimal | None
    source: str  # API or SEND
    reference: str | None  # the send whose reply carried it
    seen_at: datetime
    threshold: Decimal | None = None
    unit_cost: Decimal | None = None  # per message, when known

    @property
    def low(self) -> bool:
        return self.threshold is not None and self.amount < self.threshold

    @property
    def where(self) -> str:
        if self.source == API:
            return "balance call"
        return f"send reply {self.reference}" if self.reference else "send reply"

    @property
    def covers(self) -> int | None:
        """How many more messages this balance pays for, when the unit cost is known."""
        if self.unit in MESSAGE_UNITS:
            cost = Decimal(1)
        elif self.unit_cost is None or self.unit_cost <= 0:
            return None
        else:
            cost = self.unit_cost
        available = self.amount + (self.overdraft or Decimal(0))
        return max(0, int((available / cost).to_integral_value(ROUND_FLOOR)))

    def line(self) -> BalanceLine:
        return BalanceLine(
            label=self.label,
            amount=self.amount,
            unit=self.unit,
            route_id=self.route or None,
            channel=self.channel or None,
            expires=self.expires,
            overdraft=self.overdraft,
        )

    @property
    def name(self) -> str:
        """The route's or SMS type's name, else the channel's (``SMS``, ``voice``)."""
        if self.source == API or not self.channel:
            return self.label
        return _CHANNEL_LABELS.get(self.channel, self.channel)

    def short(self) -> str:
        """``SMS 994 credits``: what a header has room for."""
        return f"{self.name} {self.amount} {self.unit}"


# --------------------------------------------------------------------------- SQL steps


def line_key(line: BalanceLine) -> tuple[str, str]:
    """``(channel, route)`` of a balance call's line; eCampaign names channels ``SMS``..."""
    return (line.channel or "").lower(), line.route_id or ""


def write_api_balance(
    conn: sqlite3.Connection, account: str, provider: str, balance: Balance, seen_at: datetime
) -> None:
    """A balance call's answer replaces the account's earlier answer, line for line."""
    seen = to_text(balance.as_of or seen_at)
    conn.execute("DELETE FROM balance_lines WHERE account = ? AND source = ?", (account, API))
    # A figure kept from before schema 4 has no channel: a balance call supersedes it.
    conn.execute(
        "DELETE FROM balance_lines WHERE account = ? AND channel = '' AND route = ''", (account,)
    )
    for line in balance.lines:
        channel, route = line_key(line)
        overdraft = None if line.overdraft is None else str(line.overdraft)
        conn.execute(
            """INSERT OR REPLACE INTO balance_lines (account, channel, route, provider, label,
                   amount, unit, expires, overdraft, source, reference, seen_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?)""",
            (account, channel, route, provider, line.label, str(line.amount), line.unit,
             line.expires, overdraft, API, seen),
        )  # fmt: skip
        _history(conn, account, channel, route, line.amount, line.unit, API, None, None, seen)


def write_reply_balance(
    conn: sqlite3.Connection,
    account: str,
    provider: str,
    channel: str,
    amount: Decimal,
    *,
    unit: str | None,
    reference: str | None,
    seen_at: datetime,
) -> None:
    """The balance a send's reply carried: the balance of that channel (CapitoleMobile's SMS
    and voice platforms each answer with their own)."""
    seen = to_text(seen_at)
    before = conn.execute(
        "SELECT amount, unit FROM balance_lines WHERE account = ? AND channel = ? AND route = ''",
        (account, channel),
    ).fetchone()
    unit = unit or (before["unit"] if before is not None else "credits")
    spent = None
    previous = decimal_or_none(before["amount"]) if before is not None else None
    if previous is not None and previous > amount and reference is not None:
        spent = str(previous - amount)  # what this reply's request cost, for the unit cost
    conn.execute(
        "DELETE FROM balance_lines WHERE account = ? AND channel = '' AND route = ''", (account,)
    )
    conn.execute(
        """INSERT OR REPLACE INTO balance_lines (account, channel, route, provider, label,
               amount, unit, expires, overdraft, source, reference, seen_at)
           VALUES (?, ?, '', ?, ?, ?, ?, NULL, NULL, ?, ?, ?)""",
        (account, channel, provider, _CHANNEL_LABELS.get(channel, channel or "balance"),
         str(amount), unit, SEND, reference, seen),
    )  # fmt: skip
    _history(conn, account, channel, "", amount, unit, SEND, reference, spent, seen)


def _history(
    conn: sqlite3.Connection,
    account: str,
    channel: str,
    route: str,
    amount: Decimal,
    unit: str,
    source: str,
    reference: str | None,
    spent: str | None,
    seen: str,
) -> None:
    conn.execute(
        """INSERT INTO balance_history (account, channel, route, amount, unit, source,
               reference, spent, seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (account, channel, route, str(amount), unit, source, reference, spent, seen),
    )


def _threshold(
    found: Mapping[tuple[str, str], Decimal], channel: str, route: str
) -> Decimal | None:
    for key in ((channel, route), (channel, ""), ("", "")):
        if key in found:
            return found[key]
    return None


# --------------------------------------------------------------------------- queries


class BalanceQueries(StoreBase):
    """Balances per account and channel or route, mixed into ``Store``."""

    def balances(self, account: str) -> list[KnownBalance]:
        """The account's balances, API lines first in the provider's order, then send replies."""
        return self.all_balances([account]).get(account, [])

    def all_balances(self, accounts: Iterable[str] | None = None) -> dict[str, list[KnownBalance]]:
        wanted = None if accounts is None else list(accounts)
        with self._read() as conn:
            rows = conn.execute(
                "SELECT rowid, * FROM balance_lines ORDER BY account, source, rowid"
            ).fetchall()
            limits = conn.execute("SELECT * FROM balance_thresholds").fetchall()
            costs: dict[tuple[str, str], Decimal | None] = {}
            for row in rows:
                key = (row["account"], row["channel"])
                if key not in costs and (wanted is None or key[0] in wanted):
                    costs[key] = self._unit_cost(conn, *key)
        by_account: dict[str, dict[tuple[str, str], Decimal]] = {}
        for row in limits:
            by_account.setdefault(row["account"], {})[(row["channel"], row["route"])] = Decimal(
                row["threshold"]
            )
        found: dict[str, list[KnownBalance]] = {}
        for row in rows:
            if wanted is not None and row["account"] not in wanted:
                continue
            channel, route = row["channel"], row["route"]
            found.setdefault(row["account"], []).append(
                KnownBalance(
                    account=row["account"],
                    provider=row["provider"],
                    channel=channel,
                    route=route,
                    label=row["label"],
                    amount=Decimal(row["amount"]),
                    unit=row["unit"],
                    expires=row["expires"],
                    overdraft=decimal_or_none(row["overdraft"]),
                    source=row["source"],
                    reference=row["reference"],
                    seen_at=from_text(row["seen_at"]) or self._clock(),
                    threshold=_threshold(by_account.get(row["account"], {}), channel, route),
                    unit_cost=costs.get((row["account"], channel)),
                )
            )
        return found

    def _unit_cost(self, conn: sqlite3.Connection, account: str, channel: str) -> Decimal | None:
        """The cost of one message on the account's latest send (on ``channel``; any when
        ``''``) that tells it: its reply's cost, or else the drop of the balance across its
        requests (CapitoleMobile's replies carry no cost). Bounded reads: the account's last
        50 sends, the balance's last 50 figures."""
        recent = conn.execute(
            """SELECT channel, cost, accepted, dry_run FROM sends WHERE account = ?
               ORDER BY id DESC LIMIT 50""",
            (account,),
        ).fetchall()
        for row in recent:
            priced = row["cost"] and row["accepted"] > 0 and not row["dry_run"]
            if priced and channel in ("", row["channel"]):
                return _per_message(Decimal(row["cost"]), row["accepted"])
        figures = conn.execute(
            """SELECT h.reference, h.spent, s.accepted FROM balance_history h
               JOIN sends s ON s.reference = h.reference
               WHERE h.account = ? AND h.channel = ? AND h.route = '' AND h.spent IS NOT NULL
               ORDER BY h.seen_at DESC LIMIT 50""",
            (account, channel),
        ).fetchall()
        if not figures or not figures[0]["accepted"]:
            return None
        latest = figures[0]["reference"]
        spent = sum((Decimal(r["spent"]) for r in figures if r["reference"] == latest), Decimal(0))
        return _per_message(spent, figures[0]["accepted"])

    def balance_history(
        self, account: str, channel: str, route: str, *, since: datetime | None = None
    ) -> list[tuple[datetime, Decimal]]:
        """Every figure seen for one balance, oldest first (``since``: from that moment)."""
        with self._read() as conn:
            rows = conn.execute(
                """SELECT seen_at, amount FROM balance_history
                   WHERE account = ? AND channel = ? AND route = ? AND seen_at >= ?
                   ORDER BY seen_at, id""",
                (account, channel, route, "" if since is None else to_text(since)),
            ).fetchall()
        return [(datetime.fromisoformat(row[0]), Decimal(row[1])) for row in rows]

    def set_threshold(
        self, account: str, threshold: Decimal | None, *, channel: str = "", route: str = ""
    ) -> None:
        """Set (or, with None, remove) the low-balance threshold of one balance, of a channel
        (``route=''``) or of the whole account (both ``''``)."""
        with self._write() as conn:
            if threshold is None:
                conn.execute(
                    "DELETE FROM balance_thresholds "
                    "WHERE account = ? AND channel = ? AND route = ?",
                    (account, channel, route),
                )
            else:
                conn.execute(
                    "INSERT OR REPLACE INTO balance_thresholds VALUES (?, ?, ?, ?)",
                    (account, channel, route, str(threshold)),
                )

    def thresholds(self, account: str) -> dict[tuple[str, str], Decimal]:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT channel, route, threshold FROM balance_thresholds WHERE account = ?",
                (account,),
            ).fetchall()
        return {(row[0], row[1]): Decimal(row[2]) for row in rows}


def _per_message(total: Decimal, accepted: int) -> Decimal:
    return total / Decimal(max(1, accepted))


# --------------------------------------------------------------------------- choosing, warning


def balance_for(
    known: Sequence[KnownBalance], account: AccountLike, channel: str | None
) -> KnownBalance | None:
    """The balance that fits a screen: of its channel (any when None), the route the account
    sends through first (a line whose route is one of the account's option values: eCampaign's
    ``route``/``voice_route``, Octopush's ``sms_type``), else the channel's own, else a balance
    that names no channel (VoicePartner's one credit)."""
    if not known:
        return None
    if channel is None:
        channel = "sms" if any(k.channel == "sms" for k in known) else known[0].channel
    values = set(account.options.values())
    ours = [k for k in known if k.channel == channel]
    for candidates in (
        [k for k in ours if k.route and k.route in values],
        [k for k in ours if not k.route],
        ours,
        [k for k in known if not k.channel],
    ):
        if candidates:
            return candidates[0]
    return None


def balance_warning(
    known: Sequence[KnownBalance], account: AccountLike, channel: str, messages: int
) -> str | None:
    """What to say before a send of ``messages`` messages (recipients × parts) on ``channel``
    whose balance is, or would go, below its low-balance threshold (or past zero); None when
    nothing is known to be wrong. The composer shows it in its confirmation."""
    line = balance_for(known, account, channel)
    if line is None:
        return None
    seen = f"{line.amount} {line.unit}, seen {line.seen_at:%Y-%m-%d %H:%M} ({line.where})"
    what = f"{account.name}'s {line.name} balance"
    if line.low:
        return f"{what} is already below its low-balance threshold of {line.threshold}: {seen}"
    cost = Decimal(1) if line.unit in MESSAGE_UNITS else line.unit_cost
    if cost is None:
        return None
    after = line.amount - cost * messages
    if line.threshold is not None and after < line.threshold:
        return (
            f"{what} would fall to about {after.quantize(Decimal('0.01'))} {line.unit}, below "
            f"its low-balance threshold of {line.threshold}: {seen}"
        )
    if after < -(line.overdraft or Decimal(0)):
        return f"{what} may not cover this send (about {cost * messages} {line.unit}): {seen}"
    return None
