"""An order card: what Ozon knows of the order a buyer's chat is about, as plain values kept in
the database as JSON (`order_cards.facts`) and shown at the top of the chat's topic.

Made from at most three Ozon calls: the order's postings (the FBS list, then the FBO list when
the FBS one has none) and the product by the chat's SKU. An extra the key may not read is named
(`refused`), so that the card says what it cannot show and why.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

AFTER_DELIVERY = timedelta(hours=72)
"""Ozon takes the seller's messages until this long after an FBS or rFBS order's delivery."""


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

    @property
    def complete(self) -> bool:
        return not self.unavailable

    @property
    def reply_until(self) -> datetime | None:
        """A known delivery date extends the reply window of FBS and rFBS orders."""
        ends = [
            p.delivery_to
            for p in self.postings
            if p.scheme in ("FBS", "rFBS") and p.delivery_to is not None
        ]
        return max(ends) + AFTER_DELIVERY if ends else None

    def facts(self) -> dict[str, str | None]:
        """What a quick-reply template can take from the card."""
        product = self.product
        if product is None:
            product = next((p for posting in self.postings for p in posting.products), None)
        return {
            "product": product.name if product else None,
            "posting_number": self.postings[0].number if self.postings else None,
        }

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
