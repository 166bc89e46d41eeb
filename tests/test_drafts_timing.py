"""Reply drafts off the hot paths, through the real bridge: a slow model delays neither a buyer's
post nor a staff reply, drafts are written a few at a time, a model that fails is answered in
the topic in plain words once its time is up, and AI_DRAFTS_AUTO drafts new buyer messages
after their posts (and drops a draft whose chat was answered meanwhile)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fakes.openai_api import Answer, FakeOpenAI
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.test_drafts import AI_KEY, a_topic, buttons, drafting, drafts_in, llm
from tests.waiting import wait_for

__all__ = ["llm"]  # the fixture, shared with test_drafts

Bridge = Callable[..., Any]


def draft_states(db: Path) -> list[tuple[str, str, str | None]]:
    """(trigger, state, detail) of every draft, as the bridge stored them."""
    with sqlite3.connect(db) as conn:
        return list(conn.execute("SELECT trigger, state, detail FROM drafts ORDER BY id"))


async def test_a_slow_model_delays_neither_buyer_posts_nor_staff_replies(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Когда отправите?")
    llm.queue(Answer("Отправим сегодня до 18:00.", delay=8.0))
    async with bridge(**drafting(llm, ai_timeout_seconds=30)):
        topic = await a_topic(tg, "Когда отправите?")
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: llm.in_flight == 1, within=15, what="the model asked")
        ozon.add_message(chat, "И ещё: можно без пакета?")
        tg.user_message("Да, конечно", thread_id=topic)
        await wait_for(lambda: "можно без пакета" in tg.shown(), within=5, what="buyer post")
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=5, what="the staff reply")
        # Both went while the model was still writing.
        assert llm.in_flight == 1
        assert drafts_in(tg, topic) == []
        await wait_for(lambda: bool(drafts_in(tg, topic)), within=15, what="the draft")
    assert ozon.sent_texts == [(chat, "Да, конечно")]


async def test_drafts_are_written_a_few_at_a_time(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chats = [ozon.add_chat() for _ in range(5)]
    for number, chat in enumerate(chats):
        ozon.add_message(chat, f"Вопрос номер {number}")
    llm.latency = 1.0
    async with bridge(**drafting(llm)):
        topics = [await a_topic(tg, f"Вопрос номер {n}") for n in range(5)]
        for topic in topics:
            tg.user_message("/draft", thread_id=topic)
        await wait_for(
            lambda: all(drafts_in(tg, topic) for topic in topics), within=30, what="5 drafts"
        )
    assert llm.most_in_flight == 3
    for number, request in enumerate(sorted(llm.chat_requests, key=lambda r: r.received_at)):
        assert f"Вопрос номер {number}" in request.prompt  # each its own chat, none other
        others = [f"Вопрос номер {n}" for n in range(5) if n != number]
        assert not any(text in request.prompt for text in others)


async def test_a_model_that_does_not_answer_in_time_is_said_in_plain_words(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Есть ли скидка?")
    llm.latency = 5.0
    async with bridge(**drafting(llm, ai_timeout_seconds=1)) as settings:
        topic = await a_topic(tg, "Есть ли скидка?")
        tg.user_message("/draft", thread_id=topic)
        command = max(tg.messages)
        await wait_for(lambda: "модель не ответила за 1 с" in tg.shown(), within=15)
        (notice,) = [m for m in tg.thread_messages(topic) if "Черновика нет" in (m.text or "")]
        assert notice.reply_to_message_id == command
        llm.latency = 0.0
        # The first try and both retries, each asking to be tried again at once.
        llm.fail_next(503, headers={"Retry-After": "0.01"}, times=3)
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: "не справляется (ошибка 503)" in tg.shown(), within=15)
    assert drafts_in(tg, topic) == []
    assert ozon.sent_texts == []
    assert [state for _, state, _ in draft_states(settings.database_path)] == ["failed"] * 2


async def test_a_refused_key_names_the_setting_to_fix(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте")
    async with bridge(**drafting(llm, ai_api_key="sk-wrong-key-000000")):
        topic = await a_topic(tg, "Здравствуйте")
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: "проверить настройку AI_API_KEY" in tg.shown(), within=15)
    assert "sk-wrong-key" not in tg.shown()
    assert AI_KEY not in tg.shown()


async def test_auto_drafts_come_after_the_buyer_post_and_only_while_the_buyer_waits(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Добрый день")
    llm.queue("Здравствуйте! Чем помочь?")
    async with bridge(**drafting(llm, ai_drafts_auto=True)) as settings:
        topic = await a_topic(tg, "Добрый день")
        tg.user_message("Здравствуйте, слушаю вас", thread_id=topic)
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="the staff reply")
        asked = len(llm.chat_requests)

        ozon.add_message(chat, "Какой срок гарантии?")
        await wait_for(lambda: bool(drafts_in(tg, topic)), within=15, what="an automatic draft")
        (post,) = drafts_in(tg, topic)
        question = next(m for m in tg.thread_messages(topic) if "срок гарантии" in (m.text or ""))
        assert question.message_id < post.message_id  # after the buyer's post
        assert post.reply_to_message_id is None
        assert "к новому сообщению" in (post.text or "")
        assert set(buttons(post)) == {"Отправить", "Отменить"}
        assert len(llm.chat_requests) == asked + 1
        assert "Какой срок гарантии?" in llm.chat_requests[-1].prompt

        # The chat answered while the model writes: the draft is dropped, never shown.
        llm.queue(Answer("Гарантия — год.", delay=3.0))
        ozon.add_message(chat, "А доставка платная?")
        await wait_for(lambda: llm.in_flight == 1, within=15, what="the second draft asked")
        tg.user_message("Доставка бесплатная", thread_id=topic)
        await wait_for(
            lambda: (
                [s for t, s, _ in draft_states(settings.database_path)] == ["shown", "cancelled"]
            ),
            within=15,
            what="the second draft dropped",
        )
    assert len(drafts_in(tg, topic)) == 1
    assert "Гарантия — год." not in tg.shown()
    assert [text for _, text in ozon.sent_texts] == [
        "Здравствуйте, слушаю вас",
        "Доставка бесплатная",
    ]


async def test_an_automatic_draft_waiting_for_the_model_gives_way_to_the_buyers_next_message(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Привет")
    async with bridge(**drafting(llm, ai_drafts_auto=True)) as settings:
        db = settings.database_path
        topic = await a_topic(tg, "Привет")
        tg.user_message("Здравствуйте!", thread_id=topic)  # not waiting: nothing to draft
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="the staff reply")
        await wait_for(
            lambda: llm.in_flight == 0 and all(s != "asked" for _, s, _ in draft_states(db)),
            within=15,
            what="the writer idle",
        )
        before, requests = len(draft_states(db)), len(llm.chat_requests)
        # Three slow drafts asked by staff take every slot of the writer.
        llm.queue(*[Answer(f"Черновик {n}", delay=4.0) for n in range(3)])
        for _ in range(3):
            tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: llm.in_flight == 3, within=15, what="three drafts being written")

        def auto_asked(count: int) -> Callable[[], bool]:
            return lambda: sum(t == "auto" for t, _, _ in draft_states(db)[before:]) == count

        ozon.add_message(chat, "Первый вопрос")
        await wait_for(auto_asked(1), within=15, what="the first message's draft asked")
        ozon.add_message(chat, "Второй вопрос")
        await wait_for(auto_asked(2), within=15, what="the second message's draft asked")
        await wait_for(
            lambda: (
                [(s, d) for t, s, d in draft_states(db)[before:] if t == "auto"]
                == [
                    ("cancelled", "the buyer wrote again: that message is drafted"),
                    ("shown", None),
                ]
            ),
            within=20,
            what="the first dropped, the second shown",
        )
    auto = [r for r in llm.chat_requests if "Второй вопрос" in r.prompt]
    assert len(auto) == 1
    assert not any(r.prompt.endswith("Первый вопрос") for r in llm.chat_requests)
    assert len(llm.chat_requests) - requests == 4  # three asked by staff, one automatic
