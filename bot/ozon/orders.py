"""What a buyer's chat is about, for the order card: the postings an order is shipped in, the
product, and the reads of them that `bot.ozon.client.OzonClient` mixes in; plus which of these
extras (and the ratings) the key's roles open.

A posting is read from whatever Ozon sends: optional blocks (`analytics_data`, `delivery_method`)
may be absent or null, so every field of the card is optional but the posting number, and a
posting without one is left out of its list. Statuses stay plain text in Ozon's lower case, so
that a value added later is kept. The delivery window comes from `analytics_data`, which Ozon
fills only when asked (`with.analytics_data`): the reads here always ask.

Ozon has no single "scheme" field. The reading here: a posting from an FBO method is FBO; one
from an FBS method is FBS when `tpl_integration_type` is `ozon` (Ozon delivers), else rFBS (the
seller or a third party delivers: `non_integrated`, `aggregator`, `3pl_tracking`, `hybryd`).

The core imports these models: nothing here may pull in the HTTP client.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from bot.ozon.errors import AuthProblem, OzonAuthError
from bot.ozon.fields import LooseBool, readable_entries
from bot.ozon.models import RolesInfo
from bot.ozon.products import (
    PRODUCTS_PATH,
    Count,
    Id,
    Moment,
    Money,
    ProductReads,
    Text,
    lenient_lower,
    lenient_text,
    priced,
)
from bot.ozon.ratings import SUMMARY_PATH

__all__ = [
    "FBO_GET_PATH",
    "FBO_LIST_PATH",
    "FBS_GET_PATH",
    "FBS_LIST_PATH",
    "MAX_WINDOW",
    "OrderReads",
    "Posting",
    "PostingProduct",
    "Scheme",
    "extras_allowed",
]

logger = logging.getLogger("bot.ozon")

FBS_LIST_PATH = "/v4/posting/fbs/list"
FBO_LIST_PATH = "/v3/posting/fbo/list"
FBS_GET_PATH = "/v3/posting/fbs/get"
FBO_GET_PATH = "/v2/posting/fbo/get"
MAX_WINDOW = timedelta(days=365)
"""The longest period the posting lists search: Ozon refuses more than a year."""
_PAGE_LIMIT = 100
_MAX_PAGES = 5
"""An order has a few postings: more pages than this means Ozon ignored the filter."""
_ANALYTICS = {"analytics_data": True}
"""`with` of every posting read: the delivery window comes only when asked for."""
_Lower = Annotated[str | None, BeforeValidator(lenient_lower)]
_WINDOW = (
    "delivery_date_begin",
    "delivery_date_end",
    "client_delivery_date_begin",
    "client_delivery_date_end",
)


class Scheme(StrEnum):
    """How a posting is fulfilled (see the module's note on how it is read)."""

    FBO = "FBO"
    """From Ozon's warehouse, delivered by Ozon."""
    FBS = "FBS"
    """From the seller's warehouse, delivered by Ozon."""
    RFBS = "rFBS"
    """From the seller's warehouse, delivered by the seller or a third party."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class PostingProduct(_Model):
    """A product in a posting."""

    name: Text = None
    offer_id: Text = None
    """The seller's article."""
    sku: Id = None
    quantity: Count = None
    price: Money | None = None

    @model_validator(mode="before")
    @classmethod
    def _prices(cls, data: Any) -> Any:
        return priced(data, "price")


class Posting(_Model):
    """One posting of an order, from any of the four posting methods."""

    posting_number: Annotated[str, BeforeValidator(lenient_text)]
    """The order number with a suffix: `33713378-0051-1`."""
    order_number: Text = None
    order_id: Id = None
    scheme: Scheme = Scheme.RFBS
    """Set by reading, never taken from Ozon: see the module's note."""
    status: _Lower = None
    """`awaiting_packaging`, `awaiting_deliver`, `delivering`, `delivered`, `cancelled`, ..."""
    substatus: _Lower = None
    in_process_at: Moment = None
    """When processing began."""
    shipment_date: Moment = None
    """FBS/rFBS: ship by."""
    delivering_date: Moment = None
    """FBS/rFBS: handed over to delivery."""
    tracking_number: Text = None
    """rFBS: the carrier's tracking number."""
    delivery_method_name: Text = None
    """`delivery_method.name` (FBS/rFBS)."""
    tpl_integration_type: _Lower = None
    """FBS/rFBS: `ozon`, `non_integrated`, `aggregator`, `3pl_tracking`, `hybryd`, ..."""
    delivery_date_begin: Moment = None
    """FBS/rFBS delivery window (`analytics_data`)."""
    delivery_date_end: Moment = None
    client_delivery_date_begin: Moment = None
    """Delivery window promised to the buyer for Ozon Доставка (`analytics_data`; the lists
    give it, the `get` methods do not)."""
    client_delivery_date_end: Moment = None
    products: Annotated[
        list[PostingProduct], BeforeValidator(readable_entries(PostingProduct))
    ] = []

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        analytics = data.get("analytics_data")
        window = analytics if isinstance(analytics, dict) else {}
        method = data.get("delivery_method")
        flat = {**data, **{key: window.get(key) for key in _WINDOW}}
        flat["delivery_method_name"] = method.get("name") if isinstance(method, dict) else None
        delivered_by_ozon = lenient_lower(data.get("tpl_integration_type")) == "ozon"
        flat["scheme"] = Scheme.FBS if delivered_by_ozon else Scheme.RFBS
        return flat


class _PostingPage(_Model):
    """Answer of the 2026 posting lists: `postings` at the top level, paged by cursor."""

    postings: Annotated[list[Posting], BeforeValidator(readable_entries(Posting))] = []
    cursor: Text = None
    has_next: LooseBool = False


class _PostingAnswer(_Model):
    """Answer of the `get` methods: one posting under `result`."""

    result: Posting


def _as_fbo(posting: Posting) -> Posting:
    return posting.model_copy(update={"scheme": Scheme.FBO})


def _utc(moment: datetime) -> datetime:
    """A naive datetime is UTC (Ozon works in UTC); an aware one is converted."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _rfc3339(moment: datetime) -> str:
    """An aware UTC datetime as RFC 3339 text: `2026-11-28T00:00:00Z`."""
    return moment.isoformat().replace("+00:00", "Z")


def extras_allowed(roles: RolesInfo) -> dict[str, bool]:
    """Which extras the key may read, from the method paths its roles list (role names are
    display texts that differ between keys made in different years): `postings` (either
    posting list), `products` (`/v3/product/info/list`) and `ratings` (`/v1/rating/summary`)."""
    methods = roles.methods
    return {
        "postings": FBS_LIST_PATH in methods or FBO_LIST_PATH in methods,
        "products": PRODUCTS_PATH in methods,
        "ratings": SUMMARY_PATH in methods,
    }


class OrderReads(ProductReads):
    """The order card's side of `bot.ozon.client.OzonClient`: the postings here, the product
    from `ProductReads`. All are reads, retried as reads are.

    A key whose roles do not open a method is answered 403, raised as `OzonAuthError` with
    `kind` `AuthProblem.MISSING_ROLE` ("this extra is off", not an outage; never retried);
    other failures are the usual `OzonError`s.
    """

    async def postings_of_order(
        self, order_number: str, *, since: datetime, until: datetime
    ) -> list[Posting]:
        """The postings of an order processed from `since` to `until` (at most `MAX_WINDOW`
        apart; naive datetimes are UTC): those of `/v4/posting/fbs/list` (FBS or rFBS), or
        when it finds none, those of `/v3/posting/fbo/list` (FBO). Empty when neither finds the
        order: it may be older than the window, or not the seller's.

        A key that may read only one of the two lists reads that one; only when neither is open
        is the refusal raised.
        """
        number = order_number.strip()
        if not number:
            raise ValueError("order_number must not be empty")
        start, end = _utc(since), _utc(until)
        if start > end:
            raise ValueError("since must not be after until")
        if end - start > MAX_WINDOW:
            raise ValueError("Ozon lists postings over a year at most")
        search = {"since": _rfc3339(start), "to": _rfc3339(end), "order_numbers": [number]}
        fbs_refused = False
        try:
            found = await self._list(FBS_LIST_PATH, search, number)
        except OzonAuthError as exc:
            if exc.kind is not AuthProblem.MISSING_ROLE:
                raise
            fbs_refused = True
        else:
            if found:
                return found
        try:
            return [_as_fbo(p) for p in await self._list(FBO_LIST_PATH, search, number)]
        except OzonAuthError as exc:
            if fbs_refused or exc.kind is not AuthProblem.MISSING_ROLE:
                raise
            return []

    async def fbs_posting(self, posting_number: str) -> Posting:
        """One FBS or rFBS posting with its dates (`/v3/posting/fbs/get`). An FBO posting
        number is answered 404: `OzonNotFound`."""
        answer = await self._read(FBS_GET_PATH, _get_body(posting_number), _PostingAnswer)
        return answer.result

    async def fbo_posting(self, posting_number: str) -> Posting:
        """One FBO posting (`/v2/posting/fbo/get`); Ozon gives no delivery window here. An
        FBS posting number is answered 404: `OzonNotFound`."""
        answer = await self._read(FBO_GET_PATH, _get_body(posting_number), _PostingAnswer)
        return _as_fbo(answer.result)

    async def _list(self, path: str, search: dict[str, Any], number: str) -> list[Posting]:
        """The postings of order `number` from every page of a posting list."""
        found: dict[str, Posting] = {}
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(_MAX_PAGES):
            body: dict[str, Any] = {"filter": search, "limit": _PAGE_LIMIT, "with": _ANALYTICS}
            if cursor:
                body["cursor"] = cursor
            page = await self._read(path, body, _PostingPage)
            for posting in page.postings:
                if _of_order(posting, number):
                    found.setdefault(posting.posting_number, posting)
            if not page.has_next:
                return list(found.values())
            if not page.cursor or page.cursor in seen:
                logger.warning("Ozon %s: has_next without a new cursor, stopping", path)
                return list(found.values())
            seen.add(page.cursor)
            cursor = page.cursor
        logger.warning("Ozon %s: order %s still has_next after %d pages", path, number, _MAX_PAGES)
        return list(found.values())


def _get_body(posting_number: str) -> dict[str, Any]:
    number = posting_number.strip()
    if not number:
        raise ValueError("posting_number must not be empty")
    return {"posting_number": number, "with": _ANALYTICS}


def _of_order(posting: Posting, number: str) -> bool:
    """Whether a listed posting belongs to order `number` (the filter asked for it alone)."""
    if posting.order_number is not None:
        return posting.order_number == number
    return posting.posting_number.rpartition("-")[0] == number
