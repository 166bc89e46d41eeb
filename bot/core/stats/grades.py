"""Ozon's own grades of the seller's chat work, read from `/v1/rating/summary` (with a 30-day
trend from `/v1/rating/history`), kept for a few minutes so that `/stats` costs Ozon little.

Found by their system names, whatever group Ozon puts them in: reaction time (to a chat's first
message), average response time, share of dialogs answered within 24 hours. A key that may not
read ratings (its role, the subscription) is a problem said in one line, not an outage: the rest
of the report is shown all the same.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from bot.core.worker import Clock, RealClock
from bot.ozon.errors import AuthProblem, OzonAuthError, OzonError, OzonForbidden
from bot.ozon.ratings import CHAT_RATINGS, RatingHistory, RatingItem, RatingSummary

log = logging.getLogger(__name__)

TTL = 300.0
"""Seconds an answer of Ozon's is reused."""
TTL_UNAVAILABLE = 60.0
TREND = timedelta(days=30)


class RatingSource(Protocol):
    """Ozon's grades of the seller (`/v1/rating/summary`, `/v1/rating/history`)."""

    async def rating_summary(self) -> RatingSummary: ...

    async def rating_history(
        self, ratings: Sequence[str], date_from: datetime, date_to: datetime
    ) -> RatingHistory: ...


class GradesProblem(StrEnum):
    NO_ROLE = "no_role"
    """The key lacks the role that reads ratings."""
    NOT_ALLOWED = "not_allowed"
    """Ozon refuses ratings for another reason (the subscription, the account)."""
    UNAVAILABLE = "unavailable"
    """Ozon did not answer."""


@dataclass(frozen=True, slots=True)
class Grade:
    system: str
    name: str
    value: float | None
    past: float | None
    value_type: str
    """`TIME` (seconds), `PERCENT`, ..."""
    status: str
    """`OK`, `WARNING`, `CRITICAL` (or Ozon's `UNKNOWN_STATUS`)."""
    better: str
    """`LOWER_IS_BETTER` or `HIGHER_IS_BETTER` (Ozon's `rating_direction`)."""
    direction: str
    """`DIRECTION_RISE`, `DIRECTION_FALL`, `DIRECTION_NONE`."""
    meaning: str
    """`MEANING_GOOD`, `MEANING_BAD`."""
    history: tuple[float, ...] = ()
    """Values over the last 30 days, oldest first (empty when Ozon gave none)."""


@dataclass(frozen=True, slots=True)
class Grades:
    grades: list[Grade] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    """Chat ratings Ozon's answer does not hold (a new seller, one without chats)."""
    problem: GradesProblem | None = None
    detail: str = ""


def _grade(item: RatingItem, history: tuple[float, ...]) -> Grade:
    change = item.change
    return Grade(
        system=item.rating,
        name=item.name,
        value=item.current_value,
        past=item.past_value,
        value_type=item.value_type,
        status=item.status,
        better=item.rating_direction,
        direction=change.direction if change else "",
        meaning=change.meaning if change else "",
        history=history,
    )


class OzonGrades:
    def __init__(
        self,
        ozon: RatingSource,
        *,
        clock: Clock | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ozon = ozon
        self._clock = clock or RealClock()
        self._now = now
        self._cached: Grades | None = None
        self._until = 0.0

    async def grades(self) -> Grades:
        if self._cached is not None and self._clock.monotonic() < self._until:
            return self._cached
        grades = await self._read()
        ttl = TTL_UNAVAILABLE if grades.problem is GradesProblem.UNAVAILABLE else TTL
        self._cached, self._until = grades, self._clock.monotonic() + ttl
        return grades

    async def _read(self) -> Grades:
        try:
            summary = await self._ozon.rating_summary()
        except OzonAuthError as exc:
            if exc.kind is AuthProblem.MISSING_ROLE:
                return Grades(problem=GradesProblem.NO_ROLE, detail=exc.message)
            return Grades(problem=GradesProblem.NOT_ALLOWED, detail=exc.message)
        except OzonForbidden as exc:
            return Grades(problem=GradesProblem.NOT_ALLOWED, detail=exc.message)
        except OzonError as exc:
            log.warning("ratings not read: %s", exc)
            return Grades(problem=GradesProblem.UNAVAILABLE, detail=str(exc))
        found = {name: item for name in CHAT_RATINGS if (item := summary.find(name)) is not None}
        trend = await self._history(list(found)) if found else {}
        return Grades(
            grades=[_grade(item, trend.get(name, ())) for name, item in found.items()],
            missing=[name for name in CHAT_RATINGS if name not in found],
        )

    async def _history(self, names: list[str]) -> dict[str, tuple[float, ...]]:
        now = self._now()
        try:
            history = await self._ozon.rating_history(names, now - TREND, now)
        except OzonError as exc:
            log.info("rating history not read (the summary's change is shown): %s", exc)
            return {}
        return {
            item.rating: tuple(
                value.value
                for value in sorted(item.values, key=lambda v: v.date_from)
                if value.value is not None
            )
            for item in history.ratings
        }
