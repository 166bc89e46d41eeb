"""The sandbox drafts too when AI_API_URL is set: `/draft` in a simulated buyer's topic drafts an
answer to that buyer's words, and «Отправить» sends it to the simulated buyer (never to Ozon)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from bot.config import Settings
from bot.sandbox.run import run_sandbox
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.test_drafts import buttons, drafting, drafts_in, llm
from tests.test_sandbox import FAST
from tests.waiting import wait_for

__all__ = ["llm"]  # the fixture, shared with test_drafts


async def test_the_sandbox_drafts_when_a_model_is_set(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, make_settings: Callable[..., Settings]
) -> None:
    llm.queue("Добрый день! Уже проверяем ваш заказ.")
    stand_in = FakeOzon()
    stop = asyncio.Event()
    sandbox = asyncio.create_task(
        run_sandbox(
            make_settings(**drafting(llm)), stop, buyers=1, timings=FAST, seed=5, stand_in=stand_in
        )
    )
    try:
        await wait_for(lambda: bool(stand_in.chats) and bool(tg.topics), within=20)
        (chat_id,) = stand_in.chats
        words = stand_in.messages(chat_id)[0].data[0]
        await wait_for(lambda: words in tg.shown(), within=20, what="the buyer's words shown")
        (topic,) = list(tg.topics)
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: bool(drafts_in(tg, topic)), within=15, what="a draft")
        (post,) = drafts_in(tg, topic)
        tg.callback(buttons(post)["Отправить"], from_id=444, message_id=post.message_id)
        sent = (chat_id, "Добрый день! Уже проверяем ваш заказ.")
        await wait_for(lambda: sent in stand_in.sent_texts, within=15, what="sent to the buyer")
    finally:
        stop.set()
        await asyncio.wait_for(sandbox, timeout=20)
    assert words in llm.chat_requests[0].prompt
    assert ozon.requests == []  # the real Ozon heard nothing
