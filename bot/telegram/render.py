"""How Ozon messages look in a topic: who wrote, when, and the text as safe Telegram HTML.

Implements `bot.core.ports.PostRenderer`. Consecutive text messages of a chat are merged into one
Telegram message while they fit (the group's budget is about 20 messages a minute); pictures go as
photos with the author line as caption.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import texts
from bot.core.ports import Post
from bot.telegram.markdown import escape, find_urls, markdown_to_html, split_html, visible_length
from storage.chats import ChatRow
from storage.messages import MessageRow

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
TOPIC_NAME_LIMIT = 128
_SEPARATOR = "\n\n"


class Renderer:
    def __init__(self, tz: ZoneInfo, chat_url_template: str) -> None:
        self._tz = tz
        self._chat_url_template = chat_url_template

    def chat_url(self, chat_id: str) -> str:
        return self._chat_url_template.format(chat_id=chat_id)

    def topic_name(self, chat: ChatRow) -> str:
        if chat.order_number and chat.sku:
            name = texts.TOPIC_NAME_ORDER_SKU.format(order_number=chat.order_number, sku=chat.sku)
        elif chat.order_number:
            name = texts.TOPIC_NAME_ORDER.format(order_number=chat.order_number)
        elif chat.sku:
            name = texts.TOPIC_NAME_SKU.format(sku=chat.sku)
        else:
            name = texts.TOPIC_NAME_CHAT.format(short_id=chat.chat_id[:8])
        return name[:TOPIC_NAME_LIMIT]

    def header(self, chat: ChatRow, *, recreated: bool) -> str:
        lines = [texts.TOPIC_HEADER_TITLE]
        if recreated:
            lines.append(texts.TOPIC_RECREATED)
        if chat.order_number:
            lines.append(texts.TOPIC_HEADER_ORDER.format(order_number=escape(chat.order_number)))
        if chat.sku:
            lines.append(texts.TOPIC_HEADER_SKU.format(sku=escape(chat.sku)))
        lines.append(texts.TOPIC_HEADER_CHAT.format(chat_id=escape(chat.chat_id)))
        if chat.created_at:
            lines.append(texts.TOPIC_HEADER_CREATED.format(created=self._time(chat.created_at)))
        lines.append(texts.TOPIC_HEADER_LINK.format(url=escape(self.chat_url(chat.chat_id), True)))
        return "\n".join(lines)

    def merge_header(self, header: str, post: Post) -> Post | None:
        merged = header + _SEPARATOR + post.html if post.html else header
        limit = CAPTION_LIMIT if post.kind == "photo" else TEXT_LIMIT
        if visible_length(merged) > limit:
            return None
        fallback = post.fallback_html and header + _SEPARATOR + post.fallback_html
        if fallback and visible_length(fallback) > TEXT_LIMIT:
            return None
        return replace(post, html=merged, fallback_html=fallback)

    def posts(self, chat: ChatRow, messages: Sequence[MessageRow]) -> list[Post]:
        posts: list[Post] = []
        text: list[str] = []
        ids: list[int] = []

        def flush() -> None:
            if text:
                posts.append(Post("text", _SEPARATOR.join(text), tuple(ids)))
                text.clear()
                ids.clear()

        for message in messages:
            url = self._image_url(message)
            if url is not None:
                flush()
                posts.append(self._photo(message, url))
                continue
            block = self._block(message)
            if text and visible_length(_SEPARATOR.join([*text, block])) > TEXT_LIMIT:
                flush()
            text.append(block)
            ids.append(message.id)
        flush()
        return posts

    def unshowable(self, chat: ChatRow, messages: Sequence[MessageRow]) -> str:
        link = texts.TOPIC_HEADER_LINK.format(url=escape(self.chat_url(chat.chat_id), True))
        lines = [self._signature(m) for m in messages]
        return "\n".join([*lines, texts.MESSAGE_UNSHOWABLE, link])

    def _image_url(self, message: MessageRow) -> str | None:
        if not message.is_image:
            return None
        urls = find_urls(message.body)
        return urls[0] if urls else None

    def _photo(self, message: MessageRow, url: str) -> Post:
        caption = self._signature(message)
        link = f'<a href="{escape(url, True)}">{escape(url)}</a>'
        fallback = caption + "\n" + texts.IMAGE_LINK.format(link=link)
        return Post("photo", caption, (message.id,), image_url=url, fallback_html=fallback)

    def _block(self, message: MessageRow) -> str:
        body = markdown_to_html(message.body) if message.body.strip() else texts.EMPTY_MESSAGE
        block = self._signature(message) + "\n" + body
        if visible_length(block) <= TEXT_LIMIT:
            return block
        # Longer than one Telegram message (Ozon's own limit makes this rare): show the start.
        tail = "\n" + escape(texts.MESSAGE_TOO_LONG_TAIL)
        return split_html(block, TEXT_LIMIT - visible_length(tail))[0] + tail

    def _signature(self, message: MessageRow) -> str:
        label = texts.AUTHOR_LABELS.get(message.author, texts.AUTHOR_LABELS["UNKNOWN"])
        signature = f"<b>{escape(label)}</b> · <i>{self._time(message.created_at)}</i>"
        if message.maybe_shown:
            signature += f"\n<i>{escape(texts.MAYBE_SHOWN_ALREADY)}</i>"
        return signature

    def _time(self, moment: datetime) -> str:
        return moment.astimezone(self._tz).strftime(texts.DATETIME_FORMAT)
