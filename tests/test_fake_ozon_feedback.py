"""The stand-in's reviews and questions (bot/sandbox/reviews.py, questions.py), over raw HTTP:
what Ozon answers that a client could get wrong, and the controls tests and the sandbox use."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.ozon.client import OzonClient
from bot.ozon.errors import (
    FeatureOff,
    OzonAuthError,
    OzonForbidden,
    OzonNoSubscription,
    api_error,
    classify_auth_problem,
    feature_off,
)
from bot.sandbox import OzonStandIn
from bot.sandbox.pictures import png
from tests.fakes.ozon import MSG_NO_CHAT_ROLE, FakeOzon

CLIENT_ID, API_KEY = "100500", "test-ozon-key"
AUTH = {"Client-Id": CLIENT_ID, "Api-Key": API_KEY}
MUG = "1830557412"
DENIED = "rpc error: code = PermissionDenied desc = not available with existing subscription"
REVIEW_PATHS = ["/v2/review/count", "/v2/review/list", "/v2/review/info",
                "/v2/review/change-status", "/v1/review/comment/create",
                "/v1/review/comment/list"]  # fmt: skip
QUESTION_PATHS = ["/v1/question/count", "/v1/question/list", "/v1/question/info",
                  "/v1/question/change-status", "/v1/question/answer/create",
                  "/v1/question/answer/list"]  # fmt: skip


@pytest.fixture
async def ozon() -> AsyncIterator[FakeOzon]:
    async with FakeOzon(client_id=CLIENT_ID, api_key=API_KEY) as fake:
        fake.add_product(MUG, "Термокружка", "TK-450", 2490)
        yield fake
        assert fake.spec_violations == []
        assert fake.internal_errors == []


@pytest.fixture
async def http(ozon: FakeOzon) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=ozon.url, headers=AUTH, timeout=5) as client:
        yield client


def bodies(review: str, question: str) -> dict[str, Any]:
    """A valid request to each path."""
    return {
        "/v2/review/count": {},
        "/v2/review/list": {"limit": 20},
        "/v2/review/info": {"review_id": review},
        "/v2/review/change-status": {"review_ids": [review], "status": "VIEWED"},
        "/v1/review/comment/create": {"review_id": review, "text": "Спасибо!"},
        "/v1/review/comment/list": {"review_id": review, "limit": 20},
        "/v1/question/count": {},
        "/v1/question/list": {},
        "/v1/question/info": {"question_id": question},
        "/v1/question/change-status": {"question_ids": [question], "status": "VIEWED"},
        "/v1/question/answer/create": {"question_id": question, "sku": int(MUG), "text": "Да."},
        "/v1/question/answer/list": {"question_id": question, "sku": int(MUG)},
    }


async def test_without_the_subscription_every_method_answers_ozons_403(
    ozon: FakeOzon, http: httpx.AsyncClient
) -> None:
    review, question = ozon.add_review(MUG, "Хорошо"), ozon.add_question(MUG, "Есть гарантия?")
    requests = bodies(review, question)
    ozon.reviews_subscription(False)
    ozon.questions_subscription(False)
    answers = {path: await http.post(path, json=body) for path, body in requests.items()}
    assert {path: a.status_code for path, a in answers.items()} == dict.fromkeys(requests, 403)
    listed = answers["/v2/review/list"].json()
    assert listed == {"code": 7, "details": [], "message": "i.service.ReviewInfoV2: ReviewListV2 "
                      f"s.CheckSellerReviewAccess: {DENIED}"}  # fmt: skip
    messages = {path: a.json()["message"] for path, a in answers.items()}
    assert all(message.endswith(f": {DENIED}") for message in messages.values())
    assert len(set(messages.values())) == len(messages)  # a prefix per method
    assert {answers[p].json()["details"] for p in QUESTION_PATHS} == {""}  # text, not a list
    assert (ozon.reviews[review].status, ozon.posted_comments, ozon.posted_answers) == (
        "NEW", [], [])  # fmt: skip
    other = await http.post("/v3/product/info/list", json={"sku": [MUG]})
    assert other.status_code == 200  # the other methods are not the subscription's
    # Ozon checks a review page's size before the subscription: a 400 does not prove access.
    async with OzonStandIn(client_id=CLIENT_ID, api_key=API_KEY) as bare:
        bare.reviews_subscription(False)
        for size in (10, 101, "20"):
            small = await http.post(f"{bare.url}/v2/review/list", json={"limit": size})
            assert (small.status_code, small.json()["message"]) == (
                400, "Request validation error")  # fmt: skip
        assert bare.spec_violations == []


async def test_the_roles_open_the_methods(ozon: FakeOzon, http: httpx.AsyncClient) -> None:
    listed = (await http.post("/v1/roles", json={})).json()["roles"]
    roles = {role["name"]: role["methods"] for role in listed}
    assert (roles["Review"], roles["Question"]) == (REVIEW_PATHS, QUESTION_PATHS)
    ozon.refuse_reviews()
    names = {role["name"] for role in (await http.post("/v1/roles", json={})).json()["roles"]}
    assert "Review" not in names
    assert "Question" in names
    refused = await http.post("/v2/review/count", json={})
    assert (refused.status_code, refused.json()["message"]) == (403, MSG_NO_CHAT_ROLE)
    assert (await http.post("/v1/question/count", content=b"")).json() == {
        "all": 0,
        "new": 0,
        "viewed": 0,
        "processed": 0,
        "unprocessed": 0,
    }  # no body: as {}


async def test_set_up_and_what_the_seller_did(ozon: FakeOzon, http: httpx.AsyncClient) -> None:
    with pytest.raises(ValueError, match="add_product"):
        ozon.add_review("404", "Нет такого товара")
    with pytest.raises(ValueError, match="add_product"):
        ozon.add_question("404", "?")
    with pytest.raises(ValueError, match=r"1\.\.5"):
        ozon.add_review(MUG, rating=0)
    photo = png(30, 20, (10, 200, 10))
    review = ozon.add_review(MUG, "Царапина", rating=2, photos=[photo, b"\xff\xd8\xffjpeg"])
    (url, jpeg) = ozon.photo_urls(review)
    async with httpx.AsyncClient() as anonymous:  # public links, as Ozon's pictures are
        shown = await anonymous.get(url)
        assert (shown.content, shown.headers["Content-Type"]) == (photo, "image/png")
        assert (await anonymous.get(jpeg)).headers["Content-Type"] == "image/jpeg"
    info = (await http.post("/v2/review/info", json={"review_id": review})).json()
    assert [(p["width"], p["height"]) for p in info["photos"]] == [(30, 20), (0, 0)]
    products = (await http.post("/v3/product/info/list", json={"sku": [str(info["sku"])]})).json()
    assert [item["name"] for item in products["items"]] == ["Термокружка"]  # the SKU resolves

    question = ozon.add_question(MUG, "Есть гарантия?", author_name="Ирина")
    ozon.fail_next("/v1/question/answer/create", 503)  # the controls of every method work
    request = bodies(review, question)["/v1/question/answer/create"]
    assert (await http.post("/v1/question/answer/create", json=request)).status_code == 503
    assert ozon.posted_answers == []
    created = (await http.post("/v1/question/answer/create", json=request)).json()
    assert [(a.id, a.by_seller, a.text) for a in ozon.posted_answers] == [
        (created["answer_id"], True, "Да.")]  # fmt: skip
    for path in ("/v2/review/change-status", "/v1/question/change-status"):
        assert (await http.post(path, json=bodies(review, question)[path])).status_code == 200
    assert ozon.review_status_changes == [(review, "VIEWED")]
    assert ozon.question_status_changes == [(question, "VIEWED")]
    unknown = await http.post("/v1/question/info", json={"question_id": "nope"})
    assert (unknown.status_code, unknown.json()["details"]) == (404, "")


def test_ids_are_time_ordered_and_reproducible() -> None:
    made = []
    for fake in (FakeOzon(seed=3), FakeOzon(seed=3), FakeOzon(seed=4)):
        fake.add_product(MUG, "Термокружка", "TK-450", 2490)
        moments = [datetime(2026, 11, day, tzinfo=UTC) for day in (3, 1, 2)]
        made.append([fake.add_review(MUG, published_at=moment) for moment in moments])
    assert made[0] == made[1] != made[2]
    assert all(len(review_id) == 36 and review_id[14] == "7" for review_id in made[0])
    assert sorted(made[0]) == [made[0][1], made[0][2], made[0][0]]  # as their moments


def test_subscription_refusals_are_classified_apart_from_the_key() -> None:
    for message in (f"Implementation.ReviewCount error: ReviewCount error: {DENIED}",
                    f"x: {DENIED.upper()}.", f"  {DENIED} "):  # fmt: skip
        error = api_error(403, 7, message, path="/v1/review/count")
        assert isinstance(error, OzonNoSubscription)
        assert isinstance(error, OzonForbidden)  # callers catching OzonForbidden still do
        assert (feature_off(error), classify_auth_problem(403, 7, message)) == (
            FeatureOff.NO_SUBSCRIPTION, None)  # fmt: skip
        assert not error.is_retriable
    role = api_error(403, 7, MSG_NO_CHAT_ROLE, path="/v2/review/list")
    assert (type(role), feature_off(role)) == (OzonAuthError, FeatureOff.MISSING_ROLE)
    premium = api_error(403, 7, "Premium Plus subscription is required", path="/v1/chat/start")
    assert (type(premium), feature_off(premium)) == (OzonForbidden, None)
    elsewhere = api_error(401, 16, f"key: {DENIED}")  # only a 403 refuses a subscription
    assert isinstance(elsewhere, OzonAuthError)
    assert feature_off(ValueError("not Ozon")) is None


def test_no_two_method_groups_define_the_same_name() -> None:
    """The client and the stand-in are method groups combined by inheritance: a name two groups
    define would silently take one group's meaning in both."""
    for combined in (OzonClient, OzonStandIn):
        owners: dict[str, str] = {}
        groups = [c for c in combined.__mro__[1:] if c.__module__.startswith("bot.")]
        assert len(groups) >= 6
        for group in groups:
            for name, value in vars(group).items():
                if inspect.isfunction(value) and not name.startswith("__"):
                    assert name not in owners, f"{name}: {owners[name]} and {group.__name__}"
                    owners[name] = group.__name__
