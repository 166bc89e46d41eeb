"""Drafts for reviews and questions, end to end through the real bridge, the Ozon and Telegram
stand-ins and the OpenAI-compatible double: `/draft` in reply to a review's or a question's post
drafts the seller's public answer to that item alone, «Отправить» sends it once as the comment or
the answer (👌 on the draft, the post showing who answered), and a question's draft past Ozon's
3,000 characters is refused with the limit, nothing sent."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import OZON_API_KEY
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.feedback_helpers import (
    FEEDBACK,
    MUG,
    MUG_NAME,
    TOPIC_QUESTIONS,
    TOPIC_REVIEWS,
    answers_to,
    post,
    posted,
    reaction,
    reply,
    shown_in,
    topic,
    with_product,
)
from tests.test_drafts import AI_KEY, buttons, drafting, drafts_in, llm
from tests.waiting import wait_for

Bridge = Callable[..., Any]
__all__ = ["llm"]  # the fixture, shared with the chats' drafts

ANSWER = "Спасибо за отзыв! Жаль, что крышка подтекает: пришлём новую бесплатно."


async def test_draft_in_reply_to_a_review_is_sent_once_as_the_sellers_comment(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    with_product(ozon)
    review = ozon.add_review(MUG, "Крышка подтекает через неделю", rating=2)
    ozon.add_question(MUG, "Кодовое слово ЖИРАФ: подходит для посудомойки?", author_name="Ирина")
    llm.queue(ANSWER)
    async with bridge(**FEEDBACK, **drafting(llm)):
        await wait_for(lambda: posted(tg, "Крышка подтекает") == 1, within=15)
        await wait_for(lambda: posted(tg, "ЖИРАФ") == 1, within=15)
        shown = post(tg, "Крышка подтекает")
        reviews = topic(tg, TOPIC_REVIEWS)
        assert reviews is not None
        command = reply(tg, shown, "/draft", from_id=222, first_name="Борис")
        await wait_for(lambda: bool(drafts_in(tg, reviews)), within=15, what="the draft")
        (draft,) = drafts_in(tg, reviews)
        assert ANSWER in (draft.text or "")
        assert draft.reply_to_message_id == command
        assert ozon.posted_comments == []  # never sent by itself

        send = buttons(draft)["Отправить"]
        tg.callback(send, from_id=444, message_id=draft.message_id, thread_id=reviews)
        tg.callback(send, from_id=555, message_id=draft.message_id, thread_id=reviews)
        await wait_for(lambda: reaction(tg, draft.message_id) == "👌", within=15, what="👌")
        await wait_for(
            lambda: "Ответ опубликован — Staff" in shown_in(shown), within=15, what="the outcome"
        )
        polls = ozon.count("/v2/review/count")
        await wait_for(lambda: ozon.count("/v2/review/count") >= polls + 2, within=15)
    (comment,) = ozon.posted_comments
    assert (comment.review_id, comment.text) == (review, ANSWER)
    assert ozon.reviews[review].status == "PROCESSED"

    # The model was given this review, its grade and product, the task; never the other item,
    # the staff's names or a secret.
    (asked,) = llm.chat_requests
    for given in ("Крышка подтекает через неделю", "2 из 5", MUG_NAME, MUG, "отзыв"):
        assert given in asked.prompt, given
    for never in ("ЖИРАФ", "Ирина", "Борис", AI_KEY, OZON_API_KEY):
        assert never not in asked.prompt, never


async def test_a_questions_draft_past_ozons_limit_is_refused_with_it(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    with_product(ozon)
    ozon.add_question(MUG, "Какой объём у кружки?")
    llm.queue("Объём 450 мл. " + "Очень подробно. " * 250)
    async with bridge(**FEEDBACK, **drafting(llm)):
        await wait_for(lambda: posted(tg, "Какой объём") == 1, within=15)
        questions = topic(tg, TOPIC_QUESTIONS)
        assert questions is not None
        reply(tg, post(tg, "Какой объём"), "/draft")
        await wait_for(lambda: bool(drafts_in(tg, questions)), within=15, what="the draft")
        (draft,) = drafts_in(tg, questions)
        assert "3000" in (draft.text or "")  # flagged with Ozon's limit
        pressed = tg.callback(buttons(draft)["Отправить"], from_id=444, message_id=draft.message_id)
        await wait_for(lambda: str(pressed) in tg.callback_answers, within=15, what="answer")
        said = str(tg.callback_answers[str(pressed)].get("text", ""))
        assert "от 2 до 3000 символов" in said

        # In these topics, /draft that answers no post says how to ask for one.
        tg.user_message("/draft", thread_id=questions)
        command = max(tg.messages)
        await wait_for(lambda: bool(answers_to(tg, command)), within=15, what="how to ask")
        assert "ответом на пост отзыва или вопроса" in answers_to(tg, command)[0]
    assert ozon.posted_answers == []
    assert len(llm.chat_requests) == 1
