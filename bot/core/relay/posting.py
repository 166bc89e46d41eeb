"""Putting one post into a chat's topic: the topic's opening message in front when the topic is
new, pictures fetched and shown, a deleted topic recreated and a closed one reopened (once each),
and what Telegram now shows written down right after it shows it.

Telegram takes no idempotency key: before each post the rows it carries are marked as started,
so that a post no answer settles (a crash, a lost answer) is posted again saying it may already
be shown above.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from typing import Protocol

from bot.core.cards.card import Card
from bot.core.cards.opening import OpeningRenderer
from bot.core.faults import (
    PostRejected,
    StorageError,
    TelegramFault,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
)
from bot.core.logfields import event
from bot.core.ports import ChatFacts, MediaFetcher, Post, PostRenderer, ShownMessage
from bot.core.records import ChatRow
from bot.core.relay.forum import Forum
from bot.core.relay.topics import Topics
from bot.core.stores import CardStore, ChatStore, MessageStore, Transactions
from bot.ozon.errors import MediaUnavailable

log = logging.getLogger(__name__)


CARD_ROOM = 600
"""Characters a topic's first post leaves free for the order card an edit will add."""


class PostingRenderer(PostRenderer, OpeningRenderer, Protocol):
    """Posts, and a topic's opening in front of its first post."""


class ChatProblem(Exception):
    """Something wrong with one chat's topic that retrying at once will not fix."""


class TopicPoster:
    def __init__(
        self,
        db: Transactions,
        chats: ChatStore,
        messages: MessageStore,
        topics: Topics,
        telegram: Forum,
        renderer: PostingRenderer,
        media: MediaFetcher,
        cards: CardStore | None = None,
        on_opened: Callable[[], None] = lambda: None,
    ) -> None:
        self._db = db
        self._chats = chats
        self._messages = messages
        self._topics = topics
        self._telegram = telegram
        self._renderer = renderer
        self._media = media
        self._cards = cards
        self._on_opened = on_opened
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
                    await self._telegram.reopen_topic(topic_id)
                    await self._chats.topic_reopened(chat.chat_id)
                await self._post(chat, post, recreated=recreated, unsure=unsure)
            except TopicGone:
                if recreated:
                    raise ChatProblem("a freshly created topic is reported gone") from None
                chat = await self._topics.replace(chat, topic_id)
                recreated = True
                continue
            except TopicClosed:
                if reopened:
                    raise ChatProblem("a reopened topic is still reported closed") from None
                log.info(
                    "chat %s: topic %s is closed, reopening",
                    chat.chat_id,
                    topic_id,
                    extra=event("topic_reopened", chat_id=chat.chat_id, topic_id=topic_id),
                )
                reopened = reopen_now = True
                continue
            return replace(chat, topic_fresh=False)

    async def _post(
        self, chat: ChatRow, post: Post, *, recreated: bool, unsure: frozenset[int]
    ) -> None:
        """Send one post, with the topic's opening message in front when the topic is new."""
        assert chat.topic_id is not None
        facts = ChatFacts.of(chat)
        opens_topic = chat.topic_fresh
        shown: str | None = None
        unmerged = post
        if opens_topic:
            stored = None if self._cards is None else await self._cards.get(chat.chat_id)
            shown = None if stored is None else stored.facts
            card = None if shown is None else Card.from_json(shown)
            # A card Ozon has not been asked for yet comes by an edit: leave room for it.
            loading = (
                self._cards is not None and card is None and bool(chat.order_number or chat.sku)
            )
            header = self._renderer.header(
                facts, recreated=recreated, card=card, card_loading=loading
            )
            merged = self._renderer.merge_header(header, post, room=CARD_ROOM if loading else 0)
            if merged is None:
                first = await self._telegram.post_text(chat.topic_id, header)
                await self._record(lambda: self._chats.mark_topic_opened(chat.chat_id))
                await self._record(lambda: self._card_posted(chat, first, "", False, shown))
                opens_topic = False
            else:
                post = merged
        ids = list(post.message_ids)
        if ids:
            # Should this post go unsettled (a crash, a lost answer), its next attempt says that
            # it may be shown already.
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
            await self._record(lambda: self._posted(chat.chat_id, ids, tg_message_id, opens_topic))
        if opens_topic:
            # The first message shows the header with the caption of the pictures when it fit
            # there, otherwise with the text (sent before the pictures).
            caption = post.kind == "photo" and post.caption is not None
            tail = (unmerged.caption or "") if caption else unmerged.text
            await self._record(lambda: self._card_posted(chat, tg_message_id, tail, caption, shown))
        log.info(
            "chat %s: posted %d message(s) to topic %s as %s",
            chat.chat_id,
            len(post.message_ids),
            chat.topic_id,
            tg_message_id,
            extra=event(
                "posted",
                chat_id=chat.chat_id,
                topic_id=chat.topic_id,
                tg_message_id=tg_message_id,
                count=len(post.message_ids),
            ),
        )

    async def _posted(
        self, chat_id: str, ids: Sequence[int], tg_message_id: int, opened_topic: bool
    ) -> None:
        async with self._db.transaction() as tx:
            await self._messages.mark_posted(ids, tg_message_id, tx)
            if opened_topic:
                await self._chats.mark_topic_opened(chat_id, tx)

    async def _card_posted(
        self, chat: ChatRow, message_id: int, tail: str, caption: bool, shown: str | None
    ) -> None:
        """Remember the topic's first post: an order card read later is edited into it."""
        if self._cards is not None:
            await self._cards.posted(chat.chat_id, message_id, tail, caption=caption, shown=shown)
            self._on_opened()

    async def _record(self, write: Callable[[], Awaitable[None]]) -> None:
        """Write down what Telegram now shows; if the database refuses, keep it for later."""
        try:
            await write()
        except StorageError:
            self._unwritten.append(write)
            raise

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
                log.warning(
                    "chat %s: pictures refused (%s), posting links",
                    chat.chat_id,
                    exc,
                    extra=event("pictures_refused", chat_id=chat.chat_id, topic_id=chat.topic_id),
                )
                return await self._send_text(chat, post)
        first = await self._send_text(chat, post)
        if pictures:
            try:
                await self._post_pictures(chat.topic_id, pictures, post.short_caption)
            except PostRejected as exc:
                log.warning(
                    "chat %s: pictures refused (%s), links shown",
                    chat.chat_id,
                    exc,
                    extra=event("pictures_refused", chat_id=chat.chat_id, topic_id=chat.topic_id),
                )
        return first

    async def _fetch(self, chat: ChatRow, urls: Sequence[str]) -> list[tuple[bytes, str]]:
        pictures = []
        for url in urls:
            try:
                pictures.append(await self._media.fetch(url))
            except MediaUnavailable as exc:
                log.info(
                    "chat %s: no picture at a link (%s), it stays a link",
                    chat.chat_id,
                    exc,
                    extra=event(
                        "picture_unavailable", chat_id=chat.chat_id, topic_id=chat.topic_id
                    ),
                )
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
            return await self._telegram.post_text(chat.topic_id, post.text, reply_to=post.reply_to)
        except PostRejected as exc:
            log.warning(
                "chat %s: post refused (%s), posting a notice",
                chat.chat_id,
                exc,
                extra=event("post_refused", chat_id=chat.chat_id, topic_id=chat.topic_id),
            )
        pending = await self._messages.pending(chat.chat_id)
        rows = [ShownMessage.of(m) for m in pending if m.id in post.message_ids]
        notice = self._renderer.unshowable(ChatFacts.of(chat), rows)
        return await self._telegram.post_text(chat.topic_id, notice)
