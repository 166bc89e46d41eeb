"""Reply reminders: each threshold of each waiting period once, the last saying the window is
about to close, only within working hours, never for a chat no longer waiting or past its
window; on a real database, with the clock in the test's hands, and end to end across a
restart of the bridge."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.desk.reminders import Reminder, Reminders
from bot.core.faults import PostRejected, TelegramUnavailable
from bot.core.hours import WorkingHours
from bot.core.records import Staff
from bot.core.states import CardState, ChatStatus, EndedBy
from storage.cards import CardRepository
from storage.chats import ChatRepository
from storage.db import Database
from storage.desk import DeskRepository
from storage.forum import bind_forum
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.waiting import wait_for

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
HOUR = 3600
DAY = timedelta(days=1)
HOUR_TD = timedelta(hours=1)
FORUM = -100777


class Port:
    def __init__(self) -> None:
        self.posted: list[list[tuple[str, int, bool]]] = []
        self.down = False
        self.refuse = False

    async def remind(self, reminders: Sequence[Reminder]) -> None:
        if self.down:
            raise TelegramUnavailable("telegram is down")
        if self.refuse:
            raise PostRejected("Bad Request: TOPIC_CLOSED")
        self.posted.append([(r.chat.chat.chat_id, r.threshold, r.closing) for r in reminders])


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def new_chat(chats: ChatRepository, chat_id: str, *, topic: int | None) -> None:
    await chats.observe(
        chat_id,
        chat_type="BUYER_SELLER",
        status=ChatStatus.OPENED,
        created_at=None,
        unread_count=0,
    )
    if topic is not None:
        await chats.set_topic(chat_id, topic, name=f"Заказ {chat_id}")


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[Database, DeskRepository]]:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    await bind_forum(db, FORUM)
    chats = ChatRepository(db)
    for topic, chat_id in enumerate(("a", "b"), start=10):
        await new_chat(chats, chat_id, topic=topic)
    try:
        yield db, DeskRepository(db)
    finally:
        await db.close()


def reminders(
    periods: DeskRepository, port: Port, clock: Clock, hours: WorkingHours | None = None
) -> Reminders:
    return Reminders(
        periods, port, thresholds=(HOUR, 20 * HOUR, 44 * HOUR), hours=hours, tz=MSK, now=clock
    )


async def buyer_waits(db: Database, periods: DeskRepository, chat_id: str, since: datetime) -> None:
    async with db.transaction() as tx:
        await periods.open_period(tx, chat_id, since, None)


async def test_each_threshold_once_those_near_their_deadline_said_to_be_closing(
    desk: tuple[Database, DeskRepository],
) -> None:
    db, periods = desk
    port, clock = Port(), Clock()
    job = reminders(periods, port, clock)
    await buyer_waits(db, periods, "a", T0)
    await buyer_waits(db, periods, "b", T0 + timedelta(minutes=30))
    assert await job.run() == 0  # nobody has waited an hour yet

    clock.now = T0 + timedelta(hours=1, minutes=1)
    assert await job.run() == 1
    assert port.posted == [[("a", HOUR, False)]]
    assert await job.run() == 0  # never twice

    # One pass names every chat newly due; a chat past two thresholds at once is named once.
    # Both windows close within hours (b's in 4 h 25 min, though it passed only 20 h).
    clock.now = T0 + timedelta(hours=44, minutes=5)
    assert await job.run() == 2
    assert port.posted[-1] == [("a", 44 * HOUR, True), ("b", 20 * HOUR, True)]

    # Past its window (48 h after the buyer's last message) a chat is not reminded of.
    clock.now = T0 + timedelta(hours=48, minutes=31)
    assert await job.run() == 0


async def test_a_chat_no_longer_waiting_is_not_reminded_of(
    desk: tuple[Database, DeskRepository],
) -> None:
    db, periods = desk
    port, clock = Port(), Clock()
    await buyer_waits(db, periods, "a", T0)
    async with db.transaction() as tx:
        await periods.end_period(tx, "a", T0, EndedBy.DONE, Staff(1, "Анна"))
    clock.now = T0 + timedelta(hours=2)
    assert await reminders(periods, port, clock).run() == 0
    assert port.posted == []


async def test_reminders_due_outside_working_hours_come_when_they_begin(
    desk: tuple[Database, DeskRepository],
) -> None:
    db, periods = desk
    port, clock = Port(), Clock()
    job = reminders(periods, port, clock, WorkingHours.parse("09:00-21:00"))
    await buyer_waits(db, periods, "a", T0 + timedelta(hours=14))  # 23:00 in Moscow
    await buyer_waits(db, periods, "b", T0 + timedelta(hours=15))  # midnight
    clock.now = T0 + timedelta(hours=20)  # 05:00 in Moscow: both due, nothing posted
    assert await job.run() == 0
    async with db.transaction() as tx:  # one is answered before the morning
        await periods.end_period(tx, "b", clock.now, EndedBy.CABINET)
    clock.now = T0 + timedelta(days=1)  # 09:00 the next day
    assert await job.run() == 1
    assert port.posted == [[("a", HOUR, False)]]


async def test_a_reminder_telegram_did_not_take_is_posted_at_the_next_pass(
    desk: tuple[Database, DeskRepository],
) -> None:
    db, periods = desk
    port, clock = Port(), Clock()
    job = reminders(periods, port, clock)
    await buyer_waits(db, periods, "a", T0)
    clock.now = T0 + timedelta(hours=2)
    port.down = True
    with pytest.raises(TelegramUnavailable):
        await job.run()
    port.down = False
    assert await job.run() == 1
    assert port.posted == [[("a", HOUR, False)]]


async def test_the_window_closing_is_said_of_chats_near_their_real_deadline(
    desk: tuple[Database, DeskRepository],
) -> None:
    """Not of the last threshold: with one threshold of an hour, a chat with 47 hours left is
    only waiting; one whose buyer waited 47 hours has an hour left. An order card's known
    delivery date keeps the window open for days: 44 hours is not its end."""
    db, periods = desk
    port, clock = Port(), Clock()
    one = Reminders(periods, port, thresholds=(HOUR,), hours=None, tz=MSK, now=clock)
    await buyer_waits(db, periods, "a", T0)
    await buyer_waits(db, periods, "b", T0 - timedelta(hours=46))
    clock.now = T0 + timedelta(hours=1, minutes=1)
    assert await one.run() == 2
    assert sorted(port.posted[-1]) == [("a", HOUR, False), ("b", HOUR, True)]

    async with db.transaction() as tx:
        await periods.end_period(tx, "a", clock.now, EndedBy.CABINET)
        await periods.end_period(tx, "b", clock.now, EndedBy.CABINET)
        await CardRepository(db).want(tx, "a", "4242-1", None)
    await CardRepository(db).read("a", "{}", CardState.COMPLETE, reply_until=T0 + 10 * DAY)
    await buyer_waits(db, periods, "a", T0)
    clock.now = T0 + timedelta(hours=44, minutes=5)
    assert await reminders(periods, port, clock).run() == 1
    assert port.posted[-1] == [("a", 44 * HOUR, False)]


async def test_every_due_chat_is_named_thirty_a_pass(
    desk: tuple[Database, DeskRepository],
) -> None:
    db, periods = desk
    chats = ChatRepository(db)
    for n in range(33):
        await new_chat(chats, f"c{n:02}", topic=100 + n)
        await buyer_waits(db, periods, f"c{n:02}", T0 + timedelta(minutes=n))
    port, clock = Port(), Clock()
    job = reminders(periods, port, clock)
    clock.now = T0 + timedelta(hours=2)
    assert await job.run() == 30
    assert len(port.posted[-1]) == 30
    assert await job.run() == 3
    named = [chat for post in port.posted for chat, _, _ in post]
    assert sorted(named) == [f"c{n:02}" for n in range(33)]  # each once
    assert await job.run() == 0


async def test_a_reminder_telegram_refuses_is_posted_at_a_later_pass(
    desk: tuple[Database, DeskRepository],
) -> None:
    db, periods = desk
    port, clock = Port(), Clock()
    job = reminders(periods, port, clock)
    await buyer_waits(db, periods, "a", T0)
    clock.now = T0 + timedelta(hours=2)
    port.refuse = True  # the General topic is closed, say
    with pytest.raises(PostRejected):
        await job.run()
    port.refuse = False
    assert await job.run() == 1
    assert port.posted == [[("a", HOUR, False)]]


async def test_a_chat_is_named_once_its_topic_exists(
    desk: tuple[Database, DeskRepository],
) -> None:
    db, periods = desk
    chats = ChatRepository(db)
    await new_chat(chats, "late", topic=None)
    port, clock = Port(), Clock()
    job = reminders(periods, port, clock)
    await buyer_waits(db, periods, "late", T0)
    clock.now = T0 + timedelta(hours=2)
    assert await job.run() == 0  # nothing to link to yet
    await chats.set_topic("late", 99, name="Заказ late")
    assert await job.run() == 1
    assert port.posted == [[("late", HOUR, False)]]


async def test_each_threshold_is_posted_once_across_a_restart(
    ozon: FakeOzon,
    tg: FakeTelegram,
    bridge: Callable[..., Any],
) -> None:
    """The whole bridge: a threshold reached before a restart is not posted again after it;
    one reached after it is posted then (the last threshold, yet the window is far from
    closing)."""
    chat = ozon.add_chat()
    ozon.add_message(
        chat,
        "Подскажите размер",
        order_number="5151-1",
        created_at=datetime.now(UTC) - timedelta(seconds=18),
    )
    settings = {"reply_reminders": "20s,26s", "reminder_check_seconds": 0.2}

    def reminders_posted() -> list[str]:
        return [
            m.text or ""
            for m in tg.thread_messages(None)
            if "Ждут ответа" in (m.text or "") or "Окно ответа" in (m.text or "")
        ]

    async with bridge(**settings):
        await wait_for(lambda: len(reminders_posted()) == 1, within=15, what="20 s reminder")
    (first,) = reminders_posted()
    assert "Ждут ответа дольше 20 с" in first
    assert "Заказ 5151-1" in first
    async with bridge(**settings):
        await wait_for(lambda: len(reminders_posted()) == 2, within=15, what="26 s reminder")
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=15)
    second = reminders_posted()[1]
    assert "Ждут ответа дольше 26 с" in second
    assert "Окно ответа" not in second
    assert len(reminders_posted()) == 2


async def test_the_reminder_says_which_windows_are_about_to_close(
    ozon: FakeOzon,
    tg: FakeTelegram,
    bridge: Callable[..., Any],
) -> None:
    """With REPLY_REMINDERS=1h, one reminder: a chat whose buyer wrote 47.5 hours ago is about
    to close, one of 2 hours ago has waited an hour."""
    now = datetime.now(UTC)
    late, fresh = ozon.add_chat(), ozon.add_chat()
    ozon.add_message(late, "Где заказ?", order_number="6161-1", created_at=now - 47.5 * HOUR_TD)
    ozon.add_message(fresh, "Какой размер?", order_number="6161-2", created_at=now - 2 * HOUR_TD)

    def reminded() -> str:
        return "\n\n".join(
            m.text or ""
            for m in tg.thread_messages(None)
            if "Ждут" in (m.text or "") or "Окно" in (m.text or "")
        )

    async with bridge(reply_reminders="1h", reminder_check_seconds=0.2, first_sight_hours=48):
        await wait_for(
            lambda: "6161-1" in reminded() and "6161-2" in reminded(),
            within=15,
            what="both chats reminded of",
        )
    groups = reminded().split("\n\n")
    (closing,) = [g for g in groups if "6161-1" in g]
    (waiting,) = [g for g in groups if "6161-2" in g]
    assert closing.startswith("🔥 Окно ответа скоро закроется")
    assert "ответить можно ещё 29 мин" in closing or "ответить можно ещё 30 мин" in closing
    assert waiting.startswith("⏰ Ждут ответа дольше 1 ч")
