"""Reviews and questions as destinations of the one outbox (`bot.core.replies.destinations`): an
answer goes to Ozon as the seller's comment under the review (`/v1/review/comment/create`, the
review marked processed with it) or as the seller's answer to the question
(`/v1/question/answer/create`, with its SKU), and Ozon taking it answers the item.

Neither call takes an idempotency key. A send that may have arrived (a crash, a lost answer, a
5xx) is looked for before it is ever sent again: in the review's comments the seller's own one
with the same text, in the question's answers one with the same text. Ozon lists the seller's
comments and answers only once its moderation has passed them, so not finding one proves
nothing by itself. A review is then asked for its status: an unanswered review that Ozon now
shows processed was processed by the comment (sent with `mark_review_as_processed`), which is
taken as delivered; one not processed never got it, and it is sent again. Where nothing can
tell (a question; a review processed before), the row is given up as unconfirmed
(`bot.core.replies.destinations.Unconfirmed`): staff look in Ozon and may send it again,
which looks once more first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Protocol

from bot.core.records import FeedbackItem, OutboxRow, Staff
from bot.core.replies.destinations import Unconfirmed
from bot.core.states import FeedbackKind, FeedbackOutcome, OutboxTarget
from bot.core.units import Transactions, Tx
from bot.ozon.questions import Answer
from bot.ozon.reviews import ReviewComment, ReviewCommentPage, ReviewInfo

PROCESSED = "PROCESSED"
IN_MODERATION = "in-moderation"
"""The echo of a comment Ozon does not list yet though its review shows it was made: delivered,
with no comment id to link."""
UNLISTED = "not in Ozon's list yet (the seller's answers are listed once moderation passed them)"
SKEW = timedelta(minutes=5)
"""Clocks of Ozon and the bridge may differ this much."""
COMMENT_PAGE = 100


def same_text(a: str | None, b: str | None) -> bool:
    """Letters and digits only, case-folded: Ozon may trim or re-space what it keeps."""
    return _letters(a) == _letters(b)


def _letters(text: str | None) -> str:
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())


class Items(Protocol):
    async def find(self, kind: FeedbackKind, ozon_id: str) -> FeedbackItem | None: ...


class ReviewComments(Protocol):
    async def comment_review(
        self,
        review_id: str,
        text: str,
        *,
        mark_processed: bool = False,
        parent_comment_id: str | None = None,
    ) -> str: ...

    async def review_comments(
        self, review_id: str, *, limit: int = 100, offset: int = 0, sort_dir: str = "ASC"
    ) -> ReviewCommentPage: ...

    async def review_info(self, review_id: str) -> ReviewInfo: ...


class ReviewDestination:
    def __init__(self, ozon: ReviewComments, items: Items) -> None:
        self._ozon = ozon
        self._items = items

    async def send(self, row: OutboxRow, payload: str | bytes) -> None:
        assert row.target_id is not None
        assert isinstance(payload, str)
        await self._ozon.comment_review(row.target_id, payload, mark_processed=True)

    async def echo_of(self, row: OutboxRow) -> str | None:
        if row.ozon_message_id is not None:
            return row.ozon_message_id
        assert row.target_id is not None
        async for comment in self._comments(row.target_id):
            if comment.is_owner and same_text(comment.text, row.body):
                return comment.id
        item = await self._items.find(FeedbackKind.REVIEW, row.target_id)
        if item is None or item.outcome is not FeedbackOutcome.OPEN:
            # Processed before this answer: its status proves nothing either way.
            raise Unconfirmed(UNLISTED)
        info = await self._ozon.review_info(row.target_id)
        # The comment processes the review: an unprocessed one never got it.
        return IN_MODERATION if info.status == PROCESSED else None

    async def _comments(self, review_id: str) -> AsyncIterator[ReviewComment]:
        offset = 0
        while True:
            page = await self._ozon.review_comments(review_id, limit=COMMENT_PAGE, offset=offset)
            for comment in page.comments:
                yield comment
            if len(page.comments) < COMMENT_PAGE or page.offset in (None, offset):
                return
            offset = page.offset


class QuestionAnswers(Protocol):
    async def answer_question(self, question_id: str, sku: str, text: str) -> str: ...

    def iter_answers(self, question_id: str, sku: str) -> AsyncIterator[Answer]: ...


class QuestionDestination:
    def __init__(self, ozon: QuestionAnswers) -> None:
        self._ozon = ozon

    async def send(self, row: OutboxRow, payload: str | bytes) -> None:
        assert row.target_id is not None
        assert row.target_sku is not None
        assert isinstance(payload, str)
        await self._ozon.answer_question(row.target_id, row.target_sku, payload)

    async def echo_of(self, row: OutboxRow) -> str | None:
        if row.ozon_message_id is not None:
            return row.ozon_message_id
        assert row.target_id is not None
        assert row.target_sku is not None
        began = row.sending_at or row.created_at
        async for answer in self._ozon.iter_answers(row.target_id, row.target_sku):
            early = answer.published_at is not None and answer.published_at < began - SKEW
            if not early and same_text(answer.text, row.body):
                return answer.id
        # Ozon lists the seller's answers only once moderation passed them, and nothing else
        # about the question changes with an answer.
        raise Unconfirmed(UNLISTED)


# ---- delivery -------------------------------------------------------------------------------


class DeliveredRows(Protocol):
    async def delivered(
        self, row_id: int, ozon_message_id: str | None = None, tx: Tx | None = None
    ) -> None: ...


class AnsweredItems(Protocol):
    async def answered(
        self,
        tx: Tx,
        kind: FeedbackKind,
        ozon_id: str,
        staff: Staff | None,
        *,
        set_processed: bool,
    ) -> None: ...


KINDS = {OutboxTarget.REVIEW: FeedbackKind.REVIEW, OutboxTarget.QUESTION: FeedbackKind.QUESTION}


class FeedbackDelivery:
    """Implements `bot.core.replies.outbox.Delivery` for answers: the row is delivered and its
    item answered (by whom, when) in one unit of work; a question is then owed the processed
    status (a review's comment set it)."""

    def __init__(
        self,
        db: Transactions,
        outbox: DeliveredRows,
        items: AnsweredItems,
        *,
        on_answered: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._outbox = outbox
        self._items = items
        self._on_answered = on_answered

    async def delivered(self, row: OutboxRow, echo: str | None) -> None:
        assert row.target_id is not None
        kind = KINDS[row.target]
        proof = None if echo == IN_MODERATION else echo
        async with self._db.transaction() as tx:
            await self._outbox.delivered(row.id, proof, tx)
            await self._items.answered(
                tx, kind, row.target_id, row.staff, set_processed=kind is FeedbackKind.QUESTION
            )
        self._on_answered()
