"""What the relay needs from the forum group: topics made, closed and reopened, and posts put
into them. `bot.telegram.gateway.TelegramGateway` does it, inside the group's flood budget, and
raises the faults of `bot.core.faults` (a topic gone or closed, Telegram out of reach)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.states import DeskState


@dataclass(frozen=True, slots=True)
class NewTopic:
    topic_id: int
    name: str
    icon: DeskState | None
    """The state its icon shows (None: it was made without one)."""


class ForumTopics(Protocol):
    async def create_topic(self, name: str, state: DeskState | None = None) -> NewTopic:
        """A topic for a buyer chat, with the icon of its state where icons are known."""
        ...

    async def reopen_topic(self, topic_id: int) -> None: ...

    async def close_topic(self, topic_id: int) -> None: ...


class ForumPosts(Protocol):
    async def post_text(self, topic_id: int, text: str, *, reply_to: int | None = None) -> int: ...

    async def post_photo(
        self,
        topic_id: int,
        photo: bytes,
        filename: str,
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int: ...

    async def post_album(
        self,
        topic_id: int,
        photos: Sequence[tuple[bytes, str]],
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int:
        """Two to ten pictures as one album, the caption under the first; returns its id."""
        ...


class Forum(ForumTopics, ForumPosts, Protocol):
    """Both: what the relay's topics and posts need."""
