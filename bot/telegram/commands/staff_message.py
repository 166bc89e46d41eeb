"""A message in a forum topic translated into the core's `StaffMessage`: its text (hidden links
written out), its photo and document, and why it cannot go to Ozon, if it cannot. What is no
reply at all (a service message, a message outside the topics) translates to None."""

from __future__ import annotations

from aiogram.types import Message, MessageOriginUser

from bot.core.replies.staff import INTERNAL_NOTE, StaffFile, StaffMessage, Unsendable
from bot.telegram.commands.people import staff_of
from bot.telegram.rendering.entities import with_hidden_links

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


def to_staff_message(message: Message, *, bot_id: int, edited: bool) -> StaffMessage | None:
    """The core's view of a message in a topic; None for what is not a reply at all."""
    if message.message_thread_id is None or _is_service(message):
        return None
    text = _text(message)
    unsendable = _refused(message, bot_id)
    files: tuple[StaffFile, ...] = ()
    if unsendable is None:
        files = _files(message)
        if text is None and not files:
            unsendable = Unsendable.OTHER
    return StaffMessage(
        topic_id=message.message_thread_id,
        message_id=message.message_id,
        text=text,
        files=files,
        unsendable=unsendable,
        edited=edited,
        album=message.media_group_id,
        topic_by_bridge=_topic_by_bridge(message, bot_id),
        staff=staff_of(message, message.chat.id),
    )


def _is_service(message: Message) -> bool:
    """Telegram's note of something done in the group (a topic made or closed, a pin, ...)."""
    return any(getattr(message, name, None) for name in _SERVICE)


def _text(message: Message) -> str | None:
    """The text, or a photo's or document's caption, with hidden links written out."""
    if message.text is not None:
        return with_hidden_links(message.text, message.entities)
    if message.caption is not None:
        return with_hidden_links(message.caption, message.caption_entities)
    return None


def _topic_by_bridge(message: Message, bot_id: int) -> bool:
    """Whether the bridge opened the topic. A message that answers nothing in particular
    carries the topic's creation message, and with it who opened the topic."""
    opening = message.reply_to_message
    if opening is None or opening.forum_topic_created is None or opening.from_user is None:
        return False
    return opening.from_user.id == bot_id


def _refused(message: Message, bot_id: int) -> Unsendable | None:
    """Why the message is not for the buyer, whatever its text and files: a command typed in a
    topic (staff are told where commands work), a forwarded post of the bridge itself (another
    buyer's words, a chat id, a cabinet link: never sent on), or content Ozon cannot carry."""
    text = message.text or ""
    if text.startswith("/") and not text.startswith(INTERNAL_NOTE):
        return Unsendable.COMMAND
    origin = message.forward_origin
    if isinstance(origin, MessageOriginUser) and origin.sender_user.id == bot_id:
        return Unsendable.BRIDGE_POST
    return next((kind for kind in _UNSUPPORTED if getattr(message, kind, None)), None)


def _files(message: Message) -> tuple[StaffFile, ...]:
    """The largest size of a photo, then a document."""
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
    return tuple(files)
