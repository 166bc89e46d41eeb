"""Reviews and questions as sources of conversations for drafts: `/draft` sent in reply to an
item's post drafts the seller's public answer to that item alone (what it says, its rating, the
product, whether the order arrived), and «Отправить» queues it through the outbox as the answer
a staff reply to the post would be: exactly once, keyed on the draft's post, within Ozon's limits
for the kind, 👌/👎 on the draft, and the item shown answered by whoever pressed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from bot.core.drafts import wording
from bot.core.drafts.conversation import Conversation, Kind, NotSendable, Turn, Voice
from bot.core.feedback.answers import LIMITS, TARGETS, AnswerQueue
from bot.core.records import DraftRow, FeedbackItem, Staff
from bot.core.states import FeedbackKind, FeedbackOutcome
from bot.ozon.questions import MAX_ANSWER_LENGTH

KINDS = {
    FeedbackKind.REVIEW: Kind(
        "review", MAX_ANSWER_LENGTH, wording.REVIEW_TASK, wording.REVIEW_FACTS
    ),
    FeedbackKind.QUESTION: Kind(
        "question", MAX_ANSWER_LENGTH, wording.QUESTION_TASK, wording.QUESTION_FACTS
    ),
}
"""A question's answer is at most 3,000 characters; Ozon documents no maximum for a review's
comment, so a review's draft is held to the same length (a longer one is flagged, not refused)."""


class DraftItems(Protocol):
    async def by_message(self, message_id: int) -> FeedbackItem | None:
        """The item whose post holds this message (in the bound forum group)."""
        ...

    async def find(self, kind: FeedbackKind, ozon_id: str) -> FeedbackItem | None: ...


class KindTopics(Protocol):
    async def kind_of(self, topic_id: int) -> FeedbackKind | None:
        """Whose topic this is (None: not the reviews' or the questions')."""
        ...

    async def topic(self, kind: FeedbackKind) -> int | None:
        """The kind's topic, if it has one."""
        ...


class FeedbackConversations:
    """The `ConversationSource` of one kind's items: reviews or questions."""

    def __init__(
        self,
        kind: FeedbackKind,
        items: DraftItems,
        topics: KindTopics,
        outbox: AnswerQueue,
        *,
        on_queued: Callable[[], None],
    ) -> None:
        self._feedback_kind = kind
        self._items = items
        self._topics = topics
        self._outbox = outbox
        self._on_queued = on_queued

    @property
    def kind(self) -> Kind:
        return KINDS[self._feedback_kind]

    async def in_topic(self, topic_id: int, replied_to: int | None) -> Conversation | None:
        if replied_to is None or await self._topics.kind_of(topic_id) is not self._feedback_kind:
            return None
        item = await self._items.by_message(replied_to)
        if item is None or item.kind is not self._feedback_kind:
            return None
        return self._conversation(item, topic_id)

    async def read(self, key: str) -> Conversation | None:
        item = await self._items.find(self._feedback_kind, key)
        topic_id = await self._topics.topic(self._feedback_kind)
        return None if item is None or topic_id is None else self._conversation(item, topic_id)

    def _conversation(self, item: FeedbackItem, topic_id: int) -> Conversation:
        said = item.text.strip() or wording.NO_TEXT
        return Conversation(
            kind=self.kind,
            key=item.ozon_id,
            topic_id=topic_id,
            turns=(Turn(Voice.BUYER, said, item.published_at, item.ozon_id),),
            facts=facts_of(item),
            known_numbers=tuple(n for n in (item.sku,) if n),
            awaiting_reply=item.outcome is FeedbackOutcome.OPEN,
        )

    async def queue(self, draft: DraftRow, text: str, staff: Staff) -> bool:
        if draft.message_id is None:
            raise NotSendable("not_shown")
        item = await self._items.find(self._feedback_kind, draft.key)
        if item is None:
            raise NotSendable("gone")
        low, high = LIMITS[self._feedback_kind]
        if high is not None and (len(text.strip()) < low or len(text) > high):
            raise NotSendable("over_limit", length=len(text), low=low, high=high)
        added = await self._outbox.enqueue_answer(
            TARGETS[self._feedback_kind],
            item.ozon_id,
            sku=item.sku,
            topic_id=draft.topic_id,
            tg_message_id=draft.message_id,
            body=text,
            staff=staff,
        )
        if added:
            self._on_queued()
        return added


def facts_of(item: FeedbackItem) -> tuple[str, ...]:
    """What the model is told of the item besides its text: never the author's name."""
    facts = []
    if item.product:
        facts.append(wording.REVIEWED_PRODUCT.format(name=item.product))
    if item.sku:
        facts.append(wording.PRODUCT_SKU.format(sku=item.sku))
    if item.rating is not None:
        facts.append(wording.RATING.format(rating=item.rating))
    if item.order_status == "DELIVERED":
        facts.append(wording.ORDER_DELIVERED)
    elif item.order_status == "CANCELLED":
        facts.append(wording.ORDER_CANCELLED)
    return tuple(facts)
