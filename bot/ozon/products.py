"""Money, the products of `/v3/product/info/list`, and the lenient readers that they and the
postings of `bot.ozon.orders` are made of.

Ozon gives a price as text (`"2490.0000"`, its currency in a sibling `currency_code`) in the
older methods and as `{amount, currency}` in the 2026 ones: both read into one `Money`. Ids
(`sku`, `id`: int64) are kept as canonical decimal strings, as chat ids are, so that they compare
with the chat context's `sku` (a string). Text, numbers and dates are None when absent, null,
empty or unreadable, and dates of `"0001-01-01T00:00:00Z"` (Ozon's "unknown") too. An entry of a
list that cannot be read at all is left out, never the whole answer.

The core imports these models: nothing here may pull in the HTTP client.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from bot.ozon.fields import optional_id, readable_entries

__all__ = ["PRODUCTS_PATH", "Money", "Product", "ProductList", "read_money"]

PRODUCTS_PATH = "/v3/product/info/list"


def lenient_text(value: object) -> str | None:
    """Text without outer blanks (numbers as text); absent, null, empty or anything else: None."""
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def lenient_lower(value: object) -> str | None:
    """An enum value of the postings (Ozon writes them in lower case), kept when unknown."""
    text = lenient_text(value)
    return None if text is None else text.lower()


def lenient_id(value: object) -> str | None:
    """An id (JSON number or decimal text) as canonical text; absent, zero or unreadable: None."""
    try:
        return optional_id(value)
    except ValueError:
        return None


def lenient_count(value: object) -> int | None:
    """A whole number, also from decimal text; anything else (null included) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    return None


def lenient_moment(value: object) -> datetime | None:
    """An ISO 8601 moment as an aware UTC datetime (naive ones are UTC, as Ozon works in UTC);
    null, empty, unreadable or Ozon's zero date for "unknown" (`0001-01-01T00:00:00Z`): None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if moment.year <= 1:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


Text = Annotated[str | None, BeforeValidator(lenient_text)]
Id = Annotated[str | None, BeforeValidator(lenient_id)]
Count = Annotated[int | None, BeforeValidator(lenient_count)]
Moment = Annotated[datetime | None, BeforeValidator(lenient_moment)]


class Money(BaseModel):
    """An amount of money as Ozon states it: format it for people, never print it raw."""

    model_config = ConfigDict(frozen=True)

    amount: Decimal
    """Exactly as Ozon wrote it (`Decimal("2490.0000")` equals `Decimal("2490")`)."""
    currency: str | None = None
    """ISO 4217 code in upper case (`RUB`); None when Ozon named none."""


def read_money(value: object, currency: object = None) -> Money | None:
    """A price in either of Ozon's shapes: text or a number, with `currency` (the sibling
    `currency_code` of the older methods), or `{amount, currency}`. Null, empty or unreadable
    (not a finite number): None."""
    if isinstance(value, dict):
        currency = value.get("currency") or currency
        value = value.get("amount")
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    code = lenient_text(currency)
    return Money(amount=amount, currency=code.upper() if code else None)


def priced(data: Any, *fields: str) -> Any:
    """Raw `data` with its price `fields` read as `Money` (or None), in the currency of its
    `currency_code` where a price is bare text."""
    if not isinstance(data, dict):
        return data
    currency = data.get("currency_code")
    return {**data, **{name: read_money(data.get(name), currency) for name in fields}}


def _first_link(value: object) -> str | None:
    """The main picture: a list of links in the current answers, one link in older ones."""
    if isinstance(value, list):
        return next((link for link in map(lenient_text, value) if link), None)
    return lenient_text(value)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Product(_Model):
    """One item of `/v3/product/info/list`: what the order card shows of a product."""

    sku: Id = None
    """Ozon's id of the product on sale; a chat's context names it."""
    id: Id = None
    """The seller's product id (`product_id`)."""
    offer_id: Text = None
    """The seller's article."""
    name: Text = None
    price: Money | None = None
    """The price with discounts, as the product page shows it."""
    old_price: Money | None = None
    """The price before discounts (shown struck through); None when Ozon gave none."""
    primary_image: Annotated[str | None, BeforeValidator(_first_link)] = None
    """Link to the main picture."""

    @model_validator(mode="before")
    @classmethod
    def _prices(cls, data: Any) -> Any:
        return priced(data, "price", "old_price")


class ProductList(_Model):
    """Answer of `/v3/product/info/list`; a requested product Ozon does not know is absent."""

    items: Annotated[list[Product], BeforeValidator(readable_entries(Product))] = []
