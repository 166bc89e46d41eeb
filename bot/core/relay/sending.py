"""How one post becomes Telegram messages in a topic: text as it is; a picture post as its photos
(an album for several) with the whole text as their caption when everything fits, otherwise the
text first (with a link to each picture) and then the pictures that could be fetched. What
Telegram refuses for its content falls back (pictures to their links, a text to a notice that
the message is in Ozon's cabinet), so that every post shows something. `Sender.send` says what
the first message it posted shows (`Sent`): a topic's opening went into the caption or the text,
and the order card is edited in there later.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from bot.core.faults import PostRejected
from bot.core.logfields import event
from bot.core.ports import ChatFacts, MediaFetcher, Post, PostRenderer, Sent, ShownMessage, Shows
from bot.core.records import ChatRow, MessageRow
from bot.core.relay.forum import ForumPosts
from bot.ozon.errors import MediaUnavailable

log = logging.getLogger(__name__)


class WaitingRows(Protocol):
    async def pending(self, chat_id: str, limit: int = 50) -> list[MessageRow]:
        """A chat's messages waiting to be shown, in Ozon's order."""
        ...


class Sender:
    def __init__(
        self,
        telegram: ForumPosts,
        renderer: PostRenderer,
        media: MediaFetcher,
        messages: WaitingRows,
    ) -> None:
        self._telegram = telegram
        self._renderer = renderer
        self._media = media
        self._messages = messages

    async def send(self, chat: ChatRow, post: Post) -> Sent:
        """The post's first Telegram message (of a picture post too), and what it shows."""
        if post.kind == "photo" and post.image_urls:
            return await self._send_pictures(chat, post)
        return await self._send_text(chat, post)

    async def _send_pictures(self, chat: ChatRow, post: Post) -> Sent:
        """A message's pictures, with its whole text as their caption when everything fits;
        otherwise the text (with a link to each picture) first, then the pictures that could be
        fetched. No picture at all: the text alone."""
        assert chat.topic_id is not None
        pictures = await self._fetch(chat, post.image_urls)
        if pictures and len(pictures) == len(post.image_urls) and post.caption is not None:
            try:
                message_id = await self._post_pictures(
                    chat.topic_id, pictures, post.caption, reply_to=post.reply_to
                )
                return Sent(message_id, Shows.CAPTION)
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

    async def _send_text(self, chat: ChatRow, post: Post) -> Sent:
        assert chat.topic_id is not None
        try:
            message_id = await self._telegram.post_text(
                chat.topic_id, post.text, reply_to=post.reply_to
            )
            return Sent(message_id, Shows.TEXT)
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
        return Sent(await self._telegram.post_text(chat.topic_id, notice), Shows.NOTICE)
