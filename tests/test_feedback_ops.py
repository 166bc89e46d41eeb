"""Reviews and questions on the help desk and in operations, end to end: /queue lists them after
the buyer chats, reminders name waiting questions once per threshold, /stats counts them per
kind, a subscription Ozon refuses is one /status line and one alert with no retry storm while
the chats go on, an idle poll costs the two count calls, and /metrics counts posts and answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.feedback_helpers import FEEDBACK, MUG, post, posted, reaction, reply, with_product
from tests.process import free_port
from tests.test_metrics import scrape, value
from tests.waiting import wait_for

Bridge = Callable[..., Any]
LIST_PATHS = ("/v2/review/list", "/v1/question/list", "/v2/review/info")


def general(tg: FakeTelegram) -> list[str]:
    return [m.text or "" for m in tg.thread_messages(None)]


def private(tg: FakeTelegram, user: int) -> list[str]:
    return [text for chat_id, text in tg.private_sent if chat_id == user]


async def test_queue_lists_unanswered_questions_and_low_reviews_after_the_chats(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Где мой заказ?", order_number="8080-1")
    now = datetime.now(UTC)
    ozon.add_question(MUG, "Можно ли мыть?", published_at=now - timedelta(hours=3))
    ozon.add_question(MUG, "Уже отвеченный вопрос")
    ozon.add_review(MUG, "Ужасно", rating=1, published_at=now - timedelta(hours=2))
    ozon.add_review(MUG, "Прекрасно", rating=5)
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Уже отвеченный") == 1, within=15)
        await wait_for(lambda: posted(tg, "Прекрасно") == 1, within=15)
        await wait_for(lambda: "Где мой заказ?" in tg.shown(), within=15)
        answered = reply(tg, post(tg, "Уже отвеченный"), "Да")
        await wait_for(lambda: reaction(tg, answered) == "👌", within=15)
        tg.private_message("/queue", from_id=tg.owner_id)
        await wait_for(lambda: bool(private(tg, tg.owner_id)), within=15, what="/queue")
    (queue,) = private(tg, tg.owner_id)
    chats = queue.index("Ждут ответа: 1")
    ozon_part = queue.index("Ждут ответа на Ozon: 2")
    assert chats < ozon_part  # after the buyer chats
    lines = queue[ozon_part:].splitlines()
    assert lines[1].startswith("1. ❓ вопрос — Термокружка")
    assert "ждёт 3 ч" in lines[1]
    assert lines[2].startswith("2. ⭐ отзыв — Термокружка")
    assert "ждёт 2 ч" in lines[2]
    assert "Прекрасно" not in queue  # five stars wait for no one


async def test_reminders_name_a_waiting_question_once_per_threshold(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_question(MUG, "Сколько держит тепло?")
    settings = {"reply_reminders": "1s,2s", "reminder_check_seconds": 0.3, **FEEDBACK}
    async with bridge(**settings):
        await wait_for(lambda: posted(tg, "Сколько держит тепло?") == 1, within=15)
        await wait_for(
            lambda: any("дольше 2 с" in text for text in general(tg)), within=15, what="2 s"
        )
        seen = len(general(tg))
        checks = ozon.count("/v1/question/count")
        await wait_for(lambda: ozon.count("/v1/question/count") >= checks + 3, within=15)
        assert len(general(tg)) == seen  # each threshold once
    reminders = [text for text in general(tg) if "Вопросы покупателей ждут ответа" in text]
    assert len(reminders) <= 2
    assert all("Термокружка" in text for text in reminders)


async def test_stats_count_reviews_and_questions_per_kind(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_review(MUG, "Нормально", rating=4)
    ozon.add_review(MUG, "Плохо", rating=2)
    ozon.add_question(MUG, "Есть гарантия?")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Плохо") == 1, within=15)
        await wait_for(lambda: posted(tg, "Есть гарантия?") == 1, within=15)
        await wait_for(lambda: posted(tg, "Нормально") == 1, within=15)
        answered = reply(tg, post(tg, "Плохо"), "Разберёмся")
        await wait_for(lambda: reaction(tg, answered) == "👌", within=15)
        tg.user_message("/stats", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: any("Отзывы и вопросы" in t for t in general(tg)), within=30)
    (text,) = [t for t in general(tg) if "Отзывы и вопросы" in t]
    assert "Отзывы за 7 дн: 2, отвечено 50%, медиана до ответа меньше минуты" in text
    assert "Отзывы за 30 дн: 2, отвечено 50%" in text
    assert "Вопросы за 7 дн: 1, отвечено 0%, медиана до ответа ещё ни на один не ответили" in text
    # The team's figures count replies to buyer chats: the answer to a review is not one.
    assert "Ответов из Telegram за период не было" in text


async def test_a_subscription_ozon_refuses_is_one_line_one_alert_and_no_retry_storm(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.reviews_subscription(False)
    ozon.add_review(MUG, "Не должен появиться")
    ozon.add_question(MUG, "Вопрос всё равно придёт")
    chat = ozon.add_chat()
    ozon.add_message(chat, "Чаты работают?", order_number="9090-1")
    async with bridge(alert_check_seconds=0.2, **FEEDBACK):
        await wait_for(lambda: "Чаты работают?" in tg.shown(), within=15)
        await wait_for(lambda: posted(tg, "Вопрос всё равно придёт") == 1, within=15)
        alert = "Отзывы не приходят"
        await wait_for(lambda: any(alert in t for t in general(tg)), within=15, what="alert")
        polls = ozon.count("/v1/question/count")
        await wait_for(lambda: ozon.count("/v1/question/count") >= polls + 3, within=15)
        tg.user_message("/status", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: any("Состояние бриджа" in t for t in general(tg)), within=15)
        ozon.add_message(chat, "И после отказа тоже")
        await wait_for(lambda: "И после отказа тоже" in tg.shown(), within=15)
    alerts = [t for t in general(tg) if t.startswith("⚠️ Отзывы не приходят")]
    assert len(alerts) == 1
    assert "«Управления отзывами» или Premium Pro" in alerts[0]
    assert "REVIEWS_ENABLED" in alerts[0]
    (status,) = [t for t in general(tg) if "Состояние бриджа" in t]
    assert "⚠️ Отзывы не приходят: Ozon отказывает — в подписке нет «Управления отзывами»" in status
    assert "Вопросы не приходят" not in status
    # Asked once, not at every poll: Ozon is asked again an hour later.
    assert ozon.count("/v2/review/count") == 1
    assert ozon.count("/v2/review/list") == 0
    assert posted(tg, "Не должен появиться") == 0


async def test_an_idle_poll_costs_the_two_count_calls(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_review(MUG, "Один отзыв")
    ozon.add_question(MUG, "Один вопрос")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Один отзыв") == 1, within=15)
        await wait_for(lambda: posted(tg, "Один вопрос") == 1, within=15)
        start = {path: ozon.count(path) for path in ("/v2/review/count", "/v1/question/count")}
        lists = sum(ozon.count(path) for path in LIST_PATHS)
        others = len(ozon.requests)
        await wait_for(lambda: ozon.count("/v2/review/count") >= start["/v2/review/count"] + 5)
        polls = ozon.count("/v2/review/count") - start["/v2/review/count"]
        questions = ozon.count("/v1/question/count") - start["/v1/question/count"]
        feedback_calls = [
            r.path
            for r in ozon.requests[others:]
            if r.path.startswith(("/v2/review", "/v1/review", "/v1/question"))
        ]
    assert sum(ozon.count(path) for path in LIST_PATHS) == lists
    assert abs(polls - questions) <= 1
    assert set(feedback_calls) == {"/v2/review/count", "/v1/question/count"}


async def test_metrics_count_posts_and_answers_by_kind(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_review(MUG, "Отзыв для метрик", rating=3)
    ozon.add_question(MUG, "Вопрос для метрик")
    port = free_port()
    async with (
        bridge(push_port=port, **FEEDBACK),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http,
    ):
        await wait_for(lambda: posted(tg, "Отзыв для метрик") == 1, within=15)
        await wait_for(lambda: posted(tg, "Вопрос для метрик") == 1, within=15)
        ozon.fail_next("/v1/question/answer/create", 400, message="text: forbidden words")
        reply(tg, post(tg, "Отзыв для метрик"), "Спасибо!")
        failed = reply(tg, post(tg, "Вопрос для метрик"), "Ответ, который Ozon отклонит")
        await wait_for(lambda: reaction(tg, failed) == "👎", within=15)

        async def counted() -> bool:
            samples = await scrape(http)
            return (
                value(samples, "ozon_bridge_feedback_posted_total", kind="review") == 1
                and value(samples, "ozon_bridge_feedback_posted_total", kind="question") == 1
                and value(samples, "ozon_bridge_replies_delivered_total", kind="review") == 1
                and value(
                    samples, "ozon_bridge_replies_failed_total", kind="question", reason="rejected"
                )
                == 1
            )

        await wait_for(counted, within=15, what="the counts")
