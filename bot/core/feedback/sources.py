"""Reading reviews and questions from Ozon, one `Source` per kind: the counts (asked first, on
every poll), the list newest first page by page, and what a review to be posted needs besides
(its photos' links, `/v2/review/info`). Product names come from `/v3/product/info/list`, cached
(`ProductNames`).

Everything is read into the records the poll records (`NewFeedback`); what Ozon sent oddly is
read leniently by the client's models (a review without an id is left out there).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.records import NewFeedback
from bot.core.states import FeedbackKind
from bot.ozon.errors import OzonError, feature_off
from bot.ozon.products import Product
from bot.ozon.questions import Question, QuestionCount, QuestionPage
from bot.ozon.reviews import Review, ReviewCount, ReviewInfo, ReviewPage

log = logging.getLogger(__name__)

PROCESSED = "PROCESSED"
NAMES_KEPT = timedelta(hours=24)
"""How long a product's name is trusted before it is read again."""
NAMES_OFF_FOR = timedelta(hours=1)
"""A key that may not read products is asked again after this long."""
REVIEW_PAGE = 100


@dataclass(frozen=True, slots=True)
class Listed:
    """One entry of a list page: the item as it would be recorded, and its status in Ozon."""

    item: NewFeedback
    processed: bool
    """Ozon shows it processed (by the seller, in the cabinet or through the API)."""


class Source(Protocol):
    kind: FeedbackKind

    async def counts(self) -> tuple[int, ...]:
        """Ozon's counts of this kind, by status (cheap: asked on every poll)."""
        ...

    def only_new(self, before: tuple[int, ...], now: tuple[int, ...]) -> bool:
        """The counts moved only by new items arriving (no status changed)."""
        ...

    def pages(self) -> AsyncIterator[list[Listed]]:
        """The list, newest first, a page at a time."""
        ...

    async def complete(self, item: NewFeedback) -> NewFeedback:
        """What the item's post needs besides what the list gave (a review's photos)."""
        ...

    async def set_processed(self, ozon_ids: Sequence[str]) -> None:
        """Tell Ozon these items are processed (at most 100)."""
        ...


def _moment(value: datetime | None) -> datetime:
    """When an item was published; Ozon not saying reads as now (it is new)."""
    return value if value is not None else datetime.now(UTC)


# ---- reviews ------------------------------------------------------------------------------


class ReviewReader(Protocol):
    async def review_count(self) -> ReviewCount: ...

    async def list_reviews(
        self, *, limit: int = 100, last_id: str | None = None, sort_dir: str = "DESC"
    ) -> ReviewPage: ...

    async def review_info(self, review_id: str) -> ReviewInfo: ...

    async def set_review_status(self, review_ids: Sequence[str], status: str) -> None: ...


def only_new(before: tuple[int, ...], now: tuple[int, ...]) -> bool:
    """Counts of one kind as both sources read them (all, new, viewed, processed) moved only
    by new items arriving: no status changed."""
    everything, new, viewed, processed = (b - a for a, b in zip(before, now, strict=True))
    return everything == new >= 0 and viewed == processed == 0


class ReviewSource:
    kind = FeedbackKind.REVIEW

    def __init__(self, ozon: ReviewReader) -> None:
        self._ozon = ozon

    async def counts(self) -> tuple[int, ...]:
        count = await self._ozon.review_count()
        return (count.total, count.new, count.viewed, count.processed)

    def only_new(self, before: tuple[int, ...], now: tuple[int, ...]) -> bool:
        return only_new(before, now)

    async def pages(self) -> AsyncIterator[list[Listed]]:
        last_id: str | None = None
        while True:
            page = await self._ozon.list_reviews(limit=REVIEW_PAGE, last_id=last_id)
            yield [self._listed(review) for review in page.reviews]
            if not page.has_next or not page.reviews or page.last_id in (None, last_id):
                return
            last_id = page.last_id

    @staticmethod
    def _listed(review: Review) -> Listed:
        item = NewFeedback(
            kind=FeedbackKind.REVIEW,
            ozon_id=review.id,
            published_at=_moment(review.published_at),
            text=review.text,
            sku=review.sku,
            rating=review.rating,
            order_status=review.order_status,
            photos_amount=review.photos_amount,
        )
        return Listed(item, review.status == PROCESSED)

    async def complete(self, item: NewFeedback) -> NewFeedback:
        if not item.photos_amount:
            return item
        try:
            info = await self._ozon.review_info(item.ozon_id)
        except OzonError as exc:
            if feature_off(exc) is not None:
                raise
            # The post says how many photos there are and where to see them.
            log.warning("review %s: photos not read (%s)", item.ozon_id, exc)
            return item
        return replace(item, photos=tuple(photo.url for photo in info.photos))

    async def set_processed(self, ozon_ids: Sequence[str]) -> None:
        await self._ozon.set_review_status(ozon_ids, PROCESSED)


# ---- questions ----------------------------------------------------------------------------


class QuestionReader(Protocol):
    async def question_count(self) -> QuestionCount: ...

    async def list_questions(self, *, last_id: str | None = None) -> QuestionPage: ...

    async def set_question_status(self, question_ids: Sequence[str], status: str) -> None: ...


class QuestionSource:
    kind = FeedbackKind.QUESTION

    def __init__(self, ozon: QuestionReader) -> None:
        self._ozon = ozon

    async def counts(self) -> tuple[int, ...]:
        count = await self._ozon.question_count()
        return (count.all, count.new, count.viewed, count.processed)

    def only_new(self, before: tuple[int, ...], now: tuple[int, ...]) -> bool:
        return only_new(before, now)

    async def pages(self) -> AsyncIterator[list[Listed]]:
        last_id: str | None = None
        while True:
            page = await self._ozon.list_questions(last_id=last_id)
            yield [self._listed(question) for question in page.questions]
            if not page.has_next or not page.questions or page.last_id in (None, last_id):
                return
            last_id = page.last_id

    @staticmethod
    def _listed(question: Question) -> Listed:
        item = NewFeedback(
            kind=FeedbackKind.QUESTION,
            ozon_id=question.id,
            published_at=_moment(question.published_at),
            text=question.text,
            sku=question.sku,
            author=question.author_name,
            link=question.question_link or question.product_url,
        )
        return Listed(item, question.status == PROCESSED)

    async def complete(self, item: NewFeedback) -> NewFeedback:
        return item

    async def set_processed(self, ozon_ids: Sequence[str]) -> None:
        await self._ozon.set_question_status(ozon_ids, PROCESSED)


# ---- product names ------------------------------------------------------------------------


class ProductReader(Protocol):
    async def products_by_sku(self, skus: Sequence[str]) -> list[Product]: ...


class ProductNames:
    """Product names by SKU, read from Ozon at most once a day each. A key that may not read
    products is asked again an hour later; an outage leaves the names out this time (the post
    shows the SKU)."""

    def __init__(self, ozon: ProductReader) -> None:
        self._ozon = ozon
        self._names: dict[str, tuple[str | None, datetime]] = {}
        self._off_until: datetime | None = None

    async def names(self, skus: Sequence[str]) -> dict[str, str]:
        now = datetime.now(UTC)
        wanted = [s for s in dict.fromkeys(skus) if self._stale(s, now)]
        if wanted and (self._off_until is None or now >= self._off_until):
            await self._read(wanted, now)
        return {sku: name for sku in skus if (name := self._names.get(sku, (None, now))[0])}

    def _stale(self, sku: str, now: datetime) -> bool:
        kept = self._names.get(sku)
        return kept is None or now - kept[1] > NAMES_KEPT

    async def _read(self, skus: list[str], now: datetime) -> None:
        try:
            products = await self._ozon.products_by_sku(skus)
        except OzonError as exc:
            if feature_off(exc) is not None:
                self._off_until = now + NAMES_OFF_FOR
            log.warning("product names not read (%s): posts show the SKU", exc)
            return
        self._off_until = None
        found = {product.sku: product.name for product in products if product.sku}
        for sku in skus:
            self._names[sku] = (found.get(sku), now)
