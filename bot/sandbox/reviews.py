"""Product reviews in the stand-in: reviews as tests and the simulated buyers leave them (stars,
text, photos the stand-in serves), the seller's comments and status changes, and the six methods
over them (`/v2/review/count`, `list`, `info`, `change-status`, `/v1/review/comment/create`,
`list`).

As Ozon does: a list page holds 20..100 reviews (else 400 "Request validation error", checked
before the subscription), newest first unless asked ASC, and the next page starts after the
previous page's `last_id`; the counts follow the statuses; a comment with
`mark_review_as_processed` sets its review PROCESSED; the comment list pages by offset and holds
only moderated comments (`moderation_delay`). Without the subscription
(`reviews_subscription(False)`) every method answers Ozon's 403; without the role
(`refuse_reviews()`) the pipeline answers 403 as for any role. With `quirks`, a review's `sku` is
sometimes text, `has_next` is text, enum case varies, and so does the precision of times.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Unpack

from aiohttp import web

from bot.sandbox.feedback import (
    STATUSES,
    VALIDATION_ERROR,
    FeedbackState,
    StandInComment,
    StandInReview,
    after,
    no_subscription,
    picture_size,
    review_filter,
    review_order,
)
from bot.sandbox.model import Json, ok, parse_uint64, rpc_error, utc
from bot.sandbox.state import Methods, StandInOptions

COUNT = "/v2/review/count"
LIST = "/v2/review/list"
INFO = "/v2/review/info"
CHANGE_STATUS = "/v2/review/change-status"
COMMENT_CREATE = "/v1/review/comment/create"
COMMENT_LIST = "/v1/review/comment/list"
REVIEW_METHODS = (COUNT, LIST, INFO, CHANGE_STATUS, COMMENT_CREATE, COMMENT_LIST)
_PAGE = range(20, 101)
"""The page sizes Ozon takes for reviews and comments."""
_ORDER_STATUSES = ("DELIVERED", "CANCELLED")


class ReviewMethods(FeedbackState):
    """Reviews by id (in the order they were left) and the handlers of the review methods."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.reviews: dict[str, StandInReview] = {}
        self.reviews_subscribed = True
        """False: every review method answers Ozon's 403 for the subscription."""
        self.reviews_refused = False
        """True: the key's roles do not open the review methods."""
        self.posted_comments: list[StandInComment] = []
        """What the seller commented through the API, in order."""
        self.review_status_changes: list[tuple[str, str]] = []
        """(review id, status) of every `/v2/review/change-status`, in order."""

    def _review_methods(self) -> Methods:
        handlers = {
            COUNT: self._review_count,
            LIST: self._review_list,
            INFO: self._review_info,
            CHANGE_STATUS: self._review_change_status,
            COMMENT_CREATE: self._comment_create,
            COMMENT_LIST: self._comment_list,
        }
        return Methods(
            handlers={path: self._review_gate(path, handler) for path, handler in handlers.items()},
            roles=self._review_roles,
            refused=lambda path: self.reviews_refused and path in REVIEW_METHODS,
        )

    def _review_roles(self) -> list[Json]:
        return [] if self.reviews_refused else [{"name": "Review", "methods": [*REVIEW_METHODS]}]

    def _review_gate(
        self, path: str, handler: Callable[[Json], web.Response]
    ) -> Callable[[Json], Awaitable[web.Response]]:
        """`handler`, behind the subscription (a page size Ozon refuses before it)."""

        async def handle(body: Json) -> web.Response:
            limit = body.get("limit")
            if path in (LIST, COMMENT_LIST) and (type(limit) is not int or limit not in _PAGE):
                return rpc_error(400, VALIDATION_ERROR)
            if not self.reviews_subscribed:
                return no_subscription(path)
            return handler(body)

        return handle

    # ---- set-up ----------------------------------------------------------------------------

    def add_review(
        self,
        sku: str | int,
        text: str = "",
        *,
        rating: int = 5,
        order_status: str = "DELIVERED",
        status: str = "NEW",
        photos: Sequence[bytes] = (),
        published_at: datetime | None = None,
    ) -> str:
        """A buyer's review of a product given to `add_product`; returns its id. `photos` are
        served by the stand-in; a review of a CANCELLED order does not count towards the
        product's rating."""
        if not 1 <= rating <= 5:
            raise ValueError("rating must be 1..5")
        if order_status.upper() not in _ORDER_STATUSES or status.upper() not in STATUSES:
            raise ValueError("order_status DELIVERED or CANCELLED, status NEW, VIEWED, PROCESSED")
        moment = utc(published_at)
        review = StandInReview(
            id=self._feedback_id(moment),
            sku=self.known_product(sku),
            text=text,
            rating=rating,
            published_at=moment,
            variant=len(self.reviews),
            order_status=order_status.upper(),
            status=status.upper(),
            is_rating_participant=order_status.upper() == "DELIVERED",
        )
        for n, content in enumerate(photos):
            kind = "png" if content.startswith(b"\x89PNG") else "jpg"
            review.photos.append(
                (*self._store(content, f"photo{n + 1}.{kind}"), *picture_size(content))
            )
        self.reviews[review.id] = review
        return review.id

    def add_review_comment(self, review_id: str, text: str, *, parent_comment_id: str = "") -> str:
        """A buyer's comment under a review (shown at once); returns its id."""
        return self._comment(self.reviews[review_id], text, False, parent_comment_id).id

    def garble_review(self, review_id: str, **fields: Any) -> None:
        """From now on show a review with `fields` laid over it, as Ozon's documentation does
        not describe it. No fields: as before."""
        self.reviews[review_id].garbled = fields or None

    def reviews_subscription(self, on: bool = True) -> None:
        """Whether the seller's subscription includes reviews (off: Ozon's 403 everywhere)."""
        self.reviews_subscribed = on

    def refuse_reviews(self, refused: bool = True) -> None:
        """Answer the review methods 403, as Ozon answers a key without their role."""
        self.reviews_refused = refused

    def photo_urls(self, review_id: str) -> list[str]:
        """Where the stand-in serves a review's photos."""
        return [self._file_url(token, name) for token, name, _, _ in self.reviews[review_id].photos]

    # ---- handlers --------------------------------------------------------------------------

    def _review_count(self, body: Json) -> web.Response:
        statuses = [review.status for review in self.reviews.values()]
        counts = {status.lower(): statuses.count(status) for status in STATUSES}
        return ok({"total": len(statuses), **counts})

    def _review_list(self, body: Json) -> web.Response:
        try:
            wanted = review_filter(body.get("filters") or {})
        except ValueError as exc:
            return self._violation(LIST, str(exc))
        descending = str(body.get("sort_dir", "DESC")).upper() != "ASC"
        ordered = sorted(self.reviews.values(), key=review_order, reverse=descending)
        last_id = str(body.get("last_id") or "")
        if last_id:
            last = self.reviews.get(last_id)
            if last is None:
                return rpc_error(400, "last_id: no such review")
            ordered = after(ordered, last, review_order, descending=descending)
        chosen = [review for review in ordered if wanted(review)]
        page = chosen[: body["limit"]]
        return ok(
            {
                "reviews": [self._render_review(review) for review in page],
                "has_next": self._flag(len(chosen) > len(page)),
                "last_id": page[-1].id if page else "",
            }
        )

    def _review_info(self, body: Json) -> web.Response:
        review = self.reviews.get(body["review_id"])
        if review is None:
            return rpc_error(404, "review not found")
        photos = [
            {"url": self._file_url(token, name), "width": width, "height": height}
            for token, name, width, height in review.photos
        ]
        extra = {"likes_amount": review.likes, "dislikes_amount": review.dislikes}
        return ok({**self._render_review(review), **extra, "photos": photos, "videos": []})

    def _review_change_status(self, body: Json) -> web.Response:
        ids, status = body["review_ids"], str(body["status"]).upper()
        if not 1 <= len(ids) <= 100 or status not in STATUSES:
            return rpc_error(400, VALIDATION_ERROR)
        if any(review_id not in self.reviews for review_id in ids):
            return rpc_error(404, "review not found")
        for review_id in ids:
            self.reviews[review_id].status = status
            self.review_status_changes.append((review_id, status))
        return ok({})

    def _comment_create(self, body: Json) -> web.Response:
        review = self.reviews.get(body["review_id"])
        if review is None:
            return rpc_error(404, "review not found")
        parent = str(body.get("parent_comment_id") or "")
        if not body["text"].strip() or parent not in {"", *(c.id for c in review.comments)}:
            return rpc_error(400, VALIDATION_ERROR)
        comment = self._comment(review, body["text"], True, parent)
        self.posted_comments.append(comment)
        if body.get("mark_review_as_processed") is True:
            review.status = "PROCESSED"
        return ok({"comment_id": comment.id})

    def _comment_list(self, body: Json) -> web.Response:
        search: Json = body.get("filter") or {}
        if "review_id" in body:
            reviews = [self.reviews[body["review_id"]]] if body["review_id"] in self.reviews else []
        elif "sku" in search:
            reviews = [r for r in self.reviews.values() if r.sku == parse_uint64(search["sku"])]
        else:
            return rpc_error(400, VALIDATION_ERROR)
        comments = [c for r in reviews for c in self._shown_comments(r)]
        comments.sort(key=lambda c: c.published_at, reverse=body.get("sort_dir") == "DESC")
        offset = int(body.get("offset") or 0)
        page = comments[offset : offset + body["limit"]]
        return ok(
            {"comments": [self._render_comment(c) for c in page], "offset": offset + len(page)}
        )

    # ---- rendering -------------------------------------------------------------------------

    def _comment(
        self, review: StandInReview, text: str, by_seller: bool, parent: str
    ) -> StandInComment:
        moment = utc(None)
        comment = StandInComment(
            self._feedback_id(moment), review.id, text, moment, by_seller, parent
        )
        review.comments.append(comment)
        return comment

    def _shown_comments(self, review: StandInReview) -> list[StandInComment]:
        """The comments Ozon lists: the seller's once moderation passed them."""
        return [c for c in review.comments if not c.is_owner or self._moderated(c.created)]

    def _render_review(self, review: StandInReview) -> Json:
        shown = self._shown_comments(review)
        variant = review.variant
        return {
            "id": review.id,
            "sku": str(review.sku) if self.quirks and variant % 2 else review.sku,
            "text": review.text,
            "published_at": self._time(review.published_at, variant),
            "rating": review.rating,
            "status": self._enum(review.status, variant),
            "order_status": self._enum(review.order_status, variant),
            "is_rating_participant": review.is_rating_participant,
            "comments_amount": len(shown),
            "photos_amount": len(review.photos),
            "videos_amount": 0,
        } | (review.garbled or {})

    def _render_comment(self, comment: StandInComment) -> Json:
        return {
            "id": comment.id,
            "text": comment.text,
            "parent_comment_id": comment.parent_comment_id,
            "is_owner": comment.is_owner,
            "is_official": False,
            "is_published": True,
            "is_rejected": False,
            "likes_amount": 0,
            "dislikes_amount": 0,
            "deviation_reason": "",
            "published_at": self._time(comment.published_at, 0),
        }
