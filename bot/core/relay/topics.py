"""One Telegram topic per buyer chat: created once under a per-chat lock, remembered, replaced when
Telegram reports it gone.

Without the right to manage topics, nothing that needs one made, closed or reopened is tried for a
while (10 s, doubling up to 5 min); chats that have their topic are posted to meanwhile.
"""

from __future__ import annotations

import logging
from typing import Protocol

from bot.core.faults import StorageError, TopicsUnavailable
from bot.core.locks import KeyedLocks
from bot.core.logfields import event
from bot.core.ports import ChatFacts, PostRenderer
from bot.core.records import ChatRow
from bot.core.relay.forum import ForumTopics, NewTopic
from bot.core.states import DeskState
from bot.core.worker import Clock, RealClock

log = logging.getLogger(__name__)


class TopicChats(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def set_topic(
        self,
        chat_id: str,
        topic_id: int,
        *,
        name: str | None = None,
        icon: DeskState | None = None,
    ) -> None:
        """Remember the chat's topic (its opening not posted yet), with the name and the icon it
        was made with."""
        ...


class Topics:
    def __init__(
        self,
        chats: TopicChats,
        telegram: ForumTopics,
        renderer: PostRenderer,
        *,
        clock: Clock | None = None,
    ) -> None:
        self._chats = chats
        self._telegram = telegram
        self._renderer = renderer
        self._clock = clock or RealClock()
        self._locks = KeyedLocks()
        self._unsaved: dict[str, NewTopic] = {}
        """Topics created while the database refused to remember them: used, not made again."""
        self.problem: str | None = None
        """Why topics cannot be managed right now (None while they can)."""
        self._refusals = 0
        self._held_until = 0.0
        self._last_refusal: TopicsUnavailable | None = None

    @property
    def held(self) -> float:
        """Seconds before topics are managed again after Telegram refused (0: now)."""
        return max(0.0, self._held_until - self._clock.monotonic())

    def refused(self, exc: TopicsUnavailable) -> None:
        """Telegram refuses to manage topics: what needs that waits, and is tried again later.
        Told twice of the same refusal (on its way up), it counts it once."""
        if exc is self._last_refusal:
            return
        self._last_refusal = exc
        reason = exc.operator_hint or str(exc)
        if reason != self.problem:
            log.error("cannot manage topics, new buyer chats wait: %s", reason)
        self.problem = reason
        self._refusals += 1
        delay = min(10.0 * 2 ** (self._refusals - 1), 300.0)
        self._held_until = self._clock.monotonic() + delay

    def worked(self) -> None:
        if self.problem is not None:
            log.info("topics can be managed again")
        self.problem = None
        self._refusals = 0
        self._held_until = 0.0

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
                "chat %s: topic %s is gone, creating a new one",
                chat.chat_id,
                gone_topic_id,
                extra=event("topic_gone", chat_id=chat.chat_id, topic_id=gone_topic_id),
            )
            return await self._create(current)

    async def _create(self, chat: ChatRow) -> ChatRow:
        topic = self._unsaved.pop(chat.chat_id, None)
        if topic is None or topic.topic_id == chat.topic_id:
            if self.held:
                raise TopicsUnavailable(self.problem or "topics refused a moment ago")
            try:
                topic = await self._telegram.create_topic(
                    self._renderer.topic_name(ChatFacts.of(chat)), chat.desk
                )
            except TopicsUnavailable as exc:
                self.refused(exc)
                raise
            self.worked()
        try:
            await self._chats.set_topic(
                chat.chat_id, topic.topic_id, name=topic.name, icon=topic.icon
            )
        except StorageError:
            self._unsaved[chat.chat_id] = topic
            raise
        log.info(
            "chat %s: created topic %s",
            chat.chat_id,
            topic.topic_id,
            extra=event("topic_created", chat_id=chat.chat_id, topic_id=topic.topic_id),
        )
        created = await self._chats.get(chat.chat_id)
        assert created is not None
        return created
