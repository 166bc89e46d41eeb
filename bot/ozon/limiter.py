"""A fair asyncio token bucket shared by every request of one Client-Id."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

__all__ = ["RateLimiter"]

_EPSILON = 1e-9


class RateLimiter:
    """Token bucket: on average `rate_per_second` acquisitions, at most `burst` back to back.

    Waiters are served first come, first served. `pause_until` stops every caller until a
    deadline, for a 429 whose Retry-After applies to the whole Client-Id. `clock` and `sleep`
    are injectable for tests; they default to `time.monotonic` and `asyncio.sleep`.
    """

    def __init__(
        self,
        rate_per_second: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not rate_per_second > 0:
            raise ValueError("rate_per_second must be positive")
        if burst is not None and burst < 1:
            raise ValueError("burst must be at least 1")
        self.rate = float(rate_per_second)
        self.burst = burst if burst is not None else 1
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._updated = clock()
        self._paused_until = float("-inf")
        self._lock = asyncio.Lock()  # FIFO: the head waiter sleeps, the rest queue behind it

    async def acquire(self) -> None:
        """Wait for a token and take it."""
        async with self._lock:
            while True:
                now = self._clock()
                self._refill(now)
                wait = self._paused_until - now
                if wait <= 0:
                    if self._tokens >= 1 - _EPSILON:  # float drift must not stall the bucket
                        self._tokens = max(self._tokens - 1, 0.0)
                        return
                    wait = (1 - self._tokens) / self.rate
                await self._sleep(wait)

    def pause_until(self, monotonic_deadline: float, *, now: float | None = None) -> float:
        """Hold every caller until the deadline (on the limiter's clock); then restart evenly.
        Returns the seconds this adds to the hold already in force (0: none)."""
        if monotonic_deadline <= self._paused_until:
            return 0.0
        now = self._clock() if now is None else now
        added = monotonic_deadline - max(self._paused_until, now)
        self._refill(now)
        self._paused_until = monotonic_deadline
        self._tokens = 0.0
        self._updated = max(self._updated, monotonic_deadline - 1 / self.rate)
        return max(added, 0.0)

    def pause_for(self, seconds: float) -> float:
        """`pause_until` counted from now on the limiter's own clock."""
        now = self._clock()
        return self.pause_until(now + max(seconds, 0.0), now=now)

    def _refill(self, now: float) -> None:
        elapsed = now - self._updated
        if elapsed > 0:
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
            self._updated = now

    async def __aenter__(self) -> RateLimiter:
        await self.acquire()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None
