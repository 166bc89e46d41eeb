"""Staff answering reviews and questions from their topics: a reply (Telegram's reply) to an
item's post is the seller's public answer, queued in the one outbox (exactly once, like a chat
reply); `/done` in reply says the item needs no answer.

Nothing here calls Ozon or Telegram: it decides and records, and says what it did
(`Answered`), which the Telegram side words. What is not sent: an internal note (`//`), a
message that replies to no item (staff are told once how to answer), anything but text (Ozon
takes only text there), a text outside Ozon's limits (a question's answer is 2 to 3,000
characters), and an edit (Ozon's answer, once sent, stays as it was).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bot.core.faults import StorageError
from bot.core.logfields import event
from bot.core.records import FeedbackItem, OutboxRow, Staff
from bot.core.replies.staff import StaffMessage, Unsendable
from bot.core.states import (
    OUTBOX_OPEN,
    FeedbackKind,
    FeedbackOutcome,
    OutboxState,
    OutboxTarget,
)
from bot.ozon.questions import MAX_ANSWER_LENGTH, MIN_ANSWER_LENGTH

log = logging.getLogger(__name__)

LIMITS = {
    FeedbackKind.QUESTION: (MIN_ANSWER_LENGTH, MAX_ANSWER_LENGTH),
    FeedbackKind.REVIEW: (1, None),
}
"""The length of text Ozon takes as an answer (a review's comment: not blank, no documented
maximum)."""
TARGETS = {FeedbackKind.REVIEW: OutboxTarget.REVIEW, FeedbackKind.QUESTION: OutboxTarget.QUESTION}


class Answered(StrEnum):
    """What became of a staff message in a review's or question's topic."""

    QUEUED = "queued"
    """It goes to Ozon as the answer."""
    AGAIN = "again"
    """Queued before (Telegram handed it over twice)."""
    NOTE = "note"
    NO_TARGET = "no_target"
    """It replies to no review or question: staff are told how to answer."""
    NO_TARGET_TOLD = "no_target_told"
    """The same, when staff were told already: nothing is said."""
    NOT_TEXT = "not_text"
    COMMAND = "command"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_ACCEPTED = "not_accepted"
    """The database refused it: nothing is sent."""
    EDIT_DELIVERED = "edit_delivered"
    EDIT_ON_ITS_WAY = "edit_on_its_way"
    EDIT_REFUSED = "edit_refused"


@dataclass(frozen=True, slots=True)
class Answer:
    answered: Answered
    kind: FeedbackKind
    limits: tuple[int, int | None] = (1, None)
    """Ozon's limits for the kind's answers (for TOO_SHORT and TOO_LONG)."""


class Done(StrEnum):
    """What `/done` did."""

    DONE = "done"
    ALREADY = "already"
    """Answered or marked done before."""
    NO_TARGET = "no_target"


class AnswerItems(Protocol):
    async def by_message(self, message_id: int) -> FeedbackItem | None:
        """The item whose post holds this message (in the bound forum group)."""
        ...

    async def done(self, item_id: int, staff: Staff) -> bool: ...


class AnswerQueue(Protocol):
    async def enqueue_answer(
        self,
        target: OutboxTarget,
        target_id: str,
        *,
        sku: str | None,
        topic_id: int,
        tg_message_id: int,
        body: str,
        staff: Staff | None,
    ) -> bool: ...

    async def for_staff_message(self, tg_message_id: int) -> list[OutboxRow]: ...


class FeedbackAnswers:
    def __init__(
        self,
        items: AnswerItems,
        outbox: AnswerQueue,
        *,
        on_queued: Callable[[], None],
        on_done: Callable[[], None],
    ) -> None:
        self._items = items
        self._outbox = outbox
        self._on_queued = on_queued
        self._on_done = on_done
        self._told: set[FeedbackKind] = set()

    async def handle(
        self, kind: FeedbackKind, message: StaffMessage, reply_to: int | None
    ) -> Answer:
        """A staff message in `kind`'s topic, replying to `reply_to` (None: to nothing)."""
        if message.edited:
            return Answer(Answered.NOTE if message.is_note else await self._edit(message), kind)
        if message.is_note:
            return Answer(Answered.NOTE, kind)
        if message.unsendable is Unsendable.COMMAND:
            return Answer(Answered.COMMAND, kind)
        item = None if reply_to is None else await self._items.by_message(reply_to)
        if item is None:
            told = kind in self._told
            self._told.add(kind)
            return Answer(Answered.NO_TARGET_TOLD if told else Answered.NO_TARGET, kind)
        refusal = _refusal(item.kind, message)
        if refusal is not None:
            return refusal
        return Answer(await self._queue(item, message), item.kind)

    async def _queue(self, item: FeedbackItem, message: StaffMessage) -> Answered:
        assert message.text is not None
        try:
            added = await self._outbox.enqueue_answer(
                TARGETS[item.kind],
                item.ozon_id,
                sku=item.sku,
                topic_id=message.topic_id,
                tg_message_id=message.message_id,
                body=message.text,
                staff=message.staff,
            )
        except StorageError as exc:
            log.error("%s %s: answer not accepted: %s", item.kind, item.ozon_id, exc)
            return Answered.NOT_ACCEPTED
        if not added:
            return Answered.AGAIN
        log.info(
            "%s %s: answer queued (staff message %s)",
            item.kind,
            item.ozon_id,
            message.message_id,
            extra=event(
                "feedback_answer_queued",
                topic_id=message.topic_id,
                tg_message_id=message.message_id,
                kind=str(item.kind),
            ),
        )
        self._on_queued()
        return Answered.QUEUED

    async def _edit(self, message: StaffMessage) -> Answered:
        """Ozon cannot change an answer: what staff are told depends on what became of it."""
        rows = await self._outbox.for_staff_message(message.message_id)
        return _edit_answer(rows)

    async def done(self, reply_to: int | None, staff: Staff) -> tuple[Done, FeedbackItem | None]:
        """`/done` in reply to an item's post: it needs no answer."""
        item = None if reply_to is None else await self._items.by_message(reply_to)
        if item is None:
            return Done.NO_TARGET, None
        if item.outcome is not FeedbackOutcome.OPEN or not await self._items.done(item.id, staff):
            return Done.ALREADY, item
        log.info(
            "%s %s: marked done by %s",
            item.kind,
            item.ozon_id,
            staff.name,
            extra=event("feedback_done", kind=str(item.kind)),
        )
        self._on_done()
        return Done.DONE, item


def _refusal(kind: FeedbackKind, message: StaffMessage) -> Answer | None:
    """Why the message cannot be the answer (None: it can): Ozon takes text alone, within its
    limits."""
    text = message.text
    if message.unsendable is not None or message.files or not text:
        return Answer(Answered.NOT_TEXT, kind)
    low, high = LIMITS[kind]
    length = len(text.strip())
    if length < low:
        return Answer(Answered.TOO_SHORT, kind, (low, high))
    if high is not None and len(text) > high:
        return Answer(Answered.TOO_LONG, kind, (low, high))
    return None


def _edit_answer(rows: Sequence[OutboxRow]) -> Answered:
    if not rows:
        return Answered.NOTE  # never meant for Ozon (talk among staff): nothing to say
    if any(row.state in OUTBOX_OPEN for row in rows):
        return Answered.EDIT_ON_ITS_WAY
    if all(row.state == OutboxState.FAILED for row in rows):
        return Answered.EDIT_REFUSED
    return Answered.EDIT_DELIVERED
