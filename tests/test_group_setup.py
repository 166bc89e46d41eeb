"""Faults of the forum group's set-up (Topics turned off, rights taken away): nothing queued is
lost, only what the fault blocks waits, the operator is told, and the bridge resumes by itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from storage.db import Database
from storage.messages import MessageRepository
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import free_port
from tests.waiting import wait_for

Bridge = Callable[..., Any]
ADMIN = 500


async def rows(db_path: Any, chat_id: str) -> list[tuple[str, int]]:
    """(state, attempts) of a chat's recorded messages."""
    db = await Database.open(db_path)
    try:
        return [(m.state, m.attempts) for m in await MessageRepository(db).for_chat(chat_id)]
    finally:
        await db.close()


def refused(tg: FakeTelegram, method: str) -> int:
    return sum(1 for call in tg.calls(method) if call.status == 400)


async def health(port: int) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        answer = await http.get("/healthz")
        return answer.status_code, answer.json()


def healthy(port: int) -> Callable[[], Any]:
    async def check() -> bool:
        return (await health(port))[0] == 200

    return check


async def test_topics_turned_off_keep_everything_queued_until_they_are_back(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    known = ozon.add_chat()
    ozon.add_message(known, "Первое сообщение")
    port = free_port()
    async with bridge(push_port=port, admin_ids=[ADMIN]) as settings:
        await wait_for(lambda: "Первое сообщение" in tg.shown())
        tg.is_forum = False  # someone turned Topics off in the group's settings
        ozon.add_message(known, "Второе сообщение, пока темы выключены")
        new = ozon.add_chat()
        ozon.add_message(new, "Новый покупатель, пока темы выключены")
        await wait_for(lambda: refused(tg, "createForumTopic") >= 3, within=30)

        async def says_topics_are_off() -> bool:
            status, body = await health(port)
            return status == 503 and "Topics turned off" in body["reason"]

        await wait_for(says_topics_are_off, what="/healthz naming Topics")
        tg.user_message("/status", thread_id=None, from_id=ADMIN)
        await wait_for(lambda: "Topics turned off" in tg.shown())
        # A fault of the group, not of a message: nothing is counted against the messages.
        assert await rows(settings.database_path, known) == [("posted", 0), ("pending", 0)]
        assert await rows(settings.database_path, new) == [("pending", 0)]

        tg.is_forum = True
        await wait_for(lambda: "Новый покупатель" in tg.shown(), within=40)
        await wait_for(lambda: "Второе сообщение" in tg.shown(), within=40)
        await wait_for(healthy(port), what="/healthz 200 again")
    assert tg.shown().count("Второе сообщение") == 1
    assert tg.shown().count("Новый покупатель") == 1


async def test_a_chat_that_cannot_get_a_topic_waits_alone(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """The bot may no longer create topics: a new buyer chat waits, chats that have a topic
    go on, and the new chat gets its topic once the right is back."""
    known = ozon.add_chat()
    ozon.add_message(known, "Первое сообщение")
    port = free_port()
    async with bridge(push_port=port):
        await wait_for(lambda: "Первое сообщение" in tg.shown())
        tg.can_manage_topics = False
        new = ozon.add_chat()
        ozon.add_message(new, "Новый покупатель без темы")
        await wait_for(lambda: refused(tg, "createForumTopic") >= 1, within=15)
        ozon.add_message(known, "Второе сообщение в старой теме")
        await wait_for(lambda: "Второе сообщение в старой теме" in tg.shown(), within=15)

        status, body = await health(port)
        assert status == 503
        assert "Manage topics" in body["reason"]
        assert "Новый покупатель" not in tg.shown()

        tg.can_manage_topics = True
        await wait_for(lambda: "Новый покупатель без темы" in tg.shown(), within=40)
        await wait_for(healthy(port), what="/healthz 200 again")


async def test_a_new_forum_group_with_the_old_database_mixes_nothing_up(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """The operator creates a new forum group, sets FORUM_CHAT_ID to it and keeps the database.
    Telegram numbers topics and messages per group, so the new group's ids run into the old
    ones: none of them may be taken for an old topic or an old staff message."""
    chat = ozon.add_chat()
    ozon.add_message(chat, "Вопрос в старой группе")
    old_replies = []
    async with bridge():
        await wait_for(lambda: "Вопрос в старой группе" in tg.shown())
        (old_topic,) = tg.topics
        for n in range(5):
            tg.user_message(f"Ответ {n} из старой группы", thread_id=old_topic)
            old_replies.append(max(tg.messages))
        await wait_for(lambda: len(ozon.sent_texts) == 5)

    async with FakeTelegram(token=tg.token, forum_chat_id=-1009876543210) as new_group:
        async with bridge(telegram_api_url=new_group.url, forum_chat_id=new_group.forum_chat_id):
            # Staff open a topic of their own; its id is the old buyer topic's id.
            own = new_group.create_topic("Планёрка")
            assert own == old_topic
            new_group.user_message("Внутренний разговор, не для покупателя", thread_id=own)
            chatter = max(new_group.messages)
            ozon.add_message(chat, "Вопрос после переезда")
            await wait_for(lambda: "Вопрос после переезда" in new_group.shown())
            (moved,) = [t for t in new_group.topics if t != own]
            new_group.user_message("Ответ из новой группы", thread_id=moved)
            reply = max(new_group.messages)
            assert reply in old_replies  # the ids collide, as they do in Telegram
            await wait_for(
                lambda: new_group.reactions.get((new_group.forum_chat_id, reply)) is not None
            )
        assert new_group.spec_violations == []
    sent = [text for _, text in ozon.sent_texts]
    assert sent == [f"Ответ {n} из старой группы" for n in range(5)] + ["Ответ из новой группы"]
    assert new_group.reactions.get((new_group.forum_chat_id, chatter)) is None
    assert "Вопрос после переезда" in "\n".join(
        m.text or "" for m in new_group.thread_messages(moved)
    )
