"""The `/stats` report and the weekly digest: Ozon's grades, the team's figures for the last 7
and 30 days, and a day-by-day series for the chart, gathered in one place."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.records import DraftReply, StaffReplies, Waiting, WaitingPeriod
from bot.core.stats.figures import Day, Figures, daily, figures
from bot.core.stats.grades import Grades

CHART_DAYS = 30


class DeskHistory(Protocol):
    async def periods(self, since: datetime, until: datetime) -> list[WaitingPeriod]:
        """Waiting periods begun in [since, until)."""
        ...

    async def waiting(self) -> list[Waiting]: ...


class StatsCounts(Protocol):
    async def buyer_messages(self, since: datetime, until: datetime) -> int: ...

    async def cabinet_messages(self, since: datetime, until: datetime) -> int:
        """Messages the seller wrote in Ozon's own cabinet."""
        ...

    async def staff_replies(self, since: datetime, until: datetime) -> list[StaffReplies]: ...

    async def draft_replies(self, since: datetime, until: datetime) -> list[DraftReply]:
        """Staff replies sent from drafts and delivered in the range."""
        ...

    async def desk_since(self) -> datetime | None:
        """When the help desk's history begins (None: nothing kept yet)."""
        ...


class GradeSource(Protocol):
    async def grades(self) -> Grades: ...


@dataclass(frozen=True, slots=True)
class Report:
    made_at: datetime
    grades: Grades
    week: Figures
    month: Figures
    days: list[Day]


class Reports:
    def __init__(
        self,
        periods: DeskHistory,
        counts: StatsCounts,
        grades: GradeSource,
        *,
        tz: ZoneInfo,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._periods = periods
        self._counts = counts
        self._grades = grades
        self._tz = tz
        self._now = now

    async def report(self) -> Report:
        now = self._now()
        # The chart's first day starts at local midnight, which may be before 30 × 24 h ago.
        first_day = now.astimezone(self._tz).date() - timedelta(days=CHART_DAYS - 1)
        chart_since = datetime.combine(first_day, time(), self._tz).astimezone(UTC)
        month_since = now - timedelta(days=30)
        periods = await self._periods.periods(min(chart_since, month_since), now)
        waiting = len(await self._periods.waiting())
        desk_since = await self._counts.desk_since()

        async def over(days: int) -> Figures:
            since = now - timedelta(days=days)
            return figures(
                periods,
                since=since,
                until=now,
                now=now,
                buyer_messages=await self._counts.buyer_messages(since, now),
                staff_replies=await self._counts.staff_replies(since, now),
                cabinet_replies=await self._counts.cabinet_messages(since, now),
                waiting_now=waiting,
                desk_since=desk_since,
                draft_replies=await self._counts.draft_replies(since, now),
            )

        return Report(
            made_at=now,
            grades=await self._grades.grades(),
            week=await over(7),
            month=await over(30),
            days=daily(periods, days=CHART_DAYS, now=now, tz=self._tz),
        )
