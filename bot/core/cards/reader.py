"""Order cards in the topics: read from Ozon when a chat's messages name an order or a product,
and shown in the topic's first post (edited in when they arrive after it, and pinned).

Nothing here ever holds a buyer's message back: the relay posts without the card when it is not
read yet, and the card is edited in later, in a spare slot of the group's budget once every buyer
message is posted. A card Ozon did not fully answer for is read again (CARD_RETRY_SECONDS,
doubling up to an hour), six times at most; meanwhile it shows what the last read found of what
Ozon did not answer for, and the reply window stays as that read made it. `/card` reads a
topic's card again at once and says what came of it (`Refreshed`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.cards.card import Card
from bot.core.cards.opening import OpeningRenderer
from bot.core.cards.reading import CardReading, ozon_id
from bot.core.cards.showing import CardPosts, CardShowing, Outcome, Shown, ShownCards
from bot.core.locks import KeyedLocks
from bot.core.records import CardRow, ChatRow
from bot.core.states import CardState
from bot.core.worker import Clock, Worker

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


class CardsToShow(ShownCards, Protocol):
    async def get(self, chat_id: str) -> CardRow | None: ...

    async def to_show(self, *, pin: bool, limit: int = 10) -> list[CardRow]:
        """Cards whose post does not show their facts yet (or, with `pin`, is not pinned)."""
        ...


class Cards(CardsToRead, CardsToShow, Protocol):
    """The order cards' table."""


class CardChats(Protocol):
    async def get(self, chat_id: str) -> ChatRow | None: ...

    async def get_by_topic(self, topic_id: int) -> ChatRow | None: ...


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What `/card` did: the card Ozon's answers make (`card.kept`, `card.unavailable`: what
    Ozon did not answer for this time), and how it is shown."""

    card: Card
    shown: Shown


class CardReader(Worker):
    name = "cards"

    def __init__(
        self,
        cards: Cards,
        chats: CardChats,
        reading: CardReading,
        telegram: CardPosts,
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
        self._showing = CardShowing(cards, telegram, renderer)
        self._showing_chat = KeyedLocks()
        self._pin = pin
        self._retry = retry
        self._posts_done = posts_done
        self._retry_at = float("inf")
        """When the first card Ozon did not answer for is due again (monotonic)."""

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
            await self.show(row.chat_id)
        if due or behind:
            return 0
        retry_in, self._retry_at = self._retry_at - self._clock.monotonic(), float("inf")
        return min(IDLE, max(retry_in, 0.0))

    async def read(self, row: CardRow) -> Card:
        """Ask Ozon about the card's order and product, and store what it said (what it did
        not answer for this time stays as the card's last read found it)."""
        previous = None if row.facts is None else Card.from_json(row.facts)
        read = await self._reading.read(row.chat_id, row.order_number, row.sku)
        card = read.keeping(previous)
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

    async def show(self, chat_id: str, *, now: bool = False) -> Shown:
        """Edit the chat's card into its topic's first post, and pin it. `now`: asked for by
        staff (`/card`): a normal slot of the budget, not a spare one, and a post of its own
        when no post shows the card. One chat's card is shown by one caller at a time, from
        the row as it stands then (a card posted anew is not posted twice)."""
        async with self._showing_chat.hold(chat_id):
            row = await self._cards.get(chat_id)
            chat = await self._chats.get(chat_id)
            if row is None or chat is None:
                return Shown(Outcome.NO_POST)
            return await self._showing.show(row, chat, pin=self._pin, spare=not now, asked=now)

    @property
    def pin_problem(self) -> str | None:
        """Why order cards are not pinned (None: they are, or pinning is off)."""
        return self._showing.pin_problem

    async def refresh(self, topic_id: int) -> Refreshed | None:
        """`/card`: read the topic's card again now and show it (None: no card here)."""
        chat = await self._chats.get_by_topic(topic_id)
        if chat is None:
            return None
        row = await self._cards.get(chat.chat_id)
        if row is None or not (ozon_id(row.order_number) or ozon_id(row.sku)):
            return None
        self._reading.forget_product(row.sku)
        card = await self.read(row)
        return Refreshed(card, await self.show(chat.chat_id, now=True))
