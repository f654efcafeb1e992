"""The eCampaign provider object: one class assembling the web-service families."""

from __future__ import annotations

from typing import ClassVar

import httpx

from providers.base import AccountSettings, Capability
from providers.ecampaign import CAPABILITIES
from providers.ecampaign.codes import KIND
from providers.ecampaign.core import EcampaignCore
from providers.ecampaign.credits import CreditsMixin
from providers.ecampaign.feedback import FeedbackMixin
from providers.ecampaign.groups import GroupsMixin
from providers.ecampaign.hlr import HlrMixin
from providers.ecampaign.sending import SendingMixin
from providers.ecampaign.templates import TemplatesMixin
from providers.ecampaign.tracking import TrackingMixin
from providers.prepared import LastPrepared
from providers.redact import guard_provider


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

    kind: ClassVar[str] = KIND
    capabilities: ClassVar[Capability] = CAPABILITIES

    def __init__(
        self,
        settings: AccountSettings,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._core = EcampaignCore(settings, secret, transport)
        self._prepared = LastPrepared()

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
