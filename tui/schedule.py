"""Schedules as operators write them: Paris wall-clock time, 'YYYY-MM-DD HH:MM[:SS]'."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from providers.errors import InputError

PARIS = ZoneInfo("Europe/Paris")
FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M")


def parse_schedule(value: str | None) -> datetime | None:
    """An aware datetime in the future, or None when blank. Raises InputError ("schedule")."""
    text = (value or "").strip()
    if not text:
        return None
    for fmt in FORMATS:
        try:
            when = datetime.strptime(text, fmt).replace(tzinfo=PARIS)
            break
        except ValueError:
            continue
    else:
        raise InputError("schedule", f"{text!r} is not 'YYYY-MM-DD HH:MM:SS' (Paris time)")
    if when <= datetime.now(PARIS):
        raise InputError("schedule", f"{text} (Paris time) is in the past")
    return when
