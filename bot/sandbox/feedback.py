"""What the stand-in keeps of product reviews and questions, and what their two method groups
(`bot.sandbox.reviews`, `bot.sandbox.questions`) share: the records, time-ordered ids, the
moderation that holds the seller's comments and answers back from the lists for a while, and
Ozon's refusal of a seller whose subscription does not include the methods.

Ozon's 403 for a missing subscription is `{"code": 7, "message": "<prefix> rpc error: code =
PermissionDenied desc = not available with existing subscription"}`, the prefix differing per
method. Two prefixes were seen live (`/v2/review/list` and the deprecated `/v1/review/count`);
the others here follow their pattern.
"""

from __future__ import annotations

import random
import struct
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar, Unpack

from aiohttp import web

from bot.sandbox.model import Json, parse_uint64
from bot.sandbox.order_model import parse_moment
from bot.sandbox.products import ProductMethods
from bot.sandbox.rendering import Rendering
from bot.sandbox.state import StandInOptions

_T = TypeVar("_T")

SUBSCRIPTION_REFUSAL = (
    "rpc error: code = PermissionDenied desc = not available with existing subscription"
)
_PREFIXES = {
    "/v2/review/list": "i.service.ReviewInfoV2: ReviewListV2 s.CheckSellerReviewAccess:",
    "/v2/review/info": "i.service.ReviewInfoV2: ReviewInfoV2 s.CheckSellerReviewAccess:",
    "/v2/review/count": "i.service.ReviewInfoV2: ReviewCountV2 s.CheckSellerReviewAccess:",
    "/v2/review/change-status": (
        "i.service.ReviewInfoV2: ReviewChangeStatusV2 s.CheckSellerReviewAccess:"
    ),
    "/v1/review/comment/create": "Implementation.CommentCreate error: CommentCreate error:",
    "/v1/review/comment/list": "Implementation.CommentList error: CommentList error:",
    "/v1/question/count": "Implementation.QuestionCount error: QuestionCount error:",
    "/v1/question/list": "Implementation.QuestionList error: QuestionList error:",
    "/v1/question/info": "Implementation.QuestionInfo error: QuestionInfo error:",
    "/v1/question/change-status": (
        "Implementation.QuestionChangeStatus error: QuestionChangeStatus error:"
    ),
    "/v1/question/answer/create": (
        "Implementation.QuestionAnswerCreate error: QuestionAnswerCreate error:"
    ),
    "/v1/question/answer/list": (
        "Implementation.QuestionAnswerList error: QuestionAnswerList error:"
    ),
}
VALIDATION_ERROR = "Request validation error"
"""Ozon's words for a request outside the method's limits (e.g. a review page of 10)."""
SELLER_NAME = "Магазин «Уютный дом»"
"""How the seller's answers are signed."""
STATUSES = ("NEW", "VIEWED", "PROCESSED")


def no_subscription(path: str, *, details_as_text: bool = False) -> web.Response:
    """Ozon's 403 for a method outside the seller's subscription."""
    body: Json = {
        "code": 7,
        "message": f"{_PREFIXES[path]} {SUBSCRIPTION_REFUSAL}",
        "details": "" if details_as_text else [],
    }
    return web.json_response(body, status=403)


def question_error(status: int, message: str, details: str = "") -> web.Response:
    """An error of the question methods: Ozon documents their `details` as a string."""
    code = {400: 3, 404: 5}.get(status, 2)
    body = {"code": code, "message": message, "details": details}
    return web.json_response(body, status=status)


@dataclass
class StandInComment:
    """A comment under a review: the seller's (`is_owner`) or a buyer's."""

    id: str
    review_id: str
    text: str
    published_at: datetime
    is_owner: bool
    parent_comment_id: str = ""
    created: float = field(default_factory=time.monotonic)
    """When it was written, on the monotonic clock (for moderation)."""


@dataclass
class StandInReview:
    """A buyer's review of a product. `photos` are (token, name, width, height) of files the
    stand-in serves."""

    id: str
    sku: int
    text: str
    rating: int
    published_at: datetime
    variant: int
    order_status: str = "DELIVERED"
    status: str = "NEW"
    is_rating_participant: bool = True
    photos: list[tuple[str, str, int, int]] = field(default_factory=list)
    comments: list[StandInComment] = field(default_factory=list)
    likes: int = 0
    dislikes: int = 0
    garbled: Json | None = None
    """Fields laid over the rendered review: a shape Ozon does not document."""


@dataclass
class StandInAnswer:
    """An answer to a question: the seller's, or another person's."""

    id: str
    question_id: str
    sku: int
    text: str
    author_name: str
    published_at: datetime
    by_seller: bool
    status_publication: str = "PUBLISHED"
    """What moderation made of it once it is over (the seller's answers wait for it)."""
    created: float = field(default_factory=time.monotonic)


@dataclass
class StandInQuestion:
    """A buyer's question about a product."""

    id: str
    sku: int
    text: str
    author_name: str
    published_at: datetime
    variant: int
    number: int
    """The question's number on the product page (`?qid=`)."""
    status: str = "NEW"
    answers: list[StandInAnswer] = field(default_factory=list)


class FeedbackState(ProductMethods, Rendering):
    """What reviews and questions share: the products they are about, ids, the moderation
    knob, and the quirks of Ozon's answers (`Rendering`)."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.moderation_delay = 0.0
        """Seconds a comment or answer the seller just wrote stays out of the lists, as Ozon
        lists only what its moderation passed (0: at once). Read at every list, so setting it
        back to 0 shows everything held."""
        # Its own chance, so that reviews and questions never move the chats' ids.
        self._feedback_rng = random.Random(f"feedback-{options['seed']}")  # noqa: S311

    def _feedback_id(self, moment: datetime) -> str:
        """A UUIDv7-shaped id: its first 48 bits are the moment in milliseconds, so ids sort as
        their moments do."""
        millis = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
        rand = self._feedback_rng.getrandbits(74)
        value = (millis << 80) | (0x7 << 76) | ((rand >> 62) << 64) | (0b10 << 62)
        return str(uuid.UUID(int=value | (rand & ((1 << 62) - 1))))

    def _moderated(self, created: float) -> bool:
        return time.monotonic() - created >= self.moderation_delay

    def _flag(self, value: bool) -> bool | str:
        """A boolean as Ozon sends it: sometimes as text (`"true"`) with `quirks`."""
        return str(value).lower() if self.quirks else value


def review_order(review: StandInReview) -> tuple[datetime, str]:
    return (review.published_at, review.id)


def review_filter(filters: Json) -> Callable[[StandInReview], bool]:
    """Whether a review passes `filters` (absent, empty and ALL pass everything)."""
    skus = {parse_uint64(sku) for sku in filters.get("skus", [])}
    status = str(filters.get("status", "ALL")).upper()
    order_status = str(filters.get("order_status", "ALL")).upper()
    since = parse_moment(filters["published_from"]) if "published_from" in filters else None
    until = parse_moment(filters["published_to"]) if "published_to" in filters else None

    def passes(review: StandInReview) -> bool:
        return (
            (not skus or review.sku in skus)
            and status in ("ALL", review.status)
            and order_status in ("ALL", review.order_status)
            and (since is None or review.published_at >= since)
            and (until is None or review.published_at <= until)
        )

    return passes


def picture_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG (from its header); 0, 0 for anything else."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return width, height
    return 0, 0


def after(items: list[_T], last: _T, key: Callable[[_T], Any], *, descending: bool) -> list[_T]:
    """The items that come after `last` in their order: where the next page starts."""
    mark = key(last)
    return [item for item in items if (key(item) < mark if descending else key(item) > mark)]
