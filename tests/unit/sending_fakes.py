"""A fake provider that records every send call, and the messages the sending tests use."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from providers.base import Capability
from providers.errors import InputError, ProviderError
from providers.models import Balance, SendReceipt, SendStatus, SmsMessage, VoiceMessage

NUMBERS = tuple(f"+3361{i:07d}" for i in range(10_000))
A, B, C = NUMBERS[:3]

Behaviour = Callable[[SmsMessage | VoiceMessage], SendReceipt]


def ok(message: SmsMessage | VoiceMessage) -> SendReceipt:
    return SendReceipt("fake", SendStatus.ACCEPTED, balance=Decimal(100), cost=Decimal("0.5"))


def fail(error: Exception) -> Behaviour:
    def behaviour(message: SmsMessage | VoiceMessage) -> SendReceipt:
        raise error

    return behaviour


class FakeProvider:
    """Implements ``providers.base.Provider``; ``script[i]`` answers the i-th send call."""

    kind: ClassVar[str] = "fake"
    capabilities: ClassVar[Capability] = Capability.SMS | Capability.VOICE

    def __init__(self, *script: Behaviour, db: Path | None = None) -> None:
        self.script = list(script)
        self.calls: list[tuple[SmsMessage | VoiceMessage, bool]] = []
        self.db = db
        self.seen: list[list[tuple[str, str]]] = []  # what another connection saw, per call
        self.invalid: str | None = None

    def validate_sms(self, message: SmsMessage) -> None:
        if self.invalid is not None and self.invalid in message.text:
            raise InputError("text", f"contains {self.invalid!r}")

    def validate_voice(self, message: VoiceMessage) -> None:
        if not message.recipients and message.group is None:
            raise InputError("recipients", "no recipient")

    async def send_sms(self, message: SmsMessage, *, dry_run: bool = False) -> SendReceipt:
        return await self._send(message, dry_run)

    async def send_voice(self, message: VoiceMessage, *, dry_run: bool = False) -> SendReceipt:
        return await self._send(message, dry_run)

    async def _send(self, message: SmsMessage | VoiceMessage, dry_run: bool) -> SendReceipt:
        self.calls.append((message, dry_run))
        if self.db is not None:
            # A second connection, as another process would open: the intent must be there.
            conn = sqlite3.connect(self.db)
            self.seen.append(
                conn.execute(
                    """SELECT s.state, r.state FROM sends s JOIN send_recipients r USING (reference)
                       WHERE r.number = ?""",
                    (message.recipients[0],),
                ).fetchall()
            )
            conn.close()
        behaviour = self.script.pop(0) if self.script else ok
        if dry_run:
            return SendReceipt("fake", SendStatus.DRY_RUN)
        return behaviour(message)

    async def balance(self) -> Balance:
        raise ProviderError("fake", "UNSUPPORTED", "no balance call")

    async def aclose(self) -> None:
        return None


class CampaignProvider(FakeProvider):
    capabilities: ClassVar[Capability] = Capability.SMS | Capability.CAMPAIGN_ID


class Guarded(FakeProvider):
    """Refuses a repeated request_id, as Octopush does."""

    kind: ClassVar[str] = "octopush"
    capabilities: ClassVar[Capability] = (
        Capability.SMS | Capability.VOICE | Capability.DUPLICATE_GUARD
    )


def sms(*numbers: str, text: str = "Rappel : rendez-vous demain") -> SmsMessage:
    return SmsMessage(text=text, recipients=numbers or (A, B, C))


def sent_sms(provider: FakeProvider) -> list[SmsMessage]:
    return [m for m, _ in provider.calls if isinstance(m, SmsMessage)]


class Capitole(FakeProvider):
    kind: ClassVar[str] = "capitole"
