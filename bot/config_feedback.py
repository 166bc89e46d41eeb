"""The settings of reviews and product questions in the forum: REVIEWS_ENABLED,
QUESTIONS_ENABLED, FEEDBACK_POLL_SECONDS and REVIEWS_RATINGS. `bot.config.Settings` inherits them.
"""

from __future__ import annotations

import re

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings

from bot.core.states import FeedbackKind

_RANGE = re.compile(r"^([1-5])\s*-\s*([1-5])$")


def parse_ratings(text: str) -> frozenset[int] | None:
    """`1,2,3`, `1-3` or a mix (`1-2,5`) as the ratings it names; empty: every rating (None)."""
    ratings: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        if part.isdigit() and 1 <= int(part) <= 5:
            ratings.add(int(part))
            continue
        match = _RANGE.match(part)
        if match is None or int(match.group(1)) > int(match.group(2)):
            raise ValueError(
                f"{part!r} is not a rating: expected ratings 1 to 5 like 1,2,3 or 1-3 "
                "(empty: every rating)"
            )
        ratings.update(range(int(match.group(1)), int(match.group(2)) + 1))
    return frozenset(ratings) or None


class FeedbackSettings(BaseSettings):
    """REVIEWS_ENABLED, QUESTIONS_ENABLED, FEEDBACK_POLL_SECONDS, REVIEWS_RATINGS."""

    reviews_enabled: bool = True
    questions_enabled: bool = True
    feedback_poll_seconds: int = Field(default=300, ge=1)
    reviews_ratings: str = ""

    @field_validator("reviews_ratings")
    @classmethod
    def _check_ratings(cls, value: str) -> str:
        parse_ratings(value)
        return value.strip()

    @property
    def review_ratings(self) -> frozenset[int] | None:
        """The ratings whose reviews are posted (None: all)."""
        return parse_ratings(self.reviews_ratings)

    @property
    def feedback_kinds(self) -> list[FeedbackKind]:
        """The kinds the bridge reads from Ozon and posts."""
        kinds = []
        if self.reviews_enabled:
            kinds.append(FeedbackKind.REVIEW)
        if self.questions_enabled:
            kinds.append(FeedbackKind.QUESTION)
        return kinds
