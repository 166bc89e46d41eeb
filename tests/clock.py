"""A clock whose time moves only when a test says so (for the workers and the supervisor)."""

from __future__ import annotations

import asyncio


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        wake = asyncio.get_running_loop().create_future()
        self._sleepers.append((self.now + seconds, wake))
        await wake

    def advance(self, seconds: float) -> None:
        """Move time on and wake every sleeper whose time has come."""
        self.now += seconds
        due = [(at, wake) for at, wake in self._sleepers if at <= self.now]
        self._sleepers = [(at, wake) for at, wake in self._sleepers if at > self.now]
        for _, wake in due:
            if not wake.done():
                wake.set_result(None)

    @property
    def sleeping(self) -> int:
        """How many sleeps are waiting for time to pass."""
        return sum(1 for _, wake in self._sleepers if not wake.done())
