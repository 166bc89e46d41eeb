"""Reviews and questions in the forum, end to end through the stand-ins: the two topics (named by
contract, made on first use, remembered, made again when deleted, reopened when closed), each
item one post with what staff need, first sight, photos as an album or links, REVIEWS_RATINGS,
the outcome of an item handled in Ozon's cabinet, and posts that never go ahead of buyers'."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.sandbox.pictures import png
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.feedback_helpers import (
    FEEDBACK,
    MUG,
    MUG_NAME,
    TOPIC_QUESTIONS,
    TOPIC_REVIEWS,
    db_rows,
    post,
    posted,
    shown_in,
    topic,
    with_product,
)
from tests.waiting import wait_for

Bridge = Callable[..., Any]


async def test_each_review_and_question_is_one_post_in_its_topic(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    written = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    ozon.add_review(MUG, "Крышка подтекает, чай остывает за час", rating=2, published_at=written)
    ozon.add_review(MUG, "", rating=5, order_status="CANCELLED")
    ozon.add_question(MUG, "Подходит для посудомоечной машины?", author_name="Ирина К.")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Крышка подтекает") == 1, within=15, what="review")
        await wait_for(lambda: posted(tg, "посудомоечной") == 1, within=15, what="question")
        await wait_for(lambda: posted(tg, "только оценка") == 1, within=15, what="stars only")
        reviews, questions = topic(tg, TOPIC_REVIEWS), topic(tg, TOPIC_QUESTIONS)
        assert reviews is not None
        assert questions is not None

        complaint = post(tg, "Крышка подтекает")
        assert complaint.thread_id == reviews
        text = shown_in(complaint)
        assert "⭐⭐ Отзыв: 2 из 5" in text
        assert f"{MUG_NAME} · SKU {MUG}" in text  # the product's name from Ozon
        assert "Заказ доставлен" in text
        # When it was written, in the seller's time zone (TIMEZONE).
        assert written.astimezone(ZoneInfo("Europe/Moscow")).strftime("🕒 %d.%m.%Y %H:%M") in text
        refused = shown_in(post(tg, "только оценка"))
        assert "⭐⭐⭐⭐⭐ Отзыв: 5 из 5" in refused
        assert "Заказ отменён" in refused

        asked = post(tg, "посудомоечной")
        assert asked.thread_id == questions
        text = shown_in(asked)
        assert "Вопрос о товаре" in text
        assert MUG_NAME in text
        assert "Ирина К." in text
        link = asked.source_text or ""
        assert f'href="https://www.ozon.ru/product/{MUG}/questions/?qid=' in link
        # One post each, and one call for the product's name.
        assert len(tg.calls("createForumTopic")) == 2
        assert ozon.count("/v3/product/info/list") == 1
    assert ozon.spec_violations == []
    assert tg.spec_violations == []


async def test_the_topics_are_remembered_made_again_when_deleted_and_reopened_when_closed(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_review(MUG, "Первый отзыв", rating=4)
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Первый отзыв") == 1, within=15)
    first = topic(tg, TOPIC_REVIEWS)
    assert first is not None

    ozon.add_review(MUG, "Второй отзыв", rating=4)
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Второй отзыв") == 1, within=15)
        assert post(tg, "Второй отзыв").thread_id == first  # remembered across restarts

        tg.close_topic(first)
        ozon.add_review(MUG, "Третий отзыв", rating=4)
        await wait_for(lambda: posted(tg, "Третий отзыв") == 1, within=15, what="reopened")
        assert not tg.topics[first].closed
        assert post(tg, "Третий отзыв").thread_id == first

        tg.delete_topic(first)
        ozon.add_review(MUG, "Четвёртый отзыв", rating=4)
        await wait_for(lambda: posted(tg, "Четвёртый отзыв") == 1, within=15, what="recreated")
        second = topic(tg, TOPIC_REVIEWS)
        assert second not in (None, first)
        assert post(tg, "Четвёртый отзыв").thread_id == second
    # Nothing was posted twice across the restarts.
    assert posted(tg, "Первый отзыв") == posted(tg, "Второй отзыв") == 1


async def test_first_sight_posts_only_what_is_new_and_recent(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    now = datetime.now(UTC)
    ozon.add_review(MUG, "Отзыв трёхдневной давности", published_at=now - timedelta(days=3))
    for n in range(5):
        ozon.add_review(MUG, f"Свежий отзыв №{n}", published_at=now - timedelta(hours=5 - n))
    ozon.add_question(MUG, "Старый вопрос", published_at=now - timedelta(days=4))
    ozon.add_question(MUG, "Новый вопрос", published_at=now - timedelta(hours=1))
    settings: Any
    async with bridge(first_sight_max_messages=3, **FEEDBACK) as settings:
        await wait_for(lambda: posted(tg, "Свежий отзыв №4") == 1, within=15)
        await wait_for(lambda: posted(tg, "Новый вопрос") == 1, within=15)
        polls = ozon.count("/v2/review/count")
        await wait_for(lambda: ozon.count("/v2/review/count") >= polls + 2, within=15)
        ozon.add_review(MUG, "Отзыв после запуска")
        await wait_for(lambda: posted(tg, "Отзыв после запуска") == 1, within=15)
    # The three newest of the recent ones, oldest first; nothing older than 48 hours.
    shown = [n for n in range(5) if posted(tg, f"Свежий отзыв №{n}")]
    assert shown == [2, 3, 4]
    assert posted(tg, "трёхдневной") == posted(tg, "Старый вопрос") == 0
    order = [m.text or "" for m in tg.sent if "Свежий отзыв" in (m.text or "")]
    assert [text.split("Свежий отзыв №")[1][0] for text in order] == ["2", "3", "4"]
    # The recent ones beyond the limit are kept as seen, never posted; the old ones not at all.
    kept = db_rows(settings.database_path, "SELECT post, count(*) FROM feedback GROUP BY post")
    assert dict(kept) == {"posted": 5, "skipped": 2}


async def test_a_restart_posts_nothing_twice(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    for n in range(3):
        ozon.add_question(MUG, f"Вопрос №{n}")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: all(posted(tg, f"Вопрос №{n}") for n in range(3)), within=15)
    ozon.add_question(MUG, "Вопрос после перезапуска")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Вопрос после перезапуска") == 1, within=15)
        polls = ozon.count("/v1/question/count")
        await wait_for(lambda: ozon.count("/v1/question/count") >= polls + 2, within=15)
    assert [posted(tg, f"Вопрос №{n}") for n in range(3)] == [1, 1, 1]


async def test_photos_go_as_an_album_when_alone_and_as_links_in_a_queue(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    photos = [png(40, 30, (200, 30, 30)), png(40, 30, (30, 200, 30))]
    alone = ozon.add_review(MUG, "Скол на крышке, фото приложил", rating=1, photos=photos)
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Скол на крышке") == 1, within=15)
        album = post(tg, "Скол на крышке")
        assert album.kind == "photo"
        assert album.media_group_id is not None
        group = [m for m in tg.sent if m.media_group_id == album.media_group_id]
        assert len(group) == 2
        assert [m.file for m in group] == photos
        assert "⭐ Отзыв: 1 из 5" in shown_in(album)

        # Several at once: one post each, the photos as links.
        for n in range(3):
            ozon.add_review(MUG, f"Ещё отзыв с фото №{n}", rating=3, photos=photos[:1])
        await wait_for(
            lambda: all(posted(tg, f"Ещё отзыв с фото №{n}") for n in range(3)), within=20
        )
        linked = post(tg, "Ещё отзыв с фото №0")
        assert linked.kind == "text"
        assert "📷 Фото: 1" in shown_in(linked)
        assert (linked.source_text or "").count("<a href=") == 1
    assert ozon.photo_urls(alone)  # served by the stand-in
    assert tg.spec_violations == []


async def test_reviews_ratings_choose_what_is_posted(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_review(MUG, "Отличная кружка", rating=5)
    ozon.add_review(MUG, "Так себе кружка", rating=3)
    ozon.add_question(MUG, "Какой объём?")
    settings: Any
    async with bridge(reviews_ratings="1-3", **FEEDBACK) as settings:
        await wait_for(lambda: posted(tg, "Так себе кружка") == 1, within=15)
        await wait_for(lambda: posted(tg, "Какой объём?") == 1, within=15)
        ozon.add_review(MUG, "Опять отличная", rating=5)
        ozon.add_review(MUG, "Плохая кружка", rating=1)
        await wait_for(lambda: posted(tg, "Плохая кружка") == 1, within=15)
    assert posted(tg, "Отличная кружка") == posted(tg, "Опять отличная") == 0
    kept = db_rows(settings.database_path, "SELECT rating, post FROM feedback WHERE kind='review'")
    assert sorted(kept) == [(1, "posted"), (3, "posted"), (5, "skipped"), (5, "skipped")]


def cabinet_shown(tg: FakeTelegram, words: str) -> bool:
    return "Обработан в кабинете Ozon" in shown_in(post(tg, words))


async def test_an_item_handled_in_ozons_cabinet_shows_it(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    review = ozon.add_review(MUG, "Ответьте в кабинете", rating=3)
    question = ozon.add_question(MUG, "Ответят в кабинете?")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Ответьте в кабинете") == 1, within=15)
        await wait_for(lambda: posted(tg, "Ответят в кабинете?") == 1, within=15)
        # The seller handles both in Ozon's own cabinet.
        ozon.add_review_comment(review, "Спасибо за отзыв!")
        ozon.reviews[review].status = "PROCESSED"
        ozon.questions[question].status = "PROCESSED"
        for words in ("Ответьте в кабинете", "Ответят в кабинете?"):
            await wait_for(
                functools.partial(cabinet_shown, tg, words),
                within=15,
                what=f"the cabinet's outcome on {words}",
            )
    assert ozon.posted_comments == []
    assert ozon.posted_answers == []


async def test_reviews_wait_until_every_buyer_message_is_posted(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """A slow budget (5 posts per 2 s) and a burst of buyers: the reviews that arrive meanwhile
    are posted after the last buyer message, in slots no buyer post wanted."""
    with_product(ozon)
    chats = [ozon.add_chat() for _ in range(8)]
    for n, chat in enumerate(chats):
        ozon.add_message(chat, f"Покупатель №{n} спрашивает", order_number=f"5000{n}-0001")
    budget = {"telegram_messages_per_minute": 5, "telegram_budget_window_seconds": 2}
    async with bridge(**budget, **FEEDBACK):
        await wait_for(lambda: posted(tg, "Покупатель №") >= 1, within=15, what="a buyer post")
        for n in range(3):
            ozon.add_review(MUG, f"Отзыв во время наплыва №{n}", rating=4)
        await wait_for(
            lambda: all(posted(tg, f"Отзыв во время наплыва №{n}") for n in range(3)),
            within=60,
            what="the reviews",
        )
    order = [m.text or "" for m in tg.sent]
    last_buyer = max(i for i, text in enumerate(order) if "Покупатель №" in text)
    first_review = min(i for i, text in enumerate(order) if "Отзыв во время наплыва" in text)
    assert posted(tg, "Покупатель №") == len(chats)
    assert first_review > last_buyer


async def test_photos_telegram_refuses_become_links(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    photos = [png(40, 30, (200, 30, 30)), png(40, 30, (30, 200, 30))]
    ozon.add_review(MUG, "Фото, которые Telegram не возьмёт", rating=2, photos=photos)
    tg.fail_next("sendMediaGroup", 400, description="Bad Request: PHOTO_INVALID_DIMENSIONS")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Telegram не возьмёт") == 1, within=15)
    shown = post(tg, "Telegram не возьмёт")
    assert shown.kind == "text"
    assert (shown.source_text or "").count("<a href=") == 2
