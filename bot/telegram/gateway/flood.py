"""The forum group's Telegram budget: about 20 messages per minute for the whole group.

Every call that posts into the group (messages, photos, topic creation and changes, edits) takes a
slot first. Slots are handed out in arrival order, at most `per_window` in any sliding window and
never two within `min_interval`; a 429's `retry_after` pauses everyone.

Work that can wait (a topic's icon) takes a spare slot instead: only while nobody waits for a
slot, and only while the window keeps `reserve` slots free for whoever comes next, so that under
a full budget it never delays a post.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable


class FloodControlClosed(Exception):
    """The budget was closed (the bridge is stopping) while waiting for a slot."""


class FloodControl:
    def __init__(
        self,
        per_window: int = 20,
        window: float = 60.0,
        *,
        min_interval: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if per_window < 1 or window <= 0:
            raise ValueError("per_window must be ≥ 1 and window > 0")
        self.per_window = per_window
        self.window = window
        # Telegram also allows about one message per second in a chat; scale it with the window.
        self.min_interval = window / 60.0 if min_interval is None else min_interval
        self._clock = clock
        self._sleep = sleep
        # Slot times, as one-element lists so that `settle` can move a slot to when its send
        # actually reached Telegram (Telegram counts arrivals, not our grants).
        self._granted: deque[list[float]] = deque()
        self._paused_until = 0.0
        self._lock = asyncio.Lock()
        self._closed = asyncio.Event()
        self._waiters = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self.granted_total = 0
        self.spare_total = 0
        self.retry_after_total = 0
        self.retry_after_seconds = 0.0

    async def acquire(self) -> list[float]:
        """Wait for a slot in the budget and return it (hand it to `settle` when the send is
        done); raises `FloodControlClosed` once `close()` is called."""
        self._waiters += 1
        self._quiet.clear()
        try:
            async with self._lock:  # FIFO: waiters are served in order
                while True:
                    if self._closed.is_set():
                        raise FloodControlClosed
                    wait = self._wait_needed(self._clock())
                    if wait <= 0:
                        return self._grant()
                    await self._until(self._sleep(wait))
        finally:
            self._waiters -= 1
            if not self._waiters:
                self._quiet.set()

    async def acquire_spare(self, reserve: int = 5) -> list[float]:
        """A slot nobody else needs: waits while anyone waits for a slot, and while fewer than
        `reserve` slots of the window are free (at least one slot is always usable)."""
        limit = max(1, self.per_window - reserve)
        while True:
            if self._closed.is_set():
                raise FloodControlClosed
            if self._waiters:
                await self._until(self._quiet.wait())
                continue
            now = self._clock()
            wait = max(self._wait_needed(now), self._reserve_wait(now, limit))
            if wait <= 0:
                self.spare_total += 1
                return self._grant()
            await self._until(self._sleep(wait))

    def release(self, slot: list[float]) -> None:
        """A slot taken but not used (the call turned out to be moot): it counts no more."""
        for index, granted in enumerate(self._granted):
            if granted is slot:
                del self._granted[index]
                self.granted_total -= 1
                return

    def _grant(self) -> list[float]:
        slot = [self._clock()]
        self._granted.append(slot)
        self.granted_total += 1
        return slot

    async def _until(self, waiting: Awaitable[object]) -> None:
        """Wait for `waiting`, or for `close()`, whichever comes first."""
        waiter = asyncio.ensure_future(waiting)
        closing = asyncio.ensure_future(self._closed.wait())
        try:
            await asyncio.wait({waiter, closing}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            waiter.cancel()
            closing.cancel()

    def _reserve_wait(self, now: float, limit: int) -> float:
        """How long until fewer than `limit` slots of the window are taken."""
        taken = sorted(slot[0] for slot in self._granted if slot[0] > now - self.window)
        if len(taken) < limit:
            return 0.0
        return taken[len(taken) - limit] + self.window - now

    def settle(self, slot: list[float]) -> None:
        """The send of this slot is done: the window counts it from now."""
        slot[0] = max(slot[0], self._clock())

    def close(self) -> None:
        """Stop handing out slots: current and future waiters get `FloodControlClosed`."""
        self._closed.set()

    def _wait_needed(self, now: float) -> float:
        while self._granted and self._granted[0][0] <= now - self.window:
            self._granted.popleft()
        wait = self._paused_until - now
        if self._granted:
            latest = max(slot[0] for slot in self._granted)
            wait = max(wait, latest + self.min_interval - now)
            if len(self._granted) >= self.per_window:
                oldest = min(slot[0] for slot in self._granted)
                wait = max(wait, oldest + self.window - now)
        return wait

    def pause(self, seconds: float) -> None:
        """Telegram said `retry_after`: nobody posts before it passes."""
        now = self._clock()
        until = now + seconds
        self.retry_after_total += 1
        # Posts held together count once: only what this pause adds to the one in force.
        self.retry_after_seconds += max(0.0, until - max(self._paused_until, now))
        self._paused_until = max(self._paused_until, until)

    def used_in_window(self) -> int:
        now = self._clock()
        return sum(1 for slot in self._granted if slot[0] > now - self.window)
