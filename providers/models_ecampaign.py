"""The shared types only eCampaign uses: its e-mail and fax messages and its importMembers
report (by callback).

Named from ``providers.models`` and defined here, loaded when first named (``__getattr__`` there,
PEP 562): a send of another provider, or the console's first screen, does not pay for these
dataclasses (about a millisecond each at import).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# At run time, not for typing only: typing.get_type_hints (the outbox's codec) reads the fields.
from providers.models import GroupTarget


@dataclass(frozen=True)
class MailMessage:
    """eCampaign e-mail."""

    recipients: tuple[str, ...] = ()  # e-mail addresses
    subject: str | None = None
    message: str | None = None
    template_id: str | None = None
    reply_to: str | None = None
    schedule: datetime | None = None
    group: GroupTarget | None = None


@dataclass(frozen=True)
class FaxMessage:
    """eCampaign fax: ``filename`` is a PDF stored in the account's file manager."""

    filename: str
    recipients: tuple[str, ...] = ()
    caller_id: str | None = None
    schedule: datetime | None = None
    group: GroupTarget | None = None


@dataclass(frozen=True)
class ImportReport:
    """eCampaign's importMembers report, by callback. ``state`` is the provider's own."""

    state: str
    imported: int | None
    errors: tuple[str, ...] = ()
