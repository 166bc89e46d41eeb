"""A buyer topic's opening post: the chat's facts with its order card, as the Telegram side renders
them. The relay puts it in front of the topic's first post; the card reader edits a card read
later into that same post."""

from __future__ import annotations

from typing import Protocol

from bot.core.cards.card import Card
from bot.core.ports import ChatFacts, Post


class OpeningRenderer(Protocol):
    def header(
        self,
        chat: ChatFacts,
        *,
        recreated: bool,
        card: Card | None = None,
        card_loading: bool = False,
    ) -> str:
        """A topic's opening: the chat's facts, and its order card (or that one is on its way)."""
        ...

    def merge_header(self, header: str, post: Post, *, room: int = 0) -> Post | None:
        """The post with the header in front, or None when they do not fit in one message
        (leaving `room` characters free for an order card to come)."""
        ...

    def with_header(self, header: str, tail: str) -> str:
        """A first post's text again, with a new header."""
        ...

    def fits(self, text: str, *, caption: bool) -> bool: ...
