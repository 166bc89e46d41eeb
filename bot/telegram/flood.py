"""The forum group's Telegram budget: about 20 messages per minute for the whole group.

Every call that posts into the group (messages, photos, topic creation and changes, edits) takes a
slot first. Slots are handed out in arrival order, at most `per_window` in any sliding window and
never two within `min_interval`; a 429's `retry_after` pauses everyone.
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
        self.granted_total = 0
        self.retry_after_total = 0

    async def acquire(self) -> list[float]:
        """Wait for a slot in the budget and return it (hand it to `settle` when the send is
        done); raises `FloodControlClosed` once `close()` is called."""
        async with self._lock:  # FIFO: waiters are served in order
            while True:
                if self._closed.is_set():
                    raise FloodControlClosed
                wait = self._wait_needed(self._clock())
                if wait <= 0:
                    slot = [self._clock()]
                    self._granted.append(slot)
                    self.granted_total += 1
                    return slot
                sleeper = asyncio.ensure_future(self._sleep(wait))
                closing = asyncio.ensure_future(self._closed.wait())
                try:
                    await asyncio.wait({sleeper, closing}, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    sleeper.cancel()
                    closing.cancel()

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
        self.retry_after_total += 1
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def used_in_window(self) -> int:
        now = self._clock()
        return sum(1 for slot in self._granted if slot[0] > now - self.window)
