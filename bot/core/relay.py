"""Ozon -> Telegram: drains recorded messages into their chats' topics, in order, once.

Messages are rows (state `pending`) before anything is posted. One worker takes the chats with
waiting messages, longest-waiting first, and posts each chat's messages in Ozon's order, merging
bursts into as few Telegram messages as fit. A message is marked `posted` right after Telegram
accepts it. The Telegram side enforces the group's flood budget, so this loop may wait inside a
post; a restart resumes from the rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
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
)
from bot.core.topics import Topics
from storage.chats import ChatRepository, ChatRow
from storage.messages import MessageRepository

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
"""A message that fails this many times for an unexpected reason is given up (state `failed`)."""


class Relay:
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
        max_backoff: float = 300.0,
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
        self._wake = asyncio.Event()
        self._stopping = False
        self.unavailable: str | None = None
        """Why nothing can be posted right now (None while Telegram accepts posts)."""

    def wake(self) -> None:
        """New messages were recorded: look at once."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the post in flight, then return from `run`."""
        self._stopping = True
        self._wake.set()

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
            if self.unavailable is not None:
                log.info("telegram accepts posts again")
                self.unavailable = None
            backoff = 1.0
            if not posted:
                await self._sleep(self._idle_wait)

    async def _sleep(self, seconds: float) -> None:
        """Wait until woken (new work, stop) or the time passes."""
        if self._stopping:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)

    def _report_unavailable(self, exc: TelegramUnavailable) -> None:
        reason = exc.operator_hint or str(exc)
        if reason != self.unavailable:
            log.error("cannot post to Telegram, messages stay queued: %s", reason)
        self.unavailable = reason

    async def drain_once(self) -> int:
        """One round over the chats with waiting messages; returns how many posts were made."""
        posted = 0
        for chat_id in await self._messages.chats_with_pending(limit=100):
            if self._stopping:
                break
            posted += await self.relay_chat(chat_id)
        return posted

    async def relay_chat(self, chat_id: str) -> int:
        """Post a batch of one chat's waiting messages; returns how many posts were made."""
        chat = await self._chats.get(chat_id)
        pending = await self._messages.pending(chat_id, limit=self._batch_size)
        if chat is None or not pending:
            return 0
        chat = await self._topics.ensure(chat)
        count = 0
        for post in self._renderer.posts(chat, pending):
            if self._stopping:
                break
            try:
                chat = await self._deliver(chat, post)
            except (TelegramFault, asyncio.CancelledError):
                raise  # faults of Telegram as a whole are the run loop's business
            except Exception as exc:
                log.exception("chat %s: could not post messages %s", chat_id, post.message_ids)
                tries = 1 + min(
                    (m.attempts for m in pending if m.id in post.message_ids), default=0
                )
                await self._messages.note_failure(
                    post.message_ids, repr(exc), final=tries >= MAX_ATTEMPTS
                )
                break  # keep the chat's order: retry this post before any later one
            count += 1
        return count

    async def _deliver(self, chat: ChatRow, post: Post) -> ChatRow:
        """Post into the chat's topic, recovering a deleted or closed topic once each."""
        recreated = reopened = False
        while True:
            topic_id = chat.topic_id
            assert topic_id is not None
            try:
                await self._post(chat, post, recreated=recreated)
            except TopicGone:
                if recreated:
                    raise TelegramUnavailable("a freshly created topic is reported gone") from None
                chat = await self._topics.replace(chat, topic_id)
                recreated = True
                continue
            except TopicClosed:
                if reopened:
                    raise TelegramUnavailable("a reopened topic is still reported closed") from None
                log.info("chat %s: topic %s is closed, reopening", chat.chat_id, topic_id)
                await self._telegram.reopen_topic(topic_id)
                reopened = True
                continue
            return replace(chat, topic_fresh=False)

    async def _post(self, chat: ChatRow, post: Post, *, recreated: bool) -> None:
        """Send one post, with the topic's opening message in front when the topic is new."""
        assert chat.topic_id is not None
        opens_topic = chat.topic_fresh
        if opens_topic:
            header = self._renderer.header(chat, recreated=recreated)
            merged = self._renderer.merge_header(header, post)
            if merged is None:
                await self._telegram.post_text(chat.topic_id, header)
                await self._chats.mark_topic_opened(chat.chat_id)
                opens_topic = False
            else:
                post = merged
        tg_message_id = await self._send(chat, post)
        if post.message_ids or opens_topic:
            await self._messages.mark_posted(
                chat.chat_id, post.message_ids, tg_message_id, opened_topic=opens_topic
            )
        log.info(
            "chat %s: posted %d message(s) to topic %s as %s",
            chat.chat_id,
            len(post.message_ids),
            chat.topic_id,
            tg_message_id,
        )

    async def _send(self, chat: ChatRow, post: Post) -> int:
        """The Telegram message id of the post; falls back to plain text when Telegram refuses."""
        assert chat.topic_id is not None
        topic_id = chat.topic_id
        if post.kind == "photo" and post.image_url:
            try:
                data, filename = await self._media.fetch(post.image_url)
                return await self._telegram.post_photo(topic_id, data, filename, post.html)
            except MediaUnavailable as exc:
                log.warning("chat %s: image not fetched (%s), posting its link", chat.chat_id, exc)
            except PostRejected as exc:
                log.warning("chat %s: photo refused (%s), posting its link", chat.chat_id, exc)
            return await self._send_text(chat, post.fallback_html or post.html, post.message_ids)
        return await self._send_text(chat, post.html, post.message_ids)

    async def _send_text(self, chat: ChatRow, html: str, message_ids: Sequence[int]) -> int:
        assert chat.topic_id is not None
        try:
            return await self._telegram.post_text(chat.topic_id, html)
        except PostRejected as exc:
            log.warning("chat %s: post refused (%s), posting a notice", chat.chat_id, exc)
        rows = [m for m in await self._messages.pending(chat.chat_id) if m.id in message_ids]
        return await self._telegram.post_text(chat.topic_id, self._renderer.unshowable(chat, rows))
