"""Product reviews: counts, pages, one review, status changes, and the seller's comments
(`/v2/review/*`, `/v1/review/comment/*`; models in `bot.ozon.reviews`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.ozon.calls.checks import SORT_DIRS, ids, one_of, required_id
from bot.ozon.fields import rfc3339
from bot.ozon.products import lenient_id
from bot.ozon.reviews import (
    COMMENT_CREATE_PATH,
    COMMENT_LIST_PATH,
    REVIEW_CHANGE_STATUS_PATH,
    REVIEW_COUNT_PATH,
    REVIEW_INFO_PATH,
    REVIEW_LIST_PATH,
    REVIEW_STATUSES,
    RequiredText,
    ReviewCommentPage,
    ReviewCount,
    ReviewInfo,
    ReviewPage,
)
from bot.ozon.transport import OzonTransport

__all__ = ["MAX_REVIEW_IDS", "ReviewCalls"]

MAX_REVIEW_IDS = 100
"""Reviews one status change may name."""
_PAGE_LIMITS = range(20, 101)
"""Ozon answers 400 to a review or comment page of fewer than 20 or more than 100."""
_LIST_STATUSES = ("ALL", *REVIEW_STATUSES)
_ORDER_STATUSES = ("ALL", "DELIVERED", "CANCELLED")


class _CommentCreated(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    comment_id: RequiredText


class ReviewCalls(OzonTransport):
    """The seller's reviews. Counts, pages, a review and comments are reads, retried as reads
    are; a status change and a comment are writes, repeated only when Ozon cannot have received
    them.

    Reviews are a feature of some subscriptions and of some key roles. A seller whose
    subscription lacks them is answered 403, raised as `OzonNoSubscription`; a key without the
    role as `OzonAuthError` of kind `AuthProblem.MISSING_ROLE`. Both mean "off", not "down", are
    never retried, and `bot.ozon.errors.feature_off` tells them apart.
    """

    async def review_count(self) -> ReviewCount:
        """How many reviews are in each status (`/v2/review/count`): cheap, ask it first."""
        return await self._read(REVIEW_COUNT_PATH, {}, ReviewCount)

    async def list_reviews(
        self,
        *,
        limit: int = 100,
        last_id: str | None = None,
        sort_dir: str = "DESC",
        status: str = "ALL",
        order_status: str = "ALL",
        skus: Sequence[str] = (),
        published_from: datetime | None = None,
        published_to: datetime | None = None,
    ) -> ReviewPage:
        """One page of `/v2/review/list` (`limit` 20..100); the next one starts after the
        page's `last_id`, while `has_next`. `status` ALL, NEW, VIEWED or PROCESSED;
        `order_status` ALL, DELIVERED or CANCELLED; naive datetimes are UTC."""
        if limit not in _PAGE_LIMITS:
            raise ValueError("limit must be within 20..100")
        body: dict[str, Any] = {"limit": limit, "sort_dir": one_of(sort_dir, SORT_DIRS)}
        if last_id:
            body["last_id"] = last_id
        filters = _filters(status, order_status, skus, published_from, published_to)
        if filters:
            body["filters"] = filters
        page = await self._read(REVIEW_LIST_PATH, body, ReviewPage)
        self._unreadable.tell(REVIEW_LIST_PATH, "review(s), left out", page.unreadable)
        return page

    async def review_info(self, review_id: str) -> ReviewInfo:
        """One review with its photos, videos and reactions (`/v2/review/info`). An unknown id
        is Ozon's error (`OzonNotFound` or `OzonBadRequest`)."""
        return await self._read(REVIEW_INFO_PATH, {"review_id": required_id(review_id)}, ReviewInfo)

    async def set_review_status(self, review_ids: Sequence[str], status: str) -> None:
        """Set 1..100 reviews to NEW, VIEWED or PROCESSED (`/v2/review/change-status`)."""
        body = {
            "review_ids": ids(review_ids, "review_ids", MAX_REVIEW_IDS),
            "status": one_of(status, REVIEW_STATUSES),
        }
        await self._post(REVIEW_CHANGE_STATUS_PATH, body)

    async def comment_review(
        self,
        review_id: str,
        text: str,
        *,
        mark_processed: bool = False,
        parent_comment_id: str | None = None,
    ) -> str:
        """Comment on a review as the seller (`/v1/review/comment/create`), or answer one of
        its comments (`parent_comment_id`); returns the new comment's id. `mark_processed` sets
        the review PROCESSED in the same call; otherwise its status stays. The comment shows in
        `review_comments` only once Ozon's moderation passed it."""
        if not text.strip():
            raise ValueError("text must not be blank")
        body: dict[str, Any] = {
            "review_id": required_id(review_id),
            "text": text,
            "mark_review_as_processed": mark_processed,
        }
        if parent_comment_id:
            body["parent_comment_id"] = parent_comment_id
        return (await self._write(COMMENT_CREATE_PATH, body, _CommentCreated)).comment_id

    async def review_comments(
        self, review_id: str, *, limit: int = 100, offset: int = 0, sort_dir: str = "ASC"
    ) -> ReviewCommentPage:
        """One page of a review's moderated comments (`/v1/review/comment/list`, `limit`
        20..100), oldest first by default; the next page starts at the page's `offset`."""
        if limit not in _PAGE_LIMITS:
            raise ValueError("limit must be within 20..100")
        if offset < 0:
            raise ValueError("offset must not be negative")
        body = {
            "review_id": required_id(review_id),
            "limit": limit,
            "offset": offset,
            "sort_dir": one_of(sort_dir, SORT_DIRS),
        }
        page = await self._read(COMMENT_LIST_PATH, body, ReviewCommentPage)
        left_out = f"comment(s) of review {review_id}, left out"
        self._unreadable.tell(COMMENT_LIST_PATH, left_out, page.unreadable)
        return page


def _filters(
    status: str,
    order_status: str,
    skus: Sequence[str],
    published_from: datetime | None,
    published_to: datetime | None,
) -> dict[str, Any]:
    """`filters` of `/v2/review/list`, without what would not narrow the list."""
    if isinstance(skus, str):
        raise TypeError("skus must be a sequence of SKUs, not one string")
    wanted = list(dict.fromkeys(sku for sku in map(lenient_id, skus) if sku is not None))
    if skus and not wanted:
        raise ValueError("skus must name at least one product (a number other than 0)")
    filters: dict[str, Any] = {
        "status": one_of(status, _LIST_STATUSES),
        "order_status": one_of(order_status, _ORDER_STATUSES),
        "skus": wanted,
        "published_from": None if published_from is None else rfc3339(published_from),
        "published_to": None if published_to is None else rfc3339(published_to),
    }
    return {key: value for key, value in filters.items() if value not in (None, "ALL", [])}
