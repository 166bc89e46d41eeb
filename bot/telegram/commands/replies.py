"""What the bot does with updates from the forum group: staff replies and the «Повторить» button.

Only people's messages inside topics are replies. Messages in General, service messages (topic
created, closed, ...) and other bots' messages are left alone; a command typed in a topic is
answered, not sent. The handlers translate aiogram's objects into the core's `StaffMessage` and
hand over; the core decides what is sent, what is answered and what is ignored.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.types import CallbackQuery, Message, MessageOriginUser

from bot.core.replies.intake import StaffReplies
from bot.core.replies.staff import INTERNAL_NOTE, StaffFile, StaffMessage, Unsendable
from bot.telegram.commands.callbacks import RetryReply
from bot.telegram.commands.people import staff_of
from bot.telegram.gateway.gateway import TelegramGateway
from bot.telegram.rendering.entities import with_hidden_links
from bot.telegram.texts.staff import RETRY_NOTHING, RETRY_QUEUED

# Content kinds Ozon's chat cannot carry, by the Message attribute that holds them.
_UNSUPPORTED = tuple(
    kind
    for kind in Unsendable
    if kind not in (Unsendable.OTHER, Unsendable.COMMAND, Unsendable.BRIDGE_POST)
)
_SERVICE = (
    "forum_topic_created", "forum_topic_edited", "forum_topic_closed", "forum_topic_reopened",
    "general_forum_topic_hidden", "general_forum_topic_unhidden", "new_chat_members",
    "left_chat_member", "pinned_message", "new_chat_title", "new_chat_photo",
    "delete_chat_photo", "message_auto_delete_timer_changed", "write_access_allowed",
)  # fmt: skip


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


def to_staff_message(message: Message, *, bot_id: int, edited: bool) -> StaffMessage | None:
    """The core's view of a message in a topic; None for what is not a reply at all."""
    if message.message_thread_id is None or any(getattr(message, a, None) for a in _SERVICE):
        return None
    if message.text is not None:
        text: str | None = with_hidden_links(message.text, message.entities)
    elif message.caption is not None:
        text = with_hidden_links(message.caption, message.caption_entities)
    else:
        text = None
    # A message that answers nothing in particular carries the topic's creation message, and
    # with it who opened the topic.
    opening = message.reply_to_message
    topic_by_bridge = (
        opening is not None
        and opening.forum_topic_created is not None
        and opening.from_user is not None
        and opening.from_user.id == bot_id
    )

    def build(
        files: tuple[StaffFile, ...] = (), unsendable: Unsendable | None = None
    ) -> StaffMessage:
        assert message.message_thread_id is not None
        return StaffMessage(
            topic_id=message.message_thread_id,
            message_id=message.message_id,
            text=text,
            files=files,
            unsendable=unsendable,
            edited=edited,
            album=message.media_group_id,
            topic_by_bridge=topic_by_bridge,
            staff=staff_of(message, message.chat.id),
        )

    if message.text and message.text.startswith("/") and not message.text.startswith(INTERNAL_NOTE):
        return build(unsendable=Unsendable.COMMAND)  # staff are told where commands work
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser) and origin.sender_user.id == bot_id:
        # The bridge's own post (another buyer's words, chat id, cabinet link): never sent on.
        return build(unsendable=Unsendable.BRIDGE_POST)
    unsupported = next((kind for kind in _UNSUPPORTED if getattr(message, kind, None)), None)
    if unsupported is not None:
        return build(unsendable=unsupported)
    files: list[StaffFile] = []
    if message.photo:
        largest = max(
            message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
        )
        name = f"photo_{message.message_id}.jpg"
        files.append(StaffFile(largest.file_id, name, largest.file_size, "image/jpeg", True))
    if message.document:
        doc = message.document
        files.append(StaffFile(doc.file_id, doc.file_name, doc.file_size, doc.mime_type))
    if text is None and not files:
        return build(unsendable=Unsendable.OTHER)
    return build(files=tuple(files))
