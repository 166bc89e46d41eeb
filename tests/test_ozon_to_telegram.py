"""Ozon -> Telegram end to end: the whole bridge (run_bridge) against the loopback stand-ins."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.telegram.gateway.calls import TRANSIENT_RETRIES
from storage.chats import ChatRepository
from storage.db import Database
from storage.messages import MessageRepository
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeMessage, FakeTelegram
from tests.waiting import wait_for

Bridge = Callable[..., Any]
NOW = datetime.now(UTC)
MAYBE_SHOWN = "Возможно, это сообщение уже есть выше"


def shown(message: FakeMessage) -> str:
    return message.text or message.caption or ""


def topic_text(tg: FakeTelegram, thread_id: int) -> str:
    return "\n".join(shown(m) for m in tg.thread_messages(thread_id))


def topic_named(tg: FakeTelegram, name: str) -> int | None:
    found = [t.thread_id for t in tg.topics.values() if t.name == name and not t.deleted]
    return found[0] if found else None


def live_topics(tg: FakeTelegram) -> list[int]:
    return [t.thread_id for t in tg.topics.values() if not t.deleted]


def all_shown(tg: FakeTelegram) -> str:
    return "\n".join(shown(m) for m in tg.sent)


async def chat_state(db_path: Any, chat_id: str) -> tuple[Any, list[Any]]:
    db = await Database.open(db_path)
    try:
        return await ChatRepository(db).get(chat_id), await MessageRepository(db).for_chat(chat_id)
    finally:
        await db.close()


async def test_buyer_chats_become_topics_with_every_message_once_in_order(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    a = ozon.add_chat()
    for n in range(1, 4):
        ozon.add_message(a, f"Вопрос A{n}", order_number="12345678-0001", sku="111222")
    b = ozon.add_chat()
    ozon.add_message(b, "Вопрос B1")
    ozon.add_message(b, "Ответ поддержки B2", user_type="Support", user_id="9")
    support = ozon.add_chat(chat_type="SELLER_SUPPORT")
    ozon.add_message(support, "Сообщение от поддержки продавцу")

    async with bridge() as settings:
        await wait_for(lambda: "Ответ поддержки B2" in all_shown(tg) and "A3" in all_shown(tg))
        topic_a = topic_named(tg, "Заказ 12345678-0001 · SKU 111222")
        topic_b = topic_named(tg, f"Чат {b[:8]}")
        assert topic_a is not None
        assert topic_b is not None
        # More messages while running: they follow, once each.
        ozon.add_message(a, "Вопрос A4", order_number="12345678-0001", sku="111222")
        ozon.add_message(a, "Вопрос A5 <b>не жирный</b> & [ссылка](https://ozon.ru/x)")
        await wait_for(lambda: "A5" in topic_text(tg, topic_a))

    text_a = topic_text(tg, topic_a)
    positions = [text_a.index(f"Вопрос A{n}") for n in range(1, 6)]
    assert positions == sorted(positions)
    assert all(text_a.count(f"Вопрос A{n}") == 1 for n in range(1, 6))
    # Buyer text is escaped, links survive as links.
    last = tg.thread_messages(topic_a)[-1]
    assert last.source_text is not None
    assert "&lt;b&gt;не жирный&lt;/b&gt; &amp;" in last.source_text
    assert '<a href="https://ozon.ru/x">ссылка</a>' in last.source_text
    # The topic opens with the chat's facts and a link to the seller cabinet.
    first = tg.thread_messages(topic_a)[0]
    assert "Чат с покупателем Ozon" in shown(first)
    assert "12345678-0001" in shown(first)
    assert f"id={a}" in (first.source_text or "")
    # Authors are named.
    text_b = topic_text(tg, topic_b)
    assert "Покупатель" in text_b
    assert "Поддержка Ozon" in text_b
    # Support chats are never bridged.
    assert "Сообщение от поддержки продавцу" not in all_shown(tg)
    assert len(live_topics(tg)) == 2
    chat, rows = await chat_state(settings.database_path, a)
    assert chat.topic_id == topic_a
    assert [r.state for r in rows] == ["posted"] * 5
    assert chat.sync_cursor == ozon.messages(a)[-1].message_id.__str__()


async def test_old_chats_are_not_flooded_and_first_sight_is_capped(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    old = ozon.add_chat()
    for n in range(3):
        ozon.add_message(old, f"Старое {n}", created_at=NOW - timedelta(days=3, minutes=-n))
    live = ozon.add_chat()
    for n in range(15):
        ozon.add_message(live, f"Живое #{n:02d}", created_at=NOW - timedelta(minutes=30 - n))

    async with bridge() as settings:
        await wait_for(lambda: "Живое #14" in all_shown(tg))

        async def old_chat_remembered() -> bool:
            chat, _ = await chat_state(settings.database_path, old)
            return chat is not None and chat.sync_cursor is not None

        await wait_for(old_chat_remembered)
        assert len(live_topics(tg)) == 1
        ozon.add_message(old, "Новое в старом чате")
        await wait_for(lambda: "Новое в старом чате" in all_shown(tg))

    text = all_shown(tg)
    assert [n for n in range(15) if f"Живое #{n:02d}" in text] == list(range(5, 15))
    assert "Старое" not in text
    assert len(live_topics(tg)) == 2


async def test_deleted_topic_is_recreated_and_closed_topic_reopened(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Первое", order_number="555-1")
    async with bridge() as settings:
        await wait_for(lambda: "Первое" in all_shown(tg))
        (first_topic,) = live_topics(tg)

        tg.close_topic(first_topic)
        ozon.add_message(chat, "После закрытия")
        await wait_for(lambda: "После закрытия" in topic_text(tg, first_topic))
        assert not tg.topics[first_topic].closed

        tg.delete_topic(first_topic)
        ozon.add_message(chat, "После удаления")
        await wait_for(lambda: "После удаления" in all_shown(tg))

    (second_topic,) = live_topics(tg)
    assert second_topic != first_topic
    assert tg.topics[second_topic].name == "Заказ 555-1"
    opening = tg.thread_messages(second_topic)[0]
    assert "удалена" in shown(opening)
    assert "После удаления" in topic_text(tg, second_topic)
    assert all_shown(tg).count("После удаления") == 1
    # Telegram said the post was not shown (closed, gone): no "may be shown already" after it.
    assert MAYBE_SHOWN not in all_shown(tg)
    stored, rows = await chat_state(settings.database_path, chat)
    assert stored.topic_id == second_topic
    assert [r.state for r in rows] == ["posted"] * 3


async def test_images_are_posted_as_photos_or_as_links_when_unavailable(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
    chat = ozon.add_chat()
    ozon.add_message(chat, "Вот фото брака")
    ozon.add_message(chat, "", image=picture, image_name="defect.png")
    broken = ozon.add_message(chat, "", image=b"\xff\xd8\xff" + b"x" * 100, image_name="gone.jpg")
    # The second picture's link is dead.
    token = next(m.file_token for m in ozon.messages(chat) if str(m.message_id) == broken)
    assert token is not None
    del ozon._files[token]

    async with bridge():
        await wait_for(lambda: "gone.jpg" in all_shown(tg))

    photos = [m for m in tg.sent if m.kind == "photo"]
    assert len(photos) == 1
    assert photos[0].file == picture
    assert "Покупатель" in shown(photos[0])
    fallback = [m for m in tg.sent if "gone.jpg" in shown(m)]
    assert len(fallback) == 1
    assert fallback[0].kind == "text"
    assert "Изображение" in shown(fallback[0])


async def test_bursts_of_429_from_both_sides_lose_nothing(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chats = [ozon.add_chat() for _ in range(5)]
    for i, chat in enumerate(chats):
        for n in range(3):
            ozon.add_message(chat, f"Чат {i} сообщение {n}")
    ozon.fail_next(None, 429, count=6, retry_after=1)
    tg.fail_next("sendMessage", 429, count=3, retry_after=1)
    tg.fail_next("createForumTopic", 429, count=1, retry_after=1)

    async with bridge():
        await wait_for(
            lambda: all(f"Чат {i} сообщение 2" in all_shown(tg) for i in range(5)), within=30
        )

    text = all_shown(tg)
    for i in range(5):
        for n in range(3):
            assert text.count(f"Чат {i} сообщение {n}") == 1
    assert len(live_topics(tg)) == 5
    assert sum(1 for r in ozon.requests if r.status == 429) == 6


async def test_one_failing_chat_does_not_stop_the_others(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    broken, healthy = ozon.add_chat(), ozon.add_chat()
    ozon.add_message(broken, "Из сломанного чата")
    ozon.add_message(healthy, "Из здорового чата")
    # Ozon cannot find one chat's history (it answers 404 for it) until it heals.
    healed = False
    original = ozon._handlers["/v3/chat/history"]

    async def history(body: dict[str, Any]) -> Any:
        if body.get("chat_id") == broken and not healed:
            return await original({**body, "chat_id": "no-such-chat"})
        return await original(body)

    ozon._handlers["/v3/chat/history"] = history

    async with bridge() as settings:
        await wait_for(lambda: "Из здорового чата" in all_shown(tg))
        stored, _ = await chat_state(settings.database_path, broken)
        assert "Из сломанного чата" not in all_shown(tg)
        healed = True
        await wait_for(lambda: "Из сломанного чата" in all_shown(tg))
    assert stored is not None
    assert stored.sync_cursor is None


async def test_an_entry_in_an_unknown_shape_costs_only_itself(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge, caplog: pytest.LogCaptureFixture
) -> None:
    odd_chat, odd_entry, healthy = ozon.add_chat(), ozon.add_chat(), ozon.add_chat()
    ozon.add_message(odd_chat, "Первое")
    odd = ozon.add_message(odd_chat, "Второе")
    ozon.add_message(odd_chat, "Третье")
    ozon.garble(odd_chat, odd, data=[{"block": "text", "value": "Второе"}])
    ozon.add_message(odd_entry, "Из чата со странной записью в списке")
    ozon.garble(odd_entry, unread_count="много")
    ozon.add_message(healthy, "Из обычного чата")

    async with bridge():
        await wait_for(lambda: "Третье" in all_shown(tg) and "Из обычного чата" in all_shown(tg))
        ozon.add_message(odd_chat, "Четвёртое")
        await wait_for(lambda: "Четвёртое" in all_shown(tg))
        assert "Из чата со странной записью" not in all_shown(tg)
        # Ozon's list entry for that chat turns readable again: its message arrives.
        ozon.garble(odd_entry)
        await wait_for(lambda: "Из чата со странной записью в списке" in all_shown(tg))

    (topic,) = [t for t in live_topics(tg) if "Первое" in topic_text(tg, t)]
    text = topic_text(tg, topic)
    order = ["Первое", "не смог прочитать это сообщение", "Третье", "Четвёртое"]
    assert [text.index(part) for part in order] == sorted(text.index(part) for part in order)
    assert "Второе" not in text
    errors = [r.getMessage() for r in caplog.records if r.levelname == "ERROR"]
    # Said once, not on every poll that met it.
    assert sum(f"chat {odd_entry}: unread_count" in line for line in errors) == 1
    assert any(f"message {odd}: data.0" in line for line in errors)


async def test_a_post_telegram_never_settled_says_it_may_be_shown_already(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Первое")
    async with bridge():
        await wait_for(lambda: "Первое" in all_shown(tg))
        # 5xx on every try: Telegram may or may not have shown it, the bridge cannot know.
        tg.fail_next("sendMessage", 502, count=TRANSIENT_RETRIES + 1)
        ozon.add_message(chat, "Второе")
        await wait_for(lambda: "Второе" in all_shown(tg), within=30)
        ozon.add_message(chat, "Третье")
        await wait_for(lambda: "Третье" in all_shown(tg))
    posts = [shown(m) for m in tg.sent]
    (second,) = [p for p in posts if "Второе" in p]
    assert MAYBE_SHOWN in second
    assert all(MAYBE_SHOWN not in p for p in posts if "Второе" not in p)


PNG_A = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20
PNG_B = b"\x89PNG\r\n\x1a\n" + bytes(range(255, -1, -1)) * 20


async def test_a_picture_message_shows_every_line_and_every_picture(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """A buyer's message with two lines of text and two pictures: one album, the whole text
    as its caption."""
    chat = ozon.add_chat()
    ozon.add_message(
        chat,
        ["Здравствуйте! Пришёл товар с браком.", "Вот фото коробки и самого товара."],
        images=[PNG_A, PNG_B],
    )
    async with bridge():
        await wait_for(lambda: len([m for m in tg.sent if m.kind == "photo"]) == 2)
    album = [m for m in tg.sent if m.kind == "photo"]
    assert [m.file for m in album] == [PNG_A, PNG_B]
    assert album[0].media_group_id is not None
    assert album[0].media_group_id == album[1].media_group_id
    caption = shown(album[0])
    assert "Пришёл товар с браком" in caption
    assert "Вот фото коробки" in caption
    assert "Покупатель" in caption


async def test_ozons_documented_picture_message_keeps_its_text(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """Ozon's own history example: `is_image` true, and the data a buyer's question with a link
    to a product page (no picture there): the question is shown whole, the link as a link."""
    chat = ozon.add_chat()
    page = f"{ozon.url}/files/none/product-page"
    question = (
        'Здравствуйте, у меня вопрос по вашему товару "Стекло защитное для смартфонов", '
        f"артикул 11223. Подойдет ли он на данную [ модель ]({page}) телефона?"
    )
    message_id = ozon.add_message(chat, [question], order_number="123456789", sku="987654321")
    ozon.garble(chat, message_id, is_image=True, moderate_image_status="SUCCESS")
    async with bridge():
        await wait_for(lambda: "Подойдет ли он на данную" in all_shown(tg))
    (post,) = [m for m in tg.sent if "Подойдет ли он" in shown(m)]
    assert "Стекло защитное для смартфонов" in shown(post)
    assert "артикул 11223" in shown(post)
    assert f'<a href="{page}">' in (post.source_text or "")
    assert [m for m in tg.sent if m.kind == "photo"] == []


async def test_a_picture_whose_text_is_too_long_for_a_caption_comes_after_its_text(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    lines = [f"Строка {n}: подробное описание проблемы с заказом." for n in range(40)]
    ozon.add_message(chat, lines, images=[PNG_A])
    async with bridge():
        await wait_for(lambda: any(m.kind == "photo" for m in tg.sent))
    text = all_shown(tg)
    assert all(f"Строка {n}:" in text for n in range(40))
    posts = [m for m in tg.sent if m.thread_id is not None]
    kinds = [m.kind for m in posts if "Строка 39" in shown(m) or m.kind == "photo"]
    assert kinds == ["text", "photo"]


async def test_a_chat_ozon_closes_closes_its_topic_by_polling_too(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Спасибо, всё получил!")
    async with bridge():
        await wait_for(lambda: "всё получил" in all_shown(tg))
        (topic,) = live_topics(tg)
        ozon.close_chat(chat)  # no push: only the chat list says so
        await wait_for(lambda: tg.topics[topic].closed, what="the topic closed")
        # The buyer writes again: Ozon opens the chat, the topic opens with the message.
        ozon.chats[chat].status = "OPENED"
        ozon.add_message(chat, "Хотя нет, ещё вопрос")
        await wait_for(lambda: "ещё вопрос" in topic_text(tg, topic))
        assert not tg.topics[topic].closed
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2)
    assert not tg.topics[topic].closed
    assert len(tg.calls("closeForumTopic")) == 1


async def test_an_edit_polling_sees_is_shown_marked_and_once(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = ozon.add_chat()
    question = ozon.add_message(chat, "Есть ли синий цвет?")
    async with bridge():
        await wait_for(lambda: "синий" in all_shown(tg))
        ozon.edit_message(chat, question, text="Есть ли зелёный цвет?")
        ozon.add_message(chat, "И сколько ждать доставку?")
        await wait_for(lambda: "сколько ждать" in all_shown(tg))
        await wait_for(lambda: "зелёный" in all_shown(tg))
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2)
    text = all_shown(tg)
    assert text.count("зелёный") == 1
    assert text.count("синий") == 1
    assert "Сообщение изменено" in text
