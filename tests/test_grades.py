"""Ozon's grades as /stats reads them: kept a few minutes (Ozon is asked once per five minutes
however often /stats is asked), a refusal said as such, the history's trend where Ozon has one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.stats.grades import TTL, GradesProblem, OzonGrades
from bot.ozon import RatingHistory, RatingSummary
from bot.ozon.errors import AuthProblem, OzonAuthError, OzonServerError
from tests.clock import FakeClock

SUMMARY = RatingSummary.model_validate(
    {
        "groups": [
            {
                "group_name": "Работа с покупателями",
                "items": [
                    {"rating": "rating_reaction_time", "name": "Время реакции",
                     "current_value": 1260, "past_value": 1500, "status": "OK",
                     "value_type": "TIME", "rating_direction": "LOWER_IS_BETTER",
                     "change": {"direction": "DIRECTION_FALL", "meaning": "MEANING_GOOD"}},
                ],
            }
        ]
    }
)  # fmt: skip


class Ratings:
    def __init__(self) -> None:
        self.summaries = 0
        self.failure: Exception | None = None
        self.history_failure: Exception | None = None

    async def rating_summary(self) -> RatingSummary:
        self.summaries += 1
        if self.failure is not None:
            raise self.failure
        return SUMMARY

    async def rating_history(
        self, ratings: Sequence[str], date_from: datetime, date_to: datetime
    ) -> RatingHistory:
        if self.history_failure is not None:
            raise self.history_failure
        values = [
            {"date_from": f"2026-11-{day:02d}T00:00:00Z",
             "date_to": f"2026-11-{day + 1:02d}T00:00:00Z", "value": value}
            for day, value in ((2, 1300), (1, 1500), (3, 1260))
        ]  # fmt: skip
        return RatingHistory.model_validate({"ratings": [{"rating": ratings[0], "values": values}]})


async def test_grades_are_kept_a_few_minutes() -> None:
    ozon, clock = Ratings(), FakeClock()
    grades = OzonGrades(ozon, clock=clock)
    first = await grades.grades()
    await grades.grades()
    assert ozon.summaries == 1
    clock.now += TTL + 1
    await grades.grades()
    assert ozon.summaries == 2
    (grade,) = first.grades
    assert (grade.value, grade.past, grade.meaning) == (1260, 1500, "MEANING_GOOD")
    assert grade.history == (1500, 1300, 1260)  # oldest first
    assert first.missing == ["rating_average_response_time", "rating_replied_dialogs_ratio"]


async def test_a_key_without_the_role_and_an_outage_are_told_apart() -> None:
    ozon, clock = Ratings(), FakeClock()
    ozon.failure = OzonAuthError(403, 7, "no access", kind=AuthProblem.MISSING_ROLE)
    assert (await OzonGrades(ozon, clock=clock).grades()).problem is GradesProblem.NO_ROLE
    ozon.failure = OzonServerError(503, 14, "unavailable")
    assert (await OzonGrades(ozon, clock=clock).grades()).problem is GradesProblem.UNAVAILABLE


async def test_without_the_history_the_summary_is_shown() -> None:
    ozon = Ratings()
    ozon.history_failure = OzonServerError(503, 14, "unavailable")
    (grade,) = (await OzonGrades(ozon, clock=FakeClock()).grades()).grades
    assert (grade.value, grade.history) == (1260, ())
