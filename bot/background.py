"""Work a handler starts and does not wait for (the answer to `/sync` once the poll is done):
kept here, so that the supervisor stops it with the rest instead of leaving it behind."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

log = logging.getLogger(__name__)


class Background:
    name = "background"

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._stopped = asyncio.Event()

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        if self._stopped.is_set():
            work.close()  # the bridge is stopping: nothing new starts
            return
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background work failed", exc_info=task.exception())

    async def run(self) -> None:
        await self._stopped.wait()
        try:
            if self._tasks:
                await asyncio.wait(set(self._tasks))
        except asyncio.CancelledError:
            for task in self._tasks:
                task.cancel()
            raise

    def stop(self) -> None:
        """No new work; what runs is waited for (and cancelled by the supervisor if it lingers)."""
        self._stopped.set()
