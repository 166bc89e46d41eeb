"""Who wrote a message in the forum group, as the help desk records it."""

from __future__ import annotations

from aiogram.types import Message

from bot.core.records import Staff
from bot.telegram.texts.desk import ANONYMOUS_ADMIN


def staff_of(message: Message, forum_chat_id: int) -> Staff:
    """The person's user id and name; an administrator who remains anonymous writes as the
    group: no id, and their custom title (if any) for a name."""
    if message.sender_chat is not None and message.sender_chat.id == forum_chat_id:
        return Staff(None, message.author_signature or ANONYMOUS_ADMIN)
    assert message.from_user is not None
    return Staff(message.from_user.id, message.from_user.full_name)
