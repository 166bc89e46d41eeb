"""The help desk's commands: /queue for any member of the forum group (in General or a private
chat with the bot, an administrator who remains anonymous included); /done (what the topic shows
needs no reply) and /card (read the order card again) in a buyer's topic."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.types import Message

from bot.core.cards.reader import CardReader
from bot.core.desk.queue import HelpDesk
from bot.core.desk.state import Desk, Marked
from bot.core.records import Sight
from bot.telegram.commands.admin import outside_topics
from bot.telegram.commands.people import staff_of
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.desk import (
    DONE_BUT_NEWER,
    DONE_MARKED,
    DONE_NOT_SHOWN,
    DONE_NOT_WAITING,
    DONE_OUTSIDE,
    DONE_UNKNOWN_TOPIC,
    QUEUE_NOT_MEMBER,
)
from bot.telegram.views.card import card_answer
from bot.telegram.views.desk import DeskView

_MEMBERS = ("creator", "administrator", "member")


def build_desk_router(
    forum_chat_id: int,
    speaker: Speaker,
    desk: Desk,
    helpdesk: HelpDesk,
    desk_view: DeskView,
    cards: CardReader,
    more_queue: Callable[[], Awaitable[str]] | None = None,
) -> Router:
    """Included before the staff-reply router: /done typed in a topic is the desk's.
    `more_queue`: what /queue lists after the buyer chats (reviews and questions; "": none)."""
    router = Router(name="desk")
    person = F.from_user & ~F.from_user.is_bot
    anonymous_admin = F.sender_chat.id == forum_chat_id
    in_topic = (F.chat.id == forum_chat_id) & F.is_topic_message

    @router.message(outside_topics(forum_chat_id), person | anonymous_admin, Command("queue"))
    async def queue(message: Message, bot: Bot) -> None:
        if message.chat.type == "private" and not await _is_member(bot, forum_chat_id, message):
            await speaker.say(message.chat.id, QUEUE_NOT_MEMBER)
            return
        chats = await helpdesk.queue()
        more = await more_queue() if more_queue is not None else ""
        parts = [desk_view.queue(chats)] if chats or not more else []
        await speaker.say(message.chat.id, "\n\n".join([*parts, more] if more else parts))

    @router.message(in_topic, person | anonymous_admin, Command("done"))
    async def done(message: Message) -> None:
        assert message.message_thread_id is not None
        staff = staff_of(message, forum_chat_id)
        sight = Sight(forum_chat_id, message.message_id)
        marked = await desk.done_in_topic(message.message_thread_id, staff, sight)
        name = html.escape(staff.name)
        answer = {
            Marked.DONE: DONE_MARKED.format(name=name),
            Marked.DONE_BUT_NEWER: DONE_BUT_NEWER.format(name=name),
            Marked.NOT_SHOWN: DONE_NOT_SHOWN,
            Marked.NOT_WAITING: DONE_NOT_WAITING,
            Marked.NO_CHAT: DONE_UNKNOWN_TOPIC,
        }[marked]
        await speaker.reply_in_topic(message.message_thread_id, message.message_id, answer)

    @router.message(in_topic, person | anonymous_admin, Command("card"))
    async def card(message: Message) -> None:
        assert message.message_thread_id is not None
        answer = card_answer(await cards.refresh(message.message_thread_id))
        await speaker.reply_in_topic(message.message_thread_id, message.message_id, answer)

    @router.message(outside_topics(forum_chat_id), person | anonymous_admin, Command("done"))
    async def done_outside(message: Message) -> None:
        await speaker.say(message.chat.id, DONE_OUTSIDE)

    return router


async def _is_member(bot: Bot, forum_chat_id: int, message: Message) -> bool:
    """Whether the person writing privately to the bot is a member of the forum group."""
    assert message.from_user is not None
    try:
        member = await bot.get_chat_member(forum_chat_id, message.from_user.id)
    except TelegramAPIError:
        return False
    return member.status in _MEMBERS or bool(getattr(member, "is_member", False))
