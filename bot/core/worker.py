"""What every background worker shares: a loop of single steps, woken when there is new work, and
one failure policy.

A worker implements `step`: one unit of work, returning how long to wait before the next (0: at
once, None: until woken). The loop around it is the same for all:
- the bridge is stopping (`stop`, or `ShuttingDown` from the Telegram side): return;
- an outage of storage, Ozon or Telegram: back off, 1 s doubling up to a cap, with jitter, and
  try again (the worker may show the outage meanwhile: `outage` / `recovered`);
- anything else is a bug: log it with its traceback, back off the same way, go on.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from abc import ABC, abstractmethod
from typing import Any, Protocol

from bot.core.faults import ShuttingDown, StorageError, TelegramUnavailable
from bot.ozon.errors import OzonError

log = logging.getLogger(__name__)

OUTAGES = (StorageError, TelegramUnavailable, OzonError)
"""Faults of what a worker depends on, not of the worker: waited out."""


class Clock(Protocol):
    """Time as the workers and the supervisor see it (a fake one in tests)."""

    def monotonic(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class RealClock:
    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class Worker(ABC):
    name = "worker"

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        max_backoff: float = 30.0,
        rng: random.Random | None = None,
    ) -> None:
        self._clock = clock or RealClock()
        self._max_backoff = max_backoff
        self._rng = rng or random.Random()  # noqa: S311 - jitter, not secrets
        self._wake = asyncio.Event()
        self._stopping = False
        self.failures = 0
        """Steps failed in a row (0 while the worker is healthy)."""

    @abstractmethod
    async def step(self) -> float | None:
        """One unit of work; how long to wait before the next (0: at once, None: until woken)."""

    def outage(self, exc: Exception) -> None:  # noqa: B027 - a hook: most workers need none
        """A step failed for an outage (logged already); show it where the worker is watched."""

    def recovered(self) -> None:  # noqa: B027 - a hook: most workers need none
        """A step succeeded after failures."""

    def wake(self) -> None:
        """New work: look at once."""
        self._wake.set()

    def stop(self) -> None:
        """Finish what is in flight, then return from `run`."""
        self._stopping = True
        self._wake.set()

    @property
    def stopping(self) -> bool:
        return self._stopping

    async def run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                wait = await self.step()
            except ShuttingDown:
                return
            except OUTAGES as exc:
                wait = self._failed()
                log.warning("%s: %s; trying again in %.0fs", self.name, _said(exc), wait)
                self.outage(exc)
            except Exception:
                wait = self._failed()
                log.exception("%s: unexpected error, trying again in %.0fs", self.name, wait)
            else:
                if self.failures:
                    self.failures = 0
                    self.recovered()
            await self.sleep(wait)

    def _failed(self) -> float:
        self.failures += 1
        capped = min(2.0 ** (self.failures - 1), self._max_backoff)
        return capped * self._rng.uniform(0.8, 1.2)

    async def sleep(self, seconds: float | None) -> None:
        """Wait until woken (new work, stop) or `seconds` pass (None: until woken)."""
        if self._stopping or (seconds is not None and seconds <= 0):
            return
        waits: set[asyncio.Future[Any]] = {asyncio.ensure_future(self._wake.wait())}
        if seconds is not None:
            waits.add(asyncio.ensure_future(self._clock.sleep(seconds)))
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiting in waits:
                waiting.cancel()


def _said(exc: Exception) -> str:
    hint = getattr(exc, "operator_hint", None)
    return str(hint or exc) or type(exc).__name__
