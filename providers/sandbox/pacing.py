"""The server side of a rate limit: count requests in sliding windows, refuse past the limit.

The sandboxes do not use ``providers.ratelimit``: that is how the client paces itself, and a
server that counted with the client's own code would agree with it even when it counts wrong.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests in any ``seconds``-long interval."""

    count: int
    seconds: float


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    headers: dict[str, str]


@dataclass
class SlidingWindows:
    """Every limit at once (say 5 a minute and 2000 an hour); a refused request is not counted.

    The reply headers describe the tightest (shortest) limit, as the provider's do:
    ``x-ratelimit-limit``, ``x-ratelimit-remaining`` and ``x-ratelimit-reset``, the seconds
    until a request may go again (the window's length while one may go now).
    """

    limits: tuple[Limit, ...]
    clock: Callable[[], float] = time.monotonic
    _times: deque[float] = field(default_factory=deque)

    def take(self) -> Verdict:
        now = self.clock()
        longest = max(limit.seconds for limit in self.limits)
        while self._times and self._times[0] <= now - longest:
            self._times.popleft()
        allowed = self._wait(now) <= 0.0
        if allowed:
            self._times.append(now)
        wait = self._wait(now)
        tightest = min(self.limits, key=lambda limit: limit.seconds)
        remaining = min(
            limit.count - sum(1 for t in self._times if t > now - limit.seconds)
            for limit in self.limits
        )
        return Verdict(
            allowed,
            {
                "x-ratelimit-limit": str(tightest.count),
                "x-ratelimit-remaining": str(max(0, remaining) if allowed else 0),
                "x-ratelimit-reset": str(math.ceil(wait) if wait > 0 else int(tightest.seconds)),
            },
        )

    def _wait(self, now: float) -> float:
        """Seconds until every limit has room for one more request."""
        wait = 0.0
        for limit in self.limits:
            inside = [t for t in self._times if t > now - limit.seconds]
            if len(inside) >= limit.count:
                # Room comes back when the request that filled the window leaves it.
                wait = max(wait, inside[len(inside) - limit.count] + limit.seconds - now)
        return wait
