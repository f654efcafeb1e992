"""Sends written straight into an outbox file, fast, for the History screen's tests and
snapshots: ``sends`` sends of ``per_send`` recipients, at fixed times, every few a refusal or a
failed delivery (the same columns the outbox writes, with plain sqlite3)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
ACCOUNTS = (("demo-capitole", "capitole"), ("demo-ecampaign", "ecampaign"))
#: Each provider's own codes for delivered and failed.
CODES = {"capitole": ("DELIVERED", "INVALID_DESTINATION_ADDRESS"), "ecampaign": ("4", "8")}


def seed(path: Path, sends: int, per_send: int, *, start: datetime = T0) -> list[str]:
    """Return the references, oldest first."""
    references = [f"PVSEED{i:04d}" for i in range(sends)]
    conn = sqlite3.connect(path, timeout=10)
    try:
        with conn:
            for i, reference in enumerate(references):
                account, provider = ACCOUNTS[i % len(ACCOUNTS)]
                at = (start + timedelta(minutes=i)).isoformat(timespec="microseconds")
                conn.execute(
                    """INSERT INTO sends (reference, created_at, updated_at, account, provider,
                           channel, message_json, summary, state, recipients_total, accepted,
                           rejected)
                       VALUES (?, ?, ?, ?, ?, 'sms', ?, 'Bonjour', 'partial', ?, ?, ?)""",
                    (reference, at, at, account, provider, _message(), per_send,
                     per_send - per_send // 10, per_send // 10),
                )  # fmt: skip
                conn.executemany(
                    """INSERT INTO send_recipients (reference, position, provider, number, state,
                           error, delivery_state, delivery_code, delivery_at, updated_at)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (_recipient(reference, provider, i, n, at) for n in range(per_send)),
                )
    finally:
        conn.close()
    return references


def _message() -> str:
    from providers.models import SmsMessage
    from tui.outbox.codec import encode_message

    return encode_message(SmsMessage("Bonjour, votre commande est prête."))


def _recipient(reference: str, provider: str, send: int, n: int, at: str) -> tuple[object, ...]:
    number = f"+336{send % 100:02d}{n:06d}"
    if n % 10 == 9:
        error = "INVALID_NUMBER: the number is refused"
        return (reference, n, provider, number, "rejected", error, None, None, None, at)
    delivered, failed = CODES[provider]
    if n % 10 == 7:
        return (reference, n, provider, number, "accepted", None, "failed", failed, at, at)
    return (reference, n, provider, number, "accepted", None, "delivered", delivered, at, at)
