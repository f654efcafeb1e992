"""The eCampaign provider object: one class assembling the web-service families."""

from __future__ import annotations

from typing import ClassVar

import httpx

from ..base import AccountSettings, Capability
from ..redact import guard_provider
from .core import PROVIDER, EcampaignCore
from .credits import CreditsMixin
from .feedback import FeedbackMixin
from .groups import GroupsMixin
from .hlr import HlrMixin
from .sending import SendingMixin
from .templates import TemplatesMixin
from .tracking import TrackingMixin

CAPABILITIES = (
    Capability.SMS
    | Capability.VOICE
    | Capability.MAIL
    | Capability.FAX
    | Capability.BALANCE
    | Capability.SCHEDULE
    | Capability.GROUPS
    | Capability.TEMPLATES
    | Capability.CDR
    | Capability.BLACKLIST
    | Capability.HLR
)


@guard_provider
class EcampaignProvider(
    SendingMixin,
    GroupsMixin,
    TemplatesMixin,
    CreditsMixin,
    FeedbackMixin,
    TrackingMixin,
    HlrMixin,
):
    """eCampaign by Prosoluce: every XML web service, one async method per operation."""

    kind: ClassVar[str] = PROVIDER
    capabilities: ClassVar[Capability] = CAPABILITIES

    def __init__(
        self,
        settings: AccountSettings,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._core = EcampaignCore(settings, secret, transport)

    @property
    def _secret(self) -> str:
        """Read by ``providers.redact.guard_provider`` to scrub errors."""
        return self._core._secret

    def __repr__(self) -> str:
        core = self._core
        return f"EcampaignProvider(account={core.account!r}, user={core.user!r})"

    async def aclose(self) -> None:
        await self._core.aclose()

    async def __aenter__(self) -> EcampaignProvider:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
