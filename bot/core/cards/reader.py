"""Order cards: read from Ozon when a chat's messages name an order or a product, and shown in the
topic's first post (edited in when they arrive after it, and pinned).

At most three Ozon calls make a card (the order's FBS postings, its FBO postings when there are
none, the product by SKU, which is kept an hour). Nothing here ever holds a buyer's message back:
the relay posts without the card when it is not read yet, and the card is edited in later, in a
spare slot of the group's budget once every buyer message is posted. A call Ozon refuses for the
key's role is an extra this key does not have (the card says so); one that fails for a reason that
may pass is tried again (CARD_RETRY_SECONDS, 1 minute, doubling up to an hour), six times at
most.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from bot.core.cards.card import Card, CardPosting, CardProduct, Extra
from bot.core.cards.opening import OpeningRenderer
from bot.core.faults import PostRejected, TelegramUnavailable, TopicGone
from bot.core.logfields import event
from bot.core.ozon_api import OzonOrders
from bot.core.ports import ChatFacts
from bot.core.records import CardRow
from bot.core.states import CardState
from bot.core.stores import CardStore, ChatStore
from bot.core.worker import Clock, Worker
from bot.ozon.errors import AuthProblem, OzonAuthError, OzonError, OzonForbidden
from bot.ozon.orders import Posting
from bot.ozon.products import Money, Product

log = logging.getLogger(__name__)
T = TypeVar("T")

ORDER_AGE = timedelta(days=180)
"""How far back an order's postings are looked for (Ozon allows a year at most)."""
PRODUCT_TTL = 3600.0
RETRY_CAP = timedelta(hours=1)
IDLE = 30.0
"""Seconds between looks when nothing is due (the recorder and the relay wake it sooner)."""
MAX_ATTEMPTS = 6


class CardDisplay(Protocol):
    """Where a card is shown: the topic's first post, edited, and pinned."""

    async def edit_post(self, message_id: int, html: str, *, caption: bool, spare: bool) -> None:
        """Change the text (or the caption) of a post the bridge made in a topic. `spare`: in a
        spare slot of the group's budget (work that can wait)."""
        ...

    async def pin(self, message_id: int, *, spare: bool) -> None:
        """Pin a post in its topic (quietly)."""
        ...


class _Refused(Exception):
    """The key may not call this method: an extra it does not have."""


class _Asked:
    """What one card read learned of its extras: refused for the key's role, or not available
    now (tried again later)."""

    def __init__(self, chat_id: str) -> None:
        self._chat_id = chat_id
        self.refused: list[str] = []
        self.unavailable: list[str] = []

    async def ask(self, extra: str, about: str, call: Awaitable[T]) -> T | None:
        try:
            return await call
        except _Refused:
            self.refused.append(extra)
        except OzonError as exc:
            fields = event("card_not_read", chat_id=self._chat_id, part=extra)
            log.info(
                "chat %s: %s of %s not read: %s", self._chat_id, extra, about, exc, extra=fields
            )
            self.unavailable.append(extra)
        return None


async def _guarded(call: Awaitable[T]) -> T:
    """The call's answer; a refusal for the key's role (or its subscription) is `_Refused`."""
    try:
        return await call
    except OzonAuthError as exc:
        if exc.kind is not AuthProblem.MISSING_ROLE:
            raise
        raise _Refused from exc
    except OzonForbidden as exc:
        raise _Refused from exc


def _ids(value: str | None) -> str | None:
    """Ozon's context holds "0" or "" when a chat is not about an order or a product."""
    return value if value and value.strip("0 ") else None


def _price(money: Money | None) -> tuple[str | None, str | None]:
    return (None, None) if money is None else (str(money.amount), money.currency)


def card_posting(posting: Posting) -> CardPosting:
    products = []
    for item in posting.products:
        price, currency = _price(item.price)
        products.append(
            CardProduct(
                name=item.name or "",
                offer_id=item.offer_id,
                sku=item.sku,
                quantity=item.quantity,
                price=price,
                currency=currency,
            )
        )
    return CardPosting(
        number=posting.posting_number,
        status=posting.status or "",
        scheme=str(posting.scheme),
        products=tuple(products),
        substatus=posting.substatus,
        shipment_date=posting.shipment_date,
        delivering_date=posting.delivering_date,
        delivery_from=posting.client_delivery_date_begin or posting.delivery_date_begin,
        delivery_to=posting.client_delivery_date_end or posting.delivery_date_end,
        tracking_number=posting.tracking_number,
        delivery_method=posting.delivery_method_name,
    )


def card_product(product: Product) -> CardProduct:
    price, currency = _price(product.price)
    return CardProduct(
        name=product.name or "",
        offer_id=product.offer_id,
        sku=product.sku,
        price=price,
        currency=currency,
    )


class CardReader(Worker):
    name = "cards"

    def __init__(
        self,
        cards: CardStore,
        chats: ChatStore,
        ozon: OzonOrders,
        telegram: CardDisplay,
        renderer: OpeningRenderer,
        *,
        pin: bool,
        retry: timedelta = timedelta(minutes=1),
        posts_done: Callable[[], bool] = lambda: True,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._cards = cards
        self._chats = chats
        self._ozon = ozon
        self._telegram = telegram
        self._renderer = renderer
        self._pin = pin
        self._retry = retry
        self._posts_done = posts_done
        self._now = now
        self._products: dict[str, tuple[float, CardProduct | None]] = {}
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
        asked = _Asked(row.chat_id)
        postings: list[CardPosting] = []
        product: CardProduct | None = None
        order, sku = _ids(row.order_number), _ids(row.sku)
        if order is not None:
            now = self._now()
            reading = self._ozon.postings_of_order(order, since=now - ORDER_AGE, until=now)
            found = await asked.ask(Extra.POSTINGS, order, _guarded(reading))
            postings = [card_posting(p) for p in found or ()]
        if sku is not None:
            product = await asked.ask(Extra.PRODUCTS, sku, self._product(sku))
        refused, unavailable = asked.refused, asked.unavailable
        card = Card(order, sku, tuple(postings), product, tuple(refused), tuple(unavailable))
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

    async def _product(self, sku: str) -> CardProduct | None:
        kept = self._products.get(sku)
        if kept is not None and time.monotonic() - kept[0] < PRODUCT_TTL:
            return kept[1]
        found = await _guarded(self._ozon.products_by_sku([sku]))
        product = next((card_product(p) for p in found if p.name), None)
        self._products[sku] = (time.monotonic(), product)
        return product

    async def show(self, row: CardRow, *, now: bool = False) -> None:
        """Edit the card into the topic's first post, and pin it. `now`: asked for by staff
        (`/card`): a normal slot of the budget, not a spare one."""
        chat = await self._chats.get(row.chat_id)
        if chat is None or chat.topic_id is None or row.message_id is None or row.facts is None:
            return
        facts = row.facts
        if row.shown != facts:
            text = self._fitting(row, ChatFacts.of(chat), Card.from_json(facts))
            try:
                await self._telegram.edit_post(
                    row.message_id, text, caption=row.tail_is_caption, spare=not now
                )
            except (PostRejected, TopicGone) as exc:
                log.info(
                    "chat %s: order card not edited in (%s)",
                    row.chat_id,
                    exc,
                    extra=event("card_not_edited", chat_id=row.chat_id, topic_id=chat.topic_id),
                )
            await self._cards.shown(row.chat_id, facts)
        if self._pin and not row.pinned and self.pin_problem is None:
            try:
                await self._telegram.pin(row.message_id, spare=not now)
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

    def _fitting(self, row: CardRow, chat: ChatFacts, card: Card) -> str:
        """The first post with the card, as much of it as fits beside the buyer's words: the
        whole card, or its postings without their products, or none (never "on its way")."""
        lean = replace(
            card, postings=tuple(replace(p, products=()) for p in card.postings), product=None
        )
        for shown in (card, lean, None):
            header = self._renderer.header(chat, recreated=False, card=shown)
            text = self._renderer.with_header(header, row.tail or "")
            if self._renderer.fits(text, caption=row.tail_is_caption):
                if shown is not card:
                    log.info(
                        "chat %s: the order card shortened to fit its post",
                        row.chat_id,
                        extra=event("card_shortened", chat_id=row.chat_id),
                    )
                return text
        return text  # the header alone fitted when the post was made

    async def refresh(self, topic_id: int) -> Card | None:
        """`/card`: read the topic's card again now and edit it in (None: no card here)."""
        chat = await self._chats.get_by_topic(topic_id)
        if chat is None:
            return None
        row = await self._cards.get(chat.chat_id)
        if row is None or not (_ids(row.order_number) or _ids(row.sku)):
            return None
        self._products.pop(_ids(row.sku) or "", None)
        card = await self.read(row)
        fresh = await self._cards.get(chat.chat_id)
        if fresh is not None:
            await self.show(fresh, now=True)
        return card
