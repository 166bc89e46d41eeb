"""Answering reviews and questions from Telegram, end to end through the stand-ins: a reply to a
post is the seller's comment or answer, sent once through the outbox with 👌 or 👎; Ozon's
limits, anything but text, a message that replies to nothing, notes and edits; `/done`; a send
whose answer was lost is found in Ozon's lists (or, for a review still in moderation, in its
status) and never sent twice."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.feedback_helpers import (
    FEEDBACK,
    MUG,
    TOPIC_REVIEWS,
    answers_to,
    db_rows,
    post,
    posted,
    reaction,
    reply,
    shown_in,
    topic,
    with_product,
)
from tests.waiting import wait_for

Bridge = Callable[..., Any]


async def test_a_reply_to_a_review_is_the_sellers_comment_sent_once(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    review = ozon.add_review(MUG, "Крышка подтекает", rating=2)
    settings: Any
    async with bridge(**FEEDBACK) as settings:
        await wait_for(lambda: posted(tg, "Крышка подтекает") == 1, within=15)
        shown = post(tg, "Крышка подтекает")
        answer = reply(tg, shown, "Пришлём новую крышку бесплатно", first_name="Анна")
        await wait_for(lambda: reaction(tg, answer) == "👌", within=15, what="👌")
        await wait_for(
            lambda: "Ответ опубликован — Анна" in shown_in(shown), within=15, what="the outcome"
        )
        # Telegram hands the same update over again: nothing more is sent.
        tg.push_update({"message": tg.messages[answer].raw})
        polls = ozon.count("/v2/review/count")
        await wait_for(lambda: ozon.count("/v2/review/count") >= polls + 2, within=15)
    (comment,) = ozon.posted_comments
    assert comment.review_id == review
    assert comment.text == "Пришлём новую крышку бесплатно"
    assert ozon.reviews[review].status == "PROCESSED"  # marked with the comment itself
    assert ozon.review_status_changes == []
    kept = db_rows(settings.database_path, "SELECT outcome, staff_name FROM feedback")
    assert kept == [("answered", "Анна")]
    # Answers are counted apart from the replies to buyer chats, and mark no chat read.
    outbox = db_rows(settings.database_path, "SELECT target, target_id, chat_id FROM outbox")
    assert outbox == [("review", review, None)]
    assert ozon.count("/v2/chat/read") == 0


async def test_an_answer_outside_the_subscription_says_so(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_review(MUG, "Подписку отключат", rating=3)
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Подписку отключат") == 1, within=15)
        ozon.reviews_subscription(False)
        answer = reply(tg, post(tg, "Подписку отключат"), "Спасибо за отзыв")
        await wait_for(lambda: bool(answers_to(tg, answer)), within=15, what="why")
    assert reaction(tg, answer) == "👎"
    assert "в подписке продавца нет работы с отзывами" in answers_to(tg, answer)[0]
    assert ozon.posted_comments == []


async def test_a_reply_to_a_question_is_the_sellers_answer_and_it_is_processed(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    question = ozon.add_question(MUG, "Подходит для посудомойки?")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "посудомойки") == 1, within=15)
        asked = post(tg, "посудомойки")
        answer = reply(tg, asked, "Да, подходит", first_name="Борис")
        await wait_for(lambda: reaction(tg, answer) == "👌", within=15, what="👌")
        await wait_for(lambda: ozon.questions[question].status == "PROCESSED", within=15)
        await wait_for(lambda: "Ответ опубликован — Борис" in shown_in(asked), within=15)
    (sent,) = ozon.posted_answers
    assert (sent.question_id, str(sent.sku), sent.text) == (question, MUG, "Да, подходит")
    assert ozon.question_status_changes == [(question, "PROCESSED")]


async def test_what_is_not_an_answer_is_not_sent_and_staff_are_told_why(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_question(MUG, "Какой объём у кружки?")
    ozon.add_review(MUG, "Хорошая кружка", rating=5)
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Какой объём") == 1, within=15)
        await wait_for(lambda: posted(tg, "Хорошая кружка") == 1, within=15)
        asked, praised = post(tg, "Какой объём"), post(tg, "Хорошая кружка")

        short = reply(tg, asked, "Д")
        long = reply(tg, asked, "очень " * 600)
        photo = reply(tg, asked, photo=b"\xff\xd8\xff fake jpeg", caption="вот фото")
        sticker = reply(tg, praised, sticker=True)
        note = reply(tg, praised, "// заметка для своих")
        await wait_for(lambda: all(answers_to(tg, m) for m in (short, long, photo, sticker)))
        assert "от 2 символов" in answers_to(tg, short)[0]
        assert "от 2 до 3000 символов, а здесь 3600" in answers_to(tg, long)[0]
        assert "только текст" in answers_to(tg, photo)[0]
        assert "только текст" in answers_to(tg, sticker)[0]

        # A message that replies to no review: said once how to answer, then left alone.
        reviews = topic(tg, TOPIC_REVIEWS)
        tg.user_message("коллеги, кто возьмёт отзывы?", thread_id=reviews)
        first = max(tg.messages)
        await wait_for(lambda: bool(answers_to(tg, first)), within=15)
        assert "ответьте (reply) на сообщение бота с отзывом" in answers_to(tg, first)[0]
        tg.user_message("я возьму", thread_id=reviews)
        second = max(tg.messages)
        ok = reply(tg, praised, "Спасибо за отзыв!")
        await wait_for(lambda: reaction(tg, ok) == "👌", within=15)
    assert answers_to(tg, second) == []
    assert answers_to(tg, note) == []
    assert [c.text for c in ozon.posted_comments] == ["Спасибо за отзыв!"]
    assert ozon.posted_answers == []


async def test_done_in_reply_marks_it_processed_and_sends_nothing(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    review = ozon.add_review(MUG, "Всё отлично", rating=5)
    question = ozon.add_question(MUG, "А крышка в комплекте?")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Всё отлично") == 1, within=15)
        await wait_for(lambda: posted(tg, "крышка в комплекте") == 1, within=15)
        praised, asked = post(tg, "Всё отлично"), post(tg, "крышка в комплекте")
        done = reply(tg, praised, "/done", first_name="Вера")
        await wait_for(lambda: bool(answers_to(tg, done)), within=15)
        assert "Ответ не нужен — отметил(а) Вера" in answers_to(tg, done)[0]
        await wait_for(lambda: ozon.reviews[review].status == "PROCESSED", within=15)
        await wait_for(lambda: "Ответ не нужен — отметил(а) Вера" in shown_in(praised), within=15)
        again = reply(tg, praised, "/done")
        outside = tg.user_message("/done", thread_id=praised.thread_id)
        assert outside
        loose = max(tg.messages)
        await wait_for(lambda: bool(answers_to(tg, again)) and bool(answers_to(tg, loose)))
        assert "уже ответили или отметили" in answers_to(tg, again)[0]
        assert "в ответ (reply) на сообщение бота" in answers_to(tg, loose)[0]

        done = reply(tg, asked, "/done")
        await wait_for(lambda: ozon.questions[question].status == "PROCESSED", within=15)
    assert ozon.posted_comments == []
    assert ozon.posted_answers == []
    assert ozon.review_status_changes == [(review, "PROCESSED")]


async def test_a_comment_whose_answer_was_lost_is_found_and_not_sent_twice(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_review(MUG, "Пришла мятая коробка", rating=3)
    ozon.add_question(MUG, "Есть другие цвета?")
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "мятая коробка") == 1, within=15)
        await wait_for(lambda: posted(tg, "другие цвета") == 1, within=15)
        # Ozon takes both, and the connection drops before its answers arrive.
        ozon.drop_response_after_apply("/v1/review/comment/create")
        ozon.drop_response_after_apply("/v1/question/answer/create")
        comment = reply(tg, post(tg, "мятая коробка"), "Извините, передадим в доставку")
        answer = reply(tg, post(tg, "другие цвета"), "Да, есть синий и зелёный")
        await wait_for(lambda: reaction(tg, comment) == "👌", within=20, what="comment 👌")
        await wait_for(lambda: reaction(tg, answer) == "👌", within=20, what="answer 👌")
    assert len(ozon.posted_comments) == 1
    assert len(ozon.posted_answers) == 1
    # Found in Ozon's lists before anything was sent again.
    assert ozon.count("/v1/review/comment/list") >= 1
    assert ozon.count("/v1/question/answer/list") >= 1


async def test_a_comment_still_in_moderation_is_proven_by_the_reviews_status(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """Ozon lists the seller's comments only after moderation: a lost answer is then proven by
    the review having become processed (which the comment itself did)."""
    with_product(ozon)
    ozon.add_review(MUG, "Ручка отломалась", rating=1)
    ozon.moderation_delay = 3600.0
    async with bridge(**FEEDBACK):
        await wait_for(lambda: posted(tg, "Ручка отломалась") == 1, within=15)
        ozon.drop_response_after_apply("/v1/review/comment/create")
        comment = reply(tg, post(tg, "Ручка отломалась"), "Вернём деньги, напишите в чат")
        await wait_for(lambda: reaction(tg, comment) == "👌", within=20, what="👌")
    assert len(ozon.posted_comments) == 1
    assert ozon.count("/v2/review/info") >= 1
