"""How Ozon messages look in a topic: who wrote, when, and the text as safe Telegram HTML.

Implements `bot.core.ports.PostRenderer`. Consecutive text messages of a chat are merged into one
Telegram message while they fit (the group's budget is about 20 messages a minute). A message with
pictures goes as its photos (an album for several), its text as their caption when it fits and as
a message before them when it does not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.core.cards.card import Card
from bot.core.ports import ChatFacts, Post, ShownMessage
from bot.telegram.rendering.card import CardView
from bot.telegram.rendering.links import escape, find_image_urls, find_urls, only_links
from bot.telegram.rendering.markdown import markdown_to_html
from bot.telegram.rendering.measure import split_html, visible_length
from bot.telegram.texts.posts import (
    AUTHOR_LABELS,
    DATETIME_FORMAT,
    EMPTY_MESSAGE,
    IMAGE_LINK,
    MAYBE_SHOWN_ALREADY,
    MESSAGE_EDITED,
    MESSAGE_TOO_LONG_TAIL,
    MESSAGE_UNREADABLE,
    MESSAGE_UNSHOWABLE,
    PICTURE_REJECTED,
    PICTURE_UNDER_MODERATION,
    SANDBOX_NO_CABINET,
    SANDBOX_TOPIC_PREFIX,
    TOPIC_HEADER_CHAT,
    TOPIC_HEADER_CREATED,
    TOPIC_HEADER_LINK,
    TOPIC_HEADER_ORDER,
    TOPIC_HEADER_SKU,
    TOPIC_HEADER_TITLE,
    TOPIC_NAME_CHAT,
    TOPIC_NAME_ORDER,
    TOPIC_NAME_ORDER_SKU,
    TOPIC_NAME_SKU,
    TOPIC_RECREATED,
)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
TOPIC_NAME_LIMIT = 128
MODERATION_PENDING = "MODERATION"
MODERATION_FAILED = "FAILED"
"""Ozon's `moderate_image_status` of a picture it has not approved yet, or rejected."""
MAX_PICTURES = 10
"""Pictures of one message fetched and shown at most (one album)."""
_SEPARATOR = "\n\n"


class Renderer:
    def __init__(self, tz: ZoneInfo, chat_url_template: str, *, sandbox: bool = False) -> None:
        self._tz = tz
        self._cards = CardView(tz)
        self._chat_url_template = chat_url_template
        self._sandbox = sandbox
        """The sandbox: every topic says so, and no link leads to a seller cabinet."""

    def chat_url(self, chat_id: str) -> str:
        return self._chat_url_template.format(chat_id=chat_id)

    def topic_name(self, chat: ChatFacts) -> str:
        if chat.order_number and chat.sku:
            name = TOPIC_NAME_ORDER_SKU.format(order_number=chat.order_number, sku=chat.sku)
        elif chat.order_number:
            name = TOPIC_NAME_ORDER.format(order_number=chat.order_number)
        elif chat.sku:
            name = TOPIC_NAME_SKU.format(sku=chat.sku)
        else:
            name = TOPIC_NAME_CHAT.format(short_id=chat.chat_id[:8])
        if self._sandbox:
            name = SANDBOX_TOPIC_PREFIX + name
        return name[:TOPIC_NAME_LIMIT]

    def header(
        self,
        chat: ChatFacts,
        *,
        recreated: bool,
        card: Card | None = None,
        card_loading: bool = False,
    ) -> str:
        lines = [TOPIC_HEADER_TITLE]
        if recreated:
            lines.append(TOPIC_RECREATED)
        if chat.order_number:
            lines.append(TOPIC_HEADER_ORDER.format(order_number=escape(chat.order_number)))
        if chat.sku:
            lines.append(TOPIC_HEADER_SKU.format(sku=escape(chat.sku)))
        lines.append(TOPIC_HEADER_CHAT.format(chat_id=escape(chat.chat_id)))
        if chat.created_at:
            lines.append(TOPIC_HEADER_CREATED.format(created=self._time(chat.created_at)))
        lines.append(self._cabinet_link(chat))
        card_lines = self._cards.lines(card, loading=card_loading)
        if card_lines:
            lines += ["", *card_lines]
        return "\n".join(lines)

    def _cabinet_link(self, chat: ChatFacts) -> str:
        if self._sandbox:
            return SANDBOX_NO_CABINET
        return TOPIC_HEADER_LINK.format(url=escape(self.chat_url(chat.chat_id), True))

    def merge_header(self, header: str, post: Post, *, room: int = 0) -> Post | None:
        """The post with the header in front, or None when they do not fit in one message.
        `room`: characters to leave free for an order card the header will get by an edit."""
        merged = header + _SEPARATOR + post.text if post.text else header
        if visible_length(merged) + room > TEXT_LIMIT:
            return None
        if post.kind != "photo":
            return replace(post, text=merged)
        caption = post.caption and header + _SEPARATOR + post.caption
        if caption is not None and visible_length(caption) + room > CAPTION_LIMIT:
            caption = None  # the text (with the header) goes before the pictures
        return replace(post, text=merged, caption=caption)

    def with_header(self, header: str, tail: str) -> str:
        """A first post's text again, with a new header (an order card read since)."""
        return header + _SEPARATOR + tail if tail else header

    def fits(self, text: str, *, caption: bool) -> bool:
        return visible_length(text) <= (CAPTION_LIMIT if caption else TEXT_LIMIT)

    def posts(self, chat: ChatFacts, messages: Sequence[ShownMessage]) -> list[Post]:
        posts: list[Post] = []
        text: list[str] = []
        ids: list[int] = []

        def flush() -> None:
            if text:
                posts.append(Post("text", _SEPARATOR.join(text), tuple(ids)))
                text.clear()
                ids.clear()

        for message in messages:
            urls = self._picture_urls(message)
            if urls:
                flush()
                posts.append(replace(self._photo(message, urls), reply_to=message.edit_of))
                continue
            block = self._block(message)
            if message.edited:
                # An edit answers the post with the old text: a post of its own.
                flush()
                posts.append(Post("text", block, (message.id,), reply_to=message.edit_of))
                continue
            if text and visible_length(_SEPARATOR.join([*text, block])) > TEXT_LIMIT:
                flush()
            text.append(block)
            ids.append(message.id)
        flush()
        return posts

    def unshowable(self, chat: ChatFacts, messages: Sequence[ShownMessage]) -> str:
        link = self._cabinet_link(chat)
        lines = [self._signature(m) for m in messages]
        return "\n".join([*lines, MESSAGE_UNSHOWABLE, link])

    def _picture_urls(self, message: ShownMessage) -> list[str]:
        """Where a picture message's pictures are: its `![](url)` links, or, when it has none,
        its other links (Ozon marks the message as a picture; what is not one stays a link).
        None for a picture Ozon's moderation rejected."""
        if not message.is_image or message.moderation == MODERATION_FAILED or message.unreadable:
            return []
        return (find_image_urls(message.body) or find_urls(message.body))[:MAX_PICTURES]

    def _photo(self, message: ShownMessage, urls: list[str]) -> Post:
        signature = self._signature(message)
        # A message of nothing but links to its pictures (`[photo.jpg](url)`) has no text.
        bare = only_links(message.body)
        text = "" if bare else markdown_to_html(message.body, images=False).strip()
        caption = signature + "\n" + text if text else signature
        # The text, then a line for each picture that is not a link in the text already.
        shown_apart = urls if bare else find_image_urls(message.body)
        links = [
            IMAGE_LINK.format(link=f'<a href="{escape(url, True)}">{escape(url)}</a>')
            for url in shown_apart
        ]
        whole = self._fit("\n".join([caption, *links]))
        return Post(
            "photo",
            whole,
            (message.id,),
            image_urls=tuple(urls),
            caption=caption if visible_length(caption) <= CAPTION_LIMIT else None,
            short_caption=signature,
        )

    def _block(self, message: ShownMessage) -> str:
        if message.unreadable:
            return self._signature(message) + "\n" + escape(MESSAGE_UNREADABLE)
        rejected = message.is_image and message.moderation == MODERATION_FAILED
        body = markdown_to_html(message.body, images=not rejected).strip()
        if rejected:
            body = "\n".join(filter(None, [body, escape(PICTURE_REJECTED)]))
        return self._fit(self._signature(message) + "\n" + (body or EMPTY_MESSAGE))

    @staticmethod
    def _fit(block: str) -> str:
        """A block within one Telegram message; longer ones (Ozon's own limit makes this rare)
        show their start and say where the rest is."""
        if visible_length(block) <= TEXT_LIMIT:
            return block
        tail = "\n" + escape(MESSAGE_TOO_LONG_TAIL)
        return split_html(block, TEXT_LIMIT - visible_length(tail))[0] + tail

    def _signature(self, message: ShownMessage) -> str:
        label = AUTHOR_LABELS.get(message.author, AUTHOR_LABELS["UNKNOWN"])
        signature = f"<b>{escape(label)}</b> · <i>{self._time(message.created_at)}</i>"
        if message.edited:
            signature += f"\n<i>{escape(MESSAGE_EDITED)}</i>"
        if message.is_image and message.moderation == MODERATION_PENDING:
            signature += f"\n<i>{escape(PICTURE_UNDER_MODERATION)}</i>"
        if message.maybe_shown:
            signature += f"\n<i>{escape(MAYBE_SHOWN_ALREADY)}</i>"
        return signature

    def _time(self, moment: datetime) -> str:
        return moment.astimezone(self._tz).strftime(DATETIME_FORMAT)
