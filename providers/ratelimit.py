"""Client-side rate limiting: sliding windows, server hints, and a shared registry.

A ``RateLimiter`` enforces several windows at once (say 5 per minute *and* 2000 per hour): a
request may go when every window has room. It remembers when each request went, so the wait is
exact rather than a token-bucket approximation, and it also obeys the server: an HTTP 429 or an
``x-ratelimit-remaining: 0`` header blocks every request until the announced reset.

``acquire()`` waits for a slot and takes it; ``next_slot()`` / ``check()`` answer without
waiting (a screen shows "next request in 47 s"). Taking the slot happens with no ``await``
between the check and the record, so concurrent callers on one event loop can never overshoot,
and a caller cancelled while waiting has consumed nothing.

Limits belong to an API key, not to a provider object: several objects built for one account
(the console, a CLI command, a worker) must share one limiter, hence ``LimiterRegistry``. The
registry keys on a hash of the account key so that no secret sits in its keys.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from providers.errors import RateLimitedError

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

#: A reset value at least this large is an epoch timestamp, not a number of seconds.
_EPOCH_THRESHOLD = 1_000_000_000
#: Server hints beyond this are not believed (a broken header must not block for a week).
MAX_SERVER_BLOCK = 24 * 3600.0


@dataclass(frozen=True)
class Window:
    """At most ``limit`` requests in any ``seconds``-long interval."""

    limit: int
    seconds: float

    def __post_init__(self) -> None:
        if self.limit < 1 or self.seconds <= 0:
            raise ValueError(f"invalid rate window {self.limit}/{self.seconds}s")


PER_MINUTE = 60.0
PER_HOUR = 3600.0


def per_minute(limit: int) -> Window:
    return Window(limit, PER_MINUTE)


def per_hour(limit: int) -> Window:
    return Window(limit, PER_HOUR)


class RateLimiter:
    """Sliding-window limiter over one or more windows; see the module docstring."""

    def __init__(
        self,
        *windows: Window,
        name: str = "",
        provider: str = "",
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Clock = time.time,
    ) -> None:
        if not windows:
            raise ValueError("a rate limiter needs at least one window")
        self.windows = tuple(sorted(windows, key=lambda w: w.seconds))
        self.name = name
        #: Named in the ``RateLimitedError`` that ``acquire(max_wait=...)`` raises.
        self.provider = provider or name or "rate limiter"
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._longest = self.windows[-1].seconds
        # Times at which requests went (or synthetic ones standing for requests the server
        # counted but we did not see), oldest first.
        self._sent: deque[float] = deque()
        self._blocked_until = -math.inf

    def __repr__(self) -> str:
        spec = ", ".join(f"{w.limit}/{w.seconds:g}s" for w in self.windows)
        return f"RateLimiter({self.name!r}, {spec})"

    # -- asking -------------------------------------------------------------------------------
    def next_slot(self) -> float:
        """Seconds until a request may go (0.0: now). Never waits, never takes a slot."""
        now = self._clock()
        self._forget(now)
        wait = max(0.0, self._blocked_until - now)
        for window in self.windows:
            start = now - window.seconds
            in_window = [t for t in self._sent if t > start]
            if len(in_window) >= window.limit:
                # The slot frees when enough of the oldest requests leave this window.
                oldest_needed = in_window[len(in_window) - window.limit]
                wait = max(wait, oldest_needed + window.seconds - now)
        return wait

    def check(self) -> bool:
        """True when a request may go right now."""
        return self.next_slot() <= 0.0

    def remaining(self) -> int:
        """Requests that may go now before the tightest window is full (0 while blocked)."""
        now = self._clock()
        self._forget(now)
        if self._blocked_until > now:
            return 0
        return min(
            max(0, w.limit - sum(1 for t in self._sent if t > now - w.seconds))
            for w in self.windows
        )

    # -- taking -------------------------------------------------------------------------------
    def try_acquire(self) -> bool:
        """Take a slot if one is free now; never waits."""
        if self.next_slot() > 0.0:
            return False
        self._sent.append(self._clock())
        return True

    async def acquire(self, max_wait: float | None = None) -> float:
        """Wait for a slot and take it; return the seconds waited.

        With ``max_wait``, raise ``RateLimitedError`` (before sleeping at all) when the wait
        would be longer: a caller should not sit an hour inside a send.
        """
        waited = 0.0
        while True:
            wait = self.next_slot()
            if wait <= 0.0:
                # No await between the check above and this record: the slot is ours.
                self._sent.append(self._clock())
                return waited
            if max_wait is not None and waited + wait > max_wait:
                raise RateLimitedError(self.provider, wait)
            # Cancelled here, the caller has recorded nothing: no slot is consumed.
            await self._sleep(wait)
            waited += wait

    # -- listening to the server --------------------------------------------------------------
    def block_for(self, seconds: float) -> None:
        """Refuse every request for ``seconds`` (HTTP 429, quota exhausted)."""
        seconds = min(max(0.0, seconds), MAX_SERVER_BLOCK)
        self._blocked_until = max(self._blocked_until, self._clock() + seconds)

    def observe(self, headers: Mapping[str, str], status: int = 200) -> None:
        """Learn from a reply's ``x-ratelimit-*`` headers (and its status).

        * 429: block until ``retry-after`` / ``x-ratelimit-reset`` (60 s when neither is usable).
        * ``x-ratelimit-remaining: 0``: block until the reset.
        * ``x-ratelimit-remaining: N`` below what we think is left in the window whose size is
          ``x-ratelimit-limit``: someone else uses the key; count the difference as requests
          that leave the window at the reset, so that we never overshoot the server's count.
        """
        reset = self._reset_seconds(headers)
        remaining = _int_header(headers, "x-ratelimit-remaining")
        if status == 429:
            self.block_for(reset if reset is not None else 60.0)
            return
        if remaining is None:
            return
        if remaining <= 0:
            self.block_for(reset if reset is not None else self.windows[0].seconds)
            return
        limit = _int_header(headers, "x-ratelimit-limit")
        window = next((w for w in self.windows if w.limit == limit), None)
        if window is None:
            return
        now = self._clock()
        self._forget(now)
        used_here = sum(1 for t in self._sent if t > now - window.seconds)
        missing = (window.limit - remaining) - used_here
        if missing <= 0:
            return
        leaves_at = now + (reset if reset is not None else window.seconds)
        stamp = min(now, leaves_at - window.seconds)
        for _ in range(min(missing, window.limit)):
            self._sent.append(stamp)
        self._sent = deque(sorted(self._sent))

    def _reset_seconds(self, headers: Mapping[str, str]) -> float | None:
        for name in ("retry-after", "x-ratelimit-reset"):
            raw = _header(headers, name)
            if raw is None:
                continue
            try:
                value = float(raw)
            except ValueError:
                continue
            if not math.isfinite(value) or value < 0:
                continue
            if value >= _EPOCH_THRESHOLD * 1000:  # epoch in milliseconds
                value = value / 1000 - self._wall_clock()
            elif value >= _EPOCH_THRESHOLD:  # epoch in seconds
                value -= self._wall_clock()
            return min(max(0.0, value), MAX_SERVER_BLOCK)
        return None

    def _forget(self, now: float) -> None:
        horizon = now - self._longest
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:
        # Plain dicts are case-sensitive; httpx.Headers is not.
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value.strip() if value is not None else None


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    raw = _header(headers, name)
    if raw is None:
        return None
    try:
        value = float(raw)
        # "inf", "nan" or 1e400 from a garbled header must not break an accepted send.
        return int(value) if abs(value) < 1e12 else None
    except (ValueError, OverflowError):
        return None


class LimiterRegistry:
    """Limiters shared by every provider object using the same account key."""

    def __init__(
        self,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        wall_clock: Clock = time.time,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        self._limiters: dict[tuple[str, str], RateLimiter] = {}

    def __repr__(self) -> str:
        return f"LimiterRegistry({len(self._limiters)} limiters)"

    def get(
        self, scope: str, account_key: str, *windows: Window, provider: str = ""
    ) -> RateLimiter:
        """The limiter for ``scope`` (an endpoint family) of the account ``account_key``.

        The first call creates it with ``windows``; later calls return the same object.
        """
        digest = hashlib.sha256(account_key.encode("utf-8")).hexdigest()
        key = (scope, digest)
        limiter = self._limiters.get(key)
        if limiter is None:
            limiter = RateLimiter(
                *windows,
                name=scope,
                provider=provider,
                clock=self._clock,
                sleep=self._sleep,
                wall_clock=self._wall_clock,
            )
            self._limiters[key] = limiter
        return limiter

    def clear(self) -> None:
        self._limiters.clear()


#: The process-wide registry provider objects use unless given another (tests inject one).
REGISTRY = LimiterRegistry()
