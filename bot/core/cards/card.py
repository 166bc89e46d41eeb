"""An order card: what Ozon knows of the order a buyer's chat is about, as plain values kept in
the database as JSON (`order_cards.facts`) and shown at the top of the chat's topic.

Made from at most three Ozon calls: the order's postings (the FBS list, then the FBO list when
the FBS one has none) and the product by the chat's SKU. An extra the key may not read is named
(`refused`), so that the card says what it cannot show and why; one Ozon did not answer for this
time keeps what an earlier read of the same order or product found (`kept`).

The reply window a card extends (`Card.reply_until`) must never be longer than Ozon's: Ozon takes
an FBS or rFBS order's messages until 72 hours after its delivery, and says when a posting is
delivered (status `delivered`) but not at what moment. A delivered posting therefore counts from
when it was handed to delivery (`delivering_date`: the delivery came after that); one on its way
from the end of the window promised to the buyer; a cancelled one extends nothing.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

AFTER_DELIVERY = timedelta(hours=72)
"""Ozon takes the seller's messages until this long after an FBS or rFBS order's delivery."""
CANCELLED = "cancelled"
DELIVERED = "delivered"
SELLER_DELIVERS = ("FBS", "rFBS")
"""The schemes whose delivery extends the reply window (not FBO)."""


@dataclass(frozen=True, slots=True)
class CardProduct:
    name: str
    offer_id: str | None = None
    sku: str | None = None
    quantity: int | None = None
    price: str | None = None
    """The amount as Ozon gives it (`2490.0000`)."""
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class CardPosting:
    number: str
    status: str
    scheme: str
    """`FBO`, `FBS` or `rFBS`."""
    products: tuple[CardProduct, ...] = ()
    substatus: str | None = None
    shipment_date: datetime | None = None
    """FBS: ship by."""
    delivering_date: datetime | None = None
    """FBS: handed to delivery."""
    delivery_from: datetime | None = None
    delivery_to: datetime | None = None
    """The delivery window Ozon promised the buyer."""
    tracking_number: str | None = None
    delivery_method: str | None = None

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED

    @property
    def delivered_after(self) -> datetime | None:
        """The moment the delivery that opens the reply window's last 72 hours came after, as
        far as Ozon lets us know (see the module's note); None when it extends nothing."""
        if self.scheme not in SELLER_DELIVERS or self.cancelled:
            return None
        if self.status == DELIVERED:
            return self.delivering_date
        return self.delivery_to


class Extra:
    """The Ozon extras a card is made from (as named in `Card.refused`)."""

    POSTINGS = "postings"
    PRODUCTS = "products"


@dataclass(frozen=True, slots=True)
class Card:
    order_number: str | None
    sku: str | None
    postings: tuple[CardPosting, ...] = ()
    product: CardProduct | None = None
    """The product by the chat's SKU (`/v3/product/info/list`)."""
    refused: tuple[str, ...] = ()
    """Extras the key may not read (`Extra.POSTINGS`, `Extra.PRODUCTS`)."""
    unavailable: tuple[str, ...] = ()
    """Extras Ozon did not answer this time (read again later)."""
    kept: tuple[str, ...] = ()
    """Of those, the ones shown as an earlier read of the same order or product found them."""

    @property
    def complete(self) -> bool:
        return not self.unavailable

    @property
    def reply_until(self) -> datetime | None:
        """A known delivery date extends the reply window of FBS and rFBS orders (see the
        module's note): 72 hours after the latest."""
        ends = [p.delivered_after for p in self.postings]
        known = [end for end in ends if end is not None]
        return max(known) + AFTER_DELIVERY if known else None

    def facts(self) -> dict[str, str | None]:
        """What a quick-reply template can take from the card: of an order split into several
        postings, the first one not cancelled (the first of all when every one is)."""
        live = [p for p in self.postings if not p.cancelled] or list(self.postings)
        product = self.product
        if product is None:
            product = next((p for posting in live for p in posting.products), None)
        return {
            "product": product.name if product else None,
            "posting_number": live[0].number if live else None,
        }

    def keeping(self, previous: Card | None) -> Card:
        """This read, with what Ozon did not answer for taken from the `previous` card where
        that one showed Ozon's answer about the same order (the postings) or product."""
        if previous is None:
            return self
        kept = tuple(
            extra
            for extra in self.unavailable
            if previous.answered(extra) and previous.about(extra) == self.about(extra)
        )
        return replace(
            self,
            postings=previous.postings if Extra.POSTINGS in kept else self.postings,
            product=previous.product if Extra.PRODUCTS in kept else self.product,
            kept=kept,
        )

    def about(self, extra: str) -> str | None:
        """What Ozon is asked about for `extra`: the order, or the product's SKU."""
        return self.order_number if extra == Extra.POSTINGS else self.sku

    def answered(self, extra: str) -> bool:
        """Whether the card shows what Ozon said of `extra` (now or in an earlier read)."""
        return extra in self.kept or extra not in (*self.unavailable, *self.refused)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, default=_encode, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Card:
        data = json.loads(text)
        return cls(
            order_number=data["order_number"],
            sku=data["sku"],
            postings=tuple(_posting(p) for p in data["postings"]),
            product=None if data["product"] is None else CardProduct(**data["product"]),
            refused=tuple(data["refused"]),
            unavailable=tuple(data["unavailable"]),
            kept=tuple(data.get("kept", ())),
        )


def _encode(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot store {type(value).__name__} in a card")


def _posting(data: dict[str, Any]) -> CardPosting:
    dates = ("shipment_date", "delivering_date", "delivery_from", "delivery_to")
    values = {**data, "products": tuple(CardProduct(**p) for p in data["products"])}
    for name in dates:
        values[name] = None if data[name] is None else datetime.fromisoformat(data[name])
    return CardPosting(**values)


def facts_of(stored: str | None) -> dict[str, str | None]:
    """The template facts of a stored card (none when there is no card yet)."""
    return {} if stored is None else Card.from_json(stored).facts()
