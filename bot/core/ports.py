"""The seams every room that shows buyers' words shares: how the Telegram side renders them
(`PostRenderer`, the values it is handed, the posts it hands back) and how pictures are fetched.

The core never imports aiogram: `bot.telegram` implements these and `bot.app` wires them in. What
is posted is rendered by the Telegram side and handed back to it through the core, which only
decides when, where and in what order. What each room needs from Telegram beyond rendering is a
small protocol beside that room's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Literal, Protocol

from bot.core.records import ChatRow, MessageRow


@dataclass(frozen=True, slots=True)
class ChatFacts:
    """What a topic says of its buyer chat: its name and its opening post."""

    chat_id: str
    order_number: str | None
    sku: str | None
    created_at: datetime | None

    @classmethod
    def of(cls, chat: ChatRow) -> ChatFacts:
        return cls(chat.chat_id, chat.order_number, chat.sku, chat.created_at)


@dataclass(frozen=True, slots=True)
class ShownMessage:
    """An Ozon message as a topic shows it."""

    id: int
    """Its row (`MessageRow.id`): posts say which rows they show."""
    author: str
    created_at: datetime
    body: str
    """Ozon's Markdown."""
    is_image: bool
    moderation: str | None
    edited: bool
    """The buyer changed it after it was shown: the post says so."""
    maybe_shown: bool
    """An earlier post of it went unconfirmed: the post says it may be shown already."""
    unreadable: bool
    """Ozon sent it in a shape the bridge cannot read: a notice to look in Ozon stands in."""
    edit_of: int | None = None

    @classmethod
    def of(cls, row: MessageRow) -> ShownMessage:
        return cls(
            id=row.id,
            author=row.author,
            created_at=row.created_at,
            body=row.body,
            is_image=row.is_image,
            moderation=row.moderation,
            edited=row.edited_at is not None,
            maybe_shown=row.maybe_shown,
            unreadable=row.unreadable,
            edit_of=row.edit_of,
        )


@dataclass(frozen=True, slots=True)
class Post:
    """One Telegram message carrying one or more Ozon messages of a chat, or one Ozon message
    with its pictures, as the Telegram side rendered it.

    For a text post, `text` is what is posted. For a picture post, `text` is the whole text with
    the pictures as links: it is posted when no picture can be shown, and before the pictures
    when the text does not fit in their caption. Either way every line and every picture reaches
    the topic.
    """

    kind: Literal["text", "photo"]
    text: str
    message_ids: Sequence[int] = field(default_factory=tuple)
    """Rows (`ShownMessage.id`) of the Ozon messages this post shows."""
    image_urls: Sequence[str] = field(default_factory=tuple)
    """For a picture post: where the pictures are, in order."""
    caption: str | None = None
    """For a picture post: the caption holding the whole text, or None when it does not fit."""
    short_caption: str = ""
    """For a picture post: the pictures' caption when the text went before them."""
    reply_to: int | None = None
    """The earlier post this one answers (the old text of a message the buyer edited)."""


class Shows(Enum):
    """What the first Telegram message of a sent post shows: a picture post falls back to its
    text when its pictures cannot be shown, and a refused text to a notice."""

    CAPTION = "caption"
    """The pictures, with the post's `caption` under the first."""
    TEXT = "text"
    """The post's `text` (before its pictures, if any could be shown)."""
    NOTICE = "notice"
    """A notice standing in for a text Telegram refused: none of the post's words."""


@dataclass(frozen=True, slots=True)
class Sent:
    """A post as Telegram took it: its first message, and what that message shows."""

    message_id: int
    shows: Shows


class PostRenderer(Protocol):
    """Turns a chat's waiting messages into posts (merging bursts where it can), and names its
    topic."""

    def topic_name(self, chat: ChatFacts) -> str: ...

    def posts(self, chat: ChatFacts, messages: Sequence[ShownMessage]) -> list[Post]: ...

    def unshowable(self, chat: ChatFacts, messages: Sequence[ShownMessage]) -> str:
        """A notice standing in for messages that cannot be shown: look in Ozon's cabinet."""
        ...


class MediaFetcher(Protocol):
    async def fetch(self, url: str) -> tuple[bytes, str]:
        """The file's bytes and a file name; raises `bot.ozon.errors.MediaUnavailable`."""
        ...
