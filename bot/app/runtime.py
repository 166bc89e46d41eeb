"""One runtime for everything that runs in the background: the workers, Telegram polling, the
HTTP server, the scheduler. Each is a `Service` (it runs until asked to stop); one `Supervisor`
starts them all and stops them stage by stage, in the explicit order it is given, waiting a
grace period for each stage before cancelling what lingers.

A service that ends while nobody asked it to means the bridge is no longer whole: the supervisor
says so and stops the bridge, so that the container's restart policy brings it back rather than
it running on half-dead.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from bot.core.worker import Clock, RealClock

log = logging.getLogger(__name__)


class Service(Protocol):
    name: str

    async def run(self) -> None:
        """Do the service's work until `stop` is called, then return."""
        ...

    def stop(self) -> None:
        """Finish what is in flight, then return from `run`."""
        ...


@dataclass(frozen=True, slots=True)
class Stage:
    """Services stopped together: asked at once, waited for up to `grace` seconds."""

    name: str
    services: Sequence[Service]
    grace: float = 5.0
    then: Callable[[], None] | None = None
    """Called once the stage's services were asked to stop (e.g. close the flood budget, so
    that a post waiting for budget gives up at once)."""


class Supervisor:
    def __init__(
        self,
        stages: Sequence[Stage],
        *,
        on_failure: Callable[[], None],
        clock: Clock | None = None,
    ) -> None:
        """`stages` in the order they are stopped; they start in the reverse order."""
        self._stages = list(stages)
        self._on_failure = on_failure
        self._clock = clock or RealClock()
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stopping = False
        self.failure: str | None = None
        """What ended on its own (None: nothing did)."""

    def start(self) -> None:
        for stage in reversed(self._stages):
            for service in stage.services:
                task = asyncio.create_task(service.run(), name=service.name)
                task.add_done_callback(self._ended)
                self._tasks[id(service)] = task

    def _ended(self, task: asyncio.Task[None]) -> None:
        if self._stopping:
            return
        reason = "cancelled" if task.cancelled() else repr(task.exception() or "returned")
        log.critical("%s ended unexpectedly (%s): stopping the bridge", task.get_name(), reason)
        self.failure = f"{task.get_name()}: {reason}"
        self._on_failure()

    async def stop(self) -> None:
        """Stop every stage in order: ask, wait up to its grace, cancel what is left."""
        self._stopping = True
        for stage in self._stages:
            for service in stage.services:
                service.stop()
            if stage.then is not None:
                stage.then()
            tasks = [self._tasks[id(s)] for s in stage.services if id(s) in self._tasks]
            await self._wait(stage, tasks)

    async def _wait(self, stage: Stage, tasks: list[asyncio.Task[None]]) -> None:
        pending = {task for task in tasks if not task.done()}
        if pending:
            everything = asyncio.ensure_future(asyncio.wait(pending))
            grace = asyncio.ensure_future(self._clock.sleep(stage.grace))
            waits: set[asyncio.Future[Any]] = {everything, grace}
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            for waiting in waits:
                waiting.cancel()
        for task in tasks:
            if not task.done():
                log.warning("%s did not stop in time: cancelled", task.get_name())
                task.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for task, result in zip(tasks, results, strict=True):
            if isinstance(result, Exception):
                log.error("%s failed while stopping", task.get_name(), exc_info=result)
