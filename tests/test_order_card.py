"""The order card in a buyer's topic, end to end through the stand-ins: full data in the first
post and pinned, a key without the roles, Ozon failing then recovering (edited in later),
`/card`, and a known delivery date extending the reply window."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.waiting import wait_for

Bridge = Callable[..., Any]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
CARD_PATHS = ("/v4/posting/fbs/list", "/v3/posting/fbo/list", "/v3/product/info/list")


def first_post(tg: FakeTelegram, topic: int) -> str:
    """The topic's first post as staff see it now (edits included), without HTML."""
    (post,) = [m for m in tg.thread_messages(topic) if "Чат с покупателем" in (m.text or "")]
    return re.sub(r"<[^>]+>", "", post.source_text or post.text or "")


def card_requests(ozon: FakeOzon) -> int:
    return sum(ozon.count(path) for path in CARD_PATHS)


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


async def test_the_first_post_carries_the_order_card_and_is_pinned(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Где моя кружка?", order_number="33713378-0051", sku="1234567")
    async with bridge():
        await wait_for(lambda: "Где моя кружка?" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "33713378-0051-1" in first_post(tg, topic), within=15, what="card")
        await wait_for(lambda: bool(tg.pinned), within=15, what="the card pinned")
        text = first_post(tg, topic)
        assert "33713378-0051-1 · FBS · доставляется" in text
        assert "— Кружка керамическая (арт. MUG-1) × 2 — 990\u00a0₽" in text
        assert "🛍 Товар: Кружка керамическая (арт. MUG-1) — 990\u00a0₽" in text
        assert "Где моя кружка?" in text  # the buyer's words stay under the card
        (post,) = [m for m in tg.thread_messages(topic) if "Чат с покупателем" in (m.text or "")]
        assert tg.pinned == {post.message_id}
    assert card_requests(ozon) <= 3
    assert ozon.spec_violations == []
    assert tg.spec_violations == []


async def test_without_the_roles_the_card_says_what_it_cannot_show(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    ozon.refuse_orders(True)
    ozon.refuse_products(True)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Вопрос по заказу", order_number="33713378-0051", sku="1234567")
    async with bridge():
        await wait_for(lambda: "Вопрос по заказу" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(
            lambda: "ключ API не даёт читать отправления" in first_post(tg, topic),
            within=15,
            what="the card naming what it lacks",
        )
        assert "ключ API не даёт читать товары" in first_post(tg, topic)
        assert "Заказ: 33713378-0051" in first_post(tg, topic)


async def test_ozon_failing_then_recovering_edits_the_card_in(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    ozon.fail_next("/v4/posting/fbs/list", 503, count=6)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Алло", order_number="33713378-0051")
    async with bridge(card_retry_seconds=0.5):
        # The buyer's message is not held back by Ozon's trouble.
        await wait_for(lambda: "Алло" in tg.shown(), within=15, what="the buyer's message")
        (topic,) = list(tg.topics)
        await wait_for(
            lambda: "33713378-0051-1" in first_post(tg, topic), within=30, what="card edited in"
        )
        (post,) = [m for m in tg.thread_messages(topic) if "Чат с покупателем" in (m.text or "")]
        assert [e.method for e in post.edits][-1] == "editMessageText"
        assert "Ozon пока не ответил" not in first_post(tg, topic)


async def test_card_reads_the_order_again_and_edits_it_in_place(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Когда привезут?", order_number="33713378-0051", sku="1234567")
    async with bridge():
        await wait_for(lambda: "Когда привезут?" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "доставляется" in first_post(tg, topic), within=15)
        ozon.postings["33713378-0051-1"].status = "delivered"
        posts = len(tg.thread_messages(topic))
        tg.user_message("/card", thread_id=topic)
        await wait_for(lambda: "доставлен" in first_post(tg, topic).replace("доставляется", ""),
                       within=15, what="the card refreshed")  # fmt: skip
        await wait_for(lambda: "Карточка заказа обновлена" in tg.shown(), within=15)
        assert len(tg.thread_messages(topic)) == posts + 1  # the answer to /card, no new card
        assert ozon.sent_texts == []  # /card never reaches the buyer


async def test_a_known_delivery_date_extends_the_reply_window(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)  # delivery expected in 2 to 4 days: replies taken 72 h after that
    chat = ozon.add_chat()
    ozon.add_message(chat, "Жду", order_number="33713378-0051")
    async with bridge():
        await wait_for(lambda: "Жду" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "33713378-0051-1" in first_post(tg, topic), within=15)
        tg.user_message("/queue", thread_id=None)
        await wait_for(lambda: "Ждут ответа: 1" in tg.shown(), within=15)
    assert "ответить можно ещё 6 дн 23 ч" in tg.shown()


async def test_a_picture_first_gets_the_card_in_its_caption(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    ozon.fail_next("/v4/posting/fbs/list", 503, count=5)  # the card comes after the post
    chat = ozon.add_chat()
    ozon.add_message(chat, "Вот фото", images=[PNG], order_number="33713378-0051")
    async with bridge(card_retry_seconds=0.5):
        await wait_for(lambda: bool(tg.calls("sendPhoto")), within=15, what="the picture")
        (topic,) = list(tg.topics)
        (photo,) = [m for m in tg.thread_messages(topic) if m.kind == "photo"]
        assert "Сведения о заказе загружаются" in (photo.caption or "")
        await wait_for(
            lambda: "33713378-0051-1" in (photo.caption or ""), within=30, what="caption edit"
        )
        assert {e.method for e in photo.edits} == {"editMessageCaption"}
        assert "Вот фото" in (photo.caption or "")
        assert tg.pinned == {photo.message_id}


async def test_a_long_text_with_a_picture_keeps_its_words_when_the_card_comes(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """Too long for a caption, the text goes first with the header; the card edited into that
    message keeps every word of it."""
    an_order(ozon)
    ozon.fail_next("/v4/posting/fbs/list", 503, count=5)
    long_text = "Посмотрите, пожалуйста, на фото. " * 40
    chat = ozon.add_chat()
    ozon.add_message(chat, long_text, images=[PNG], order_number="33713378-0051")
    async with bridge(card_retry_seconds=0.5):
        await wait_for(lambda: bool(tg.calls("sendPhoto")), within=15, what="the picture")
        (topic,) = list(tg.topics)
        await wait_for(
            lambda: "33713378-0051-1" in first_post(tg, topic), within=30, what="card edited in"
        )
        assert long_text.strip() in first_post(tg, topic)


async def test_a_cancelled_posting_does_not_extend_the_reply_window(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    ozon.postings["33713378-0051-1"].status = "cancelled"
    chat = ozon.add_chat()
    ozon.add_message(chat, "Почему отменили?", order_number="33713378-0051")
    async with bridge():
        await wait_for(lambda: "Почему отменили?" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "отменён" in first_post(tg, topic), within=15, what="the card")
        tg.user_message("/queue", thread_id=None)
        await wait_for(lambda: "Ждут ответа: 1" in tg.shown(), within=15)
    assert "ответить можно ещё 1 дн 23 ч" in tg.shown()  # the 48 hours after the buyer wrote


async def test_a_delivered_posting_counts_from_its_delivery_not_the_promised_window(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)  # promised for 2 to 4 days from now, but already delivered
    posting = ozon.postings["33713378-0051-1"]
    posting.status = "delivered"
    posting.delivering_date = datetime.now(UTC) - timedelta(hours=1)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Пришёл не тот цвет", order_number="33713378-0051")
    async with bridge():
        await wait_for(lambda: "Пришёл не тот цвет" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "доставлен" in first_post(tg, topic), within=15, what="the card")
        tg.user_message("/queue", thread_id=None)
        await wait_for(lambda: "Ждут ответа: 1" in tg.shown(), within=15)
    # Delivered no earlier than it was handed to delivery an hour ago: 72 hours from then.
    assert "ответить можно ещё 2 дн 22 ч" in tg.shown()


async def test_card_during_an_ozon_failure_keeps_the_card_and_its_window(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Жду", order_number="33713378-0051")
    async with bridge():
        await wait_for(lambda: "Жду" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "33713378-0051-1" in first_post(tg, topic), within=15)
        ozon.fail_next("/v4/posting/fbs/list", 503, count=50)
        posts = len(tg.thread_messages(topic))
        tg.user_message("/card", thread_id=topic)
        await wait_for(lambda: len(tg.thread_messages(topic)) > posts, within=30, what="answer")
        assert "33713378-0051-1 · FBS · доставляется" in first_post(tg, topic)
        assert "Ozon сейчас не ответил о заказе: показаны прежние сведения" in first_post(tg, topic)
        assert "Ozon сейчас не ответил" in (tg.thread_messages(topic)[-1].text or "")
        tg.user_message("/queue", thread_id=None)
        await wait_for(lambda: "Ждут ответа: 1" in tg.shown(), within=15)
    assert "ответить можно ещё 6 дн 23 ч" in tg.shown()
