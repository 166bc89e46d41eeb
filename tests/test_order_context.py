"""What a chat is about: the order and SKU its messages name. Ozon writes "0" (or "") where a
chat is about no order or product, and that names none: in the topic's name, in `{sku}`, in
storage, and never in place of a real one named before."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.core.records import ozon_id
from bot.core.states import ChatStatus
from storage.cards import CardRepository
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.test_storage import msg, open_db, record
from tests.test_templates import admin_says
from tests.waiting import wait_for

Bridge = Callable[..., Any]


@pytest.mark.parametrize("none", ["0", "", "000", " 0 "])
def test_ozons_zero_names_no_order_and_no_sku(none: str) -> None:
    assert ozon_id(none) is None
    assert ozon_id(None) is None
    assert ozon_id("1205") == "1205"
    assert ozon_id("0123-1") == "0123-1"


async def test_a_zero_never_replaces_a_real_order_or_sku(tmp_path: Path) -> None:
    """Ozon's "0" is none wherever it comes from: a message naming it, or a row stored before
    the rule (it reads as none); a real SKU stays when a later message says "0"."""
    db, chats, _ = await open_db(tmp_path / "bridge.sqlite3")
    try:
        cards = CardRepository(db)
        for chat_id in ("real", "old"):
            await chats.observe(
                chat_id, chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None,
                unread_count=0,
            )  # fmt: skip
        await record(db, "real", [msg("1")], cursor="1")
        zero = replace(msg("2", minutes=1), order_number="0", sku="0")
        await record(db, "real", [zero], cursor="2")
        async with db.transaction() as tx:
            await chats.advance(tx, "real", cursor="2", last_message_id=None, context=("0", ""))
            await cards.want(tx, "real", "12345-0001", "0")
        chat = await chats.get("real")
        assert chat is not None
        assert (chat.order_number, chat.sku) == ("12345-0001", "987654321")
        card = await cards.get("real")
        assert card is not None
        assert (card.order_number, card.sku) == ("12345-0001", None)
        # Stored as "0" by an earlier version: read as none.
        await db.execute("UPDATE chats SET order_number = '0', sku = '0' WHERE chat_id = 'old'")
        await db.execute(
            "INSERT INTO order_cards (chat_id, order_number, sku, updated_at) "
            "VALUES ('old', '0', '0', '2026-01-01T00:00:00.000000Z')"
        )
        old = await chats.get("old")
        assert old is not None
        assert (old.order_number, old.sku) == (None, None)
        old_card = await cards.get("old")
        assert old_card is not None
        assert (old_card.order_number, old_card.sku) == (None, None)
    finally:
        await db.close()


async def test_ozons_zero_is_no_order_and_no_sku(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """Ozon writes "0" where a chat is about no order or product: that names none. The topic is
    not «SKU 0», `{sku}` is a fact the chat lacks, and a later "0" does not replace a real SKU."""
    zero = ozon.add_chat()
    ozon.add_message(zero, "Вопрос без заказа", order_number="0", sku="0")
    real = ozon.add_chat()
    ozon.add_message(real, "Вопрос о товаре", order_number="8080-6", sku="123456789")
    async with bridge():
        await wait_for(lambda: len(tg.topics) == 2, within=15, what="two topics")
        names = {topic.name for topic in tg.topics.values()}
        assert f"Чат {zero[:8]}" in names
        assert "Заказ 8080-6 · SKU 123456789" in names
        assert not any("0" in line for line in tg.shown().splitlines() if "SKU" in line)
        await admin_says(tg, "/template артикул Ваш товар: SKU {sku}", "сохранён")
        (zero_topic,) = [t for t, topic in tg.topics.items() if topic.name.startswith("Чат")]
        (real_topic,) = [t for t in tg.topics if t != zero_topic]

        tg.user_message("/t артикул", thread_id=zero_topic)
        await wait_for(lambda: "неизвестно SKU товара" in tg.shown(), within=15)

        ozon.add_message(real, "И ещё вопрос", order_number="0", sku="0")
        await wait_for(lambda: "И ещё вопрос" in tg.shown(), within=15)
        tg.user_message("/t артикул", thread_id=real_topic)
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="the template sent")
    assert ozon.sent_texts == [(real, "Ваш товар: SKU 123456789")]
