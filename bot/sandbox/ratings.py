"""The seller's ratings (`/v1/rating/summary`, `/v1/rating/history`): by default a realistic set
with the three chat ratings Ozon grades the seller's chat work by, what tests set up instead, and
the refusal of a key whose roles do not open these methods (answered in the request pipeline).

The values and thresholds are invented; each rating's `change` and its daily history follow from
its current and past values, so that every answer tells one consistent story.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Unpack

from aiohttp import web

from bot.sandbox.model import Json, iso, ok
from bot.sandbox.state import Methods, StandInOptions, StandInState

SUMMARY_PATH = "/v1/rating/summary"
HISTORY_PATH = "/v1/rating/history"
RATING_METHODS = (SUMMARY_PATH, HISTORY_PATH)
CUSTOMER_GROUP = "Работа с покупателями"
"""The group that holds the chat ratings in Ozon's seller account."""
HIGHER_IS_BETTER = "HIGHER_IS_BETTER"
LOWER_IS_BETTER = "LOWER_IS_BETTER"
_PERIOD = timedelta(days=30)
"""Ozon's ratings cover the last 30 days: `past_value` is the value a period ago."""
_DAY = timedelta(days=1)


@dataclass(frozen=True)
class StandInRating:
    """One rating as the stand-in keeps it."""

    rating: str
    name: str
    current_value: float
    past_value: float
    value_type: str = "PERCENT"
    rating_direction: str = HIGHER_IS_BETTER
    status: str = "OK"
    group: str = CUSTOMER_GROUP
    # The thresholds of `/v1/rating/history`; 0: the rating has no such threshold.
    warning_threshold: float = 0.0
    danger_threshold: float = 0.0
    premium_threshold: float = 0.0
    garbled: Mapping[str, Any] | None = None
    """Fields laid over the rendered summary item: a shape Ozon does not document."""


DEFAULT_RATINGS = (
    StandInRating("rating_reaction_time", "Время реакции", 1260, 1500, "TIME", LOWER_IS_BETTER),
    StandInRating(
        "rating_average_response_time",
        "Среднее время ответа",
        2520,
        2160,
        "TIME",
        LOWER_IS_BETTER,
        status="WARNING",
        warning_threshold=2400,
    ),
    StandInRating(
        "rating_replied_dialogs_ratio",
        "Доля ответов в течение 24 часов",
        96.5,
        95.0,
        warning_threshold=90,
    ),
    StandInRating(
        "rating_on_time",
        "Заказы, выполненные вовремя",
        98.2,
        97.9,
        group="Логистика",
        warning_threshold=95,
        danger_threshold=90,
    ),
)
"""What the stand-in reports until `set_ratings`: the chat ratings in «Работа с покупателями»
(one of them WARNING, past its warning threshold) and one rating of another group."""


class RatingMethods(StandInState):
    """Handlers of the rating methods, over `ratings`."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.ratings: tuple[StandInRating, ...] = DEFAULT_RATINGS
        """What `/v1/rating/*` report, in this order (see `set_ratings`)."""
        self.ratings_refused = False
        """Both methods answer 403 as to a key without their role (see `refuse_ratings`)."""

    def _rating_methods(self) -> Methods:
        return Methods(
            handlers={SUMMARY_PATH: self._rating_summary, HISTORY_PATH: self._rating_history},
            roles=self._rating_roles,
            refused=lambda path: self.ratings_refused and path in RATING_METHODS,
        )

    def _rating_roles(self) -> list[Json]:
        return [] if self.ratings_refused else [{"name": "Rating", "methods": list(RATING_METHODS)}]

    def set_ratings(
        self, ratings: Sequence[StandInRating] | None = None, *, omit_chat_group: bool = False
    ) -> None:
        """Report `ratings` (None: the defaults); `omit_chat_group` leaves out the group of the
        chat ratings, as Ozon does for a new seller or one without chats."""
        chosen = DEFAULT_RATINGS if ratings is None else tuple(ratings)
        if omit_chat_group:
            chosen = tuple(r for r in chosen if r.group != CUSTOMER_GROUP)
        self.ratings = chosen

    def refuse_ratings(self, refused: bool = True) -> None:
        """Answer both methods 403, as Ozon answers a key whose roles do not open them."""
        self.ratings_refused = refused

    async def _rating_summary(self, body: Json) -> web.Response:
        """The ratings in their groups, in the order they were set."""
        groups: dict[str, list[Json]] = {}
        for rating in self.ratings:
            groups.setdefault(rating.group, []).append(_summary_item(rating))
        return ok(
            {
                "groups": [{"group_name": name, "items": items} for name, items in groups.items()],
                "localization_index": [],
                "penalty_score_exceeded": False,
                "premium": False,
                "premium_plus": self.premium,
            }
        )

    async def _rating_history(self, body: Json) -> web.Response:
        """Per requested rating it knows, one value per whole day within the period."""
        try:
            start, end = _moment(body["date_from"]), _moment(body["date_to"])
        except (TypeError, ValueError):
            return self._violation(HISTORY_PATH, "date_from and date_to must be RFC 3339")
        known = {rating.rating: rating for rating in self.ratings}
        wanted = [known[name] for name in dict.fromkeys(body["ratings"]) if name in known]
        return ok({"premium_scores": [], "ratings": [_history(r, start, end) for r in wanted]})


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment.astimezone(UTC)


def _summary_item(rating: StandInRating) -> Json:
    item: Json = {
        "rating": rating.rating,
        "name": rating.name,
        "current_value": float(rating.current_value),
        "past_value": float(rating.past_value),
        "rating_direction": rating.rating_direction,
        "status": rating.status,
        "value_type": rating.value_type,
        "change": _change(rating),
    }
    item.update(rating.garbled or {})
    return item


def _change(rating: StandInRating) -> Json:
    """The move from the past value to the current one, and whether it is for the better."""
    if rating.current_value == rating.past_value:
        return {"direction": "DIRECTION_NONE", "meaning": "MEANING_NONE"}
    rise = rating.current_value > rating.past_value
    if rating.rating_direction not in (HIGHER_IS_BETTER, LOWER_IS_BETTER):
        meaning = "MEANING_NONE"
    else:
        meaning = (
            "MEANING_GOOD"
            if rise == (rating.rating_direction == HIGHER_IS_BETTER)
            else "MEANING_BAD"
        )
    return {"direction": "DIRECTION_RISE" if rise else "DIRECTION_FALL", "meaning": meaning}


def _history(rating: StandInRating, start: datetime, end: datetime) -> Json:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    if day < start:
        day += _DAY
    values: list[Json] = []
    while day + _DAY <= end:
        value = _value_on(rating, day, today)
        values.append(
            {
                "date_from": iso(day),
                "date_to": iso(day + _DAY),
                "value": value,
                "status": {
                    "danger": _beyond(rating, value, rating.danger_threshold),
                    "warning": _beyond(rating, value, rating.warning_threshold),
                    "premium": rating.premium_threshold > 0
                    and not _beyond(rating, value, rating.premium_threshold),
                },
            }
        )
        day += _DAY
    return {
        "rating": rating.rating,
        "danger_threshold": float(rating.danger_threshold),
        "premium_threshold": float(rating.premium_threshold),
        "warning_threshold": float(rating.warning_threshold),
        "values": values,
    }


def _value_on(rating: StandInRating, day: datetime, today: datetime) -> float:
    """The value on `day`: the past value a period before `today`, moving evenly to the current
    one on `today`."""
    share = min(max((day - (today - _PERIOD)) / _PERIOD, 0.0), 1.0)
    return round(rating.past_value + (rating.current_value - rating.past_value) * share, 2)


def _beyond(rating: StandInRating, value: float, threshold: float) -> bool:
    """Whether `value` is on the bad side of `threshold` (0: no threshold)."""
    if threshold <= 0:
        return False
    return value > threshold if rating.rating_direction == LOWER_IS_BETTER else value < threshold
