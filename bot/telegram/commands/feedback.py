"""Staff messages in the reviews' and questions' topics: a reply to an item's post answers it in
Ozon, `/done` in reply says it needs no answer. Included before the help desk's and the buyer
chats' routers, so that these two topics are this room's alone, but for `/draft`, which the
drafts router takes.

The handlers turn aiogram's message into the core's `StaffMessage` (as for buyer chats) and the
message it replies to, hand them over, and word what the core did.
"""

from __future__ import annotations

import html
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot.core.feedback.answers import Answer, Answered, Done, FeedbackAnswers
from bot.core.feedback.topics import FeedbackTopics
from bot.core.states import FeedbackKind
from bot.telegram.commands.people import staff_of
from bot.telegram.commands.staff_message import to_staff_message
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.feedback import (
    ANSWER_COMMAND,
    ANSWER_HOW,
    ANSWER_NOT_TEXT,
    ANSWER_TOO_LONG,
    ANSWER_TOO_SHORT,
    ANSWER_WHAT,
    DONE_ALREADY,
    DONE_MARKED,
    DONE_NO_TARGET,
)
from bot.telegram.texts.staff import (
    EDIT_DELIVERED,
    EDIT_ON_ITS_WAY,
    EDIT_REFUSED,
    NOT_ACCEPTED_STORAGE,
)

_SAID = {
    Answered.NOT_TEXT: ANSWER_NOT_TEXT,
    Answered.COMMAND: ANSWER_COMMAND,
    Answered.NOT_ACCEPTED: NOT_ACCEPTED_STORAGE,
    Answered.EDIT_DELIVERED: EDIT_DELIVERED,
    Answered.EDIT_ON_ITS_WAY: EDIT_ON_ITS_WAY,
    Answered.EDIT_REFUSED: EDIT_REFUSED,
}


def build_feedback_router(
    forum_chat_id: int, answers: FeedbackAnswers, topics: FeedbackTopics, speaker: Speaker
) -> Router:
    router = Router(name="feedback")
    person = F.from_user & ~F.from_user.is_bot & ~F.sender_chat
    anonymous_admin = F.sender_chat.id == forum_chat_id
    in_topic = (F.chat.id == forum_chat_id) & F.is_topic_message & (person | anonymous_admin)

    async def feedback_topic(message: Message) -> dict[str, Any] | bool:
        """Messages in the reviews' or the questions' topic, with its kind."""
        if message.message_thread_id is None:
            return False
        kind = await topics.kind_of(message.message_thread_id)
        return False if kind is None else {"kind": kind}

    # `/draft` in reply to a post is the drafts router's (it drafts an answer to the post).
    router.message.filter(in_topic, feedback_topic, ~Command("draft"))
    router.edited_message.filter(in_topic, feedback_topic)

    @router.message(Command("done"))
    async def done(message: Message) -> None:
        assert message.message_thread_id is not None
        staff = staff_of(message, forum_chat_id)
        marked, _ = await answers.done(_replied(message), staff)
        said = {
            Done.DONE: DONE_MARKED.format(name=html.escape(staff.name)),
            Done.ALREADY: DONE_ALREADY,
            Done.NO_TARGET: DONE_NO_TARGET,
        }[marked]
        await speaker.reply_in_topic(message.message_thread_id, message.message_id, said)

    @router.message()
    async def answer(message: Message, bot: Bot, kind: FeedbackKind) -> None:
        await _handle(message, bot, kind, edited=False)

    @router.edited_message()
    async def edit(message: Message, bot: Bot, kind: FeedbackKind) -> None:
        await _handle(message, bot, kind, edited=True)

    async def _handle(message: Message, bot: Bot, kind: FeedbackKind, *, edited: bool) -> None:
        staff = to_staff_message(message, bot_id=bot.id, edited=edited)
        if staff is None:
            return
        said = answer_text(await answers.handle(kind, staff, _replied(message)), staff.text)
        if said is not None:
            await speaker.reply_in_topic(staff.topic_id, staff.message_id, said)

    return router


def _replied(message: Message) -> int | None:
    """The message this one replies to (a message that replies to nothing carries its topic's
    opening, which is no item's post)."""
    replied = message.reply_to_message
    return None if replied is None else replied.message_id


def answer_text(answer: Answer, text: str | None) -> str | None:
    """What staff are told of their message (None: nothing; the outcome shows as 👌 or 👎)."""
    if answer.answered is Answered.NO_TARGET:
        what, one = ANSWER_WHAT[answer.kind]
        return ANSWER_HOW.format(what=what, one=one)
    low, high = answer.limits
    if answer.answered is Answered.TOO_SHORT:
        return ANSWER_TOO_SHORT.format(low=low)
    if answer.answered is Answered.TOO_LONG:
        return ANSWER_TOO_LONG.format(low=low, high=high, length=len(text or ""))
    return _SAID.get(answer.answered)
