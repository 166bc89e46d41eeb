"""Ozon -> Telegram: drains recorded messages into their chats' topics, in order, once.

Messages are rows (state `pending`) before anything is posted. Each step takes the chats with
waiting messages, longest-waiting first, and posts each chat's messages in Ozon's order, merging
bursts into as few Telegram messages as fit (`bot.core.relay.posting` puts each post in). The
Telegram side enforces the group's flood budget, so a step may wait inside a post; a restart
resumes from the rows. Topics of chats Ozon closed are closed once what waits to be shown there
is shown.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.faults import (
    GroupFault,
    PostRejected,
    ShuttingDown,
    StorageError,
    TelegramFault,
    TelegramUnavailable,
    TopicGone,
    TopicsUnavailable,
)
from bot.core.logfields import event
from bot.core.meter import Count, Meter
from bot.core.ports import ChatFacts, Post, PostRenderer, ShownMessage
from bot.core.records import ChatRow, MessageRow
from bot.core.relay.forum import Forum
from bot.core.relay.posting import TopicPoster
from bot.core.relay.topics import Topics
from bot.core.worker import Clock, Worker
from bot.ozon.fields import Author

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""A message that fails this many times for an unexpected reason is given up (state `failed`)."""


class RelayChats(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def topics_to_close(self, limit: int = 20) -> list[ChatRow]:
        """Chats Ozon closed whose topic is still open."""
        ...

    async def set_topic_closed(self, chat_id: str) -> None: ...


class PendingMessages(Protocol):
    async def chats_with_pending(self, limit: int = 50) -> list[str]:
        """Chats with messages waiting to be shown, longest-waiting first."""
        ...

    async def pending(self, chat_id: str, limit: int = 50) -> list[MessageRow]: ...

    async def note_failure(self, ids: Sequence[int], error: str, *, final: bool) -> None:
        """A post of these messages failed; `final`: given up (state failed)."""
        ...


@dataclass(slots=True)
class _Batch:
    """One chat's waiting messages being posted, and how far it got."""

    chat: ChatRow
    rows: Sequence[MessageRow]
    post: Post | None = None
    """The post being made (the one that failed, if one did)."""
    posted: int = 0


class Relay(Worker):
    name = "relay"

    def __init__(
        self,
        chats: RelayChats,
        messages: PendingMessages,
        topics: Topics,
        poster: TopicPoster,
        telegram: Forum,
        renderer: PostRenderer,
        *,
        batch_size: int = 50,
        idle_wait: float = 30.0,
        clock: Clock | None = None,
        meter: Meter | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._meter = meter or Meter()
        self._chats = chats
        self._messages = messages
        self._topics = topics
        self._poster = poster
        self._telegram = telegram
        self._renderer = renderer
        self._batch_size = batch_size
        self._idle_wait = idle_wait
        self._held: dict[str, float] = {}
        """Chats with a problem of their own, held back until then (monotonic)."""
        self.unavailable: str | None = None
        """Why nothing can be posted right now (None while Telegram accepts posts)."""
        self.misconfigured = False
        """`unavailable` is a fault of the group's set-up, which only the operator can fix."""
        self.fault: GroupFault | None = None
        """Which fault of the group's set-up holds every post back (None: none known)."""
        self._quiet = False

    @property
    def quiet(self) -> bool:
        """Nothing waits to be posted: the last pass found nothing, and nothing new came since
        (work that can wait, such as topic icons, goes only then)."""
        return self._quiet and not self.stopping

    def wake(self) -> None:
        self._quiet = False
        super().wake()

    @property
    def topics_problem(self) -> str | None:
        """Why chats that need a new topic wait (None while topics can be created)."""
        return self._topics.problem

    async def step(self) -> float | None:
        self._quiet = False
        posted = await self.drain_once()
        self._quiet = not posted and not self._wake.is_set()
        if self.unavailable is not None:
            log.info("telegram accepts posts again")
            self.unavailable = None
            self.misconfigured = False
            self.fault = None
        return 0 if posted else self._next_wake()

    def outage(self, exc: Exception) -> None:
        if not isinstance(exc, TelegramUnavailable):
            return  # the database said why (once); posting waits until it takes writes again
        reason = exc.operator_hint or str(exc)
        if reason != self.unavailable:
            log.error("cannot post to Telegram, messages stay queued: %s", reason)
        self.unavailable = reason
        self.misconfigured = exc.fault is not None
        self.fault = exc.fault

    def _next_wake(self) -> float:
        """Idle until new work, or until the first chat on hold may be tried again."""
        now = self._clock.monotonic()
        held = [until - now for until in self._held.values() if until > now]
        if self._topics.held:
            held.append(self._topics.held)
        return min([self._idle_wait, *held])

    async def drain_once(self) -> int:
        """One round over the chats with waiting messages; returns how many posts were made."""
        await self._poster.write_pending()
        posted = 0
        now = self._clock.monotonic()
        for chat_id in await self._messages.chats_with_pending(limit=200):
            if self.stopping:
                break
            if self._held.get(chat_id, 0.0) > now:
                continue  # this chat had a problem of its own: the others go first
            self._held.pop(chat_id, None)
            posted += await self.relay_chat(chat_id)
        return posted + await self.close_topics()

    async def close_topics(self) -> int:
        """Close the topics of chats Ozon closed, once what waits to be posted there is posted.
        Returns how many topics were closed."""
        if self.stopping or self._topics.held:
            return 0
        closed = 0
        for chat in await self._chats.topics_to_close():
            if self.stopping:
                break
            if chat.topic_id is None or await self._messages.pending(chat.chat_id, limit=1):
                continue
            try:
                await self._telegram.close_topic(chat.topic_id)
            except TopicsUnavailable as exc:
                self._topics.refused(exc)
                break
            except (TopicGone, PostRejected) as exc:
                log.info(
                    "chat %s: topic %s not closed (%s)",
                    chat.chat_id,
                    chat.topic_id,
                    exc,
                    extra=event("topic_not_closed", chat_id=chat.chat_id, topic_id=chat.topic_id),
                )
            else:
                log.info(
                    "chat %s: closed in Ozon, topic %s closed",
                    chat.chat_id,
                    chat.topic_id,
                    extra=event("topic_closed", chat_id=chat.chat_id, topic_id=chat.topic_id),
                )
                closed += 1
            await self._chats.set_topic_closed(chat.chat_id)
        return closed

    def _count(self, post: Post, pending: Sequence[MessageRow]) -> None:
        shown = set(post.message_ids)
        authors = [m.author for m in pending if m.id in shown]
        if buyers := authors.count(Author.CUSTOMER):
            self._meter.add(Count.BUYER_MESSAGES_RELAYED, amount=buyers)
        if sellers := authors.count(Author.SELLER):
            self._meter.add(Count.SELLER_MESSAGES_RELAYED, amount=sellers)

    async def relay_chat(self, chat_id: str) -> int:
        """Post a batch of one chat's waiting messages; returns how many posts were made."""
        chat = await self._chats.get(chat_id)
        pending = await self._messages.pending(chat_id, limit=self._batch_size)
        if chat is None or not pending:
            return 0
        if chat.topic_id is None and self._topics.held:
            return 0  # Telegram refused new topics a moment ago: this chat waits, others go on
        batch = _Batch(chat, pending)
        try:
            await self._post_batch(batch)
        except TopicsUnavailable as exc:
            self._topics.refused(exc)  # only chats that need a new topic wait
        except (ShuttingDown, TelegramUnavailable, StorageError):
            raise  # Telegram or the database as a whole: the worker waits
        except Exception as exc:  # noqa: BLE001 - logged with its traceback in _chat_failed
            # This chat's own problem (a refused topic, an odd message): hold it back a while,
            # keep its order, and let the other chats go on.
            await self._chat_failed(batch.chat, batch.post, pending, exc)
        return batch.posted

    async def _post_batch(self, batch: _Batch) -> None:
        """The batch's posts, in order, into the chat's topic (made first if it has none)."""
        batch.chat = await self._topics.ensure(batch.chat)
        unsure = frozenset(m.id for m in batch.rows if m.maybe_shown)
        shown = [ShownMessage.of(m) for m in batch.rows]
        for post in self._renderer.posts(ChatFacts.of(batch.chat), shown):
            if self.stopping:
                return
            batch.post = post
            batch.chat = await self._poster.deliver(batch.chat, post, unsure)
            self._count(post, batch.rows)
            batch.posted += 1

    async def _chat_failed(
        self, chat: ChatRow, post: Post | None, pending: Sequence[MessageRow], exc: Exception
    ) -> None:
        ids = post.message_ids if post is not None else [pending[0].id]
        rows = [m for m in pending if m.id in ids]
        tries = 1 + min((m.attempts for m in rows), default=0)
        final = tries >= MAX_ATTEMPTS
        log.error(
            "chat %s: could not post message(s) %s (attempt %d): %r",
            chat.chat_id,
            [m.message_id for m in rows],
            tries,
            exc,
            exc_info=not isinstance(exc, TelegramFault),
            extra=event("post_failed", chat_id=chat.chat_id, topic_id=chat.topic_id, attempt=tries),
        )
        await self._messages.note_failure(ids, repr(exc), final=final)
        self._held[chat.chat_id] = self._clock.monotonic() + min(15.0 * 2 ** (tries - 1), 600.0)
        if final and chat.topic_id is not None:
            # Given up: at least say in the topic that a message is waiting in Ozon's cabinet.
            notice = self._renderer.unshowable(
                ChatFacts.of(chat), [ShownMessage.of(m) for m in rows]
            )
            with contextlib.suppress(TelegramFault):
                await self._telegram.post_text(chat.topic_id, notice)
