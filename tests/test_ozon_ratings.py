"""The seller's ratings: `OzonClient.rating_summary` / `rating_history` and their models against
the stand-in (`bot/sandbox/ratings.py`), held to the spec fixture's request and response schemas."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import pytest

from bot.ozon import (
    CHAT_RATINGS,
    REACTION_TIME,
    REPLIED_DIALOGS_RATIO,
    AuthProblem,
    OzonAuthError,
    OzonForbidden,
    RatingHistory,
    RatingItem,
    RatingSummary,
    RetryPolicy,
)
from bot.ozon.client import OzonClient
from bot.sandbox.ratings import DEFAULT_RATINGS, StandInRating
from tests.conftest import OZON_API_KEY, OZON_CLIENT_ID
from tests.fakes.ozon import MSG_NO_PREMIUM, FakeOzon
from tests.fakes.ozon_spec import check_schema, load_spec

SUMMARY = "/v1/rating/summary"
HISTORY = "/v1/rating/history"
AUTH = {"Client-Id": OZON_CLIENT_ID, "Api-Key": OZON_API_KEY}


@pytest.fixture
async def client(ozon: FakeOzon) -> AsyncIterator[OzonClient]:
    retry = RetryPolicy(max_attempts=4, base_delay=0.001, max_delay=0.005, rng=random.Random(3))
    async with OzonClient(ozon.url, OZON_CLIENT_ID, OZON_API_KEY, retry=retry) as c:
        yield c


def midnight(days_ago: int = 0) -> datetime:
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def row(item: RatingItem | None) -> tuple[object, ...] | None:
    """What /stats shows of a rating, in one comparable row."""
    if item is None:
        return None
    change = (item.change.direction, item.change.meaning) if item.change else None
    values = (item.current_value, item.past_value)
    return (item.name, *values, item.value_type, item.rating_direction, item.status, change)


def flags(summary: RatingSummary) -> tuple[bool, bool, bool]:
    return (summary.premium, summary.premium_plus, summary.penalty_score_exceeded)


async def test_summary_finds_the_chat_ratings_by_system_name(
    ozon: FakeOzon, client: OzonClient
) -> None:
    summary = await client.rating_summary()
    assert [g.group_name for g in summary.groups] == ["Работа с покупателями", "Логистика"]
    assert flags(summary) == (False, True, False)
    assert [row(summary.find(name)) for name in CHAT_RATINGS] == [
        ("Время реакции", 1260.0, 1500.0, "TIME", "LOWER_IS_BETTER", "OK",
         ("DIRECTION_FALL", "MEANING_GOOD")),
        ("Среднее время ответа", 2520.0, 2160.0, "TIME", "LOWER_IS_BETTER", "WARNING",
         ("DIRECTION_RISE", "MEANING_BAD")),
        ("Доля ответов в течение 24 часов", 96.5, 95.0, "PERCENT", "HIGHER_IS_BETTER", "OK",
         ("DIRECTION_RISE", "MEANING_GOOD")),
    ]  # fmt: skip
    assert summary.find("rating_on_time") is not None
    assert summary.find("rating_nobody_knows") is None
    assert ozon.requests[-1].body == {}
    assert (ozon.count(SUMMARY), client.request_count) == (1, 1)

    # Ozon renames and regroups; the system names hold.
    regrouped = [
        StandInRating(r.rating, f"{r.name} (новое)", r.current_value, r.past_value, group=group)
        for r, group in zip(DEFAULT_RATINGS, ["Чаты", "Качество", "Чаты", "Логистика"], strict=True)
    ]
    ozon.set_ratings(regrouped)
    summary = await client.rating_summary()
    assert [g.group_name for g in summary.groups] == ["Чаты", "Качество", "Логистика"]
    found = [summary.find(name) for name in CHAT_RATINGS]
    assert [item.name if item else None for item in found] == [
        "Время реакции (новое)",
        "Среднее время ответа (новое)",
        "Доля ответов в течение 24 часов (новое)",
    ]
    assert ozon.spec_violations == []


async def test_summary_without_the_chat_group(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.set_ratings(omit_chat_group=True)
    summary = await client.rating_summary()
    assert [g.group_name for g in summary.groups] == ["Логистика"]
    assert [summary.find(name) for name in CHAT_RATINGS] == [None, None, None]
    assert summary.find("rating_on_time") is not None

    ozon.set_ratings([])
    assert (await client.rating_summary()).groups == []
    ozon.set_ratings()
    assert (await client.rating_summary()).find(REACTION_TIME) is not None


async def test_an_item_in_an_unexpected_shape_still_parses(
    ozon: FakeOzon, client: OzonClient
) -> None:
    odd = {"name": None, "current_value": None, "past_value": "1500", "status": "SOMETHING_NEW",
           "value_type": "time", "rating_direction": None, "change": "rising",
           "unexpected": {"nested": [1, 2]}}  # fmt: skip
    first, *rest = DEFAULT_RATINGS
    ozon.set_ratings([StandInRating(first.rating, first.name, 1, 1, garbled=odd), *rest])
    item = (await client.rating_summary()).find(REACTION_TIME)
    assert row(item) == ("", None, 1500.0, "TIME", "UNKNOWN_DIRECTION", "SOMETHING_NEW", None)


def test_summary_models_read_what_is_there() -> None:
    raw: dict[str, Any] = {
        "groups": [
            None,
            {"group_name": None, "items": None},
            {"items": ["junk", None, {"rating": "rating_reaction_time"}, {"unknown": True}]},
        ],
        "premium": None,
        "premium_plus": "true",
    }
    summary = RatingSummary.model_validate(raw)
    assert [len(group.items) for group in summary.groups] == [0, 2]
    unknown = ("UNKNOWN_VALUE", "UNKNOWN_DIRECTION", "UNKNOWN_STATUS")
    assert row(summary.find(REACTION_TIME)) == ("", None, None, *unknown, None)
    assert flags(summary) == (False, True, False)
    assert RatingSummary.model_validate({}).groups == []
    assert RatingSummary.model_validate({"groups": None}).find(REACTION_TIME) is None


async def test_history_gives_daily_values_with_aware_dates(
    ozon: FakeOzon, client: OzonClient
) -> None:
    start, end = midnight(7), midnight()
    names = [*CHAT_RATINGS, "rating_nobody_knows"]
    history = await client.rating_history(names, start, end)
    assert ozon.requests[-1].body == {
        "ratings": names,
        "date_from": start.strftime("%Y-%m-%dT00:00:00Z"),
        "date_to": end.strftime("%Y-%m-%dT00:00:00Z"),
    }
    assert [item.rating for item in history.ratings] == list(CHAT_RATINGS)
    for item in history.ratings:
        assert len(item.values) == 7
        for day, value in enumerate(item.values):
            assert value.date_from == start + timedelta(days=day)
            assert value.date_to == value.date_from + timedelta(days=1)
            assert value.date_from.tzinfo is UTC
            assert value.value is not None
    reaction, response, replied = history.ratings
    reaction_values = [v.value for v in reaction.values if v.value is not None]
    assert reaction_values == sorted(reaction_values, reverse=True)  # falling to 1260 s
    assert 1260 < reaction_values[-1] < 1500
    thresholds = [(r.warning_threshold, r.danger_threshold) for r in (response, replied)]
    assert thresholds == [(2400.0, 0.0), (90.0, 0.0)]
    warned = [(v.value or 0) > 2400 for v in response.values]
    assert [v.status.warning for v in response.values] == warned
    assert any(warned)
    assert not any(v.status.danger or v.status.premium for v in response.values)
    assert not any(v.status.warning for v in replied.values)
    assert (ozon.count(HISTORY), client.request_count) == (1, 1)


async def test_history_dates_are_sent_as_utc(ozon: FakeOzon, client: OzonClient) -> None:
    moscow = timezone(timedelta(hours=3))
    start = datetime(2026, 10, 29, 3, 0, tzinfo=moscow)
    end = datetime(2026, 11, 28, 0, 0, 0, 250000)  # naive: UTC
    history = await client.rating_history((REACTION_TIME,), start, end)
    body = ozon.requests[-1].body
    sent = (body["date_from"], body["date_to"])
    assert sent == ("2026-10-29T00:00:00Z", "2026-11-28T00:00:00.250000Z")
    assert len(history.ratings[0].values) == 30
    with pytest.raises(ValueError, match="at least one"):
        await client.rating_history([], start, end)
    with pytest.raises(TypeError, match="not one string"):
        await client.rating_history(REACTION_TIME, start, end)
    with pytest.raises(ValueError, match="after"):
        await client.rating_history(CHAT_RATINGS, end, start)
    assert ozon.count(HISTORY) == 1


def test_history_models_leave_out_what_cannot_be_read() -> None:
    raw: dict[str, Any] = {
        "ratings": [
            {
                "rating": "rating_reaction_time",
                "danger_threshold": None,
                "values": [
                    {"date_from": "2026-11-27T00:00:00Z", "date_to": "2026-11-28T00:00:00Z",
                     "value": 1260, "status": None},
                    {"date_from": "2026-11-28T00:00:00+03:00", "date_to": "2026-11-29T00:00:00",
                     "value": "n/a", "status": {"warning": "true"}},
                    {"value": 1300},
                    None,
                ],
            },
            {"rating": "rating_replied_dialogs_ratio", "values": None},
        ],
        "premium_scores": None,
    }  # fmt: skip
    history = RatingHistory.model_validate(raw)
    reaction, replied = history.ratings
    assert reaction.danger_threshold is None
    first, second = reaction.values
    assert (first.value, first.status.warning, first.status.danger) == (1260.0, False, False)
    assert (second.value, second.status.warning) == (None, True)
    assert (first.date_from, second.date_from, second.date_to) == (
        datetime(2026, 11, 27, tzinfo=UTC),
        datetime(2026, 11, 27, 21, tzinfo=UTC),
        datetime(2026, 11, 29, tzinfo=UTC),
    )
    assert {v.date_from.tzinfo for v in reaction.values} | {second.date_to.tzinfo} == {UTC}
    assert replied.values == []
    assert RatingHistory.model_validate({}).ratings == []


async def test_a_key_without_the_rating_role_is_refused_once(
    ozon: FakeOzon, client: OzonClient
) -> None:
    ozon.refuse_ratings()
    with pytest.raises(OzonAuthError) as summary_refusal:
        await client.rating_summary()
    with pytest.raises(OzonAuthError) as history_refusal:
        await client.rating_history(CHAT_RATINGS, midnight(30), midnight())
    for refusal in (summary_refusal.value, history_refusal.value):
        assert (refusal.status, refusal.kind) == (403, AuthProblem.MISSING_ROLE)
    assert summary_refusal.value.path == SUMMARY
    assert (ozon.count(SUMMARY), ozon.count(HISTORY), client.request_count) == (1, 1, 2)
    assert (await client.list_chats()).chats == []  # the chat role is untouched

    ozon.refuse_ratings(False)
    assert (await client.rating_summary()).find(REACTION_TIME) is not None


async def test_other_refusals_and_failures(ozon: FakeOzon, client: OzonClient) -> None:
    ozon.fail_next(SUMMARY, 403, message=MSG_NO_PREMIUM)
    with pytest.raises(OzonForbidden) as caught:
        await client.rating_summary()
    assert not isinstance(caught.value, OzonAuthError)
    assert ozon.count(SUMMARY) == 1

    ozon.fail_next(HISTORY, 503)  # a read: retried
    history = await client.rating_history([REPLIED_DIALOGS_RATIO], midnight(2), midnight())
    assert [len(item.values) for item in history.ratings] == [2]
    assert ozon.count(HISTORY) == 2


async def test_stand_in_answers_conform_to_the_response_schemas(ozon: FakeOzon) -> None:
    async with httpx.AsyncClient(base_url=ozon.url, headers=AUTH, timeout=5) as http:
        summary = await http.post(SUMMARY, json={})
        body = {"ratings": [*CHAT_RATINGS, "rating_on_time"],
                "date_from": "2026-10-29T00:00:00Z", "date_to": "2026-11-28T00:00:00Z",
                "with_premium_scores": False}  # fmt: skip
        history = await http.post(HISTORY, json=body)
    assert (summary.status_code, history.status_code) == (200, 200)
    paths = load_spec()["paths"]
    assert check_schema(paths[SUMMARY]["response200Schema"], summary.json()) == []
    assert check_schema(paths[HISTORY]["response200Schema"], history.json()) == []
    assert len(summary.json()["groups"][0]["items"]) == 3
    assert [len(r["values"]) for r in history.json()["ratings"]] == [30, 30, 30, 30]
    assert ozon.spec_violations == []
    # Ozon's own example sends whole numbers where the schema says number: that conforms.
    whole = {"groups": [{"items": [{"rating": REACTION_TIME, "current_value": 1260}]}]}
    assert check_schema(paths[SUMMARY]["response200Schema"], whole) == []


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        (SUMMARY, {"ratings": []}, "ratings: unknown field"),
        (HISTORY, {"ratings": [REACTION_TIME], "date_from": "2026-10-29T00:00:00Z"}, "date_to"),
        (HISTORY, {"date_from": "2026-10-29T00:00:00Z", "date_to": "2026-11-28T00:00:00Z"},
         "ratings: required"),
        (HISTORY, {"ratings": "rating_reaction_time", "date_from": "2026-10-29T00:00:00Z",
                   "date_to": "2026-11-28T00:00:00Z"}, "expected array"),
        (HISTORY, {"ratings": [REACTION_TIME], "date_from": "29.10.2026",
                   "date_to": "2026-11-28T00:00:00Z"}, "RFC 3339"),
    ],
)  # fmt: skip
async def test_requests_outside_the_spec_are_refused(
    path: str, body: dict[str, Any], fragment: str
) -> None:
    async with (
        FakeOzon(client_id=OZON_CLIENT_ID, api_key=OZON_API_KEY) as fake,
        httpx.AsyncClient(base_url=fake.url, headers=AUTH, timeout=5) as http,
    ):
        response = await http.post(path, json=body)
        assert response.status_code == 400
        assert len(fake.spec_violations) == 1
        assert fragment in fake.spec_violations[0]
