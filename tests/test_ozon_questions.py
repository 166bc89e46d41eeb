"""Product questions: the `OzonClient` question methods and their models against the stand-in
(`bot/sandbox/questions.py`), held to the spec fixture's request and response schemas."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from bot.ozon import (
    AnswerPage,
    AuthProblem,
    FeatureOff,
    OzonAuthError,
    OzonBadRequest,
    OzonNoSubscription,
    OzonNotFound,
    OzonServerError,
    OzonTransportError,
    Question,
    QuestionPage,
    RetryPolicy,
    feature_off,
)
from bot.ozon.client import OzonClient
from bot.ozon.orders import extras_allowed
from tests.conftest import OZON_API_KEY, OZON_CLIENT_ID
from tests.fakes.ozon import FakeOzon
from tests.fakes.ozon_spec import check_schema, load_spec

COUNT, LIST, INFO = "/v1/question/count", "/v1/question/list", "/v1/question/info"
CHANGE, ANSWER, ANSWERS = (
    "/v1/question/change-status",
    "/v1/question/answer/create",
    "/v1/question/answer/list",
)
MUG, PLAID = "1830557412", "160249683"
AUTH = {"Client-Id": OZON_CLIENT_ID, "Api-Key": OZON_API_KEY}
START = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
REPLY = "Здравствуйте! Да, можно мыть в посудомоечной машине."


@pytest.fixture
async def client(ozon: FakeOzon) -> AsyncIterator[OzonClient]:
    retry = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005, rng=random.Random(3))
    async with OzonClient(ozon.url, OZON_CLIENT_ID, OZON_API_KEY, retry=retry) as c:
        yield c


def stock(ozon: FakeOzon) -> None:
    ozon.add_product(MUG, "Термокружка «Путник» 450 мл", "TK-450-GRY", "2490")
    ozon.add_product(PLAID, "Плед флисовый", "PLD-150-GR", "1290")


def questions(ozon: FakeOzon, count: int, sku: str = MUG) -> list[str]:
    """`count` questions about `sku`, a minute apart from START (oldest first)."""
    return [
        ozon.add_question(sku, f"Вопрос {n}?", author_name="Ирина",
                          published_at=START + timedelta(minutes=n))
        for n in range(count)
    ]  # fmt: skip


async def test_ten_a_page_newest_first_until_has_next_is_false(
    ozon: FakeOzon, client: OzonClient
) -> None:
    stock(ozon)
    ids = questions(ozon, 23)
    pages: list[QuestionPage] = [await client.list_questions()]
    while pages[-1].has_next:
        pages.append(await client.list_questions(last_id=pages[-1].last_id))
    assert [len(page.questions) for page in pages] == [10, 10, 3]
    assert [q.id for page in pages for q in page.questions] == ids[::-1]
    bodies = [r.body for r in ozon.requests if r.path == LIST]
    assert bodies[:2] == [{"filter": {"status": "ALL"}, "sort_dir": "DESC"},
                          {"filter": {"status": "ALL"}, "sort_dir": "DESC",
                           "last_id": pages[0].last_id}]  # fmt: skip
    # Ozon's quirks (a SKU and answers_count as text, "true", enum case) read evenly.
    shown = [q for page in pages for q in page.questions]
    assert {(q.sku, q.answers_count, q.status, q.author_name) for q in shown} == {
        (MUG, 0, "NEW", "Ирина")}  # fmt: skip
    oldest = shown[-1]
    assert (oldest.text, oldest.published_at) == ("Вопрос 0?", START)
    assert oldest.product_url == f"https://www.ozon.ru/product/{MUG}/"
    assert oldest.question_link == f"https://www.ozon.ru/product/{MUG}/questions/?qid=312004518"
    first = (await client.list_questions(sort_dir="asc")).questions
    assert [q.id for q in first] == ids[:10]

    async with httpx.AsyncClient(base_url=ozon.url, headers=AUTH, timeout=5) as http:
        many = await http.post(LIST, json={"limit": 100})  # at most 10, whatever limit says
    assert len(many.json()["questions"]) == 10


async def test_filters_by_status_and_period(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    old, seen, new = questions(ozon, 3)
    await client.set_question_status([old], "processed")
    await client.set_question_status([seen], "VIEWED")
    assert ozon.requests[-1].body == {"question_ids": [seen], "status": "VIEWED"}

    async def listed(**search: Any) -> list[str]:
        return [q.id for q in (await client.list_questions(**search)).questions]

    assert await listed(status="new") == [new]
    assert await listed(status="UNPROCESSED") == [new, seen]
    assert await listed(status="PROCESSED") == [old]
    since, until = START + timedelta(seconds=30), START + timedelta(minutes=1)
    assert await listed(date_from=since, date_to=until) == [seen]
    period = {"date_from": "2026-11-01T09:00:30Z", "date_to": "2026-11-01T09:01:00Z"}
    assert ozon.requests[-1].body["filter"] == {"status": "ALL", **period}
    assert ozon.question_status_changes == [(old, "PROCESSED"), (seen, "VIEWED")]


async def test_counts_follow_the_statuses(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    ids = questions(ozon, 4)
    assert (await client.question_count()).model_dump() == {
        "all": 4, "new": 4, "viewed": 0, "processed": 0, "unprocessed": 4}  # fmt: skip
    assert ozon.requests[-1].body == {}
    await client.set_question_status(ids[:2], "VIEWED")
    await client.set_question_status(ids[2:3], "PROCESSED")
    count = await client.question_count()
    assert (count.all, count.new, count.viewed, count.processed, count.unprocessed) == (
        4, 1, 2, 1, 3)  # fmt: skip


async def test_an_answer_waits_for_moderation_then_shows(
    ozon: FakeOzon, client: OzonClient
) -> None:
    stock(ozon)
    (question,) = questions(ozon, 1)
    other = ozon.add_answer(question, "У меня такая же, мою в машине.", author_name="Олег")
    ozon.moderation_delay = 3600
    answer_id = await client.answer_question(question, MUG, REPLY)
    assert ozon.requests[-1].body == {"question_id": question, "sku": int(MUG), "text": REPLY}
    assert [(a.id, a.text) for a in ozon.posted_answers] == [(answer_id, REPLY)]
    assert [a.id async for a in client.iter_answers(question, MUG)] == [other]
    assert (await client.question_info(question)).answers_count == 1
    ozon.moderation_delay = 0
    shown = [a async for a in client.iter_answers(question, MUG)]
    assert [(a.id, a.sku, a.question_id, a.status_publication) for a in shown] == [
        (other, MUG, question, "PUBLISHED"), (answer_id, MUG, question, "PUBLISHED")]  # fmt: skip
    assert shown[1].author_name == "Магазин «Уютный дом»"
    info = await client.question_info(question)
    assert (info.id, info.answers_count, info.status) == (question, 2, "NEW")  # Ozon leaves it
    assert ozon.requests[-1].body == {"question_id": question}


async def test_answers_are_read_until_an_empty_page(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    (question,) = questions(ozon, 1)
    ozon.answer_page_size = 2
    ids = [ozon.add_answer(question, f"Ответ {n}") for n in range(5)]
    assert [a.id async for a in client.iter_answers(question, MUG)] == ids
    bodies = [r.body for r in ozon.requests if r.path == ANSWERS]
    assert [b.get("last_id") for b in bodies] == [None, ids[1], ids[3], ids[4]]
    assert bodies[0] == {"question_id": question, "sku": int(MUG)}
    page = await client.question_answers(question, MUG, last_id=ids[4])
    assert (page.answers, page.last_id) == ([], None)


async def test_mistakes_are_caught_before_ozon_is_asked(client: OzonClient) -> None:
    calls: list[Any] = [
        lambda: client.list_questions(status="OLD"),
        lambda: client.list_questions(sort_dir="UP"),
        lambda: client.question_info(""),
        lambda: client.set_question_status([], "NEW"),
        lambda: client.set_question_status(["q"], "UNPROCESSED"),
        lambda: client.answer_question("q", MUG, "Д"),
        lambda: client.answer_question("q", MUG, "Д" * 3001),
        lambda: client.answer_question("q", "0", REPLY),
        lambda: client.answer_question("q", "abc", REPLY),
        lambda: client.question_answers(" ", MUG),
    ]
    for call in calls:
        with pytest.raises(ValueError):  # noqa: PT011 - each names its own argument
            await call()
    with pytest.raises(TypeError):
        await client.set_question_status("q", "NEW")
    assert client.request_count == 0


async def test_refusals_and_errors(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    (question,) = questions(ozon, 1)
    calls: list[tuple[str, Any]] = [
        (COUNT, client.question_count),
        (LIST, client.list_questions),
        (INFO, lambda: client.question_info(question)),
        (CHANGE, lambda: client.set_question_status([question], "VIEWED")),
        (ANSWER, lambda: client.answer_question(question, MUG, REPLY)),
        (ANSWERS, lambda: client.question_answers(question, MUG)),
    ]
    ozon.questions_subscription(False)
    for path, call in calls:
        with pytest.raises(OzonNoSubscription) as caught:
            await call()
        assert (feature_off(caught.value), caught.value.path, caught.value.details) == (
            FeatureOff.NO_SUBSCRIPTION, path, [])  # fmt: skip
    assert client.request_count == len(calls)
    ozon.questions_subscription(True)
    ozon.refuse_questions()
    for _, call in calls:
        with pytest.raises(OzonAuthError) as refused:
            await call()
        assert feature_off(refused.value) is FeatureOff.MISSING_ROLE
        assert refused.value.kind is AuthProblem.MISSING_ROLE
    allowed = extras_allowed(await client.roles())
    assert (allowed["questions"], allowed["question_answers"], allowed["reviews"]) == (
        False, False, True)  # fmt: skip
    ozon.refuse_questions(False)

    with pytest.raises(OzonNotFound) as unknown:
        await client.question_info("019a3f77-0000-7000-8000-000000000000")
    assert (unknown.value.message, unknown.value.details) == ("question not found", [])
    with pytest.raises(OzonBadRequest) as wrong_sku:  # Ozon's details: one string
        await client.answer_question(question, PLAID, REPLY)
    assert wrong_sku.value.details == ["sku: not the product of the question"]
    assert feature_off(wrong_sku.value) is None
    assert ozon.posted_answers == []


async def test_an_answer_is_never_sent_twice(ozon: FakeOzon, client: OzonClient) -> None:
    stock(ozon)
    (question,) = questions(ozon, 1)
    ozon.fail_next(ANSWER, 500)
    with pytest.raises(OzonServerError):
        await client.answer_question(question, MUG, REPLY)
    ozon.drop_response_after_apply(ANSWER)
    with pytest.raises(OzonTransportError) as lost:
        await client.answer_question(question, MUG, REPLY)
    assert (lost.value.outcome_unknown, ozon.count(ANSWER), len(ozon.posted_answers)) == (
        True, 2, 1)  # fmt: skip
    ozon.fail_next(ANSWER, 429, retry_after=0)  # refused before anything: sent again
    await client.answer_question(question, MUG, REPLY)
    assert (ozon.count(ANSWER), len(ozon.posted_answers)) == (4, 2)
    ozon.fail_next(COUNT, 502, count=3)  # a read: repeated
    assert (await client.question_count()).all == 1
    assert ozon.count(COUNT) == 4


def test_models_read_what_is_there() -> None:
    raw: dict[str, Any] = {
        "questions": [
            {"id": "q1", "sku": "1489157301", "answers_count": "0", "status": "Viewed",
             "published_at": "2026-10-28T07:55:12.604Z", "author_name": "", "text": 5},
            {"text": "без id"},
            {"id": "q2", "answers_count": "много", "published_at": 1730000000, "sku": None},
        ],
        "has_next": "false",
        "last_id": "q2",
    }  # fmt: skip
    page = QuestionPage.model_validate(raw)
    first, second = page.questions
    assert (first.sku, first.answers_count, first.status, first.author_name, first.text) == (
        "1489157301", 0, "VIEWED", None, "")  # fmt: skip
    assert first.published_at == datetime(2026, 10, 28, 7, 55, 12, 604000, tzinfo=UTC)
    assert (second.answers_count, second.published_at, second.sku) == (0, None, None)
    assert (page.has_next, page.last_id, len(page.unreadable)) == (False, "q2", 1)
    assert page.unreadable[0].startswith("question without an id: id:")
    answers = AnswerPage.model_validate({"answers": [{"id": "a", "sku": 148591503,
                                                      "status_publication": "awaiting_moderation"},
                                                     {"sku": 1}], "last_id": ""})  # fmt: skip
    assert [(a.sku, a.status_publication) for a in answers.answers] == [
        ("148591503", "AWAITING_MODERATION")]  # fmt: skip
    assert (answers.last_id, len(answers.unreadable)) == (None, 1)
    assert Question.model_validate({"id": " q "}).id == "q"


async def test_stand_in_answers_follow_the_schemas(ozon: FakeOzon) -> None:
    paths = load_spec()["paths"]
    async with FakeOzon(client_id=OZON_CLIENT_ID, api_key=OZON_API_KEY, quirks=False) as canon:
        for fake in (canon, ozon):
            stock(fake)
            for question in questions(fake, 2):
                fake.add_answer(question, "Да")
            about = {"question_id": question, "sku": int(MUG)}
            calls = [(COUNT, {}), (LIST, {}), (INFO, {"question_id": question}), (ANSWERS, about),
                     (CHANGE, {"question_ids": [question], "status": "VIEWED"}),
                     (ANSWER, {**about, "text": REPLY})]  # fmt: skip
            async with httpx.AsyncClient(base_url=fake.url, headers=AUTH, timeout=5) as http:
                for path, body in calls:
                    answer = await http.post(path, json=body)
                    assert answer.status_code == 200
                    problems = check_schema(paths[path]["response200Schema"], answer.json())
                    if fake is ozon:  # Ozon's quirks: numbers and booleans as text
                        problems = [p for p in problems if not p.endswith("got string")]
                    assert problems == []
        async with httpx.AsyncClient(base_url=canon.url, headers=AUTH, timeout=5) as http:
            for path, bad, fragment in [
                (LIST, {"filter": {"status": "OLD"}}, "is not one of"),
                (CHANGE, {"question_ids": ["x"], "status": "DONE"}, "is not one of"),
                (ANSWER, {"question_id": "x", "sku": int(MUG), "text": "Д"}, "below 2"),
                (ANSWER, {"question_id": "x", "text": REPLY}, "sku: required"),
                (ANSWERS, {"question_id": "x"}, "sku: required"),
            ]:
                assert (await http.post(path, json=bad)).status_code == 400
                assert fragment in canon.spec_violations.pop()
