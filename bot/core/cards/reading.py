"""Reading an order card from Ozon: the order's postings (FBS, then FBO) and the product by SKU,
at most three calls, the product kept an hour. A call Ozon refuses for the key's role (or the
subscription) is an extra this key does not have (the card says so); one that fails for a reason
that may pass leaves the card incomplete, to be read again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeVar

from bot.core.cards.card import Card, CardPosting, CardProduct, Extra
from bot.core.logfields import event
from bot.core.records import ozon_id
from bot.ozon.errors import AuthProblem, OzonAuthError, OzonError, OzonForbidden
from bot.ozon.orders import Posting
from bot.ozon.products import Money, Product

__all__ = [
    "ORDER_AGE",
    "PRODUCT_TTL",
    "CardReading",
    "OrderSource",
    "card_posting",
    "card_product",
    "ozon_id",  # decided in `bot.core.records`; the card reader takes it from here too
]

log = logging.getLogger(__name__)
T = TypeVar("T")

ORDER_AGE = timedelta(days=180)
"""How far back an order's postings are looked for (Ozon allows a year at most)."""
PRODUCT_TTL = 3600.0


class OrderSource(Protocol):
    """What Ozon knows of an order and a product (`bot.ozon.client.OzonClient`)."""

    async def postings_of_order(
        self, order_number: str, *, since: datetime, until: datetime
    ) -> list[Posting]: ...

    async def products_by_sku(self, skus: Sequence[str]) -> list[Product]: ...


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


class CardReading:
    """Asks Ozon for one card's facts."""

    def __init__(
        self,
        ozon: OrderSource,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._ozon = ozon
        self._now = now
        self._products: dict[str, tuple[float, CardProduct | None]] = {}

    async def read(self, chat_id: str, order_number: str | None, sku: str | None) -> Card:
        """What Ozon says of the order and the product (either may be none)."""
        asked = _Asked(chat_id)
        postings: list[CardPosting] = []
        product: CardProduct | None = None
        order, sku = ozon_id(order_number), ozon_id(sku)
        if order is not None:
            now = self._now()
            reading = self._ozon.postings_of_order(order, since=now - ORDER_AGE, until=now)
            found = await asked.ask(Extra.POSTINGS, order, _guarded(reading))
            postings = [card_posting(p) for p in found or ()]
        if sku is not None:
            product = await asked.ask(Extra.PRODUCTS, sku, self._product(sku))
        refused, unavailable = asked.refused, asked.unavailable
        return Card(order, sku, tuple(postings), product, tuple(refused), tuple(unavailable))

    def forget_product(self, sku: str | None) -> None:
        """Read the product afresh next time (staff asked for the card again)."""
        self._products.pop(ozon_id(sku) or "", None)

    async def _product(self, sku: str) -> CardProduct | None:
        kept = self._products.get(sku)
        if kept is not None and time.monotonic() - kept[0] < PRODUCT_TTL:
            return kept[1]
        found = await _guarded(self._ozon.products_by_sku([sku]))
        product = next((card_product(p) for p in found if p.name), None)
        self._products[sku] = (time.monotonic(), product)
        return product
