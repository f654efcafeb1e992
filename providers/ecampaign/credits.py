"""manageCredit/getCredit: the credits left on each route of the account."""

from __future__ import annotations

from datetime import UTC, datetime

from providers.decimals import to_decimal
from providers.ecampaign.codes import KIND, NO_CREDIT
from providers.ecampaign.core import EcampaignCore, attr
from providers.models import Balance, BalanceLine


class CreditsMixin:
    _core: EcampaignCore

    async def balance(self) -> Balance:
        """One line per route: its id (the ``route`` option), name, channel, expiry, overdraft.

        Code 31 ("no sending credit is available") is an answer, not a failure: an empty balance.
        """
        root = self._core.envelope()
        reply = await self._core.call(
            "/manageCredit/getCredit", root, sends=False, accept=(NO_CREDIT,)
        )
        lines = []
        for route in reply.root.iterfind("credits/route"):
            amount = to_decimal(route.text)
            if amount is None:
                raise self._core.bad_reply(
                    f"unreadable credit amount for route {attr(route, 'id') or '?'}"
                )
            lines.append(
                BalanceLine(
                    label=attr(route, "name") or attr(route, "id") or "route",
                    amount=amount,
                    unit="credits",
                    route_id=attr(route, "id"),
                    channel=attr(route, "type"),
                    expires=attr(route, "expire"),
                    overdraft=to_decimal(attr(route, "allownegative")),
                )
            )
        return Balance(provider=KIND, lines=tuple(lines), as_of=datetime.now(UTC))
