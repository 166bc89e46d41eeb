"""What `/stats` counts of reviews and questions: the items of a kind published in a time range,
with what became of them. Reads only, through the `feedback_by_time` index."""

from __future__ import annotations

from datetime import datetime

from bot.core.records import FeedbackFate
from bot.core.states import FeedbackKind, FeedbackOutcome
from storage.db import Database, from_db_time, to_db_time

_FATES = """
    SELECT published_at, outcome, answered_at FROM feedback INDEXED BY feedback_by_time
    WHERE kind = :kind AND published_at >= :since AND published_at < :until
      AND post != 'skipped'
"""


class FeedbackStatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def fates(
        self, kind: FeedbackKind, since: datetime, until: datetime
    ) -> list[FeedbackFate]:
        """The items of `kind` published in [since, until) that were to be shown."""
        rows = await self._db.fetch_all(
            _FATES, {"kind": kind, "since": to_db_time(since), "until": to_db_time(until)}
        )
        fates = []
        for row in rows:
            published = from_db_time(row["published_at"])
            assert published is not None
            fates.append(
                FeedbackFate(
                    published, FeedbackOutcome(row["outcome"]), from_db_time(row["answered_at"])
                )
            )
        return fates
