"""Reply drafts end to end, through the real bridge (`bridge` fixture), the Ozon and Telegram
stand-ins and the OpenAI-compatible double: `/draft` in a buyer's topic, the draft shown and
never sent by itself, «Отправить» sending it once through the outbox for whoever pressed,
«Отменить» removing it, what the model is given and never given, and drafts off."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BOT_TOKEN, OZON_API_KEY
from tests.fakes.openai_api import FakeOpenAI
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_model import FakeMessage
from tests.test_help_desk import ANSWERED_ICON
from tests.test_templates import admin_says
from tests.waiting import wait_for

Bridge = Callable[..., Any]
AI_KEY = "sk-drafts-secret-0123456789"
MODEL = "test-model"
DRAFT = "Здравствуйте! Заказ 33713378-0051 уже в пути, доставка ожидается в ближайшие дни."


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=[MODEL], api_key=AI_KEY) as fake:
        yield fake
        assert fake.spec_violations == []


def drafting(llm: FakeOpenAI, **more: Any) -> dict[str, Any]:
    """Settings that turn drafts on, against the double."""
    return {"ai_api_url": llm.url, "ai_model": MODEL, "ai_api_key": AI_KEY} | more


def an_order(ozon: FakeOzon) -> None:
    now = datetime.now(UTC)
    ozon.add_product("1234567", "Кружка керамическая", "MUG-1", "990.0000")
    ozon.add_posting(
        "33713378-0051",
        products=[("1234567", 2)],
        scheme="FBS",
        status="delivering",
        shipment_date=now - timedelta(days=1),
        delivery_window=(now + timedelta(days=2), now + timedelta(days=4)),
    )


def drafts_in(tg: FakeTelegram, topic: int) -> list[FakeMessage]:
    return [m for m in tg.thread_messages(topic) if (m.text or "").startswith("✍️ Черновик ")]


def buttons(post: FakeMessage) -> dict[str, str]:
    """The post's buttons: label -> callback data."""
    rows = (post.reply_markup or {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def answer_to(tg: FakeTelegram, update_id: int) -> str:
    return str(tg.callback_answers[str(update_id)].get("text", ""))


async def a_topic(tg: FakeTelegram, text: str) -> int:
    await wait_for(lambda: text in tg.shown(), within=15, what=f"«{text}» posted")
    return next(m.thread_id for m in tg.sent if text in (m.text or "") and m.thread_id)


async def test_draft_is_shown_never_sent_by_itself_and_sent_once_for_whoever_pressed(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge, tmp_path: Path
) -> None:
    an_order(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Где мой заказ?", order_number="33713378-0051", sku="1234567")
    other = ozon.add_chat()
    ozon.add_message(other, "Другой покупатель: кодовое слово ЖИРАФ")
    instructions = tmp_path / "instructions.txt"
    instructions.write_text(
        f"Обращайся на «вы». Подписывайся «Магазин Уют».\nКлюч не публиковать: {AI_KEY}\n"
        "// для себя: это не для модели",
        encoding="utf-8",
    )
    llm.queue(DRAFT)
    async with bridge(**drafting(llm, ai_instructions=instructions)):
        topic = await a_topic(tg, "Где мой заказ?")
        await a_topic(tg, "ЖИРАФ")
        await admin_says(tg, "/template спасибо Спасибо, что выбрали нас! Заказ {order_number}", "")
        tg.user_message("// не говорить про скидку", thread_id=topic, first_name="Анна Петровна")
        tg.user_message("Добрый день, проверяем", thread_id=topic, first_name="Анна Петровна")
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="the staff reply")
        ozon.add_message(chat, "Так где же он?")
        await wait_for(lambda: "Так где же он?" in tg.shown(), within=15)

        tg.user_message("/draft", thread_id=topic, from_id=222, first_name="Борис")
        command = max(tg.messages)
        await wait_for(lambda: bool(drafts_in(tg, topic)), within=15, what="the draft")
        (post,) = drafts_in(tg, topic)
        assert DRAFT in (post.text or "")
        assert "не отправлен" in (post.text or "")
        assert post.reply_to_message_id == command
        assert set(buttons(post)) == {"Отправить", "Отменить"}
        # Never sent by itself: two more polls, and the buyer has only the staff reply.
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
        assert [text for _, text in ozon.sent_texts] == ["Добрый день, проверяем"]

        # Pressed twice by one person and once by another: sent once, for the first.
        send = buttons(post)["Отправить"]
        first = tg.callback(send, from_id=444, message_id=post.message_id, thread_id=topic)
        again = tg.callback(send, from_id=444, message_id=post.message_id, thread_id=topic)
        other_person = tg.callback(send, from_id=555, message_id=post.message_id)
        await wait_for(lambda: len(ozon.sent_texts) == 2, within=15, what="the draft sent")
        await wait_for(lambda: len(tg.callback_answers) == 3, within=15, what="3 answers")
        await wait_for(
            lambda: (tg.forum_chat_id, post.message_id) in tg.reactions, within=15, what="👌"
        )
        await wait_for(lambda: tg.topics[topic].icon_custom_emoji_id == ANSWERED_ICON, within=15)
        await wait_for(lambda: "отправил(а) Staff" in (post.text or ""), within=15)
        assert buttons(post) == {}
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
    assert ozon.sent_texts == [(chat, "Добрый день, проверяем"), (chat, DRAFT)]
    assert answer_to(tg, first) == "Отправляю покупателю"
    assert answer_to(tg, again) == "Этот черновик уже отправил(а) Staff"
    assert answer_to(tg, other_person) == "Этот черновик уже отправил(а) Staff"
    assert tg.reactions[(tg.forum_chat_id, post.message_id)] == [{"type": "emoji", "emoji": "👌"}]

    # What the model was given: this chat, both sides, the card, the voice, rules, instructions.
    (asked,) = llm.chat_requests
    prompt = asked.prompt
    for given in (
        "Где мой заказ?",
        "Так где же он?",
        "Продавец",
        "Добрый день, проверяем",
        "33713378-0051-1 (FBS): доставляется",
        "Кружка керамическая",
        "Спасибо, что выбрали нас! Заказ {order_number}",
        "не длиннее 1000 символов",
        "без номеров телефонов",
        "Подписывайся «Магазин Уют»",
    ):
        assert given in prompt, given
    # ...and never: notes, another buyer's words, staff names, secrets.
    for never in (
        "не говорить про скидку",
        "для себя",
        "ЖИРАФ",
        "Анна Петровна",
        "Борис",
        AI_KEY,
        OZON_API_KEY,
        BOT_TOKEN,
    ):
        assert never not in prompt, never
    assert asked.headers["Authorization"] == f"Bearer {AI_KEY}"


async def test_cancel_removes_the_draft_and_nothing_is_sent(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Подскажите размер")
    llm.queue("Размер M подойдёт на рост 170–176 см.")
    async with bridge(**drafting(llm)):
        topic = await a_topic(tg, "Подскажите размер")
        tg.user_message("/draft", thread_id=topic, anonymous=True)
        await wait_for(lambda: bool(drafts_in(tg, topic)), within=15, what="the draft")
        (post,) = drafts_in(tg, topic)
        marks = buttons(post)
        cancel = tg.callback(marks["Отменить"], from_id=444, message_id=post.message_id)
        await wait_for(lambda: post.deleted, within=15, what="the draft removed")
        late = tg.callback(marks["Отправить"], from_id=555, message_id=post.message_id)
        await wait_for(lambda: len(tg.callback_answers) == 2, within=15)
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
    assert ozon.sent_texts == []
    assert answer_to(tg, cancel) == "Черновик удалён"
    assert answer_to(tg, late) == "Этот черновик уже отменил(а) Staff"


async def test_with_drafts_off_draft_says_how_to_turn_them_on(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте")
    async with bridge():
        topic = await a_topic(tg, "Здравствуйте")
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: "AI_API_URL" in tg.shown(), within=15, what="how to turn on")
        tg.user_message("/draft", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: tg.shown().count("AI_API_URL") == 2, within=15)
    assert "Черновики ответов выключены" in tg.shown()
    assert llm.requests == []
    assert "Команды бриджа работают" not in tg.shown()  # /draft is a command of the topic


async def test_risky_and_over_long_drafts_are_flagged_and_send_says_why(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Можно обменять?", order_number="33713378-0051")
    risky = (
        "Напишите нам в WhatsApp +7 (999) 123-45-67 или на shop@example.com, заказ 33713378-0051"
    )
    long = "Спасибо за вопрос. " * 80
    llm.queue(risky, long)
    async with bridge(**drafting(llm)):
        topic = await a_topic(tg, "Можно обменять?")
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: len(drafts_in(tg, topic)) == 1, within=15, what="1st draft")
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: len(drafts_in(tg, topic)) == 2, within=15, what="2nd draft")
    first, second = drafts_in(tg, topic)
    text = first.text or ""
    assert "⚠️ В черновике номер телефона, адрес электронной почты, мессенджер" in text
    assert "⚠️ Отправить: телефон, e-mail, мессенджер" in buttons(first)
    assert "длиннее" not in text
    plain = re.sub(r"\s+", " ", second.text or "")
    assert f"⚠️ {len(long.strip())} символов — длиннее 1000: уйдёт 2 сообщениями" in plain
    assert "Отправить" in buttons(second)
    assert ozon.sent_texts == []


async def test_a_draft_ozon_refuses_gets_its_thumbs_down_and_the_reason(
    ozon: FakeOzon, tg: FakeTelegram, llm: FakeOpenAI, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Вы здесь?")
    llm.queue("Да, мы на связи.")
    async with bridge(**drafting(llm)):
        topic = await a_topic(tg, "Вы здесь?")
        tg.user_message("/draft", thread_id=topic)
        await wait_for(lambda: bool(drafts_in(tg, topic)), within=15, what="the draft")
        (post,) = drafts_in(tg, topic)
        ozon.set_reply_window(chat, open=False)
        tg.callback(buttons(post)["Отправить"], from_id=444, message_id=post.message_id)
        await wait_for(lambda: "окно для ответа закрыто" in tg.shown(), within=15, what="why")
        await wait_for(lambda: (tg.forum_chat_id, post.message_id) in tg.reactions, within=15)
    assert tg.reactions[(tg.forum_chat_id, post.message_id)] == [{"type": "emoji", "emoji": "👎"}]
    (reason,) = [m for m in tg.thread_messages(topic) if "окно для ответа" in (m.text or "")]
    assert reason.reply_to_message_id == post.message_id
    assert ozon.sent_texts == []
