"""Ozon's product reviews: the answers of `/v2/review/count`, `/v2/review/list`, `/v2/review/info`
and of the seller's comments (`/v1/review/comment/list`), which
`bot.ozon.calls.reviews.ReviewCalls` reads and writes.

A review names its product by `sku` (a JSON number, or text in Ozon's own example: kept as a
canonical decimal string, as everywhere) and carries no order or buyer, only `order_status`.
Statuses stay plain strings in Ozon's upper case (`NEW`, `VIEWED`, `PROCESSED`), so that one added
later is kept; counts and amounts read numbers and numeric text, and are 0 when absent. Ids are
opaque strings (UUIDs). A review without an id cannot be acted on: it is left out of its page,
with a line in `unreadable` for the client to log; any other odd field costs only itself.

The core imports these models: nothing here may pull in the HTTP client.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.ozon.fields import (
    LooseBool,
    entries_noting_unreadable,
    fold_enum,
    none_as_empty_list,
    readable_entries,
)
from bot.ozon.products import Count, Id, Moment, Text, lenient_count, lenient_text

__all__ = [
    "COMMENT_CREATE_PATH",
    "COMMENT_LIST_PATH",
    "REVIEW_CHANGE_STATUS_PATH",
    "REVIEW_COUNT_PATH",
    "REVIEW_INFO_PATH",
    "REVIEW_LIST_PATH",
    "REVIEW_STATUSES",
    "Amount",
    "Body",
    "Enum",
    "RequiredText",
    "Review",
    "ReviewComment",
    "ReviewCommentPage",
    "ReviewCount",
    "ReviewInfo",
    "ReviewPage",
    "ReviewPhoto",
    "ReviewVideo",
    "amount",
    "enum_text",
    "opaque_id",
    "plain_text",
]

REVIEW_COUNT_PATH = "/v2/review/count"
REVIEW_LIST_PATH = "/v2/review/list"
REVIEW_INFO_PATH = "/v2/review/info"
REVIEW_CHANGE_STATUS_PATH = "/v2/review/change-status"
COMMENT_CREATE_PATH = "/v1/review/comment/create"
COMMENT_LIST_PATH = "/v1/review/comment/list"
REVIEW_STATUSES = ("NEW", "VIEWED", "PROCESSED")
"""What the seller may set a review to (`/v2/review/change-status`)."""


def enum_text(value: object) -> str | None:
    """An enum spelling folded to Ozon's upper case (kept when unknown); absent, empty or not
    text: None."""
    return fold_enum(value) if isinstance(value, str) and value.strip() else None


def amount(value: object) -> int:
    """A count Ozon gives as a number or as numeric text (`"0"`); anything else is 0."""
    return lenient_count(value) or 0


def plain_text(value: object) -> str:
    """A buyer's or seller's text as written; absent, null or not text: empty."""
    return value if isinstance(value, str) else ""


def opaque_id(value: object) -> object:
    """An id that must be there: text without outer blanks (a number as text); anything else is
    left to pydantic to refuse."""
    text = lenient_text(value)
    return value if text is None else text


Enum = Annotated[str | None, BeforeValidator(enum_text)]
Amount = Annotated[int, BeforeValidator(amount)]
Body = Annotated[str, BeforeValidator(plain_text)]
RequiredText = Annotated[str, BeforeValidator(opaque_id), Field(min_length=1)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ReviewCount(_Model):
    """Answer of `/v2/review/count`: how many reviews the seller has in each status. Totals, not
    changes: a new review and one processed elsewhere leave `total - processed` as it was."""

    total: Amount = 0
    new: Amount = 0
    viewed: Amount = 0
    processed: Amount = 0


class Review(_Model):
    """One review as `/v2/review/list` gives it."""

    id: RequiredText
    sku: Id = None
    text: Body = ""
    """Empty for a rating without words."""
    rating: Count = None
    """Stars, 1..5."""
    status: Enum = None
    """`NEW`, `VIEWED` or `PROCESSED` (another value is kept as Ozon wrote it)."""
    order_status: Enum = None
    """`DELIVERED` or `CANCELLED`: what became of the order the review is about."""
    published_at: Moment = None
    is_rating_participant: LooseBool = False
    """Whether it counts towards the product's rating (a review of a cancelled order does not)."""
    comments_amount: Amount = 0
    photos_amount: Amount = 0
    videos_amount: Amount = 0


class ReviewPhoto(_Model):
    """A picture the buyer attached (a public link)."""

    url: RequiredText
    width: Count = None
    height: Count = None


class ReviewVideo(_Model):
    """A video the buyer attached (public links)."""

    url: RequiredText
    preview_url: Text = None
    short_video_preview_url: Text = None
    width: Count = None
    height: Count = None


class ReviewInfo(Review):
    """Answer of `/v2/review/info`: the review with its pictures, videos and reactions."""

    likes_amount: Amount = 0
    dislikes_amount: Amount = 0
    photos: Annotated[list[ReviewPhoto], BeforeValidator(readable_entries(ReviewPhoto))] = []
    videos: Annotated[list[ReviewVideo], BeforeValidator(readable_entries(ReviewVideo))] = []


class ReviewPage(_Model):
    """One page of `/v2/review/list`: pass `last_id` to the next call while `has_next`."""

    reviews: Annotated[list[Review], BeforeValidator(none_as_empty_list)] = []
    has_next: LooseBool = False
    last_id: Text = None
    unreadable: list[str] = []
    """One line per review that could not be read and was left out."""

    @model_validator(mode="before")
    @classmethod
    def _entry_by_entry(cls, data: Any) -> Any:
        return entries_noting_unreadable(Review, "reviews", "review")(data)


class ReviewComment(_Model):
    """A comment under a review (`/v1/review/comment/list`): the seller's (`is_owner`) or a
    buyer's. Ozon lists only comments that passed moderation."""

    id: RequiredText
    text: Body = ""
    parent_comment_id: Text = None
    """The comment this one answers; None for a comment on the review itself."""
    is_owner: LooseBool = False
    """Written by the seller."""
    is_official: LooseBool = False
    is_published: LooseBool = False
    is_rejected: LooseBool = False
    likes_amount: Amount = 0
    dislikes_amount: Amount = 0
    deviation_reason: Text = None
    """Why moderation rejected it, when it did."""
    published_at: Moment = None


class ReviewCommentPage(_Model):
    """One page of `/v1/review/comment/list`; `offset` is where the next page starts."""

    comments: Annotated[list[ReviewComment], BeforeValidator(none_as_empty_list)] = []
    offset: Count = None
    unreadable: list[str] = []
    """One line per comment that could not be read and was left out."""

    @model_validator(mode="before")
    @classmethod
    def _entry_by_entry(cls, data: Any) -> Any:
        return entries_noting_unreadable(ReviewComment, "comments", "comment")(data)
