"""Showing a chat's order card: edited into the topic's first post (into its caption or its text,
whichever the message has), and pinned. What Telegram refuses is never taken for shown: a post
that may not be edited gives way to a post of the card's own, which becomes the card's post; a
topic that is gone (or a post of its own refused too) leaves the card without a post until the
chat's next opening is posted or staff ask for it (`/card` posts it anew); and what happened is
said (`Shown`), for `/card` to tell staff.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from bot.core.cards.card import Card
from bot.core.cards.opening import OpeningRenderer, with_card
from bot.core.faults import PostRejected, TelegramUnavailable, TopicGone
from bot.core.logfields import event
from bot.core.ports import ChatFacts
from bot.core.records import CardRow, ChatRow

log = logging.getLogger(__name__)


class CardPosts(Protocol):
    """Where a card is shown: the topic's first post, edited, or a post of its own; pinned."""

    async def edit_post(self, message_id: int, html: str, *, caption: bool, spare: bool) -> None:
        """Change the text (or the caption) of a post the bridge made in a topic. `spare`: in a
        spare slot of the group's budget (work that can wait)."""
        ...

    async def post_text(self, topic_id: int, text: str, *, reply_to: int | None = None) -> int: ...

    async def pin(self, message_id: int, *, spare: bool) -> None:
        """Pin a post in its topic (quietly)."""
        ...


class ShownCards(Protocol):
    async def posted(
        self,
        chat_id: str,
        message_id: int,
        tail: str,
        *,
        caption: bool,
        shown: str | None,
        recreated: bool,
    ) -> None: ...

    async def shown(self, chat_id: str, shown: str) -> None: ...

    async def lost(self, chat_id: str, message_id: int) -> None:
        """The post no longer shows the card (its topic is gone, or Telegram refuses it)."""
        ...

    async def pinned(self, chat_id: str) -> None: ...


class Outcome(Enum):
    UPDATED = "updated"
    """The card's post now shows what Ozon said."""
    UNCHANGED = "unchanged"
    """It showed that already."""
    REPOSTED = "reposted"
    """Its post may not be edited: the card went into a post of its own (`reason`: why)."""
    REFUSED = "refused"
    """Telegram refused both the edit and a post of the card's own (`reason`: why)."""
    NO_POST = "no_post"
    """No post shows the chat's card: its topic's opening is not posted yet, or is gone."""


@dataclass(frozen=True, slots=True)
class Shown:
    outcome: Outcome
    reason: str | None = None
    """Telegram's words for what it refused."""


class CardShowing:
    def __init__(self, cards: ShownCards, telegram: CardPosts, renderer: OpeningRenderer) -> None:
        self._cards = cards
        self._telegram = telegram
        self._renderer = renderer
        self.pin_problem: str | None = None
        """Why cards cannot be pinned (the bot may not pin): nothing is pinned after it."""

    async def show(
        self, row: CardRow, chat: ChatRow, *, pin: bool, spare: bool, asked: bool = False
    ) -> Shown:
        """Show the card of `row` in `chat`'s topic, and pin its post. `asked`: by staff, who
        get the card in a post of its own when no post shows it."""
        if chat.topic_id is None or row.facts is None:
            return Shown(Outcome.NO_POST)
        message_id, shown = row.message_id, Shown(Outcome.UNCHANGED)
        if message_id is None:
            if not asked:
                return Shown(Outcome.NO_POST)
            message_id, shown = await self._post_anew(row, chat, None)
        elif row.shown != row.facts:
            message_id, shown = await self._edit_in(row, chat, message_id, spare=spare)
        moved = message_id != row.message_id
        wanted = pin and self.pin_problem is None and (moved or not row.pinned)
        if wanted and message_id is not None:
            await self._pin_post(row, chat, message_id, spare=spare)
        return shown

    def _text(self, row: CardRow, chat: ChatRow, *, alone: bool) -> str:
        """The post's text with the card: beside the buyer's words, or alone."""
        assert row.facts is not None
        tail, caption = ("", False) if alone else (row.tail or "", row.tail_is_caption)
        card = Card.from_json(row.facts)
        facts = ChatFacts.of(chat)
        return with_card(self._renderer, facts, card, tail, caption, recreated=row.recreated)

    async def _edit_in(
        self, row: CardRow, chat: ChatRow, message_id: int, *, spare: bool
    ) -> tuple[int | None, Shown]:
        """The card edited into its post; the post that shows it after (None: none does)."""
        assert row.facts is not None
        text = self._text(row, chat, alone=False)
        try:
            await self._telegram.edit_post(
                message_id, text, caption=row.tail_is_caption, spare=spare
            )
        except TopicGone as exc:
            await self._lost(row, chat, exc)
            return None, Shown(Outcome.NO_POST, str(exc))
        except PostRejected as exc:
            log.info(
                "chat %s: order card not edited in (%s), posting it on its own",
                row.chat_id,
                exc,
                extra=event("card_not_edited", chat_id=row.chat_id, topic_id=chat.topic_id),
            )
            return await self._post_anew(row, chat, str(exc))
        await self._cards.shown(row.chat_id, row.facts)
        return message_id, Shown(Outcome.UPDATED)

    async def _post_anew(
        self, row: CardRow, chat: ChatRow, why: str | None
    ) -> tuple[int | None, Shown]:
        """The card in a post of its own (the opening again, with the card), which becomes the
        card's post: its old one may not be edited (`why`), or there is none."""
        assert chat.topic_id is not None
        assert row.facts is not None
        try:
            message_id = await self._telegram.post_text(
                chat.topic_id, self._text(row, chat, alone=True)
            )
        except TopicGone as exc:
            await self._lost(row, chat, exc)
            return None, Shown(Outcome.NO_POST, str(exc))
        except PostRejected as exc:
            log.warning(
                "chat %s: order card not shown (%s)",
                row.chat_id,
                exc,
                extra=event("card_not_shown", chat_id=row.chat_id, topic_id=chat.topic_id),
            )
            # Tried again when staff ask (`/card`) or the topic's next opening is posted.
            await self._forget(row)
            return None, Shown(Outcome.REFUSED, str(exc))
        await self._cards.posted(
            row.chat_id, message_id, "", caption=False, shown=row.facts, recreated=row.recreated
        )
        return message_id, Shown(Outcome.REPOSTED, why)

    async def _lost(self, row: CardRow, chat: ChatRow, exc: TopicGone) -> None:
        log.info(
            "chat %s: order card not shown, the topic is gone (%s)",
            row.chat_id,
            exc,
            extra=event("card_topic_gone", chat_id=row.chat_id, topic_id=chat.topic_id),
        )
        await self._forget(row)

    async def _forget(self, row: CardRow) -> None:
        if row.message_id is not None:
            await self._cards.lost(row.chat_id, row.message_id)

    async def _pin_post(self, row: CardRow, chat: ChatRow, message_id: int, *, spare: bool) -> None:
        try:
            await self._telegram.pin(message_id, spare=spare)
        except (PostRejected, TopicGone) as exc:
            log.info(
                "chat %s: order card not pinned (%s)",
                row.chat_id,
                exc,
                extra=event("card_not_pinned", chat_id=row.chat_id, topic_id=chat.topic_id),
            )
        except TelegramUnavailable as exc:
            if exc.fault is None:
                raise
            self.pin_problem = exc.operator_hint or str(exc)
            log.warning("order cards are not pinned: %s", self.pin_problem)
            return
        await self._cards.pinned(row.chat_id)
