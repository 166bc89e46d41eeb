"""Orders for the order card: postings (FBS, rFBS, FBO) of the products of
`bot.sandbox.products`, as tests and the simulated buyers set them up, and the four methods that
read them (refused to a key without their roles). Each answer has only the fields of its
method's schema: the 2026 lists page by `cursor`/`has_next` at the top level and price as
`{amount, currency}`; the `get` methods answer under `result` with prices as text beside
`currency_code`. `analytics_data` (the delivery window) comes only when asked for. With `quirks`
on, what is not there is null (or Ozon's zero date), as in Ozon's examples; with `quirks` off it
is left out. What is kept of an order: `bot.sandbox.order_model`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial
from typing import Any, Unpack

from aiohttp import web

from bot.sandbox.model import Json, iso, ok, parse_uint64, rpc_error, utc
from bot.sandbox.order_model import (
    DELIVERY_METHOD,
    FBO_GET,
    FBO_LIST,
    FBS_GET,
    FBS_LIST,
    POSTING_METHODS,
    SCHEMES,
    TPL_INTEGRATION,
    YEAR,
    ZERO_DATE,
    StandInPosting,
    line,
    matches,
    parse_moment,
)
from bot.sandbox.products import ProductMethods
from bot.sandbox.state import Methods, StandInOptions


class OrderMethods(ProductMethods):
    """The seller's postings (of the products of `ProductMethods`), and the handlers of the
    methods that read them."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.postings: dict[str, StandInPosting] = {}  # by number, in the order added
        self.orders_refused = False  # see refuse_orders

    def _order_methods(self) -> Methods:
        return Methods(
            handlers={
                FBS_LIST: partial(self._listing, FBS_LIST, fbo=False),
                FBO_LIST: partial(self._listing, FBO_LIST, fbo=True),
                FBS_GET: partial(self._one, fbo=False),
                FBO_GET: partial(self._one, fbo=True),
            },
            roles=self._order_roles,
            refused=lambda path: self.orders_refused and path in POSTING_METHODS,
        )

    def _order_roles(self) -> list[Json]:
        """The posting roles, unless the key is refused them, as Ozon names them."""
        if self.orders_refused:
            return []
        roles = (("Posting FBS", (FBS_LIST, FBS_GET)), ("Posting FBO", (FBO_LIST, FBO_GET)))
        return [{"name": name, "methods": list(paths)} for name, paths in roles]

    # ---- set-up ----------------------------------------------------------------------------

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
        for sku, _ in lines:
            self.known_product(sku)
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

    # ---- handlers --------------------------------------------------------------------------

    async def _listing(self, path: str, body: Json, *, fbo: bool) -> web.Response:
        """One page of the postings (FBO, or FBS and rFBS) processed within the period."""
        search: Json = body.get("filter", {})
        try:
            since, to = parse_moment(search["since"]), parse_moment(search["to"])
            start = int(body.get("cursor") or 0)  # the offset, as text
            limit = int(body.get("limit", 1000))
        except (KeyError, TypeError, ValueError):
            return self._violation(path, "filter.since/to must be RFC 3339, cursor as given")
        if limit < 1:
            return self._violation(path, "limit must be positive")
        if not timedelta(0) <= to - since <= YEAR:
            problem = "since..to is longer than a year (or reversed)"
            return self._violation(path, problem, 400, "PERIOD_IS_TOO_LONG")
        family = [p for p in self.postings.values() if (p.scheme == "FBO") == fbo]
        chosen = [p for p in family if since <= p.in_process_at <= to and matches(p, search)]
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
            "products": [line(product, n, listing=listing) for product, n in p.lines],
        }
        if listing or not fbo:  # /v2/posting/fbo/get has no substatus
            out["substatus"] = p.substatus
        if fbo:
            out["created_at"] = iso(p.in_process_at)
        else:
            out["tracking_number"] = p.tracking_number
            out["tpl_integration_type"] = TPL_INTEGRATION[p.scheme]
            out["delivery_method"] = {"id": 15110442724000, "name": DELIVERY_METHOD[p.scheme]}
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
            out[key] = ZERO_DATE if variant % 2 else None
