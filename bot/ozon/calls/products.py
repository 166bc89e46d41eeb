"""Products by SKU (`/v3/product/info/list`; models in `bot.ozon.products`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.ozon.products import PRODUCTS_PATH, Product, ProductList, lenient_id
from bot.ozon.transport import OzonTransport

__all__ = ["ProductCalls"]

_SKUS_PER_REQUEST = 1000


class ProductCalls(OzonTransport):
    """What a product is, for the order card and for reviews and questions (which name only
    its SKU). A read, retried as reads are.

    A key whose roles do not open the method is answered 403, raised as `OzonAuthError` with
    `kind` `AuthProblem.MISSING_ROLE` ("this extra is off", not an outage; never retried).
    """

    async def products_by_sku(self, skus: Sequence[str]) -> list[Product]:
        """The products with these SKUs that Ozon knows (`/v3/product/info/list`), in Ozon's
        order. SKUs that are empty, `"0"` or not numbers are skipped (the context of a chat not
        about a product); when none is left Ozon is not asked. A product changes rarely: cache
        what this returns."""
        if isinstance(skus, str):
            raise TypeError("skus must be a sequence of SKUs, not one string")
        wanted = list(dict.fromkeys(sku for sku in map(lenient_id, skus) if sku is not None))
        products: list[Product] = []
        for start in range(0, len(wanted), _SKUS_PER_REQUEST):
            body = {"sku": wanted[start : start + _SKUS_PER_REQUEST]}
            products.extend((await self._read(PRODUCTS_PATH, body, ProductList)).items)
        return products
