"""Ozon -> Telegram: drains recorded messages into their chats' topics, in order, once.

Messages are rows (state `pending`) before anything is posted. One worker takes the chats with
waiting messages, longest-waiting first, and posts each chat's messages in Ozon's order, merging
bursts into as few Telegram messages as fit. A message is marked `posted` right after Telegram
accepts it. The Telegram side enforces the group's flood budget, so this loop may wait inside a
post; a restart resumes from the rows.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace

from bot.core.ports import (
    MediaFetcher,
    MediaUnavailable,
    Post,
    PostRejected,
    PostRenderer,
    ShuttingDown,
    TelegramFault,
    TelegramPort,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
    TopicsUnavailable,
)
from bot.core.topics import Topics
from bot.core.worker import Wakeable
from storage.chats import ChatRepository, ChatRow
from storage.db import StorageError
from storage.messages import MessageRepository, MessageRow

log = logging.getLogger(__name__)


class _ChatProblem(Exception):
    """Something wrong with one chat's topic that retrying at once will not fix."""


MAX_ATTEMPTS = 5
"""A message that fails this many times for an unexpected reason is given up (state `failed`)."""


class Relay(Wakeable):
    def __init__(
        self,
        chats: ChatRepository,
        messages: MessageRepository,
        topics: Topics,
        telegram: TelegramPort,
        renderer: PostRenderer,
        media: MediaFetcher,
        *,
        batch_size: int = 50,
        idle_wait: float = 30.0,
        max_backoff: float = 60.0,
    ) -> None:
        self._chats = chats
        self._messages = messages
        self._topics = topics
        self._telegram = telegram
        self._renderer = renderer
        self._media = media
        self._batch_size = batch_size
        self._idle_wait = idle_wait
        self._max_backoff = max_backoff
        super().__init__()
        self._held: dict[str, float] = {}
        self._unwritten: list[Callable[[], Awaitable[None]]] = []
        """What Telegram already shows but the database refused to record (a full disk): written
        before anything else is posted, so that nothing is posted twice meanwhile."""
        self.unavailable: str | None = None
        """Why nothing can be posted right now (None while Telegram accepts posts)."""
        self.misconfigured = False
        """`unavailable` is a fault of the group's set-up, which only the operator can fix."""
        self.topics_problem: str | None = None
        """Why chats that need a new topic wait (None while topics can be created)."""
        self._topic_refusals = 0
        self._new_topics_after = 0.0
        """No topic is created before this (monotonic) time, after Telegram refused one."""

    async def run(self) -> None:
        backoff = 1.0
        while not self._stopping:
            self._wake.clear()
            try:
                posted = await self.drain_once()
            except ShuttingDown:
                return
            except TelegramUnavailable as exc:
                self._report_unavailable(exc)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            except StorageError as exc:
                # The database said why (once); posting waits until it takes writes again.
                log.warning(
                    "relay: paused for %.0fs, the database refuses writes: %s", backoff, exc
                )
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            except Exception:
                # A bug must not end the relay: say so and try again.
                log.exception("relay: unexpected error, retrying in %.0fs", backoff)
                await self._sleep(backoff)
                backoff = min(backoff * 2, self._max_backoff)
                continue
            if self.unavailable is not None:
                log.info("telegram accepts posts again")
                self.unavailable = None
                self.misconfigured = False
            backoff = 1.0
            if not posted:
                await self._sleep(self._next_wake())

    def _next_wake(self) -> float:
        """Idle until new work, or until the first chat on hold may be tried again."""
        now = time.monotonic()
        held = [until - now for until in self._held.values() if until > now]
        if self._new_topics_after > now:
            held.append(self._new_topics_after - now)
        return min([self._idle_wait, *held])

    def _report_unavailable(self, exc: TelegramUnavailable) -> None:
        reason = exc.operator_hint or str(exc)
        if reason != self.unavailable:
            log.error("cannot post to Telegram, messages stay queued: %s", reason)
        self.unavailable = reason
        self.misconfigured = exc.fault is not None

    def _topics_refused(self, exc: TopicsUnavailable) -> None:
        """Telegram refuses new topics: the chats that need one wait (their messages stay
        queued, no attempt counted) and are tried again later; the others go on."""
        reason = exc.operator_hint or str(exc)
        if reason != self.topics_problem:
            log.error("cannot manage topics, new buyer chats wait: %s", reason)
        self.topics_problem = reason
        self._topic_refusals += 1
        delay = min(10.0 * 2 ** (self._topic_refusals - 1), 300.0)
        self._new_topics_after = time.monotonic() + delay

    def _topics_work(self) -> None:
        if self.topics_problem is not None:
            log.info("topics can be created again")
        self.topics_problem = None
        self._topic_refusals = 0
        self._new_topics_after = 0.0

    async def drain_once(self) -> int:
        """One round over the chats with waiting messages; returns how many posts were made."""
        await self._write_pending()
        posted = 0
        now = time.monotonic()
        for chat_id in await self._messages.chats_with_pending(limit=200):
            if self._stopping:
                break
            if self._held.get(chat_id, 0.0) > now:
                continue  # this chat had a problem of its own: the others go first
            self._held.pop(chat_id, None)
            posted += await self.relay_chat(chat_id)
        return posted + await self.close_topics()

    async def close_topics(self) -> int:
        """Close the topics of chats Ozon closed, once what waits to be posted there is posted.
        Returns how many topics were closed."""
        if self._stopping or time.monotonic() < self._new_topics_after:
            return 0
        closed = 0
        for chat in await self._chats.topics_to_close():
            if self._stopping:
                break
            if chat.topic_id is None or await self._messages.pending(chat.chat_id, limit=1):
                continue
            try:
                await self._telegram.close_topic(chat.topic_id)
            except TopicsUnavailable as exc:
                self._topics_refused(exc)
                break
            except (TopicGone, PostRejected) as exc:
                log.info("chat %s: topic %s not closed (%s)", chat.chat_id, chat.topic_id, exc)
            else:
                log.info("chat %s: closed in Ozon, topic %s closed", chat.chat_id, chat.topic_id)
                closed += 1
            await self._chats.set_topic_closed(chat.chat_id)
        return closed

    async def relay_chat(self, chat_id: str) -> int:
        """Post a batch of one chat's waiting messages; returns how many posts were made."""
        chat = await self._chats.get(chat_id)
        pending = await self._messages.pending(chat_id, limit=self._batch_size)
        if chat is None or not pending:
            return 0
        if chat.topic_id is None and time.monotonic() < self._new_topics_after:
            return 0  # Telegram refused new topics a moment ago: this chat waits, others go on
        count = 0
        post: Post | None = None
        try:
            if chat.topic_id is None:
                chat = await self._topics.ensure(chat)
                self._topics_work()
            unsure = frozenset(m.id for m in pending if m.maybe_shown)
            for post in self._renderer.posts(chat, pending):
                if self._stopping:
                    break
                chat = await self._deliver(chat, post, unsure)
                count += 1
        except TopicsUnavailable as exc:
            self._topics_refused(exc)  # only chats that need a new topic wait
        except (ShuttingDown, TelegramUnavailable, StorageError):
            raise  # Telegram or the database as a whole: the run loop waits
        except Exception as exc:  # noqa: BLE001 - logged with its traceback in _chat_failed
            # This chat's own problem (a refused topic, an odd message): hold it back a while,
            # keep its order, and let the other chats go on.
            await self._chat_failed(chat, post, pending, exc)
        return count

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
        )
        await self._messages.note_failure(ids, repr(exc), final=final)
        self._held[chat.chat_id] = time.monotonic() + min(15.0 * 2 ** (tries - 1), 600.0)
        if final and chat.topic_id is not None:
            # Given up: at least say in the topic that a message is waiting in Ozon's cabinet.
            with contextlib.suppress(TelegramFault):
                await self._telegram.post_text(chat.topic_id, self._renderer.unshowable(chat, rows))

    async def _deliver(self, chat: ChatRow, post: Post, unsure: frozenset[int]) -> ChatRow:
        """Post into the chat's topic, recovering a deleted or closed topic once each.
        `unsure`: rows an earlier, unsettled post may already show."""
        recreated = reopened = reopen_now = False
        while True:
            topic_id = chat.topic_id
            assert topic_id is not None
            try:
                if reopen_now:
                    reopen_now = False  # a topic deleted meanwhile raises TopicGone here
                    await self._telegram.reopen_topic(topic_id)
                    await self._chats.topic_reopened(chat.chat_id)
                await self._post(chat, post, recreated=recreated, unsure=unsure)
            except TopicGone:
                if recreated:
                    raise _ChatProblem("a freshly created topic is reported gone") from None
                if time.monotonic() < self._new_topics_after:
                    raise TopicsUnavailable(self.topics_problem or "topics refused") from None
                chat = await self._topics.replace(chat, topic_id)
                self._topics_work()
                recreated = True
                continue
            except TopicClosed:
                if reopened:
                    raise _ChatProblem("a reopened topic is still reported closed") from None
                log.info("chat %s: topic %s is closed, reopening", chat.chat_id, topic_id)
                reopened = reopen_now = True
                continue
            return replace(chat, topic_fresh=False)

    async def _post(
        self, chat: ChatRow, post: Post, *, recreated: bool, unsure: frozenset[int]
    ) -> None:
        """Send one post, with the topic's opening message in front when the topic is new."""
        assert chat.topic_id is not None
        opens_topic = chat.topic_fresh
        if opens_topic:
            header = self._renderer.header(chat, recreated=recreated)
            merged = self._renderer.merge_header(header, post)
            if merged is None:
                await self._telegram.post_text(chat.topic_id, header)
                await self._record(lambda: self._chats.mark_topic_opened(chat.chat_id))
                opens_topic = False
            else:
                post = merged
        ids = list(post.message_ids)
        if ids:
            # Telegram takes no idempotency key: should this post go unsettled (a crash, a lost
            # answer), its next attempt says that it may be shown already.
            await self._messages.mark_post_started(ids)
        try:
            tg_message_id = await self._send(chat, post)
        except TelegramFault as exc:
            # An answer that says the post is not shown settles it: no "maybe" next time (unless
            # an earlier attempt left one). A transient fault or a lost answer does not.
            settled = not isinstance(exc, TelegramUnavailable) or exc.operator_hint is not None
            fresh = [i for i in ids if i not in unsure]
            if settled and fresh:
                await self._messages.clear_post_started(fresh)
            raise
        if ids or opens_topic:
            await self._record(
                lambda: self._messages.mark_posted(
                    chat.chat_id, ids, tg_message_id, opened_topic=opens_topic
                )
            )
        log.info(
            "chat %s: posted %d message(s) to topic %s as %s",
            chat.chat_id,
            len(post.message_ids),
            chat.topic_id,
            tg_message_id,
        )

    async def _record(self, write: Callable[[], Awaitable[None]]) -> None:
        """Write down what Telegram now shows; if the database refuses, keep it for later."""
        try:
            await write()
        except StorageError:
            self._unwritten.append(write)
            raise

    async def _write_pending(self) -> None:
        while self._unwritten:
            await self._unwritten[0]()
            self._unwritten.pop(0)

    async def _send(self, chat: ChatRow, post: Post) -> int:
        """The Telegram message id of the post; falls back to plain text when Telegram refuses."""
        if post.kind == "photo" and post.image_urls:
            return await self._send_pictures(chat, post)
        return await self._send_text(chat, post)

    async def _send_pictures(self, chat: ChatRow, post: Post) -> int:
        """A message's pictures, with its whole text as their caption when everything fits;
        otherwise the text (with a link to each picture) first, then the pictures that could be
        fetched. No picture at all: the text alone."""
        assert chat.topic_id is not None
        pictures = await self._fetch(chat, post.image_urls)
        if pictures and len(pictures) == len(post.image_urls) and post.caption is not None:
            try:
                return await self._post_pictures(
                    chat.topic_id, pictures, post.caption, reply_to=post.reply_to
                )
            except PostRejected as exc:
                log.warning("chat %s: pictures refused (%s), posting links", chat.chat_id, exc)
                return await self._send_text(chat, post)
        first = await self._send_text(chat, post)
        if pictures:
            try:
                await self._post_pictures(chat.topic_id, pictures, post.short_caption)
            except PostRejected as exc:
                log.warning("chat %s: pictures refused (%s), links shown", chat.chat_id, exc)
        return first

    async def _fetch(self, chat: ChatRow, urls: Sequence[str]) -> list[tuple[bytes, str]]:
        pictures = []
        for url in urls:
            try:
                pictures.append(await self._media.fetch(url))
            except MediaUnavailable as exc:
                log.info("chat %s: no picture at a link (%s), it stays a link", chat.chat_id, exc)
        return pictures

    async def _post_pictures(
        self,
        topic_id: int,
        pictures: Sequence[tuple[bytes, str]],
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int:
        if len(pictures) == 1:
            data, filename = pictures[0]
            return await self._telegram.post_photo(
                topic_id, data, filename, caption, reply_to=reply_to
            )
        return await self._telegram.post_album(topic_id, pictures, caption, reply_to=reply_to)

    async def _send_text(self, chat: ChatRow, post: Post) -> int:
        assert chat.topic_id is not None
        try:
            return await self._telegram.post_text(chat.topic_id, post.html, reply_to=post.reply_to)
        except PostRejected as exc:
            log.warning("chat %s: post refused (%s), posting a notice", chat.chat_id, exc)
        pending = await self._messages.pending(chat.chat_id)
        rows = [m for m in pending if m.id in post.message_ids]
        return await self._telegram.post_text(chat.topic_id, self._renderer.unshowable(chat, rows))
