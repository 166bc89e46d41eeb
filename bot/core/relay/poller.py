"""The poll of Ozon, as the scheduler runs it, and `/sync`: a poll now, and its result.

The scheduler calls `poll` every POLL_INTERVAL_SECONDS. `now()` asks for a poll at once and waits
for its result: the next poll that starts after the request answers it, whether it succeeds or
fails (a refused key, Ozon down, a full disk), so whoever asked always hears back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from bot.core.faults import StorageError
from bot.core.relay.health import SyncReport
from bot.core.relay.sync import Syncer
from bot.ozon.errors import OzonError

log = logging.getLogger(__name__)


class Poller:
    def __init__(self, syncer: Syncer) -> None:
        self._syncer = syncer
        self._waiting: list[asyncio.Future[SyncReport]] = []
        self._trigger: Callable[[], None] = lambda: None

    def triggered_by(self, trigger: Callable[[], None]) -> None:
        """How to have the scheduler run the poll at once (set where the job is registered)."""
        self._trigger = trigger

    async def poll(self) -> None:
        """One poll (the scheduled job). Failures are logged by the syncer; the next run retries."""
        waiting, self._waiting = self._waiting, []
        try:
            report = await self._syncer.poll()
        except Exception as exc:  # handed to whoever asked; logged by the syncer
            for future in waiting:
                if not future.done():
                    future.set_exception(exc)
            if not waiting and not isinstance(exc, OzonError | StorageError):
                log.exception("poll failed unexpectedly", exc_info=exc)
        else:
            for future in waiting:
                if not future.done():
                    future.set_result(report)
        if self._waiting:
            self._trigger()  # asked for during this poll: one more, for them

    async def now(self) -> SyncReport:
        """A poll that starts after this call, and its report; raises what it failed with."""
        future: asyncio.Future[SyncReport] = asyncio.get_running_loop().create_future()
        self._waiting.append(future)
        if not self._syncer.busy:
            self._trigger()
        return await future
