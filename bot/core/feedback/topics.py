"""The two topics the bridge keeps for reviews and questions («⭐ Отзывы», «❓ Вопросы»): created on
first use, remembered per forum group, made again when Telegram says one is gone, reopened when
staff closed it. Which topic is whose is also what routes staff messages there to this room.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

from bot.core.logfields import event
from bot.core.relay.forum import ForumTopics
from bot.core.states import FeedbackKind

log = logging.getLogger(__name__)


class TopicStore(Protocol):
    async def topics(self) -> dict[FeedbackKind, int]:
        """Each kind's topic in the bound forum group."""
        ...

    async def set_topic(self, kind: FeedbackKind, topic_id: int) -> None: ...


class TopicNames(Protocol):
    def topic_name(self, kind: FeedbackKind) -> str: ...


class FeedbackTopics:
    def __init__(self, store: TopicStore, telegram: ForumTopics, names: TopicNames) -> None:
        self._store = store
        self._telegram = telegram
        self._names = names
        self._known: dict[FeedbackKind, int] | None = None
        self._lock = asyncio.Lock()

    async def _topics(self) -> dict[FeedbackKind, int]:
        if self._known is None:
            self._known = await self._store.topics()
        return self._known

    async def kind_of(self, topic_id: int) -> FeedbackKind | None:
        """Whose topic this is (None: not one of these two)."""
        topics = await self._topics()
        return next((kind for kind, topic in topics.items() if topic == topic_id), None)

    async def topic(self, kind: FeedbackKind) -> int | None:
        """The kind's topic, if it has one."""
        return (await self._topics()).get(kind)

    async def ensure(self, kind: FeedbackKind) -> int:
        """The kind's topic: the remembered one, or a new one."""
        async with self._lock:
            topic = (await self._topics()).get(kind)
            return topic if topic is not None else await self._create(kind)

    async def replace(self, kind: FeedbackKind, gone: int) -> int:
        """A new topic in place of one Telegram says is gone."""
        async with self._lock:
            topic = (await self._topics()).get(kind)
            if topic not in (None, gone):
                assert topic is not None
                return topic  # replaced meanwhile
            log.warning(
                "%s topic %s is gone, creating a new one",
                kind,
                gone,
                extra=event("feedback_topic_gone", topic_id=gone, kind=str(kind)),
            )
            return await self._create(kind)

    async def reopen(self, topic_id: int) -> None:
        """Staff closed it: it is opened again, for posts to go in."""
        log.info("feedback topic %s was closed: reopening it", topic_id)
        await self._telegram.reopen_topic(topic_id)

    async def _create(self, kind: FeedbackKind) -> int:
        made = await self._telegram.create_topic(self._names.topic_name(kind))
        await self._store.set_topic(kind, made.topic_id)
        (await self._topics())[kind] = made.topic_id
        log.info(
            "created the %s topic %s",
            kind,
            made.topic_id,
            extra=event("feedback_topic_created", topic_id=made.topic_id, kind=str(kind)),
        )
        return made.topic_id
