"""The forum as a help desk, end to end through the stand-ins: the topic icon follows the chat
(waiting, answered, closed), /done, /queue, Ozon closing and the buyer reopening, and a group
where the bot may not manage topics."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.app.bridge import run_bridge
from bot.config import ConfigError, Settings
from tests.fakes.ozon import DEFAULT_IMAGE, FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.waiting import wait_for

WAITING_ICON = "5379748062124056162"  # ❗
ANSWERED_ICON = "5237699328843200968"  # ✅
CLOSED_ICON = "5408906741125490282"  # 🏁


def periods(db: Path, chat_id: str) -> list[tuple[str | None, int | None, str | None]]:
    """The chat's waiting periods, oldest first: (how it ended, by whom, their name)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(
            "SELECT ended_by, staff_id, staff_name FROM waiting_periods WHERE chat_id = ? "
            "ORDER BY id",
            (chat_id,),
        ).fetchall()


def only_topic(tg: FakeTelegram) -> int:
    (topic,) = [t.thread_id for t in tg.topics.values() if not t.deleted]
    return topic


def icon(tg: FakeTelegram, topic: int) -> str | None:
    return tg.topics[topic].icon_custom_emoji_id


async def test_the_icon_follows_the_chat_and_every_waiting_period_is_kept(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Где мой заказ?", order_number="4242-1")
    settings: Settings
    async with bridge() as settings:
        await wait_for(lambda: "Где мой заказ?" in tg.shown(), within=15, what="first post")
        topic = only_topic(tg)
        # The topic is made with the waiting icon: no edit needed for it.
        assert icon(tg, topic) == WAITING_ICON
        assert tg.calls("editForumTopic") == []

        # A staff reply delivered to Ozon answers the chat.
        tg.user_message("Заказ уже в пути", thread_id=topic, first_name="Анна")
        await wait_for(lambda: icon(tg, topic) == ANSWERED_ICON, within=15, what="answered")

        # The buyer writes again, the seller answers from Ozon's cabinet.
        ozon.add_message(chat, "А когда привезут?")
        await wait_for(lambda: icon(tg, topic) == WAITING_ICON, within=15, what="waiting again")
        ozon.add_message(chat, "Завтра до обеда", user_type="Seller")
        await wait_for(lambda: icon(tg, topic) == ANSWERED_ICON, within=15, what="cabinet reply")

        # The buyer thanks; staff mark the chat as needing no reply.
        ozon.add_message(chat, "Спасибо!")
        await wait_for(lambda: icon(tg, topic) == WAITING_ICON, within=15, what="thanks")
        sent = len(ozon.sent_texts)
        tg.user_message("/done", thread_id=topic, from_id=222, first_name="Борис")
        await wait_for(lambda: icon(tg, topic) == ANSWERED_ICON, within=15, what="/done")
        await wait_for(lambda: "Ответ не нужен — отметил(а) Борис" in tg.shown(), within=15)
        # /done again: nothing is waiting.
        tg.user_message("/done", thread_id=topic, from_id=222, first_name="Борис")
        await wait_for(lambda: "и так не ждёт ответа" in tg.shown(), within=15)
    assert len(ozon.sent_texts) == sent  # /done sends nothing to the buyer
    assert periods(settings.database_path, chat) == [
        ("telegram", 111, "Анна"),
        ("cabinet", None, None),
        ("done", 222, "Борис"),
    ]
    # Every icon edit showed a change: none was sent for a state the icon already showed.
    icons = [c.params["icon_custom_emoji_id"] for c in tg.calls("editForumTopic")]
    assert icons == [ANSWERED_ICON, WAITING_ICON, ANSWERED_ICON, WAITING_ICON, ANSWERED_ICON]
    assert ozon.spec_violations == []
    assert tg.spec_violations == []


async def test_ozon_closing_closes_the_topic_and_the_buyer_writing_again_reopens_it(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Товар не подошёл", order_number="4242-2")
    settings: Settings
    async with bridge() as settings:
        await wait_for(lambda: "Товар не подошёл" in tg.shown(), within=15)
        topic = only_topic(tg)
        ozon.close_chat(chat)
        await wait_for(
            lambda: icon(tg, topic) == CLOSED_ICON and tg.topics[topic].closed,
            within=15,
            what="closed icon and topic",
        )
        # Ozon's list still says CLOSED, yet the buyer wrote: waiting again, topic open.
        ozon.add_message(chat, "Можно ещё вопрос?")
        await wait_for(lambda: "Можно ещё вопрос?" in tg.shown(), within=15)
        await wait_for(lambda: icon(tg, topic) == WAITING_ICON, within=15, what="reopened")
        assert not tg.topics[topic].closed
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 3, within=15)
        # A list that keeps saying CLOSED closes nothing again: the buyer is still waiting.
        assert icon(tg, topic) == WAITING_ICON
        assert not tg.topics[topic].closed
    assert periods(settings.database_path, chat) == [("closed", None, None), (None, None, None)]


async def test_queue_lists_the_longest_waiting_first_thirty_at_most(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    now = datetime.now(UTC)
    chats = []
    for n in range(32):
        chat = ozon.add_chat()
        # Chat n's buyer has waited 32 - n hours; the window (48 h) closes sooner for older ones.
        ozon.add_message(
            chat, f"Вопрос {n}", order_number=f"900-{n}", created_at=now - timedelta(hours=32 - n)
        )
        chats.append(chat)
    answered = chats[5]
    async with bridge(first_sight_hours=48):
        await wait_for(lambda: len(tg.topics) == 32, within=30, what="32 topics")
        await wait_for(lambda: "Вопрос 31" in tg.shown(), within=30, what="all posts")
        topic_of = {t.name: t.thread_id for t in tg.topics.values()}
        tg.user_message("/done", thread_id=topic_of["Заказ 900-5"])
        await wait_for(lambda: "Ответ не нужен" in tg.shown(), within=15)

        tg.user_message("/queue", thread_id=None, from_id=333)
        await wait_for(lambda: "Ждут ответа: 31" in tg.shown(), within=15, what="/queue")
        (answer,) = [m for m in tg.thread_messages(None) if "Ждут ответа: 31" in (m.text or "")]
        lines = (answer.text or "").splitlines()
        assert lines[1].startswith("1. Заказ 900-0 — ждёт 1 дн 8 ч, ответить можно ещё 15 ч 59")
        assert lines[2].startswith("2. Заказ 900-1 — ждёт 1 дн 7 ч")
        assert not any("900-5 " in line for line in lines)  # marked done
        assert lines[30].startswith("30. Заказ 900-30 ")
        assert lines[31] == "…и ещё 1"
        # Each line links to its topic.
        short = str(tg.forum_chat_id).removeprefix("-100")
        assert f"https://t.me/c/{short}/{topic_of['Заказ 900-0']}" in (answer.source_text or "")

        # In a private chat: members see the queue, others are refused.
        tg.private_message("/queue", from_id=444, first_name="Вера")
        tg.outsiders.add(555)
        tg.private_message("/queue", from_id=555, first_name="Чужой")
        await wait_for(lambda: len(tg.private_sent) == 2, within=15, what="private answers")
        answers = dict(tg.private_sent)
        assert answers[444].startswith("Ждут ответа: 31")
        assert "только участники группы" in answers[555]
    assert answered in chats


async def test_an_empty_queue_says_so(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    async with bridge():
        tg.user_message("/queue", thread_id=None)
        await wait_for(lambda: "Никто не ждёт ответа" in tg.shown(), within=15)


async def test_without_the_right_to_manage_topics_icons_wait_and_relaying_goes_on(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any], caplog: Any
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Первый вопрос", order_number="4242-3")
    async with bridge():
        await wait_for(lambda: "Первый вопрос" in tg.shown(), within=15)
        topic = only_topic(tg)
        tg.bot_is_admin = False  # demoted: it may post, not edit topics
        tg.user_message("Отвечаем", thread_id=topic)
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="reply delivered")
        await wait_for(
            lambda: "topic icons are not shown" in caplog.text, within=15, what="warning"
        )
        ozon.add_message(chat, "Второй вопрос")
        await wait_for(lambda: "Второй вопрос" in tg.shown(), within=15, what="still relayed")
        tg.user_message("/status", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: "Значки тем не меняются" in tg.shown(), within=15, what="/status")
        assert icon(tg, topic) == WAITING_ICON
    assert caplog.text.count("topic icons are not shown") == 1


async def test_an_icon_telegram_does_not_offer_stops_the_start_naming_the_setting(
    tg: FakeTelegram, make_settings: Callable[..., Settings]
) -> None:
    settings = make_settings(topic_icon_closed="🦖")
    with pytest.raises(ConfigError, match="TOPIC_ICON_CLOSED='🦖' is not among"):
        await asyncio.wait_for(run_bridge(settings, asyncio.Event()), timeout=15)
    assert tg.calls("createForumTopic") == []


async def test_icons_turned_off_leave_topics_as_they_are(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Без значков", order_number="4242-4")
    async with bridge(topic_icons_enabled=False):
        await wait_for(lambda: "Без значков" in tg.shown(), within=15)
        topic = only_topic(tg)
        tg.user_message("Ответ", thread_id=topic)
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15)
        tg.user_message("/queue", thread_id=None)
        await wait_for(lambda: "Никто не ждёт ответа" in tg.shown(), within=15)
    assert icon(tg, topic) is None
    assert tg.calls("editForumTopic") == []
    assert tg.calls("getForumTopicIconStickers") == []


def message_state(db: Path, chat_id: str, message_id: str) -> str | None:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT state FROM messages WHERE chat_id = ? AND message_id = ?", (chat_id, message_id)
        ).fetchone()
    return None if row is None else str(row[0])


def echo_linked(db: Path, chat_id: str) -> bool:
    """Every staff reply of the chat has come back in Ozon's history (its echo is recorded)."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (unlinked,) = conn.execute(
            "SELECT count(*) FROM outbox WHERE chat_id = ? AND ozon_message_id IS NULL",
            (chat_id,),
        ).fetchone()
    return int(unlinked) == 0


async def test_done_and_a_reply_answer_only_what_the_topic_showed(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    """Telegram refuses to post the buyer's photo for a while: the question is recorded, not
    shown. Staff saw only the thanks: their /done and their reply answer that, and the chat
    keeps waiting for the question, before and after it is shown, until staff act on it."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Спасибо!", order_number="4242-5")
    settings: Settings
    async with bridge() as settings:
        db = settings.database_path
        await wait_for(lambda: "Спасибо!" in tg.shown(), within=15, what="the thanks")
        topic = only_topic(tg)
        tg.fail_next("sendPhoto", 500, count=1_000_000)
        question = ozon.add_message(chat, "Пришёл не тот цвет", images=[DEFAULT_IMAGE])
        await wait_for(
            lambda: message_state(db, chat, question) == "pending", within=15, what="recorded"
        )
        # /done answers the thanks; the question, not shown yet, keeps the chat in the queue.
        tg.user_message("/done", thread_id=topic, from_id=222, first_name="Борис")
        await wait_for(lambda: "чат остаётся в очереди" in tg.shown(), within=15, what="/done")
        assert "Чат убран из очереди" not in tg.shown()
        # A reply written while the question is still not shown does not answer it either,
        # neither when Ozon takes it nor when its copy comes back in the chat's history.
        tg.user_message("Рады помочь!", thread_id=topic, first_name="Анна")
        await wait_for(
            lambda: (chat, "Рады помочь!") in ozon.sent_texts, within=15, what="delivered"
        )
        await wait_for(lambda: echo_linked(db, chat), within=15, what="the reply's echo")
        tg.user_message("/queue", thread_id=None)
        await wait_for(lambda: "Ждут ответа: 1" in tg.shown(), within=15, what="/queue")
        # Shown at last: still waiting, until staff answer what they now see.
        tg.clear_faults()
        await wait_for(lambda: message_state(db, chat, question) == "posted", within=30)
        assert icon(tg, topic) == WAITING_ICON
        tg.user_message("Заменим, пришлите номер заказа", thread_id=topic, first_name="Анна")
        await wait_for(lambda: icon(tg, topic) == ANSWERED_ICON, within=15, what="answered")
    assert periods(db, chat) == [("done", 222, "Борис"), ("telegram", 111, "Анна")]


async def test_an_anonymous_administrator_sees_the_queue(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Есть вопрос", order_number="4242-6")
    async with bridge():
        await wait_for(lambda: "Есть вопрос" in tg.shown(), within=15)
        tg.user_message("/queue", thread_id=None, anonymous=True)
        await wait_for(lambda: "Ждут ответа: 1" in tg.shown(), within=15, what="/queue")
