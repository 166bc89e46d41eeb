"""Reply drafts in Telegram: `/draft` typed in a buyer's topic, or sent in reply to a review's
or a question's post, by any member (anonymous administrators too) asks for one; «Отправить» and
«Отменить» under a draft act on it for whoever pressed. The draft itself comes later, from the
writer, as an answer to the command."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message

from bot.core.drafts.actions import Asked, Drafts, Press, Pressed
from bot.core.records import Staff
from bot.telegram.commands.admin import outside_topics
from bot.telegram.commands.callbacks import DraftAction
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.drafts import (
    DRAFT_NOT_HERE,
    DRAFT_OFF,
    PRESS_ALREADY_SENT,
    PRESS_ALREADY_SENT_BY,
    PRESS_CANCELLED,
    PRESS_NOT_SENDABLE,
    PRESS_OUTDATED,
    PRESS_OVER_LIMIT,
    PRESS_SENT,
    PRESS_TOO_LONG,
    PRESS_WAS_CANCELLED,
    PRESS_WAS_CANCELLED_BY,
)


def press_text(press: Press) -> str:
    """What the presser's screen says (plain text)."""
    by = press.by.name if press.by is not None else None
    if press.result is Pressed.ALREADY_SENT:
        return PRESS_ALREADY_SENT_BY.format(staff=by) if by else PRESS_ALREADY_SENT
    if press.result is Pressed.WAS_CANCELLED:
        return PRESS_WAS_CANCELLED_BY.format(staff=by) if by else PRESS_WAS_CANCELLED
    if press.result is Pressed.REFUSED:
        problem = press.problem
        if problem is not None and problem.reason == "too_long":
            return PRESS_TOO_LONG.format(**problem.values)
        if problem is not None and problem.reason == "over_limit":
            return PRESS_OVER_LIMIT.format(**problem.values)
        return PRESS_NOT_SENDABLE
    return {
        Pressed.SENT: PRESS_SENT,
        Pressed.CANCELLED: PRESS_CANCELLED,
        Pressed.OUTDATED: PRESS_OUTDATED,
    }[press.result]


def build_draft_router(forum_chat_id: int, drafts: Drafts, speaker: Speaker) -> Router:
    """Included before the staff-reply router: `/draft` typed in a topic is a command."""
    router = Router(name="drafts")
    person = F.from_user & ~F.from_user.is_bot
    anonymous_admin = F.sender_chat.id == forum_chat_id
    in_topic = (F.chat.id == forum_chat_id) & F.is_topic_message
    router.callback_query.filter(F.message.chat.id == forum_chat_id)

    @router.message(in_topic, person | anonymous_admin, Command("draft"))
    async def draft(message: Message) -> None:
        assert message.message_thread_id is not None
        topic = message.message_thread_id
        replied = message.reply_to_message
        # A message that answers nothing in particular answers the topic's creation.
        replied_to = None if replied is None or replied.forum_topic_created else replied.message_id
        asked = await drafts.ask(topic, message.message_id, replied_to)
        answer = {Asked.OFF: DRAFT_OFF, Asked.NOT_HERE: DRAFT_NOT_HERE}.get(asked)
        if answer is not None:
            await speaker.reply_in_topic(topic, message.message_id, answer)

    @router.message(outside_topics(forum_chat_id), person | anonymous_admin, Command("draft"))
    async def draft_outside(message: Message) -> None:
        await speaker.say(message.chat.id, DRAFT_OFF if not drafts.enabled else DRAFT_NOT_HERE)

    @router.callback_query(DraftAction.filter())
    async def pressed(query: CallbackQuery, callback_data: DraftAction) -> None:
        post = query.message
        if post is None:
            await speaker.answer_button(query.id, PRESS_OUTDATED)
            return
        staff = Staff(query.from_user.id, query.from_user.full_name)
        if callback_data.action == "send":
            press = await drafts.send(callback_data.draft_id, post.message_id, staff)
        else:
            press = await drafts.cancel(callback_data.draft_id, post.message_id, staff)
        alert = press.result in (Pressed.REFUSED, Pressed.ALREADY_SENT, Pressed.WAS_CANCELLED)
        await speaker.answer_button(query.id, press_text(press)[:200], alert=alert)

    return router
