"""The seller's grades: `/v1/rating/summary` and `/v1/rating/history` (models in
`bot.ozon.ratings`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.ozon.fields import rfc3339, to_utc
from bot.ozon.ratings import HISTORY_PATH, SUMMARY_PATH, RatingHistory, RatingSummary
from bot.ozon.transport import OzonTransport

__all__ = ["RatingCalls"]


class RatingCalls(OzonTransport):
    """The seller's ratings. Both are reads, retried as reads are."""

    async def rating_summary(self) -> RatingSummary:
        """The seller's current ratings (`/v1/rating/summary`); the chat ones are
        `summary.find(name)` for the names in `CHAT_RATINGS`.

        A key whose roles do not open the method is answered 403, raised as `OzonAuthError`
        with `kind` `AuthProblem.MISSING_ROLE` ("the key may not read ratings"); a 403 for
        another reason (ratings can depend on the subscription) is `OzonForbidden`. Neither is
        retried, and neither means Ozon is down. Other failures are the usual `OzonError`s.
        """
        return await self._read(SUMMARY_PATH, {}, RatingSummary)

    async def rating_history(
        self, ratings: Sequence[str], date_from: datetime, date_to: datetime
    ) -> RatingHistory:
        """Values of `ratings` (system names) from `date_from` to `date_to`
        (`/v1/rating/history`; naive datetimes are UTC). Errors as for `rating_summary`."""
        if isinstance(ratings, str):
            raise TypeError("ratings must be a sequence of system names, not one string")
        names = list(ratings)
        if not names:
            raise ValueError("ratings must name at least one rating")
        start, end = to_utc(date_from), to_utc(date_to)
        if start > end:
            raise ValueError("date_from must not be after date_to")
        body = {"ratings": names, "date_from": rfc3339(start), "date_to": rfc3339(end)}
        return await self._read(HISTORY_PATH, body, RatingHistory)
