"""Every timed job of the bridge, registered in this one place and run by APScheduler: the poll
of Ozon, the reply reminders, the weekly digest, the alerts and the figures of `/metrics`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.core.hours import Weekly
from bot.core.relay.poller import Poller
from bot.core.worker import OUTAGES

log = logging.getLogger(__name__)


class Jobs:
    """A service (`bot.app.runtime.Service`): the scheduler runs while the bridge runs."""

    name = "scheduler"

    def __init__(self) -> None:
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._stopped = asyncio.Event()

    def poll(self, poller: Poller, every_seconds: float) -> None:
        """Poll Ozon every `every_seconds`, the first at once; `/sync` runs it at once too. A poll
        that overruns its interval is never run twice at a time (the next one is skipped)."""
        self._scheduler.add_job(
            poller.poll,
            "interval",
            seconds=every_seconds,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id="poll",
        )
        poller.triggered_by(lambda: self._run_now("poll"))

    def every(
        self, job_id: str, work: Callable[[], Awaitable[object]], seconds: float, *, what: str
    ) -> None:
        """Run `work` every `seconds`, the first at once (the reminders, the alerts, the figures
        `/metrics` shows). An outage is waited out: the next pass tries again."""

        async def run() -> None:
            try:
                await work()
            except OUTAGES as exc:
                log.warning("%s not done (%s); the next pass tries again", what, exc)

        self._scheduler.add_job(
            run,
            "interval",
            seconds=seconds,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id=job_id,
        )

    def digest(
        self, when: Weekly, tz: ZoneInfo, publish: Callable[[], Awaitable[None]]
    ) -> CronTrigger:
        """Post the statistics on the days and at the local time of `when` (STATS_DIGEST). A
        digest missed while the bridge was down is not posted late."""

        async def post() -> None:
            try:
                await publish()
            except OUTAGES as exc:
                log.warning("weekly digest not posted (%s)", exc)

        trigger = CronTrigger(
            day_of_week=",".join(when.days), hour=when.at.hour, minute=when.at.minute, timezone=tz
        )
        self._scheduler.add_job(
            post, trigger, max_instances=1, coalesce=True, misfire_grace_time=600, id="digest"
        )
        return trigger

    def _run_now(self, job_id: str) -> None:
        job = self._scheduler.get_job(job_id)
        if job is not None:
            job.modify(next_run_time=datetime.now(UTC))

    async def run(self) -> None:
        self._scheduler.start()
        try:
            await self._stopped.wait()
        finally:
            self._scheduler.shutdown(wait=False)

    def stop(self) -> None:
        self._stopped.set()
