"""Putting one post into a chat's topic exactly as often as Telegram lets us know: mark started,
send, settle, record. A deleted topic is recreated and a closed one reopened (once each); a fresh
topic's first post carries its opening (`bot.core.cards.opening`), or, when Telegram refused the
buyer's words and a notice stands in for them, the opening follows in a post of its own.

Telegram takes no idempotency key: before each post the rows it carries are marked as started,
so that a post no answer settles (a crash, a lost answer) is posted again saying it may already
be shown above. What Telegram shows is written down right after it shows it; if the database
refuses (a full disk), it is written before anything else is posted.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from bot.core.cards.opening import FirstPost, Opening
from bot.core.faults import (
    StorageError,
    TelegramFault,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
)
from bot.core.logfields import event
from bot.core.ports import Post, Sent, Shows
from bot.core.records import ChatRow
from bot.core.relay.forum import Forum
from bot.core.relay.sending import Sender
from bot.core.relay.topics import Topics
from bot.core.units import Transactions, Tx

log = logging.getLogger(__name__)


class PostMarks(Protocol):
    async def mark_post_started(self, ids: Sequence[int]) -> None: ...

    async def clear_post_started(self, ids: Sequence[int]) -> None: ...

    async def mark_posted(
        self, ids: Sequence[int], tg_message_id: int, tx: Tx | None = None
    ) -> None: ...


class OpenedTopics(Protocol):
    async def mark_topic_opened(self, chat_id: str, tx: Tx | None = None) -> None:
        """The topic's opening is shown: later posts go without it."""
        ...

    async def topic_reopened(self, chat_id: str) -> None: ...


class ChatProblem(Exception):
    """Something wrong with one chat's topic that retrying at once will not fix."""


class TopicPoster:
    def __init__(
        self,
        db: Transactions,
        chats: OpenedTopics,
        messages: PostMarks,
        topics: Topics,
        telegram: Forum,
        sender: Sender,
        opening: Opening,
    ) -> None:
        self._db = db
        self._chats = chats
        self._messages = messages
        self._topics = topics
        self._telegram = telegram
        self._sender = sender
        self._opening = opening
        self._unwritten: list[Callable[[], Awaitable[None]]] = []
        """What Telegram already shows but the database refused to record (a full disk): written
        before anything else is posted, so that nothing is posted twice meanwhile."""

    async def write_pending(self) -> None:
        """Record what an earlier post showed while the database refused writes."""
        while self._unwritten:
            await self._unwritten[0]()
            self._unwritten.pop(0)

    async def deliver(self, chat: ChatRow, post: Post, unsure: frozenset[int]) -> ChatRow:
        """Post into the chat's topic, recovering a deleted or closed topic once each; returns the
        chat as it now stands. `unsure`: rows an earlier, unsettled post may already show."""
        recreated = reopened = reopen_now = False
        while True:
            topic_id = chat.topic_id
            assert topic_id is not None
            try:
                if reopen_now:
                    reopen_now = False  # a topic deleted meanwhile raises TopicGone here
                    await self._reopen(chat, topic_id)
                fresh = await self._post(chat, post, recreated=recreated, unsure=unsure)
            except TopicGone:
                if recreated:
                    raise ChatProblem("a freshly created topic is reported gone") from None
                chat = await self._topics.replace(chat, topic_id)
                recreated = True
                continue
            except TopicClosed:
                if reopened:
                    raise ChatProblem("a reopened topic is still reported closed") from None
                reopened = reopen_now = True
                continue
            return replace(chat, topic_fresh=fresh)

    async def _reopen(self, chat: ChatRow, topic_id: int) -> None:
        log.info(
            "chat %s: topic %s is closed, reopening",
            chat.chat_id,
            topic_id,
            extra=event("topic_reopened", chat_id=chat.chat_id, topic_id=topic_id),
        )
        await self._telegram.reopen_topic(topic_id)
        await self._chats.topic_reopened(chat.chat_id)

    async def _post(
        self, chat: ChatRow, post: Post, *, recreated: bool, unsure: frozenset[int]
    ) -> bool:
        """Send one post, with the topic's opening in front when the topic is fresh; whether
        the topic still lacks its opening after it."""
        first = await self._opening_of(chat, post, recreated) if chat.topic_fresh else None
        if first is not None:
            post = first.post
        ids = list(post.message_ids)
        if ids:
            # Should this post go unsettled (a crash, a lost answer), its next attempt says that
            # it may be shown already.
            await self._messages.mark_post_started(ids)
        try:
            sent = await self._sender.send(chat, post)
        except TelegramFault as exc:
            await self._settle_refused(exc, ids, unsure)
            raise
        tg_message_id = sent.message_id
        fresh = await self._recorded(chat, ids, sent, first)
        log.info(
            "chat %s: posted %d message(s) to topic %s as %s",
            chat.chat_id,
            len(ids),
            chat.topic_id,
            tg_message_id,
            extra=event(
                "posted",
                chat_id=chat.chat_id,
                topic_id=chat.topic_id,
                tg_message_id=tg_message_id,
                count=len(ids),
            ),
        )
        return fresh

    async def _opening_of(self, chat: ChatRow, post: Post, recreated: bool) -> FirstPost | None:
        """The opening merged into this post; when they do not fit together, the opening is
        posted alone first and this post goes as it is (None)."""
        assert chat.topic_id is not None
        first = await self._opening.compose(chat, post, recreated=recreated)
        if first.merged:
            return first
        await self._opening_alone(chat, first)
        return None

    async def _opening_alone(self, chat: ChatRow, first: FirstPost) -> None:
        assert chat.topic_id is not None
        message_id = await self._telegram.post_text(chat.topic_id, first.header)
        await self._record(lambda: self._chats.mark_topic_opened(chat.chat_id))
        await self._record(lambda: self._opening.posted_alone(chat.chat_id, message_id, first))

    async def _settle_refused(
        self, exc: TelegramFault, ids: Sequence[int], unsure: frozenset[int]
    ) -> None:
        """An answer that says the post is not shown settles it: no "maybe" next time (unless
        an earlier attempt left one). A transient fault or a lost answer does not."""
        settled = not isinstance(exc, TelegramUnavailable) or exc.operator_hint is not None
        fresh = [i for i in ids if i not in unsure]
        if settled and fresh:
            await self._messages.clear_post_started(fresh)

    async def _recorded(
        self, chat: ChatRow, ids: Sequence[int], sent: Sent, first: FirstPost | None
    ) -> bool:
        """Write down that Telegram shows the post (and the opening in it); whether the topic
        still lacks its opening. A notice standing in for the post carries no opening: it
        follows alone (should Telegram refuse that too, the topic's next post carries it)."""
        opened = first is not None and sent.shows is not Shows.NOTICE
        if ids or opened:
            await self._record(
                lambda: self._posted(chat.chat_id, ids, sent.message_id, opened=opened)
            )
        if first is None:
            return False
        if opened:
            await self._record(lambda: self._opening.posted(chat.chat_id, first, sent))
            return False
        try:
            await self._opening_alone(chat, first)
        except TelegramFault as exc:
            log.warning(
                "chat %s: the topic's opening not posted (%s), the next post carries it",
                chat.chat_id,
                exc,
                extra=event("opening_not_posted", chat_id=chat.chat_id, topic_id=chat.topic_id),
            )
            return True
        return False

    async def _posted(
        self, chat_id: str, ids: Sequence[int], tg_message_id: int, *, opened: bool
    ) -> None:
        async with self._db.transaction() as tx:
            await self._messages.mark_posted(ids, tg_message_id, tx)
            if opened:
                await self._chats.mark_topic_opened(chat_id, tx)

    async def _record(self, write: Callable[[], Awaitable[None]]) -> None:
        """Write down what Telegram now shows; if the database refuses, keep it for later."""
        try:
            await write()
        except StorageError:
            self._unwritten.append(write)
            raise
