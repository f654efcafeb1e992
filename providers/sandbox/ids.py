"""Identifiers the simulated platforms hand out: never the same in two runs.

A receiver and an outbox outlive the sandbox: ids counted from 1 in every run would make a new
send's campaign or ticket look like an old one, and its reports like duplicates of the old
reports. So every id starts with the current time in microseconds, kept strictly increasing
within the process, and ends with random digits, so two processes started in the same
microsecond still differ.
"""

from __future__ import annotations

import secrets
import threading
import time

_lock = threading.Lock()  # SandboxThread runs clusters on other threads' event loops
_last = 0


def _microseconds() -> int:
    global _last
    with _lock:
        _last = max(time.time_ns() // 1000, _last + 1)
        return _last


def unique_hex(random_digits: int = 4) -> str:
    """Lower-case hexadecimal: 13 digits of time, then ``random_digits`` random ones."""
    return f"{_microseconds():x}{secrets.token_hex(random_digits)[:random_digits]}"


def unique_digits(random_digits: int = 3) -> str:
    """Decimal: 16 digits of time, then ``random_digits`` random ones."""
    suffix = "".join(secrets.choice("0123456789") for _ in range(random_digits))
    return f"{_microseconds()}{suffix}"
