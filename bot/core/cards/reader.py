"""Order cards in the topics: read from Ozon when a chat's messages name an order or a product,
and shown in the topic's first post (edited in when they arrive after it, and pinned).

Nothing here ever holds a buyer's message back: the relay posts without the card when it is not
read yet, and the card is edited in later, in a spare slot of the group's budget once every buyer
message is posted. A card Ozon did not fully answer for is read again (CARD_RETRY_SECONDS,
doubling up to an hour), six times at most. `/card` reads a topic's card again at once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.cards.card import Card
from bot.core.cards.opening import OpeningRenderer, with_card
from bot.core.cards.reading import CardReading, ozon_id
from bot.core.faults import PostRejected, TelegramUnavailable, TopicGone
from bot.core.logfields import event
from bot.core.ports import ChatFacts
from bot.core.records import CardRow, ChatRow
from bot.core.states import CardState
from bot.core.worker import Clock, Worker

log = logging.getLogger(__name__)

RETRY_CAP = timedelta(hours=1)
IDLE = 30.0
"""Seconds between looks when nothing is due (the recorder and the relay wake it sooner)."""
MAX_ATTEMPTS = 6


class CardsToRead(Protocol):
    async def due(self, limit: int = 10) -> list[CardRow]:
        """Cards wanted or partly read, whose next read is due."""
        ...

    async def read(
        self,
        chat_id: str,
        facts: str,
        state: CardState,
        *,
        reply_until: datetime | None,
        retry_in: timedelta | None = None,
    ) -> None:
        """Store what Ozon said (`facts`, the card as JSON) and the window it extends."""
        ...


class CardsToShow(Protocol):
    async def get(self, chat_id: str) -> CardRow | None: ...

    async def to_show(self, *, pin: bool, limit: int = 10) -> list[CardRow]:
        """Cards whose post does not show their facts yet (or, with `pin`, is not pinned)."""
        ...

    async def shown(self, chat_id: str, shown: str) -> None: ...

    async def pinned(self, chat_id: str) -> None: ...


class Cards(CardsToRead, CardsToShow, Protocol):
    """The order cards' table."""


class CardChats(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def get_by_topic(self, topic_id: int) -> ChatRow | None: ...


class CardDisplay(Protocol):
    """Where a card is shown: the topic's first post, edited, and pinned."""

    async def edit_post(self, message_id: int, html: str, *, caption: bool, spare: bool) -> None:
        """Change the text (or the caption) of a post the bridge made in a topic. `spare`: in a
        spare slot of the group's budget (work that can wait)."""
        ...

    async def pin(self, message_id: int, *, spare: bool) -> None:
        """Pin a post in its topic (quietly)."""
        ...


class CardReader(Worker):
    name = "cards"

    def __init__(
        self,
        cards: Cards,
        chats: CardChats,
        reading: CardReading,
        telegram: CardDisplay,
        renderer: OpeningRenderer,
        *,
        pin: bool,
        retry: timedelta = timedelta(minutes=1),
        posts_done: Callable[[], bool] = lambda: True,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._cards = cards
        self._chats = chats
        self._reading = reading
        self._telegram = telegram
        self._renderer = renderer
        self._pin = pin
        self._retry = retry
        self._posts_done = posts_done
        self._retry_at = float("inf")
        """When the first card Ozon did not answer for is due again (monotonic)."""
        self.pin_problem: str | None = None

    async def step(self) -> float | None:
        due = await self._cards.due()
        for row in due:
            if self.stopping:
                return None
            await self.read(row)
        if not self._posts_done():
            return 0.5  # buyer posts first: cards are shown once they are out
        behind = await self._cards.to_show(pin=self._pin and self.pin_problem is None)
        for row in behind:
            if self.stopping or not self._posts_done():
                break
            await self.show(row)
        if due or behind:
            return 0
        retry_in, self._retry_at = self._retry_at - self._clock.monotonic(), float("inf")
        return min(IDLE, max(retry_in, 0.0))

    async def read(self, row: CardRow) -> Card:
        """Ask Ozon about the card's order and product, and store what it said."""
        card = await self._reading.read(row.chat_id, row.order_number, row.sku)
        final = card.complete or row.attempts + 1 >= MAX_ATTEMPTS
        retry = None if final else min(self._retry * 2**row.attempts, RETRY_CAP)
        if retry is not None:
            due_at = self._clock.monotonic() + retry.total_seconds()
            self._retry_at = min(self._retry_at, due_at)
        await self._cards.read(
            row.chat_id,
            card.to_json(),
            CardState.COMPLETE if final else CardState.PARTIAL,
            reply_until=card.reply_until,
            retry_in=retry,
        )
        return card

    async def show(self, row: CardRow, *, now: bool = False) -> None:
        """Edit the card into the topic's first post, and pin it. `now`: asked for by staff
        (`/card`): a normal slot of the budget, not a spare one."""
        chat = await self._chats.get(row.chat_id)
        if chat is None or chat.topic_id is None or row.message_id is None or row.facts is None:
            return
        if row.shown != row.facts:
            await self._edit_in(row, chat, row.message_id, row.facts, spare=not now)
        if self._pin and not row.pinned and self.pin_problem is None:
            await self._pin_post(row, chat, row.message_id, spare=not now)

    async def _edit_in(
        self, row: CardRow, chat: ChatRow, message_id: int, facts: str, *, spare: bool
    ) -> None:
        card = Card.from_json(facts)
        text = with_card(
            self._renderer, ChatFacts.of(chat), card, row.tail or "", row.tail_is_caption
        )
        try:
            await self._telegram.edit_post(
                message_id, text, caption=row.tail_is_caption, spare=spare
            )
        except (PostRejected, TopicGone) as exc:
            log.info(
                "chat %s: order card not edited in (%s)",
                row.chat_id,
                exc,
                extra=event("card_not_edited", chat_id=row.chat_id, topic_id=chat.topic_id),
            )
        await self._cards.shown(row.chat_id, facts)

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

    async def refresh(self, topic_id: int) -> Card | None:
        """`/card`: read the topic's card again now and edit it in (None: no card here)."""
        chat = await self._chats.get_by_topic(topic_id)
        if chat is None:
            return None
        row = await self._cards.get(chat.chat_id)
        if row is None or not (ozon_id(row.order_number) or ozon_id(row.sku)):
            return None
        self._reading.forget_product(row.sku)
        card = await self.read(row)
        fresh = await self._cards.get(chat.chat_id)
        if fresh is not None:
            await self.show(fresh, now=True)
        return card
