"""What the stand-in keeps of the seller's orders: products, postings, the paths of the methods
that read them, and the parts of their answers that need no state (a product line, a filter, a
moment)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from bot.sandbox.model import Json

FBS_LIST = "/v4/posting/fbs/list"
FBO_LIST = "/v3/posting/fbo/list"
FBS_GET = "/v3/posting/fbs/get"
FBO_GET = "/v2/posting/fbo/get"
PRODUCT_INFO = "/v3/product/info/list"
POSTING_METHODS = (FBS_LIST, FBO_LIST, FBS_GET, FBO_GET)
SCHEMES = ("FBS", "rFBS", "FBO")
ZERO_DATE = "0001-01-01T00:00:00Z"
"""What Ozon writes for some unknown dates."""
YEAR = timedelta(days=365)
TPL_INTEGRATION = {"FBS": "ozon", "rFBS": "non_integrated"}
DELIVERY_METHOD = {"FBS": "Ozon Логистика курьеру, Москва", "rFBS": "Доставка продавцом, Москва"}


@dataclass(frozen=True)
class StandInProduct:
    """A product of the seller, as `/v3/product/info/list` and the postings show it."""

    sku: int
    name: str
    offer_id: str
    price: Decimal
    old_price: Decimal | None
    product_id: int
    currency: str = "RUB"


@dataclass
class StandInPosting:
    """One posting of an order. A date that is None is unknown to Ozon. The lists find a posting
    by `in_process_at`."""

    posting_number: str
    order_number: str
    order_id: int
    lines: list[tuple[StandInProduct, int]]
    """Products with their quantities."""
    variant: int
    """Drives which form an unknown date takes with `quirks` on."""
    scheme: str = "FBS"
    """FBS, rFBS or FBO."""
    status: str = "awaiting_deliver"
    substatus: str = ""
    in_process_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    shipment_date: datetime | None = None
    delivering_date: datetime | None = None
    delivery_window: tuple[datetime, datetime] | None = None
    """FBS/rFBS `delivery_date_begin`, `delivery_date_end`."""
    client_delivery_window: tuple[datetime, datetime] | None = None
    """Ozon Доставка's `client_delivery_date_begin`, `client_delivery_date_end`."""
    tracking_number: str = ""


def line(product: StandInProduct, quantity: int, *, listing: bool) -> Json:
    """A product in a posting: the lists price it as an object, the `get` methods as text."""
    price = f"{product.price:.4f}"
    out: Json = {
        "sku": product.sku,
        "offer_id": product.offer_id,
        "name": product.name,
        "quantity": quantity,
    }
    if listing:
        out["price"] = {"amount": price, "currency": product.currency}
    else:
        out.update(price=price, currency_code=product.currency)
    return out


def matches(posting: StandInPosting, search: Json) -> bool:
    """Whether a posting passes the filter's lists (an absent or empty list passes all)."""
    fields = {
        "order_numbers": posting.order_number,
        "posting_numbers": posting.posting_number,
        "statuses": posting.status,
    }
    return all(not search.get(key) or value in search[key] for key, value in fields.items())


def parse_moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment.astimezone(UTC)
