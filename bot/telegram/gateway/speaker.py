"""What the bot says outside buyer topics: in the forum's General topic (inside the group's
budget) and in private chats with admins, and who the group's administrators are."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    ChatMemberAdministrator,
    ChatMemberOwner,
    InlineKeyboardMarkup,
    Message,
    ReplyParameters,
)

from bot.core.faults import PostRejected
from bot.telegram.gateway.calls import GroupCalls


class Speaker:
    def __init__(self, bot: Bot, chat_id: int, group: GroupCalls) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._group = group

    async def say(
        self, chat_id: int, html: str, *, markup: InlineKeyboardMarkup | None = None
    ) -> int:
        """A message outside buyer topics: in the forum's General topic (inside the group's
        budget) or a private chat."""

        async def send() -> Message:
            return await self._bot.send_message(
                chat_id, html, parse_mode="HTML", reply_markup=markup
            )

        message = await (self._group(send) if chat_id == self._chat_id else send())
        return message.message_id

    async def photo(self, chat_id: int, png: bytes, caption: str) -> int:
        """A picture outside buyer topics (a chart), with a short caption."""

        async def send() -> Message:
            return await self._bot.send_photo(
                chat_id, BufferedInputFile(png, filename="chart.png"), caption=caption
            )

        message = await (self._group(send) if chat_id == self._chat_id else send())
        return message.message_id

    async def reply_in_topic(
        self,
        topic_id: int,
        reply_to: int,
        html: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
    ) -> None:
        """An answer to a message in a topic (a notice, not a buyer's post)."""
        await self._group(
            lambda: self._bot.send_message(
                self._chat_id,
                html,
                message_thread_id=topic_id,
                parse_mode="HTML",
                reply_parameters=ReplyParameters(
                    message_id=reply_to, allow_sending_without_reply=True
                ),
                reply_markup=markup,
            )
        )

    async def edit(
        self, chat_id: int, message_id: int, html: str, *, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Change a message the bot posted outside buyer topics (a preview, a progress line)."""

        async def send() -> object:
            return await self._bot.edit_message_text(
                text=html,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=markup,
            )

        try:
            await (self._group(send) if chat_id == self._chat_id else send())
        except (PostRejected, TelegramBadRequest) as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def answer_button(self, query_id: str, text: str, *, alert: bool = False) -> None:
        """Answer a button press (a notice on the presser's screen; not a post)."""
        await self._bot.answer_callback_query(query_id, text=text, show_alert=alert)

    async def administrators(self) -> frozenset[int]:
        """The forum group's administrators who are people."""
        members = await self._bot.get_chat_administrators(self._chat_id)
        return frozenset(
            m.user.id
            for m in members
            if isinstance(m, ChatMemberAdministrator | ChatMemberOwner) and not m.user.is_bot
        )
