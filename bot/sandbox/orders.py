"""Orders for the order card: postings (FBS, rFBS, FBO) and products as tests and the simulated
buyers set them up, and the five methods that read them (the server refuses them to a key without
their roles). Each answer has only the fields of its method's schema: the 2026 lists page by
`cursor`/`has_next` at the top level and price as `{amount, currency}`; the `get` methods answer
under `result` with prices as text beside `currency_code`. `analytics_data` (the delivery window)
comes only when asked for. With `quirks` on, what is not there is null (or Ozon's zero date), as
in Ozon's examples; with `quirks` off it is left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from aiohttp import web

from bot.sandbox.model import Json, iso, ok, parse_uint64, rpc_error, utc
from bot.sandbox.pictures import png
from bot.sandbox.state import StandInState

FBS_LIST = "/v4/posting/fbs/list"
FBO_LIST = "/v3/posting/fbo/list"
FBS_GET = "/v3/posting/fbs/get"
FBO_GET = "/v2/posting/fbo/get"
PRODUCT_INFO = "/v3/product/info/list"
POSTING_METHODS = (FBS_LIST, FBO_LIST, FBS_GET, FBO_GET)
SCHEMES = ("FBS", "rFBS", "FBO")
_ZERO_DATE = "0001-01-01T00:00:00Z"
"""What Ozon writes for some unknown dates."""
_YEAR = timedelta(days=365)
_TPL_INTEGRATION = {"FBS": "ozon", "rFBS": "non_integrated"}
_METHOD = {"FBS": "Ozon Логистика курьеру, Москва", "rFBS": "Доставка продавцом, Москва"}


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


class OrderMethods(StandInState):
    """The seller's postings and products, and the handlers of the methods that read them."""

    def __init__(self) -> None:
        self.postings: dict[str, StandInPosting] = {}  # by number, in the order added
        self.products: dict[int, StandInProduct] = {}  # by SKU
        self.orders_refused = False  # see refuse_orders
        self.products_refused = False  # see refuse_products

    # ---- set-up ----------------------------------------------------------------------------

    def add_product(
        self,
        sku: str | int,
        name: str,
        offer_id: str,
        price: str | int | Decimal,
        *,
        old_price: str | int | Decimal | None = None,
        currency: str = "RUB",
    ) -> None:
        """Add a product (a known SKU is replaced, for postings added from then on); it gets a
        product id and a picture that the stand-in serves."""
        number = parse_uint64(sku)
        known = self.products.get(number)
        self.products[number] = StandInProduct(
            sku=number,
            name=name,
            offer_id=offer_id,
            price=Decimal(str(price)),
            old_price=None if old_price is None else Decimal(str(old_price)),
            product_id=known.product_id if known else 1207652291 + len(self.products),
            currency=currency,
        )
        colour = (number % 200 + 30, number // 7 % 200 + 30, number // 49 % 200 + 30)
        self._files[f"product{number}"] = ("product.png", png(64, 64, colour))

    def add_posting(
        self,
        order_number: str,
        *,
        products: Sequence[str | int | tuple[str | int, int]] = (),
        posting_number: str | None = None,
        **details: Any,
    ) -> str:
        """Add a posting of `order_number`; returns its number (`<order_number>-<n>` unless
        given). `products`: SKUs added with `add_product`, each alone (quantity 1) or with its
        quantity. `details`: the other fields of `StandInPosting` (`scheme`, `status`,
        `shipment_date`, `delivery_window`, ...), by name."""
        lines = [p if isinstance(p, tuple) else (p, 1) for p in products]
        unknown = [sku for sku, _ in lines if parse_uint64(sku) not in self.products]
        if unknown:
            raise ValueError(f"add_product({unknown[0]!r}, ...) first")
        siblings = sum(1 for p in self.postings.values() if p.order_number == order_number)
        number = posting_number or f"{order_number}-{siblings + 1}"
        if number in self.postings:
            raise ValueError(f"posting {number} exists")
        order_ids = {p.order_number: p.order_id for p in self.postings.values()}
        order_id = order_ids.get(order_number, 559293114 + len(order_ids))
        shown = [(self.products[parse_uint64(sku)], quantity) for sku, quantity in lines]
        posting = StandInPosting(
            number, order_number, order_id, shown, len(self.postings), **details
        )
        if posting.scheme not in SCHEMES:
            raise ValueError(f"scheme must be one of {', '.join(SCHEMES)}")
        posting.in_process_at = utc(posting.in_process_at)
        self.postings[number] = posting
        return number

    def refuse_orders(self, refused: bool = True) -> None:
        """Answer the four posting methods 403, as Ozon answers a key without their roles."""
        self.orders_refused = refused

    def refuse_products(self, refused: bool = True) -> None:
        """Answer `/v3/product/info/list` 403, as Ozon answers a key without its role."""
        self.products_refused = refused

    # ---- handlers --------------------------------------------------------------------------

    async def _product_info(self, body: Json) -> web.Response:
        """The products asked for by SKU, article or product id, in the order they were added."""
        try:
            skus = {parse_uint64(v) for v in body.get("sku", [])}
            ids = {parse_uint64(v) for v in body.get("product_id", [])}
        except ValueError as exc:
            return self._violation(PRODUCT_INFO, str(exc))
        offers = set(body.get("offer_id", []))
        if len(skus) + len(ids) + len(offers) > 1000:
            return self._violation(PRODUCT_INFO, "more than 1000 ids")
        items = self.products.values()
        chosen = [p for p in items if p.sku in skus or p.product_id in ids or p.offer_id in offers]
        return ok({"items": [self._product_item(p) for p in chosen]})

    async def _listing(self, path: str, body: Json, *, fbo: bool) -> web.Response:
        """One page of the postings (FBO, or FBS and rFBS) processed within the period."""
        search: Json = body.get("filter", {})
        try:
            since, to = _moment(search["since"]), _moment(search["to"])
            start = int(body.get("cursor") or 0)  # the offset, as text
            limit = int(body.get("limit", 1000))
        except (KeyError, TypeError, ValueError):
            return self._violation(path, "filter.since/to must be RFC 3339, cursor as given")
        if limit < 1:
            return self._violation(path, "limit must be positive")
        if not timedelta(0) <= to - since <= _YEAR:
            problem = "since..to is longer than a year (or reversed)"
            return self._violation(path, problem, 400, "PERIOD_IS_TOO_LONG")
        family = [p for p in self.postings.values() if (p.scheme == "FBO") == fbo]
        chosen = [p for p in family if since <= p.in_process_at <= to and _matches(p, search)]
        chosen.sort(key=lambda p: p.in_process_at, reverse=body.get("sort_dir") == "DESC")
        analytics = bool(body.get("with", {}).get("analytics_data"))
        page = [self._render(p, listing=True, analytics=analytics) for p in chosen[start:][:limit]]
        more = start + limit < len(chosen)
        return ok(
            {"cursor": str(start + limit) if more else "", "has_next": more, "postings": page}
        )

    async def _one(self, body: Json, *, fbo: bool) -> web.Response:
        """One posting of the method's scheme family, else 404 as Ozon answers."""
        posting = self.postings.get(body["posting_number"])
        if posting is None or (posting.scheme == "FBO") != fbo:
            return rpc_error(404, "posting not found")
        analytics = bool(body.get("with", {}).get("analytics_data"))
        return ok({"result": self._render(posting, listing=False, analytics=analytics)})

    # ---- rendering -------------------------------------------------------------------------

    def _render(self, p: StandInPosting, *, listing: bool, analytics: bool) -> Json:
        """A posting as a list (`listing`) or a `get` method of its scheme shows it."""
        fbo = p.scheme == "FBO"
        out: Json = {
            "posting_number": p.posting_number,
            "order_id": p.order_id,
            "order_number": p.order_number,
            "status": p.status,
            "in_process_at": iso(p.in_process_at),
            "products": [_line(product, n, listing=listing) for product, n in p.lines],
        }
        if listing or not fbo:  # /v2/posting/fbo/get has no substatus
            out["substatus"] = p.substatus
        if fbo:
            out["created_at"] = iso(p.in_process_at)
        else:
            out["tracking_number"] = p.tracking_number
            out["tpl_integration_type"] = _TPL_INTEGRATION[p.scheme]
            out["delivery_method"] = {"id": 15110442724000, "name": _METHOD[p.scheme]}
            self._date(out, "shipment_date", p.shipment_date, p.variant)
            self._date(out, "delivering_date", p.delivering_date, p.variant)
        if analytics:
            out["analytics_data"] = self._analytics(p, listing=listing)
        elif self.quirks:
            out["analytics_data"] = None
        return out

    def _analytics(self, p: StandInPosting, *, listing: bool) -> Json:
        """`analytics_data`: the FBS/rFBS window in FBS answers, Ozon Доставка's in the lists."""
        out: Json = {"delivery_type": "PVZ", "is_premium": False, "is_legal": False}
        windows = []
        if p.scheme != "FBO":
            windows.append(("delivery_date", p.delivery_window))
        if listing:
            windows.append(("client_delivery_date", p.client_delivery_window))
        for name, window in windows:
            begin, end = window or (None, None)
            self._date(out, f"{name}_begin", begin, p.variant)
            self._date(out, f"{name}_end", end, p.variant)
        return out

    def _date(self, out: Json, key: str, moment: datetime | None, variant: int) -> None:
        """Set a date; an unknown one is null or Ozon's zero date with `quirks`, else absent."""
        if moment is not None:
            out[key] = iso(utc(moment))  # a naive one is UTC
        elif self.quirks:
            out[key] = _ZERO_DATE if variant % 2 else None

    def _product_item(self, p: StandInProduct) -> Json:
        picture = f"{self.url}/files/product{p.sku}/product.png"
        return {
            "id": p.product_id,
            "sku": p.sku,
            "offer_id": p.offer_id,
            "name": p.name,
            "price": f"{p.price:.2f}",
            "old_price": "" if p.old_price is None else f"{p.old_price:.2f}",
            "currency_code": p.currency,
            "primary_image": [picture],
        }


def _line(product: StandInProduct, quantity: int, *, listing: bool) -> Json:
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


def _matches(posting: StandInPosting, search: Json) -> bool:
    """Whether a posting passes the filter's lists (an absent or empty list passes all)."""
    fields = {
        "order_numbers": posting.order_number,
        "posting_numbers": posting.posting_number,
        "statuses": posting.status,
    }
    return all(not search.get(key) or value in search[key] for key, value in fields.items())


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return moment.astimezone(UTC)
