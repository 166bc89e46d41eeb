"""/stats and the weekly digest: the report in words, then the chart: two sends at most."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from zoneinfo import ZoneInfo

from bot.core.faults import StorageError
from bot.core.stats.report import Reports
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.admin import NOT_DONE_STORAGE
from bot.telegram.texts.stats import STATS_CHART_CAPTION
from bot.telegram.views.chart import draw_chart
from bot.telegram.views.stats import render_report

log = logging.getLogger(__name__)


class StatsPublisher:
    def __init__(
        self,
        reports: Reports,
        speaker: Speaker,
        tz: ZoneInfo,
        *,
        more: Callable[[], Awaitable[str]] | None = None,
    ) -> None:
        """`more`: what the report says after the team's figures (reviews and questions)."""
        self._reports = reports
        self._speaker = speaker
        self._tz = tz
        self._more = more
        # One drawing thread, reused: matplotlib's caches and the thread's memory arena are
        # made once, and the bridge's memory stays flat however often /stats is asked.
        self._drawing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chart")

    async def publish(self, chat_id: int, *, digest: bool = False) -> None:
        """Gather the report and post it to `chat_id` (General, or an admin's private chat)."""
        try:
            report = await self._reports.report()
            more = await self._more() if self._more is not None else ""
        except StorageError:
            await self._speaker.say(chat_id, NOT_DONE_STORAGE)
            return
        text = render_report(report, self._tz, digest=digest)
        await self._speaker.say(chat_id, f"{text}\n\n{more}" if more else text)
        png = await asyncio.get_running_loop().run_in_executor(
            self._drawing, draw_chart, report.days
        )
        await self._speaker.photo(chat_id, png, STATS_CHART_CAPTION)
        log.info("statistics posted to %s%s", chat_id, " (weekly digest)" if digest else "")
