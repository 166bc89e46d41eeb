"""What the bot does with updates from the forum group: staff replies and the «Повторить» button.

Only people's messages inside topics are replies. Messages in General, service messages (topic
created, closed, ...) and other bots' messages are left alone; a command typed in a topic is
answered, not sent. The handlers translate aiogram's objects into the core's `StaffMessage`
(`staff_message.to_staff_message`) and hand over; the core decides what is sent, what is
answered and what is ignored.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message

from bot.core.replies.intake import StaffReplies
from bot.telegram.commands.callbacks import RetryReply
from bot.telegram.commands.staff_message import to_staff_message
from bot.telegram.gateway.gateway import TelegramGateway
from bot.telegram.texts.staff import RETRY_NOTHING, RETRY_QUEUED


def build_router(forum_chat_id: int, replies: StaffReplies, gateway: TelegramGateway) -> Router:
    router = Router(name="forum")
    # A person, or an administrator who remains anonymous and writes on behalf of the group.
    person = F.from_user & ~F.from_user.is_bot & ~F.sender_chat
    anonymous_admin = F.sender_chat.id == forum_chat_id
    in_topic = (F.chat.id == forum_chat_id) & F.is_topic_message & (person | anonymous_admin)
    router.message.filter(in_topic)
    router.edited_message.filter(in_topic)
    router.callback_query.filter(F.message.chat.id == forum_chat_id)

    @router.message()
    async def staff_message(message: Message, bot: Bot) -> None:
        staff = to_staff_message(message, bot_id=bot.id, edited=False)
        if staff is not None:
            await replies.handle(staff)

    @router.edited_message()
    async def staff_edit(message: Message, bot: Bot) -> None:
        staff = to_staff_message(message, bot_id=bot.id, edited=True)
        if staff is not None:
            await replies.handle(staff)

    @router.callback_query(RetryReply.filter())
    async def retry(query: CallbackQuery, callback_data: RetryReply) -> None:
        again = await replies.retry(callback_data.message_id)
        await query.answer(RETRY_QUEUED if again else RETRY_NOTHING)
        if again and query.message is not None:
            await gateway.remove_buttons(query.message.message_id)

    return router
