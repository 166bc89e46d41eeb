"""Reply drafts counted, through the real bridge: `/metrics` counts drafts asked, shown, sent,
cancelled and failed; `/stats` shows the share of replies sent from drafts and their median time
from the buyer's message."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import free_port
from tests.test_drafts import a_topic, buttons, drafting, drafts_in, llm
from tests.test_metrics import scrape, value
from tests.test_stats_command import report
from tests.waiting import wait_for

__all__ = ["llm"]  # the fixture, shared with test_drafts

Bridge = Callable[..., Any]
DRAFTS = "ozon_bridge_drafts_total"


async def test_metrics_count_every_draft_event(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте, есть вопрос")
    port = free_port()
    async with (
        bridge(**drafting(llm), push_port=port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http,
    ):
        topic = await a_topic(tg, "есть вопрос")
        for _ in range(2):
            tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: len(drafts_in(tg, topic)) == 2, within=15, what="two drafts")
        first, second = drafts_in(tg, topic)
        tg.callback(buttons(first)["Отправить"], from_id=444, message_id=first.message_id)
        tg.callback(buttons(second)["Отменить"], from_id=444, message_id=second.message_id)
        await wait_for(lambda: len(tg.callback_answers) == 2, within=15)
        llm.fail_next(400)  # refused: not retried
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: "Черновика нет" in tg.shown(), within=15)
        samples = await scrape(http)
    counts = {event: value(samples, DRAFTS, event=event) for event in ("asked", "shown")}
    counts |= {event: value(samples, DRAFTS, event=event) for event in ("sent", "cancelled")}
    counts["failed"] = value(samples, DRAFTS, event="failed")
    assert counts == {"asked": 3, "shown": 2, "sent": 1, "cancelled": 1, "failed": 1}


async def test_stats_show_the_share_of_replies_sent_from_drafts(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Когда привезут?")
    llm.queue("Привезём завтра.")
    async with bridge(**drafting(llm)):
        topic = await a_topic(tg, "Когда привезут?")
        tg.user_message("Сейчас уточню", thread_id=topic, first_name="Анна")
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="a reply")
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: bool(drafts_in(tg, topic)), within=15, what="the draft")
        (post,) = drafts_in(tg, topic)
        tg.callback(buttons(post)["Отправить"], from_id=444, message_id=post.message_id)
        await wait_for(
            lambda: (tg.forum_chat_id, post.message_id) in tg.reactions, within=15, what="👌"
        )
        tg.user_message("/stats", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: bool(tg.calls("sendPhoto")), within=30, what="the chart")
        text = report(tg)
    assert (
        "✍️ Отправлено из черновиков: 1 (50% ответов из Telegram), от сообщения покупателя "
        "до ответа — медиана меньше минуты"
    ) in text
