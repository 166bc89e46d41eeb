"""Where the order card is shown, end to end through the stand-ins: a first post that was meant
to be a picture but went as text (a dead picture link, a picture Telegram refused) still gets
its card; an edit Telegram refuses is not taken for success (the card goes in a post of its
own, or `/card` says why it could not be shown); `/card` says whether anything changed; a
recreated topic's first post keeps saying so when the card is edited in."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.fakes.telegram_model import FakeMessage
from tests.test_order_card import PNG, an_order, first_post
from tests.waiting import wait_for

Bridge = Callable[..., Any]
FBS_LIST = "/v4/posting/fbs/list"


def openings(tg: FakeTelegram, topic: int) -> list[FakeMessage]:
    """The topic's posts that carry the chat's opening (its facts and card)."""
    return [
        m
        for m in tg.thread_messages(topic)
        if "Чат с покупателем" in (m.source_text or m.text or m.caption or "")
    ]


def plain(message: FakeMessage) -> str:
    return re.sub(r"<[^>]+>", "", message.source_text or message.text or message.caption or "")


def a_picture_with_an_order(ozon: FakeOzon) -> str:
    """A buyer's picture about the order, before the card can be read (Ozon answers later)."""
    an_order(ozon)
    ozon.fail_next(FBS_LIST, 503, count=5)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Вот фото", images=[PNG], order_number="33713378-0051")
    return chat


async def test_a_picture_with_a_dead_link_gets_its_card_in_the_text_it_went_as(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chat = a_picture_with_an_order(ozon)
    ((token, _),) = ozon.messages(chat)[-1].pictures
    del ozon._files[token]  # the picture's link is dead: the post goes as text with the link
    async with bridge(card_retry_seconds=0.5):
        await wait_for(lambda: "Вот фото" in tg.shown(), within=15, what="the post")
        (topic,) = list(tg.topics)
        (post,) = openings(tg, topic)
        assert post.kind == "text"
        assert "Сведения о заказе загружаются" in plain(post)
        await wait_for(
            lambda: "33713378-0051-1" in first_post(tg, topic), within=30, what="card edited in"
        )
        assert "загружаются" not in first_post(tg, topic)
        assert "Вот фото" in first_post(tg, topic)
        assert "Изображение" in first_post(tg, topic)  # the dead link stays shown
        assert {e.method for e in post.edits} == {"editMessageText"}
        await wait_for(lambda: tg.pinned == {post.message_id}, within=15, what="pinned")


async def test_a_picture_telegram_refused_gets_its_card_in_the_text_it_went_as(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    a_picture_with_an_order(ozon)
    tg.fail_next("sendPhoto", 400, description="Bad Request: IMAGE_PROCESS_FAILED")
    async with bridge(card_retry_seconds=0.5):
        await wait_for(lambda: "Вот фото" in tg.shown(), within=15, what="the post")
        (topic,) = list(tg.topics)
        (post,) = openings(tg, topic)
        assert post.kind == "text"
        await wait_for(
            lambda: "33713378-0051-1" in first_post(tg, topic), within=30, what="card edited in"
        )
        assert "загружаются" not in first_post(tg, topic)
        assert "Вот фото" in first_post(tg, topic)


async def test_pictures_partly_fetched_get_the_card_in_the_text_before_them(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """One picture of two cannot be fetched: the text (with the links) goes first, the
    picture after it; the card goes into that text, not a caption."""
    an_order(ozon)
    ozon.fail_next(FBS_LIST, 503, count=5)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Вот фото", images=[PNG, PNG[:-1]], order_number="33713378-0051")
    token, _ = ozon.messages(chat)[-1].pictures[1]
    del ozon._files[token]
    async with bridge(card_retry_seconds=0.5):
        await wait_for(lambda: bool(tg.calls("sendPhoto")), within=15, what="the picture")
        (topic,) = list(tg.topics)
        (post,) = openings(tg, topic)
        assert post.kind == "text"
        await wait_for(
            lambda: "33713378-0051-1" in first_post(tg, topic), within=30, what="card edited in"
        )
        assert "загружаются" not in first_post(tg, topic)
        (photo,) = [m for m in tg.thread_messages(topic) if m.kind == "photo"]
        assert photo.edits == []


async def test_a_first_post_telegram_refused_leaves_its_opening_in_a_post_of_its_own(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """The buyer's words are refused and a notice stands in for them: the opening (and the
    card edited in later) follows alone, and the notice stays as it is."""
    an_order(ozon)
    ozon.fail_next(FBS_LIST, 503, count=5)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Где заказ?", order_number="33713378-0051")
    tg.fail_next("sendMessage", 400, description="Bad Request: can't parse entities")
    async with bridge(card_retry_seconds=0.5):
        await wait_for(lambda: "не удалось показать" in tg.shown(), within=15, what="notice")
        (topic,) = list(tg.topics)
        await wait_for(lambda: len(openings(tg, topic)) == 1, within=15, what="the opening")
        await wait_for(
            lambda: "33713378-0051-1" in first_post(tg, topic), within=30, what="card edited in"
        )
        (notice,) = [m for m in tg.thread_messages(topic) if "не удалось показать" in plain(m)]
        assert notice.edits == []
        assert "Где заказ?" not in first_post(tg, topic)
        ozon.add_message(chat, "Алло?")
        await wait_for(lambda: "Алло?" in tg.shown(), within=15)
        assert len(openings(tg, topic)) == 1  # the next post goes without an opening


async def test_card_says_when_ozon_has_nothing_new(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Когда привезут?", order_number="33713378-0051", sku="1234567")
    async with bridge():
        await wait_for(lambda: "Когда привезут?" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "доставляется" in first_post(tg, topic), within=15)
        (post,) = openings(tg, topic)
        edits, posts = len(post.edits), len(tg.thread_messages(topic))
        tg.user_message("/card", thread_id=topic)
        await wait_for(lambda: len(tg.thread_messages(topic)) > posts, within=15, what="answer")
        assert "обновлена" not in tg.shown()
        assert "нового нет" in tg.shown()
        assert len(post.edits) == edits


async def test_an_edit_telegram_refuses_puts_the_card_in_a_post_of_its_own(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Когда привезут?", order_number="33713378-0051", sku="1234567")
    async with bridge():
        await wait_for(lambda: "Когда привезут?" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        await wait_for(lambda: "доставляется" in first_post(tg, topic), within=15)
        await wait_for(lambda: bool(tg.pinned), within=15, what="the card pinned")
        ozon.postings["33713378-0051-1"].status = "delivered"
        tg.fail_next("editMessageText", 400, description="Bad Request: message can't be edited")
        tg.user_message("/card", thread_id=topic)
        await wait_for(lambda: len(openings(tg, topic)) == 2, within=15, what="a new card")
        await wait_for(lambda: "message can't be edited" in tg.shown(), within=15)
        old, new = openings(tg, topic)
        assert "доставлен" in plain(new).replace("доставляется", "")
        assert "Когда привезут?" not in plain(new)  # the card alone; the buyer's words stay
        assert "Когда привезут?" in plain(old)
        await wait_for(lambda: new.message_id in tg.pinned, within=15, what="the new one pinned")


async def test_card_says_why_the_card_could_not_be_shown(
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
        tg.fail_next("editMessageText", 400, description="Bad Request: message can't be edited")
        tg.fail_next("sendMessage", 400, description="Bad Request: can't parse entities")
        tg.user_message("/card", thread_id=topic)
        await wait_for(lambda: "не удалось показать" in tg.shown(), within=15, what="answer")
        assert "can't parse entities" in tg.shown()
        assert "обновлена" not in tg.shown()
        assert len(openings(tg, topic)) == 1


async def test_a_recreated_topic_keeps_saying_so_when_the_card_is_edited_in(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    an_order(ozon)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Первое", order_number="33713378-0051", sku="1234567")
    async with bridge():
        await wait_for(lambda: "Первое" in tg.shown(), within=15)
        (first_topic,) = list(tg.topics)
        await wait_for(lambda: "доставляется" in first_post(tg, first_topic), within=15)
        tg.delete_topic(first_topic)
        ozon.add_message(chat, "После удаления")
        await wait_for(lambda: "После удаления" in tg.shown(), within=15)
        (topic,) = [t for t in tg.topics if t != first_topic]
        assert "Прежняя тема этого чата была удалена" in first_post(tg, topic)
        ozon.postings["33713378-0051-1"].status = "delivered"
        tg.user_message("/card", thread_id=topic)
        await wait_for(
            lambda: "доставлен" in first_post(tg, topic).replace("доставляется", ""),
            within=15,
            what="the card edited in",
        )
        assert "Прежняя тема этого чата была удалена" in first_post(tg, topic)
        assert "После удаления" in first_post(tg, topic)
