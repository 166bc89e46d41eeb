"""What a buyer's chat is about, for the order card: the postings an order is shipped in and how
a posting list is walked for one order (`bot.ozon.calls.orders.OrderCalls` reads them through
the client), and which of the extras (these, the ratings, reviews and questions) the key's roles
open.

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
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from bot.ozon.fields import LooseBool, readable_entries
from bot.ozon.models import RolesInfo
from bot.ozon.products import (
    PRODUCTS_PATH,
    Count,
    Id,
    Moment,
    Money,
    Text,
    lenient_lower,
    lenient_text,
    priced,
)
from bot.ozon.questions import ANSWER_CREATE_PATH, QUESTION_COUNT_PATH, QUESTION_LIST_PATH
from bot.ozon.ratings import SUMMARY_PATH
from bot.ozon.reviews import COMMENT_CREATE_PATH, REVIEW_COUNT_PATH, REVIEW_LIST_PATH

__all__ = [
    "ANALYTICS",
    "FBO_GET_PATH",
    "FBO_LIST_PATH",
    "FBS_GET_PATH",
    "FBS_LIST_PATH",
    "MAX_WINDOW",
    "Posting",
    "PostingAnswer",
    "PostingProduct",
    "Reader",
    "Scheme",
    "extras_allowed",
    "order_postings",
]

logger = logging.getLogger("bot.ozon")

_M = TypeVar("_M", bound=BaseModel)

FBS_LIST_PATH = "/v4/posting/fbs/list"
FBO_LIST_PATH = "/v3/posting/fbo/list"
FBS_GET_PATH = "/v3/posting/fbs/get"
FBO_GET_PATH = "/v2/posting/fbo/get"
MAX_WINDOW = timedelta(days=365)
"""The longest period the posting lists search: Ozon refuses more than a year."""
_PAGE_LIMIT = 100
_MAX_PAGES = 5
"""An order has a few postings: more pages than this means Ozon ignored the filter."""
ANALYTICS = {"analytics_data": True}
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


class PostingAnswer(_Model):
    """Answer of the `get` methods: one posting under `result`."""

    result: Posting


def extras_allowed(roles: RolesInfo) -> dict[str, bool]:
    """Which extras the key may use, from the method paths its roles list (role names are
    display texts that differ between keys made in different years): reading `postings`
    (either posting list), `products` (`/v3/product/info/list`), `ratings`
    (`/v1/rating/summary`), `reviews` (`/v2/review/list` and `/v2/review/count`) and
    `questions` (`/v1/question/list` and `/v1/question/count`); writing `review_comments`
    (`/v1/review/comment/create`) and `question_answers` (`/v1/question/answer/create`).

    The subscription is another matter: a key may hold the role for a method that the seller's
    subscription does not include (`OzonNoSubscription` when called)."""
    methods = roles.methods
    return {
        "postings": FBS_LIST_PATH in methods or FBO_LIST_PATH in methods,
        "products": PRODUCTS_PATH in methods,
        "ratings": SUMMARY_PATH in methods,
        "reviews": {REVIEW_LIST_PATH, REVIEW_COUNT_PATH} <= methods,
        "review_comments": COMMENT_CREATE_PATH in methods,
        "questions": {QUESTION_LIST_PATH, QUESTION_COUNT_PATH} <= methods,
        "question_answers": ANSWER_CREATE_PATH in methods,
    }


class Reader(Protocol):
    """A read through the client (`OzonTransport._read`): Ozon's answer to `path` as `model`."""

    async def __call__(self, path: str, body: dict[str, Any], model: type[_M], /) -> _M: ...


async def order_postings(
    read: Reader, path: str, search: dict[str, Any], number: str
) -> list[Posting]:
    """The postings of order `number` from every page of the posting list at `path`, found
    with `search` (the list's `filter`); at most `_MAX_PAGES` pages."""
    found: dict[str, Posting] = {}
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(_MAX_PAGES):
        body: dict[str, Any] = {"filter": search, "limit": _PAGE_LIMIT, "with": ANALYTICS}
        if cursor:
            body["cursor"] = cursor
        page = await read(path, body, _PostingPage)
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


def _of_order(posting: Posting, number: str) -> bool:
    """Whether a listed posting belongs to order `number` (the filter asked for it alone)."""
    if posting.order_number is not None:
        return posting.order_number == number
    return posting.posting_number.rpartition("-")[0] == number
