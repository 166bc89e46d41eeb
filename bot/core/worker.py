"""What every background worker (relay, outbox, push inbox, broadcast) shares: being woken when
there is new work, being asked to stop, and sleeping until one of the two or a timeout."""

from __future__ import annotations

import asyncio
import contextlib


class Wakeable:
    def __init__(self) -> None:
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        """New work: look at once."""
        self._wake.set()

    def stop(self) -> None:
        """Finish what is in flight, then return from `run`."""
        self._stopping = True
        self._wake.set()

    async def _sleep(self, seconds: float | None) -> None:
        """Wait until woken (new work, stop) or `seconds` pass (None: until woken)."""
        if self._stopping or (seconds is not None and seconds <= 0):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
