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
from bot.core.faults import TelegramUnavailable
from bot.core.hours import WorkingHours
from bot.core.records import Staff
from bot.core.states import ChatStatus, EndedBy
from storage.chats import ChatRepository
from storage.db import Database
from storage.desk import DeskRepository
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.waiting import wait_for

MSK = ZoneInfo("Europe/Moscow")
T0 = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)  # 09:00 in Moscow
HOUR = 3600


class Port:
    def __init__(self) -> None:
        self.posted: list[list[tuple[str, int, bool]]] = []
        self.down = False

    async def remind(self, reminders: Sequence[Reminder]) -> None:
        if self.down:
            raise TelegramUnavailable("telegram is down")
        self.posted.append([(r.chat.chat.chat_id, r.threshold, r.last) for r in reminders])


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
async def desk(tmp_path: Path) -> AsyncIterator[tuple[Database, DeskRepository]]:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    chats = ChatRepository(db)
    for chat_id in ("a", "b"):
        await chats.observe(
            chat_id,
            chat_type="BUYER_SELLER",
            status=ChatStatus.OPENED,
            created_at=None,
            unread_count=0,
        )
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


async def test_each_threshold_once_the_last_saying_the_window_closes(
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
    clock.now = T0 + timedelta(hours=44, minutes=5)
    assert await job.run() == 2
    assert port.posted[-1] == [("a", 44 * HOUR, True), ("b", 20 * HOUR, False)]

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


async def test_each_threshold_is_posted_once_across_a_restart(
    ozon: FakeOzon,
    tg: FakeTelegram,
    bridge: Callable[..., Any],
) -> None:
    """The whole bridge: a threshold reached before a restart is not posted again after it;
    one reached after it is posted then, as the last (the window is about to close)."""
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
    assert "Окно ответа скоро закроется" in second
    assert len(reminders_posted()) == 2
