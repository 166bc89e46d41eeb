"""Ozon's grades of the seller: the answers of `/v1/rating/summary` (now) and `/v1/rating/history`
(over a period), which `bot.ozon.calls.ratings.RatingCalls` reads.

The chat ratings (`CHAT_RATINGS`) are found by their system names (`RatingItem.rating`), whatever
group holds them: group names and display names are texts Ozon changes. Ozon's enums (`status`,
`value_type`, `rating_direction`, `change`) stay plain strings in Ozon's upper case, so that a
value added later is kept rather than refused; absent or null ones read as Ozon's own "unknown"
value. Numbers are None when absent, null or unreadable, null lists are empty, and an entry that
cannot be read at all (a history value without its dates) is left out, never the whole answer.

The core imports these models: nothing here may pull in the HTTP client.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from bot.ozon.fields import LooseBool, UtcDatetime, fold_enum, readable_entries

__all__ = [
    "AVERAGE_RESPONSE_TIME",
    "CHAT_RATINGS",
    "REACTION_TIME",
    "REPLIED_DIALOGS_RATIO",
    "RatingChange",
    "RatingGroup",
    "RatingHistory",
    "RatingHistoryItem",
    "RatingItem",
    "RatingSummary",
    "RatingValue",
    "RatingValueStatus",
]

REACTION_TIME = "rating_reaction_time"
"""How long buyers waited on average for the answer to their first message in a chat, over the
last 30 days: seconds (`TIME`), lower is better."""
AVERAGE_RESPONSE_TIME = "rating_average_response_time"
"""How long buyers waited on average for any answer, over the last 30 days: seconds (`TIME`),
lower is better."""
REPLIED_DIALOGS_RATIO = "rating_replied_dialogs_ratio"
"""Share of dialogs with at least one seller answer within 24 hours, over the last 30 days:
percent (`PERCENT`), higher is better."""
CHAT_RATINGS = (REACTION_TIME, AVERAGE_RESPONSE_TIME, REPLIED_DIALOGS_RATIO)
"""System names of the ratings Ozon gives the seller's chat work."""

SUMMARY_PATH = "/v1/rating/summary"
HISTORY_PATH = "/v1/rating/history"


def _enum_or(unknown: str) -> Callable[[object], str]:
    """An enum spelling folded to Ozon's upper case; absent, empty or not text: `unknown`."""

    def read(value: object) -> str:
        return fold_enum(value) if isinstance(value, str) and value.strip() else unknown

    return read


def _number(value: object) -> float | None:
    """A finite number, also from numeric text; anything else (null included) is None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _text(value: object) -> str:
    """Text as it came (numbers as text); absent, null or anything else is empty."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _object_or_none(value: object) -> object:
    return value if isinstance(value, dict) else None


def _object_or_empty(value: object) -> object:
    return value if isinstance(value, dict) else {}


Number = Annotated[float | None, BeforeValidator(_number)]
Text = Annotated[str, BeforeValidator(_text)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RatingChange(_Model):
    """How a rating moved from `past_value` to `current_value`."""

    direction: Annotated[str, BeforeValidator(_enum_or("DIRECTION_UNKNOWN"))] = "DIRECTION_UNKNOWN"
    """`DIRECTION_RISE`, `DIRECTION_FALL`, `DIRECTION_NONE` (or `DIRECTION_UNKNOWN`)."""
    meaning: Annotated[str, BeforeValidator(_enum_or("MEANING_UNKNOWN"))] = "MEANING_UNKNOWN"
    """`MEANING_GOOD`, `MEANING_BAD`, `MEANING_NONE` (or `MEANING_UNKNOWN`): whether the move is
    for the better, which with `direction` gives the trend without a history call."""


class RatingItem(_Model):
    """One rating of `/v1/rating/summary`."""

    rating: Text = ""
    """System name, e.g. `rating_reaction_time`: the contract, unlike `name`."""
    name: Text = ""
    """Display name (a text Ozon changes)."""
    current_value: Number = None
    past_value: Number = None
    status: Annotated[str, BeforeValidator(_enum_or("UNKNOWN_STATUS"))] = "UNKNOWN_STATUS"
    """`OK`, `WARNING`, `CRITICAL` (or `UNKNOWN_STATUS`)."""
    value_type: Annotated[str, BeforeValidator(_enum_or("UNKNOWN_VALUE"))] = "UNKNOWN_VALUE"
    """`TIME` (seconds), `PERCENT`, `INDEX`, `RATIO`, `REVIEW_SCORE`, `COUNT` (or
    `UNKNOWN_VALUE`)."""
    rating_direction: Annotated[str, BeforeValidator(_enum_or("UNKNOWN_DIRECTION"))] = (
        "UNKNOWN_DIRECTION"
    )
    """Which values are good: `HIGHER_IS_BETTER`, `LOWER_IS_BETTER`, `NEUTRAL` (or
    `UNKNOWN_DIRECTION`)."""
    change: Annotated[RatingChange | None, BeforeValidator(_object_or_none)] = None


class RatingGroup(_Model):
    """A group of ratings as Ozon's seller account shows them."""

    group_name: Text = ""
    """Display text, e.g. «Работа с покупателями»: find ratings by system name instead."""
    items: Annotated[list[RatingItem], BeforeValidator(readable_entries(RatingItem))] = []


class RatingSummary(_Model):
    """Answer of `/v1/rating/summary`: the seller's ratings now, in groups."""

    groups: Annotated[list[RatingGroup], BeforeValidator(readable_entries(RatingGroup))] = []
    premium: LooseBool = False
    """The seller has the Premium subscription."""
    premium_plus: LooseBool = False
    """The seller has the Premium Plus subscription."""
    penalty_score_exceeded: LooseBool = False
    """The balance of penalty points is exceeded."""

    def find(self, rating: str) -> RatingItem | None:
        """The rating with system name `rating`, in whichever group; None when Ozon sent none
        (a new seller, or one without chats, has no chat ratings)."""
        items = (item for group in self.groups for item in group.items)
        return next((item for item in items if item.rating == rating), None)


class RatingValueStatus(_Model):
    """Where a value of a rating stands against its thresholds."""

    danger: LooseBool = False
    """Past the threshold at which Ozon blocks sales."""
    warning: LooseBool = False
    """Past the threshold at which Ozon warns of a possible block."""
    premium: LooseBool = False
    """Within the threshold for the Premium programme."""


class RatingValue(_Model):
    """One value of a rating, for the period `date_from`..`date_to`."""

    date_from: UtcDatetime
    date_to: UtcDatetime
    value: Number = None
    status: Annotated[RatingValueStatus, BeforeValidator(_object_or_empty)] = RatingValueStatus()


class RatingHistoryItem(_Model):
    """One rating of `/v1/rating/history`: its values in the period and its thresholds (None
    when absent; Ozon may send 0 for a rating without such a threshold)."""

    rating: Text = ""
    """System name, as requested."""
    values: Annotated[list[RatingValue], BeforeValidator(readable_entries(RatingValue))] = []
    danger_threshold: Number = None
    warning_threshold: Number = None
    premium_threshold: Number = None


class RatingHistory(_Model):
    """Answer of `/v1/rating/history`; a requested rating Ozon does not know is absent."""

    ratings: Annotated[
        list[RatingHistoryItem], BeforeValidator(readable_entries(RatingHistoryItem))
    ] = []
