"""Product reviews: the `OzonClient` review methods and their models against the stand-in
(`bot/sandbox/reviews.py`), held to the spec fixture's request and response schemas."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.ozon import (
    AuthProblem,
    FeatureOff,
    OzonAuthError,
    OzonForbidden,
    OzonNoSubscription,
    OzonServerError,
    OzonTransportError,
    RetryPolicy,
    ReviewInfo,
    ReviewPage,
    feature_off,
)
from bot.ozon.client import OzonClient
from bot.ozon.orders import extras_allowed
from bot.sandbox.pictures import png
from tests.conftest import OZON_API_KEY, OZON_CLIENT_ID
from tests.fakes.ozon import FakeOzon
from tests.fakes.ozon_spec import check_schema, load_spec

COUNT, LIST, INFO = "/v2/review/count", "/v2/review/list", "/v2/review/info"
CHANGE, CREATE, COMMENTS = (
    "/v2/review/change-status",
    "/v1/review/comment/create",
    "/v1/review/comment/list",
)
MUG, PLAID = "1830557412", "160249683"
AUTH = {"Client-Id": OZON_CLIENT_ID, "Api-Key": OZON_API_KEY}
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


class Held:
    """Observer of the client: the pauses Ozon's 429 imposed."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def request(self, path: str, outcome: str) -> None:
        return None

    def rate_limited(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
async def client(ozon: FakeOzon) -> AsyncIterator[OzonClient]:
    retry = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005, rng=random.Random(3))
    async with OzonClient(ozon.url, OZON_CLIENT_ID, OZON_API_KEY, retry=retry) as c:
        yield c


def stock(ozon: FakeOzon) -> None:
    ozon.add_product(MUG, "Термокружка «Путник» 450 мл", "TK-450-GRY", "2490")
    ozon.add_product(PLAID, "Плед флисовый", "PLD-150-GR", "1290")


def reviews(ozon: FakeOzon, count: int, **details: Any) -> list[str]:
    """`count` reviews of the mug, a minute apart from START (oldest first)."""
    return [
        ozon.add_review(MUG, f"Отзыв {n}", published_at=START + timedelta(minutes=n), **details)
        for n in range(count)
    ]


async def test_pages_newest_first_until_has_next_is_false(
    ozon: FakeOzon, client: OzonClient
) -> None:
    stock(ozon)
    ids = reviews(ozon, 45)
    pages: list[ReviewPage] = [await client.list_reviews(limit=20)]
    while pages[-1].has_next:
        pages.append(await client.list_reviews(limit=20, last_id=pages[-1].last_id))
    assert [len(page.reviews) for page in pages] == [20, 20, 5]
    assert [r.id for page in pages for r in page.reviews] == ids[::-1]
    assert all(page.last_id == page.reviews[-1].id for page in pages)
    bodies = [r.body for r in ozon.requests if r.path == LIST]
    second = {"limit": 20, "sort_dir": "DESC", "last_id": pages[0].last_id}
    assert bodies[:2] == [{"limit": 20, "sort_dir": "DESC"}, second]
    # Ozon's quirks (a SKU as text, "true", enum case, times to the ms or none) read evenly.
    first = pages[-1].reviews[-1]
    assert (first.sku, first.text, first.rating, first.status, first.order_status) == (
        MUG, "Отзыв 0", 5, "NEW", "DELIVERED")  # fmt: skip
    assert {r.sku for page in pages for r in page.reviews} == {MUG}
    assert {r.status for page in pages for r in page.reviews} == {"NEW"}
    newest = [START + timedelta(minutes=44), START + timedelta(minutes=43)]
    assert [r.published_at for r in pages[0].reviews[:2]] == newest
    oldest = await client.list_reviews(limit=20, sort_dir="asc")
    assert [r.id for r in oldest.reviews] == ids[:20]


async def test_filters_narrow_the_list(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    old, new = reviews(ozon, 2)
    refused = ozon.add_review(PLAID, "Отказался", rating=2, order_status="CANCELLED")
    await client.set_review_status([old], "PROCESSED")

    async def listed(**filters: Any) -> list[str]:
        return [r.id for r in (await client.list_reviews(**filters)).reviews]

    assert await listed(status="new") == [refused, new]
    assert await listed(order_status="CANCELLED") == [refused]
    assert await listed(skus=[MUG, "0", ""]) == [new, old]
    assert ozon.requests[-1].body["filters"] == {"skus": [MUG]}
    since, until = START + timedelta(seconds=30), START + timedelta(minutes=5)
    assert await listed(published_from=since, published_to=until) == [new]
    period = {"published_from": "2026-11-01T09:00:30Z", "published_to": "2026-11-01T09:05:00Z"}
    assert ozon.requests[-1].body["filters"] == period
    assert await listed(status="ALL", order_status="all") == [refused, new, old]
    assert "filters" not in ozon.requests[-1].body


async def test_one_review_with_its_photos(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    photos = [png(40, 30, (200, 30, 30)), png(16, 24, (30, 30, 200))]
    with_photos = ozon.add_review(MUG, "Трещина на крышке", rating=2, photos=photos)
    cancelled = ozon.add_review(PLAID, rating=1, order_status="CANCELLED")
    info = await client.review_info(with_photos)
    assert isinstance(info, ReviewInfo)
    assert (info.rating, info.photos_amount, info.videos, info.is_rating_participant) == (
        2, 2, [], True)  # fmt: skip
    assert [(p.width, p.height) for p in info.photos] == [(40, 30), (16, 24)]
    async with httpx.AsyncClient() as http:
        served = [(await http.get(photo.url)).content for photo in info.photos]
    assert served == photos
    assert [p.url for p in info.photos] == ozon.photo_urls(with_photos)
    refused = await client.review_info(cancelled)
    assert (refused.text, refused.order_status, refused.is_rating_participant) == (
        "", "CANCELLED", False)  # fmt: skip
    assert ozon.requests[-1].body == {"review_id": cancelled}


async def test_statuses_and_counts_move_together(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    ids = reviews(ozon, 4)
    assert (await client.review_count()).model_dump() == {
        "total": 4, "new": 4, "viewed": 0, "processed": 0}  # fmt: skip
    assert ozon.requests[-1].body == {}
    await client.set_review_status(ids[:2], "viewed")
    await client.set_review_status([ids[0], ids[0]], "PROCESSED")
    assert ozon.requests[-1].body == {"review_ids": [ids[0]], "status": "PROCESSED"}
    assert ozon.review_status_changes == [(ids[0], "VIEWED"), (ids[1], "VIEWED"),
                                          (ids[0], "PROCESSED")]  # fmt: skip
    comment = await client.comment_review(ids[2], "Спасибо за отзыв!", mark_processed=True)
    assert ozon.requests[-1].body == {"review_id": ids[2], "text": "Спасибо за отзыв!",
                                      "mark_review_as_processed": True}  # fmt: skip
    await client.comment_review(ids[3], "Рады, что понравилось.")
    count = await client.review_count()
    assert (count.total, count.new, count.viewed, count.processed) == (4, 1, 1, 2)
    assert [c.id for c in ozon.posted_comments] == [comment, ozon.posted_comments[1].id]
    assert [(c.review_id, c.is_owner) for c in ozon.posted_comments] == [
        (ids[2], True), (ids[3], True)]  # fmt: skip


async def test_comments_page_by_offset_and_wait_for_moderation(
    ozon: FakeOzon, client: OzonClient
) -> None:
    stock(ozon)
    (review,) = reviews(ozon, 1)
    buyers = [ozon.add_review_comment(review, f"Согласен {n}") for n in range(25)]
    first = await client.review_comments(review, limit=20)
    second = await client.review_comments(review, limit=20, offset=first.offset or 0)
    assert ([c.id for c in first.comments + second.comments], first.offset, second.offset) == (
        buyers, 20, 25)  # fmt: skip
    assert ozon.requests[-1].body == {"review_id": review, "limit": 20, "offset": 20,
                                      "sort_dir": "ASC"}  # fmt: skip
    assert not any(c.is_owner for c in first.comments)

    ozon.moderation_delay = 3600
    mine = await client.comment_review(review, "Спасибо!", parent_comment_id=buyers[0])
    assert ozon.requests[-1].body["parent_comment_id"] == buyers[0]
    page = await client.review_comments(review, limit=100)
    assert mine not in [c.id for c in page.comments]  # Ozon lists only moderated comments
    assert (await client.list_reviews(limit=20)).reviews[0].comments_amount == 25
    ozon.moderation_delay = 0
    page = await client.review_comments(review, limit=100, sort_dir="DESC")
    latest = page.comments[0]
    assert (latest.id, latest.is_owner, latest.parent_comment_id, latest.text) == (
        mine, True, buyers[0], "Спасибо!")  # fmt: skip
    assert (await client.review_info(review)).status == "NEW"  # not asked to process


async def test_mistakes_are_caught_before_ozon_is_asked(client: OzonClient) -> None:
    calls: list[Any] = [
        lambda: client.list_reviews(limit=19),
        lambda: client.list_reviews(limit=101),
        lambda: client.list_reviews(sort_dir="UP"),
        lambda: client.list_reviews(status="OLD"),
        lambda: client.list_reviews(order_status="LOST"),
        lambda: client.list_reviews(skus=["0", "abc"]),
        lambda: client.review_info(" "),
        lambda: client.set_review_status([], "NEW"),
        lambda: client.set_review_status([f"r{n}" for n in range(101)], "NEW"),
        lambda: client.set_review_status(["r1"], "DONE"),
        lambda: client.comment_review("r1", "  "),
        lambda: client.review_comments("r1", limit=10),
        lambda: client.review_comments("r1", offset=-1),
    ]
    for call in calls:
        with pytest.raises(ValueError):  # noqa: PT011 - each names its own argument
            await call()
    with pytest.raises(TypeError):
        await client.set_review_status("r1", "NEW")
    with pytest.raises(TypeError):
        await client.list_reviews(skus=MUG)
    assert client.request_count == 0


async def test_no_subscription_and_no_role_are_told_apart(
    ozon: FakeOzon, client: OzonClient
) -> None:
    stock(ozon)
    (review,) = reviews(ozon, 1)
    calls: list[tuple[str, Any]] = [
        (COUNT, client.review_count),
        (LIST, lambda: client.list_reviews(limit=20)),
        (INFO, lambda: client.review_info(review)),
        (CHANGE, lambda: client.set_review_status([review], "VIEWED")),
        (CREATE, lambda: client.comment_review(review, "Спасибо!")),
        (COMMENTS, lambda: client.review_comments(review)),
    ]
    ozon.reviews_subscription(False)
    for path, call in calls:
        with pytest.raises(OzonNoSubscription) as caught:
            await call()
        assert (feature_off(caught.value), caught.value.path, caught.value.code) == (
            FeatureOff.NO_SUBSCRIPTION, path, 7)  # fmt: skip
        assert caught.value.message.endswith(
            "rpc error: code = PermissionDenied desc = not available with existing subscription"
        )
    assert client.request_count == len(calls)  # none repeated
    assert extras_allowed(await client.roles())["reviews"]  # the role is there all the same

    ozon.reviews_subscription(True)
    ozon.refuse_reviews()
    for path, call in calls:
        with pytest.raises(OzonAuthError) as refused:
            await call()
        assert (refused.value.kind, feature_off(refused.value)) == (
            AuthProblem.MISSING_ROLE, FeatureOff.MISSING_ROLE)  # fmt: skip
        assert ozon.count(path) == 2
    allowed = extras_allowed(await client.roles())
    assert (allowed["reviews"], allowed["review_comments"], allowed["ratings"]) == (
        False, False, True)  # fmt: skip

    ozon.refuse_reviews(False)
    ozon.fail_next(CREATE, 403, message="Offer not signed")
    with pytest.raises(OzonForbidden) as other:
        await client.comment_review(review, "Спасибо!")
    assert not isinstance(other.value, OzonNoSubscription | OzonAuthError)
    assert feature_off(other.value) is None
    assert ozon.posted_comments == []


async def test_a_write_is_never_repeated_once_it_may_have_arrived(
    ozon: FakeOzon, client: OzonClient
) -> None:
    stock(ozon)
    (review,) = reviews(ozon, 1)
    ozon.fail_next(CREATE, 502)
    with pytest.raises(OzonServerError) as failed:
        await client.comment_review(review, "Спасибо!")
    assert (failed.value.outcome_unknown, ozon.count(CREATE), ozon.posted_comments) == (
        True, 1, [])  # fmt: skip
    ozon.drop_response_after_apply(CREATE)
    with pytest.raises(OzonTransportError) as lost:
        await client.comment_review(review, "Спасибо!")
    assert lost.value.may_have_arrived
    assert (ozon.count(CREATE), len(ozon.posted_comments)) == (2, 1)  # applied once
    ozon.fail_next(CHANGE, 500)
    with pytest.raises(OzonServerError):
        await client.set_review_status([review], "VIEWED")
    assert (ozon.count(CHANGE), ozon.review_status_changes) == (1, [])

    ozon.fail_next(LIST, 503, count=2)  # a read is repeated
    assert len((await client.list_reviews(limit=20)).reviews) == 1
    assert ozon.count(LIST) == 3


async def test_429_holds_every_call_then_the_write_goes_through(ozon: FakeOzon) -> None:
    stock(ozon)
    (review,) = reviews(ozon, 1)
    held = Held()
    retry = RetryPolicy(max_attempts=3, base_delay=0.001, max_delay=0.005)
    async with OzonClient(ozon.url, OZON_CLIENT_ID, OZON_API_KEY, retry=retry,
                          observer=held) as c:  # fmt: skip
        ozon.fail_next(CREATE, 429, retry_after=0.4)
        assert await c.comment_review(review, "Спасибо!") == ozon.posted_comments[0].id
    assert (ozon.count(CREATE), len(ozon.posted_comments)) == (2, 1)
    assert held.seconds == [pytest.approx(1.0, abs=0.05)]  # Retry-After: 1 (whole seconds)


def test_models_read_what_is_there() -> None:
    raw: dict[str, Any] = {
        "reviews": [
            {"id": "r1", "sku": "148591503", "rating": "4", "status": "new", "text": None,
             "order_status": "Delivered", "is_rating_participant": "true",
             "published_at": "2024-10-10T07:23:55.970Z", "comments_amount": "2", "x": 1},
            {"sku": 1, "text": "без id"},
            "junk",
            {"id": 7, "published_at": "garbage", "rating": True, "photos_amount": None},
        ],
        "has_next": "true",
        "last_id": "",
    }  # fmt: skip
    page = ReviewPage.model_validate(raw)
    first, second = page.reviews
    assert (first.sku, first.rating, first.status, first.text, first.order_status) == (
        "148591503", 4, "NEW", "", "DELIVERED")  # fmt: skip
    assert (first.is_rating_participant, first.comments_amount) == (True, 2)
    assert first.published_at == datetime(2024, 10, 10, 7, 23, 55, 970000, tzinfo=UTC)
    assert (second.id, second.published_at, second.rating, second.photos_amount) == (
        "7", None, None, 0)  # fmt: skip
    assert (page.has_next, page.last_id) == (True, None)
    assert [line.split(":")[:2] for line in page.unreadable] == [
        ["review without an id", " id"], ["review without an id", " entry"]]  # fmt: skip
    info = ReviewInfo.model_validate({"id": "r", "photos": [{"url": "a.jpg", "width": "1200"},
                                                            {"width": 5}, None],
                                      "videos": None, "likes_amount": "3"})  # fmt: skip
    assert ([(p.url, p.width, p.height) for p in info.photos], info.videos) == (
        [("a.jpg", 1200, None)], [])  # fmt: skip
    assert info.likes_amount == 3
    assert ReviewPage.model_validate({"reviews": None}).reviews == []


async def test_an_unreadable_review_costs_only_itself_and_is_logged_once(
    ozon: FakeOzon, client: OzonClient, caplog: pytest.LogCaptureFixture
) -> None:
    stock(ozon)
    odd, fine = reviews(ozon, 2)
    ozon.garble_review(odd, id=None, rating="пять")
    for _ in range(2):  # read again (the next poll): the operator was told already
        page = await client.list_reviews(limit=20)
        assert [r.id for r in page.reviews] == [fine]
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    assert len(errors) == 1
    assert "1 review(s), left out" in errors[0]
    assert "review without an id: id:" in errors[0]
    ozon.garble_review(odd)
    assert len((await client.list_reviews(limit=20)).reviews) == 2


async def test_stand_in_answers_follow_the_schemas(ozon: FakeOzon) -> None:
    paths = load_spec()["paths"]
    async with FakeOzon(client_id=OZON_CLIENT_ID, api_key=OZON_API_KEY, quirks=False) as canon:
        for fake in (canon, ozon):
            stock(fake)
            (review,) = reviews(fake, 1, photos=[png(4, 4, (1, 2, 3))])
            fake.add_review_comment(review, "Согласен")
            calls = [(COUNT, {}), (LIST, {"limit": 20}), (INFO, {"review_id": review}),
                     (COMMENTS, {"review_id": review, "limit": 20}),
                     (CHANGE, {"review_ids": [review], "status": "VIEWED"}),
                     (CREATE, {"review_id": review, "text": "Спасибо!"})]  # fmt: skip
            async with httpx.AsyncClient(base_url=fake.url, headers=AUTH, timeout=5) as http:
                for path, body in calls:
                    answer = await http.post(path, json=body)
                    assert answer.status_code == 200
                    problems = check_schema(paths[path]["response200Schema"], answer.json())
                    if fake is ozon:  # Ozon's quirks: a SKU as text, "true", enum case
                        problems = [p for p in problems if not p.endswith("got string")
                                    and "is not one of" not in p]  # fmt: skip
                    assert problems == []
        async with httpx.AsyncClient(base_url=canon.url, headers=AUTH, timeout=5) as http:
            for path, bad, fragment in [
                (LIST, {"limit": 10}, "out of range 20..100"),
                (LIST, {"limit": 20, "filters": {"skus": [1]}}, "expected string"),
                (CHANGE, {"review_ids": ["x"]}, "status: required"),
                (COMMENTS, {"limit": 20}, "one of review_id, filter is required"),
                (CREATE, {"review_id": "x"}, "text: required"),
            ]:
                assert (await http.post(path, json=bad)).status_code == 400
                assert fragment in canon.spec_violations.pop()
