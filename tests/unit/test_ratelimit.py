"""The sliding-window limiter, driven by a fake clock (no real waiting anywhere)."""

from __future__ import annotations

import asyncio

import pytest

from providers.errors import RateLimitedError
from providers.ratelimit import LimiterRegistry, RateLimiter, Window, per_hour, per_minute


class FakeClock:
    """Monotonic time that only moves when someone sleeps or the test says so."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def limiter(clock: FakeClock, *windows: Window, wall: float = 1_700_000_000.0) -> RateLimiter:
    return RateLimiter(
        *windows,
        name="test",
        provider="prov",
        clock=clock,
        sleep=clock.sleep,
        wall_clock=lambda: wall,
    )


async def test_five_per_minute_then_the_sixth_waits_for_the_oldest_to_leave() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5))
    for _ in range(5):
        assert await lim.acquire() == 0.0
        clock.advance(10)  # requests at t=0, 10, 20, 30, 40
    clock.advance(-5)  # now t=45
    assert lim.check() is False
    assert lim.next_slot() == pytest.approx(15.0)
    waited = await lim.acquire()
    assert waited == pytest.approx(15.0)
    assert clock.sleeps == [pytest.approx(15.0)]
    # Now t=60: the request at t=10 leaves at 70.
    assert lim.next_slot() == pytest.approx(10.0)


async def test_hour_window_applies_on_top_of_the_minute_window() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5), per_hour(7))
    for _ in range(5):
        assert lim.try_acquire()
    assert not lim.try_acquire()  # minute window full
    clock.advance(60)
    assert lim.try_acquire()
    assert lim.try_acquire()
    assert lim.remaining() == 0
    # The minute window has room (2 used), the hour window is full until t=3600.
    assert lim.next_slot() == pytest.approx(3600 - 60)
    clock.advance(3600 - 60)
    assert lim.check()


async def test_hour_window_waits_for_enough_old_requests() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_hour(3))
    for offset in (0, 100, 200):
        clock.now = 1000.0 + offset
        assert lim.try_acquire()
    clock.now = 1300.0
    assert lim.next_slot() == pytest.approx(3600 - 300)  # the t=0 request leaves at 3600


async def test_http_429_blocks_every_request_until_the_reset() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5))
    lim.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "30"}, status=429)
    assert lim.check() is False
    assert lim.remaining() == 0
    assert lim.next_slot() == pytest.approx(30.0)
    assert await lim.acquire() == pytest.approx(30.0)
    assert clock.sleeps == [pytest.approx(30.0)]


async def test_429_without_usable_headers_blocks_a_minute() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5))
    lim.observe({"x-ratelimit-reset": "soon"}, status=429)
    assert lim.next_slot() == pytest.approx(60.0)


async def test_retry_after_wins_over_reset() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5))
    lim.observe({"Retry-After": "12", "x-ratelimit-reset": "50"}, status=429)
    assert lim.next_slot() == pytest.approx(12.0)


async def test_remaining_zero_blocks_until_reset_even_with_status_200() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5))
    lim.observe({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "47"})
    assert lim.next_slot() == pytest.approx(47.0)


async def test_reset_as_epoch_seconds_and_milliseconds() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5), wall=1_700_000_000.0)
    lim.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000020"})
    assert lim.next_slot() == pytest.approx(20.0)
    other = limiter(FakeClock(), per_minute(5), wall=1_700_000_000.0)
    other.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1700000033000"})
    assert other.next_slot() == pytest.approx(33.0)


async def test_absurd_reset_is_capped_at_a_day() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5), wall=0.0)
    lim.observe({"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"})
    assert lim.next_slot() == pytest.approx(24 * 3600)


async def test_server_count_lower_than_ours_is_adopted() -> None:
    """Another process uses the key: the server says 1 left although we sent only one."""
    clock = FakeClock()
    lim = limiter(clock, per_minute(5))
    assert lim.try_acquire()
    assert lim.remaining() == 4
    lim.observe({"x-ratelimit-limit": "5", "x-ratelimit-remaining": "1", "x-ratelimit-reset": "20"})
    assert lim.remaining() == 1
    assert lim.try_acquire()
    assert not lim.check()
    # The phantom requests leave the window at the announced reset, not a minute later.
    assert lim.next_slot() == pytest.approx(20.0)


async def test_server_count_higher_than_ours_changes_nothing() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(5))
    assert lim.try_acquire()
    lim.observe({"x-ratelimit-limit": "5", "x-ratelimit-remaining": "4", "x-ratelimit-reset": "60"})
    assert lim.remaining() == 4
    lim.observe({"x-ratelimit-limit": "99", "x-ratelimit-remaining": "1"})  # no such window
    assert lim.remaining() == 4


async def test_garbage_headers_are_ignored() -> None:
    lim = limiter(FakeClock(), per_minute(5))
    lim.observe({"x-ratelimit-remaining": "lots", "x-ratelimit-reset": "-5"})
    lim.observe({"x-ratelimit-remaining": "2", "x-ratelimit-limit": "nan"})
    assert lim.remaining() == 5


async def test_a_cancelled_wait_consumes_no_slot() -> None:
    clock = FakeClock()
    forever = asyncio.Event()

    async def never_wakes(_seconds: float) -> None:
        await forever.wait()

    lim = RateLimiter(per_minute(2), clock=clock, sleep=never_wakes)
    assert lim.try_acquire()
    lim.block_for(30)  # a 429: the next request must wait although the window has room
    task = asyncio.create_task(lim.acquire())
    await asyncio.sleep(0)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    clock.advance(30)
    # Still one slot free in the minute: the cancelled waiter took nothing.
    assert lim.remaining() == 1
    assert lim.try_acquire()
    assert not lim.try_acquire()


async def test_concurrent_waiters_never_overshoot() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(3))
    times: list[float] = []

    async def one() -> None:
        await lim.acquire()
        times.append(clock.now)

    await asyncio.gather(*(one() for _ in range(7)))
    times.sort()
    for i, t in enumerate(times):
        window = [u for u in times[: i + 1] if u > t - 60]
        assert len(window) <= 3


async def test_max_wait_raises_before_sleeping() -> None:
    clock = FakeClock()
    lim = limiter(clock, per_minute(1))
    assert lim.try_acquire()
    with pytest.raises(RateLimitedError) as info:
        await lim.acquire(max_wait=30)
    assert info.value.provider == "prov"
    assert info.value.retry_after == pytest.approx(60.0)
    assert clock.sleeps == []
    assert lim.remaining() == 0
    clock.advance(45)
    assert await lim.acquire(max_wait=30) == pytest.approx(15.0)


def test_windows_are_validated() -> None:
    with pytest.raises(ValueError):
        Window(0, 60)
    with pytest.raises(ValueError):
        Window(5, 0)
    with pytest.raises(ValueError):
        RateLimiter()


def test_registry_shares_per_key_and_scope_and_hides_the_key() -> None:
    registry = LimiterRegistry()
    a = registry.get("vp:campaign", "secret-key-1", per_minute(5))
    assert registry.get("vp:campaign", "secret-key-1", per_minute(99)) is a
    assert registry.get("vp:campaign", "secret-key-2", per_minute(5)) is not a
    assert registry.get("vp:me", "secret-key-1", per_minute(5)) is not a
    assert a.windows == (per_minute(5),)
    assert "secret-key" not in repr(registry) + repr(a)
    assert all("secret-key" not in part for key in registry._limiters for part in key)
    registry.clear()
    assert registry.get("vp:campaign", "secret-key-1", per_minute(5)) is not a
