"""One Telegram topic per buyer chat: created once under a per-chat lock, remembered, replaced when
Telegram reports it gone."""

from __future__ import annotations

import logging

from bot.core.locks import KeyedLocks
from bot.core.ports import PostRenderer, TelegramPort
from storage.chats import ChatRepository, ChatRow
from storage.db import StorageError

log = logging.getLogger(__name__)


class Topics:
    def __init__(
        self, chats: ChatRepository, telegram: TelegramPort, renderer: PostRenderer
    ) -> None:
        self._chats = chats
        self._telegram = telegram
        self._renderer = renderer
        self._locks = KeyedLocks()
        self._unsaved: dict[str, int] = {}
        """Topics created while the database refused to remember them: used, not made again."""

    async def ensure(self, chat: ChatRow) -> ChatRow:
        """The chat with a topic: the remembered one, or a new one."""
        if chat.topic_id is not None:
            return chat
        async with self._locks.hold(chat.chat_id):
            current = await self._chats.get(chat.chat_id) or chat
            if current.topic_id is not None:
                return current
            return await self._create(current)

    async def replace(self, chat: ChatRow, gone_topic_id: int) -> ChatRow:
        """The chat with a new topic in place of one Telegram says is gone."""
        async with self._locks.hold(chat.chat_id):
            current = await self._chats.get(chat.chat_id) or chat
            if current.topic_id not in (None, gone_topic_id):
                return current  # someone replaced it meanwhile
            log.warning(
                "chat %s: topic %s is gone, creating a new one", chat.chat_id, gone_topic_id
            )
            return await self._create(current)

    async def _create(self, chat: ChatRow) -> ChatRow:
        topic_id = self._unsaved.pop(chat.chat_id, None)
        if topic_id is None or topic_id == chat.topic_id:
            topic_id = await self._telegram.create_topic(self._renderer.topic_name(chat))
        try:
            await self._chats.set_topic(chat.chat_id, topic_id)
        except StorageError:
            self._unsaved[chat.chat_id] = topic_id
            raise
        log.info("chat %s: created topic %s", chat.chat_id, topic_id)
        created = await self._chats.get(chat.chat_id)
        assert created is not None
        return created
