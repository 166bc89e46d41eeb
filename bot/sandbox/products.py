"""The seller's products, as tests and the simulated buyers set them up (each with a picture the
stand-in serves), and `/v3/product/info/list`, which reads them (refused to a key without its
role). Postings, reviews and questions name these products by SKU."""

from __future__ import annotations

from decimal import Decimal
from typing import Unpack

from aiohttp import web

from bot.sandbox.model import Json, ok, parse_uint64
from bot.sandbox.order_model import PRODUCT_INFO, StandInProduct
from bot.sandbox.pictures import png
from bot.sandbox.state import Methods, StandInOptions, StandInState


class ProductMethods(StandInState):
    """The seller's products by SKU, and the handler of the method that reads them."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.products: dict[int, StandInProduct] = {}  # by SKU
        self.products_refused = False  # see refuse_products

    def _product_methods(self) -> Methods:
        return Methods(
            handlers={PRODUCT_INFO: self._product_info},
            roles=self._product_roles,
            refused=lambda path: self.products_refused and path == PRODUCT_INFO,
        )

    def _product_roles(self) -> list[Json]:
        return (
            []
            if self.products_refused
            else [{"name": "Product read-only", "methods": [PRODUCT_INFO]}]
        )

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

    def refuse_products(self, refused: bool = True) -> None:
        """Answer `/v3/product/info/list` 403, as Ozon answers a key without its role."""
        self.products_refused = refused

    def known_product(self, sku: str | int) -> int:
        """A SKU given to `add_product`, as a number; anything else is a `ValueError`."""
        number = parse_uint64(sku)
        if number not in self.products:
            raise ValueError(f"add_product({sku!r}, ...) first")
        return number

    # ---- the handler -----------------------------------------------------------------------

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
