"""The broadcast worker: feeds running jobs into the outbox at the broadcast rate, one recipient
at a time, each in the same transaction as its recipient row changes (a restart resumes a job and
no chat gets the message twice); ends what is finished or expired; and reports progress on the
job's message (at most every few seconds, and a final report).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Protocol

from bot.core.broadcast.jobs import (
    PREVIEW_TTL,
    BroadcastCancels,
    BroadcastJob,
    JobStates,
    RecipientSkips,
    end_job,
)
from bot.core.faults import TelegramUnavailable
from bot.core.records import BroadcastRow, Progress
from bot.core.states import BroadcastState
from bot.core.units import Transactions, Tx
from bot.core.worker import Clock, Worker

log = logging.getLogger(__name__)


class RunningJobs(JobStates, Protocol):
    async def with_state(self, *states: BroadcastState) -> list[BroadcastRow]: ...

    async def recent(self, limit: int = 10) -> list[BroadcastRow]: ...

    async def mark_reported(self, job_id: int) -> None:
        """The final report is shown."""
        ...


class RecipientQueue(RecipientSkips, Protocol):
    async def next_pending(self, tx: Tx, job_id: int, limit: int) -> list[tuple[str, str]]: ...

    async def mark_queued(self, tx: Tx, job_id: int, chat_id: str, outbox_id: int) -> None: ...

    async def progress(self, job_id: int) -> Progress: ...


class BroadcastOutbox(BroadcastCancels, Protocol):
    async def add_broadcast_message(
        self, tx: Tx, chat_id: str, body: str, broadcast_id: int
    ) -> int:
        """The recipient's message as an outbox row; its id."""
        ...

    async def open_broadcast_messages(self) -> int:
        """Broadcast rows not final yet (the worker keeps only a few in the outbox)."""
        ...


ProgressCallback = Callable[[BroadcastJob, Progress, bool], Awaitable[None]]


class BroadcastWorker(Worker):
    """Feeds running jobs into the outbox at the broadcast rate and reports progress."""

    name = "broadcast"

    def __init__(
        self,
        db: Transactions,
        jobs: RunningJobs,
        recipients: RecipientQueue,
        outbox: BroadcastOutbox,
        *,
        on_queued: Callable[[], None],
        on_progress: ProgressCallback,
        per_second: float = 1.0,
        max_in_outbox: int = 3,
        progress_every: float = 5.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._db = db
        self._jobs = jobs
        self._recipients = recipients
        self._outbox = outbox
        self._on_queued = on_queued
        self._on_progress = on_progress
        self._interval = 1.0 / per_second
        self._max_in_outbox = max_in_outbox
        self._progress_every = progress_every
        self._last_progress: dict[int, tuple[float, Progress]] = {}
        self._next_at = 0.0  # when the next recipient is due (a steady cadence, not a pause)

    async def step(self) -> float | None:
        """Queue the next recipient of the oldest running job; report progress."""
        await self._expire_previews()
        running = await self._jobs.with_state(BroadcastState.RUNNING)
        if running:
            await self._feed(running[0].id)
        for job in running:
            await self._follow(job)
        await self._report_finished()
        if not running:
            return 30.0
        # While busy, look again when the next recipient is due (at least every 50 ms).
        return max(0.05, self._next_at - self._clock.monotonic())

    async def _expire_previews(self) -> None:
        for job in await self._jobs.with_state(BroadcastState.PREVIEW):
            if datetime.now(UTC) - job.created_at > PREVIEW_TTL:
                await self._end(job.id, BroadcastState.PREVIEW, BroadcastState.EXPIRED)

    async def _feed(self, job_id: int) -> None:
        """The job's next recipient, when it is due and the outbox has room for it."""
        now = self._clock.monotonic()
        if now < self._next_at:
            return
        if await self._outbox.open_broadcast_messages() >= self._max_in_outbox:
            return
        if await self._queue_next(job_id):
            self._next_at = max(self._next_at, now - self._interval) + self._interval
            self._on_queued()

    async def _follow(self, job: BroadcastJob) -> None:
        """A running job: done once every recipient is final, else its progress shown."""
        progress = await self._recipients.progress(job.id)
        if progress.finished and await self._end(
            job.id, BroadcastState.RUNNING, BroadcastState.DONE
        ):
            log.info("broadcast %s: done, %d delivered", job.id, progress.delivered)
        else:
            await self._report(job, progress, final=False)

    async def _report_finished(self) -> None:
        """The final report of jobs done or cancelled, once their last sends settled."""
        for job in await self._jobs.recent(20):
            finished = job.state in (BroadcastState.DONE, BroadcastState.CANCELLED)
            if finished and not job.reported:
                progress = await self._recipients.progress(job.id)
                if progress.in_flight == 0:  # a cancelled job's last sends settle first
                    await self._report(job, progress, final=True)

    async def _end(self, job_id: int, old: BroadcastState, new: BroadcastState) -> bool:
        return await end_job(self._db, self._jobs, self._recipients, self._outbox, job_id, old, new)

    async def _queue_next(self, job_id: int) -> bool:
        """Hand the job's next recipient to the outbox, in one transaction with its recipient
        row: a recipient is queued once, whatever happens. False when none is left."""
        async with self._db.transaction() as tx:
            pending = await self._recipients.next_pending(tx, job_id, 1)
            for chat_id, body in pending:
                row_id = await self._outbox.add_broadcast_message(tx, chat_id, body, job_id)
                await self._recipients.mark_queued(tx, job_id, chat_id, row_id)
        return bool(pending)

    async def _report(self, job: BroadcastJob, progress: Progress, *, final: bool) -> None:
        last = self._last_progress.get(job.id)
        now = self._clock.monotonic()
        if not final and last and (now - last[0] < self._progress_every or last[1] == progress):
            return
        try:
            await self._on_progress(job, progress, final)
        except TelegramUnavailable as exc:
            # Sending goes on; the progress line (or the report, not yet marked) comes later.
            log.warning("broadcast %s: progress waits for Telegram: %s", job.id, exc)
            return
        self._last_progress[job.id] = (now, progress)
        if final:
            await self._jobs.mark_reported(job.id)
            self._last_progress.pop(job.id, None)
