"""A buyer topic's opening post: the chat's facts with its order card, put in front of the topic's
first post, and remembered as the post a card read later is edited into.

The relay asks for the opening when it posts into a fresh topic (`Opening.compose`) and says where
it went and what that message shows (`Opening.posted`: a picture post may have gone as its text);
it never looks at the card itself. A card Ozon has not been asked for yet is "on its way": the
opening leaves room for it, and the card reader edits it in later, into the caption or the text
the message really has, with the opening's lines as they were (a recreated topic says so).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Protocol

from bot.core.cards.card import Card
from bot.core.logfields import event
from bot.core.ports import ChatFacts, Post, Sent, Shows
from bot.core.records import CardRow, ChatRow

log = logging.getLogger(__name__)

CARD_ROOM = 600
"""Characters a topic's first post leaves free for the order card an edit will add."""


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


class OpeningCards(Protocol):
    async def get(self, chat_id: str) -> CardRow | None: ...

    async def posted(
        self,
        chat_id: str,
        message_id: int,
        tail: str,
        *,
        caption: bool,
        shown: str | None,
        recreated: bool,
    ) -> None:
        """The post showing the chat's card (`tail`: the buyer's words after the opening, in
        the caption when `caption`; `shown`: the card's facts it shows; `recreated`: its
        opening says that the chat's earlier topic was deleted)."""
        ...


@dataclass(frozen=True, slots=True)
class FirstPost:
    """A topic's first post: the opening in front of a buyer post, or on its own before it."""

    header: str
    """The opening (the chat's facts and its card)."""
    post: Post
    """The buyer post with the opening in front; the buyer post itself when they do not fit in
    one message (then the opening goes alone, first)."""
    merged: bool
    tail: str
    """The buyer's words after the opening in the merged post's text (what an edit keeps)."""
    caption_tail: str | None
    """The same after the opening in the pictures' caption (None: the opening is not there)."""
    shown: str | None
    """The card's facts the opening shows (None: no card yet)."""
    recreated: bool
    """The opening says that the chat's earlier topic was deleted."""


class Opening:
    def __init__(
        self,
        cards: OpeningCards,
        renderer: OpeningRenderer,
        *,
        on_posted: Callable[[], None] = lambda: None,
    ) -> None:
        self._cards = cards
        self._renderer = renderer
        self._on_posted = on_posted

    async def compose(self, chat: ChatRow, post: Post, *, recreated: bool) -> FirstPost:
        """The opening for `chat`'s fresh topic, merged into its first buyer post if they fit."""
        stored = await self._cards.get(chat.chat_id)
        shown = None if stored is None else stored.facts
        card = None if shown is None else Card.from_json(shown)
        # A card Ozon has not been asked for yet comes by an edit: leave room for it.
        loading = card is None and bool(chat.order_number or chat.sku)
        header = self._renderer.header(
            ChatFacts.of(chat), recreated=recreated, card=card, card_loading=loading
        )
        merged = self._renderer.merge_header(header, post, room=CARD_ROOM if loading else 0)
        if merged is None:
            return FirstPost(
                header,
                post,
                merged=False,
                tail="",
                caption_tail=None,
                shown=shown,
                recreated=recreated,
            )
        # The header is in the text, and in the pictures' caption when it fit there (which of
        # them Telegram shows, the sender says).
        in_caption = merged.kind == "photo" and merged.caption is not None
        caption_tail = (post.caption or "") if in_caption else None
        return FirstPost(
            header,
            merged,
            merged=True,
            tail=post.text,
            caption_tail=caption_tail,
            shown=shown,
            recreated=recreated,
        )

    async def posted(self, chat_id: str, first: FirstPost, sent: Sent) -> None:
        """The merged post is shown as `sent`: a card read later is edited into its caption or
        its text, whichever the message has. (A notice standing in for the post carries no
        opening: the relay posts it alone, `posted_alone`.)"""
        caption = sent.shows is Shows.CAPTION and first.caption_tail is not None
        tail = first.caption_tail if caption else first.tail
        await self._remember(chat_id, sent.message_id, tail or "", first, caption=caption)

    async def posted_alone(self, chat_id: str, message_id: int, first: FirstPost) -> None:
        """The opening is shown in a post of its own: a card read later is edited into it."""
        await self._remember(chat_id, message_id, "", first, caption=False)

    async def _remember(
        self, chat_id: str, message_id: int, tail: str, first: FirstPost, *, caption: bool
    ) -> None:
        await self._cards.posted(
            chat_id,
            message_id,
            tail,
            caption=caption,
            shown=first.shown,
            recreated=first.recreated,
        )
        self._on_posted()


def with_card(
    renderer: OpeningRenderer,
    chat: ChatFacts,
    card: Card,
    tail: str,
    caption: bool,
    *,
    recreated: bool,
) -> str:
    """A first post's text again with its card, as much of the card as fits beside the buyer's
    words (`tail`; in a picture's caption when `caption`): the whole card, or its postings
    without their products, or none (never "on its way"). `recreated`: the opening says that
    the chat's earlier topic was deleted, as it did when posted."""
    lean = replace(
        card, postings=tuple(replace(p, products=()) for p in card.postings), product=None
    )
    for shown in (card, lean, None):
        header = renderer.header(chat, recreated=recreated, card=shown)
        text = renderer.with_header(header, tail)
        if renderer.fits(text, caption=caption):
            if shown is not card:
                log.info(
                    "chat %s: the order card shortened to fit its post",
                    chat.chat_id,
                    extra=event("card_shortened", chat_id=chat.chat_id),
                )
            return text
    return text  # the header alone fitted when the post was made
