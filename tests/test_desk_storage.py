"""The help desk in the database: the state of existing chats derived at the upgrade, waiting
periods kept by time range, reminder claims made once, and the queries that run every few
seconds reading indexes."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.records import OutboxItem, Said, Sight, Staff
from bot.core.states import CardState, ChatStatus, DeskState, EndedBy, OutboxKind
from storage.cards import CardRepository
from storage.chats import ICONS_DUE, ChatRepository
from storage.db import Database, to_db_time
from storage.desk import WAITING, DeskRepository
from storage.forum import bind_forum
from storage.migrations import MIGRATIONS
from storage.outbox import OutboxRepository
from storage.stats import BUYER_MESSAGES, CABINET_MESSAGES, STAFF_REPLIES, StatsRepository

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
MINUTE, DAY = timedelta(minutes=1), timedelta(days=1)


def at(minutes: int) -> str:
    value = to_db_time(T0 + timedelta(minutes=minutes))
    assert value is not None
    return value


def a_database_of_version_10(path: Path) -> None:
    """Chats as the bridge kept them before the help desk, in every situation it must read."""
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:10]:
        conn.executescript(script)
    chats = [
        # chat, status, topic, topic_closed
        ("waits", "OPENED", 1, 0),
        ("answered", "OPENED", 2, 0),
        ("closed", "CLOSED", 3, 1),
        ("closing", "CLOSED", 4, 0),
        ("silent", "OPENED", None, 0),
        ("long-ids", "OPENED", 5, 0),
        ("only-seller", "OPENED", 6, 0),
    ]
    for chat_id, status, topic, topic_closed in chats:
        conn.execute(
            "INSERT INTO chats (chat_id, chat_type, status, topic_id, topic_closed, forum_chat_id,"
            " first_seen_at, updated_at) VALUES (?, 'BUYER_SELLER', ?, ?, ?, -100777, ?, ?)",
            (chat_id, status, topic, topic_closed, at(0), at(0)),
        )
    messages = [
        # chat, id, author, minute
        ("waits", "10", "CUSTOMER", 0),
        ("waits", "11", "SELLER", 5),
        ("waits", "12", "CUSTOMER", 30),
        ("waits", "13", "NOTIFICATION_USER", 31),
        ("waits", "14", "CUSTOMER", 40),
        ("answered", "20", "CUSTOMER", 0),
        ("answered", "21", "SELLER", 9),
        ("closed", "30", "CUSTOMER", 0),
        ("closing", "40", "CUSTOMER", 0),
        # Ozon's ids are compared as numbers: 1000 comes after 999.
        ("long-ids", "999", "CUSTOMER", 0),
        ("long-ids", "1000", "SELLER", 3),
        ("only-seller", "60", "SELLER", 1),
    ]
    for chat_id, message_id, author, minute in messages:
        conn.execute(
            "INSERT INTO messages (chat_id, message_id, direction, author, created_at, body, "
            "state, recorded_at) VALUES (?, ?, 'inbound', ?, ?, '', 'posted', ?)",
            (chat_id, message_id, author, at(minute), at(minute)),
        )
    conn.execute("PRAGMA user_version=10")
    conn.commit()
    conn.close()


async def test_the_upgrade_derives_every_chats_state_from_its_messages(tmp_path: Path) -> None:
    path = tmp_path / "bridge.sqlite3"
    a_database_of_version_10(path)
    db = await Database.open(path)
    try:
        await bind_forum(db, -100777)
        chats, periods = ChatRepository(db), DeskRepository(db)
        states = {row.chat_id: row.desk for row in await chats.all()}
        assert states == {
            "waits": DeskState.WAITING,
            "answered": DeskState.ANSWERED,
            "closed": DeskState.CLOSED,
            "closing": DeskState.CLOSED,
            "silent": DeskState.ANSWERED,
            "long-ids": DeskState.ANSWERED,
            "only-seller": DeskState.ANSWERED,
        }
        (waiting,) = await periods.waiting()
        assert waiting.chat.chat_id == "waits"
        # From the first buyer message after the seller's last, to the buyer's latest.
        assert to_db_time(waiting.period.began_at) == at(30)
        assert to_db_time(waiting.period.last_buyer_at) == at(40)
        answered = await chats.get("answered")
        assert answered is not None
        assert to_db_time(answered.answered_at) == at(9)
        # Topics closed before keep their look: no icon edit for them at the upgrade. The
        # others are due, the waiting one first.
        due = [row.chat_id for row in await chats.icons_due()]
        assert due[0] == "waits"
        assert set(due) == {"waits", "answered", "closing", "long-ids", "only-seller"}
        # The closed chat whose topic is still open gets it closed, as before the upgrade.
        assert [row.chat_id for row in await chats.topics_to_close()] == ["closing"]
    finally:
        await db.close()


async def new_chat(chats: ChatRepository, chat_id: str, topic: int | None = None) -> None:
    await chats.observe(
        chat_id,
        chat_type="BUYER_SELLER",
        status=ChatStatus.OPENED,
        created_at=None,
        unread_count=0,
    )
    if topic is not None:
        await chats.set_topic(chat_id, topic, name=f"Заказ {chat_id}", icon=DeskState.ANSWERED)


async def test_periods_are_kept_by_time_range_and_one_is_open_at_a_time(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        chats, periods = ChatRepository(db), DeskRepository(db)
        await new_chat(chats, "c")
        anna = Staff(111, "Анна")
        async with db.transaction() as tx:
            await periods.open_period(tx, "c", T0, "1")
            await periods.open_period(tx, "c", T0 + timedelta(minutes=1), "2")  # one is open
            await periods.buyer_wrote(tx, "c", T0 + timedelta(minutes=2))
            assert await periods.end_period(
                tx, "c", T0 + timedelta(minutes=9), EndedBy.TELEGRAM, anna
            )
            assert not await periods.end_period(tx, "c", T0, EndedBy.CABINET)  # none open
            await periods.open_period(tx, "c", T0 + timedelta(hours=2), "3")
        first, second = await periods.periods(T0, T0 + timedelta(days=1))
        assert (first.began_at, first.last_buyer_at) == (T0, T0 + timedelta(minutes=2))
        assert (first.ended_at, first.ended_by, first.staff) == (
            T0 + timedelta(minutes=9),
            EndedBy.TELEGRAM,
            anna,
        )
        assert (second.ended_at, second.ended_by) == (None, None)
        assert await periods.periods(T0 + timedelta(hours=3), T0 + timedelta(days=1)) == []
    finally:
        await db.close()


async def test_a_reminder_is_claimed_once_and_only_while_the_period_is_open(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        chats, periods = ChatRepository(db), DeskRepository(db)
        await new_chat(chats, "c")
        async with db.transaction() as tx:
            await periods.open_period(tx, "c", T0, "1")
        (waiting,) = await periods.waiting()
        period = waiting.period.id
        assert await periods.claim_reminders([(period, 3600)], T0) == [(period, 3600)]
        assert await periods.claim_reminders([(period, 3600), (period, 7200)], T0) == [
            (period, 7200)
        ]
        (waiting,) = await periods.waiting()
        assert waiting.reminded == {3600, 7200}
        await periods.release_reminders([(period, 7200)])
        (waiting,) = await periods.waiting()
        assert waiting.reminded == {3600}
        async with db.transaction() as tx:
            await periods.end_period(tx, "c", T0, EndedBy.DONE, Staff(None, "администратор"))
        assert await periods.claim_reminders([(period, 7200)], T0) == []
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (ICONS_DUE, "chats_icon_due"),  # every pass of the icon worker
        (WAITING, "waiting_open"),  # every reminder pass, /queue and /status
        (BUYER_MESSAGES, "messages_buyer_by_time"),  # /stats
        (CABINET_MESSAGES, "messages_cabinet_by_time"),
        (STAFF_REPLIES, "outbox_replies_by_time"),
    ],
)
async def test_frequent_desk_queries_read_indexes(tmp_path: Path, query: str, index: str) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    await db.close()
    with sqlite3.connect(tmp_path / "bridge.sqlite3") as conn:
        params = {"forum": -100777, "limit": 20, "since": at(0), "until": at(60)}
        plan = conn.execute("EXPLAIN QUERY PLAN " + query, params)
        steps = [step[-1] for step in plan]
    assert any(index in step for step in steps), steps
    whole = ("SCAN chats", "SCAN waiting_periods", "SCAN w", "SCAN messages", "SCAN outbox")
    assert not any(step in whole for step in steps)


async def test_the_statistics_count_by_time_range(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        await bind_forum(db, -100777)
        chats = ChatRepository(db)
        await new_chat(chats, "c", topic=5)
        rows = [
            # id, author, minute, state
            ("1", "CUSTOMER", 0, "posted"),
            ("2", "CUSTOMER", 10, "posted"),
            ("3", "SELLER", 20, "posted"),  # written in Ozon's cabinet
            ("4", "SELLER", 30, "echo"),  # the bridge's own reply, come back
            ("5", "CUSTOMER", 600, "posted"),  # outside the range
        ]
        async with db.transaction() as tx:
            for message_id, author, minute, state in rows:
                await tx.execute(
                    "INSERT INTO messages (chat_id, message_id, direction, author, created_at, "
                    "body, state, recorded_at) VALUES ('c', ?, 'inbound', ?, ?, '', ?, ?)",
                    (message_id, author, at(minute), state, at(minute)),
                )
        outbox = OutboxRepository(db)
        anna = Staff(111, "Анна")
        two_parts = [OutboxItem(OutboxKind.TEXT, body="a"), OutboxItem(OutboxKind.TEXT, body="b")]
        await outbox.enqueue("c", 5, 900, two_parts, staff=anna)
        await outbox.enqueue("c", 5, 901, [OutboxItem(OutboxKind.TEXT, body="c")], staff=anna)
        await outbox.enqueue("c", 5, 902, [OutboxItem(OutboxKind.TEXT, body="d")])
        for row in await db.fetch_all("SELECT id FROM outbox"):
            await outbox.delivered(row["id"])
        stats = StatsRepository(db)
        since, until = T0, T0 + timedelta(hours=2)
        assert await stats.buyer_messages(since, until) == 2
        assert await stats.cabinet_messages(since, until) == 1
        now = datetime.now(UTC)
        replies = await stats.staff_replies(now - timedelta(hours=1), now + timedelta(hours=1))
        assert [(r.staff, r.replies) for r in replies] == [(anna, 2), (None, 1)]
        assert await stats.staff_replies(since, until) == []
        # A new database keeps count from when it was made.
        made = await stats.desk_since()
        assert made is not None
        assert now - timedelta(minutes=5) < made <= now
    finally:
        await db.close()


async def test_the_desk_keeps_count_from_the_upgrade_not_from_old_messages(
    tmp_path: Path,
) -> None:
    """The upgrade derives who waits now from messages days old: the statistics' history still
    begins at the upgrade, and says so."""
    path = tmp_path / "bridge.sqlite3"
    a_database_of_version_10(path)
    before = datetime.now(UTC)
    db = await Database.open(path)
    after = datetime.now(UTC)
    try:
        (waiting,) = await DeskRepository(db).waiting()
        assert to_db_time(waiting.period.began_at) == at(30)  # derived from an old message
        since = await StatsRepository(db).desk_since()
        assert since is not None
        assert before - timedelta(seconds=1) <= since <= after
    finally:
        await db.close()


async def test_a_database_that_kept_count_already_keeps_its_history(tmp_path: Path) -> None:
    """A database upgraded to the help desk before: its history is kept from no later than
    the first period the desk itself ended."""
    path = tmp_path / "bridge.sqlite3"
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:13]:
        conn.executescript(script)
    conn.execute(
        "INSERT INTO chats (chat_id, chat_type, status, first_seen_at, updated_at) "
        "VALUES ('c', 'BUYER_SELLER', 'OPENED', ?, ?)",
        (at(0), at(0)),
    )
    conn.execute(
        "INSERT INTO waiting_periods (chat_id, began_at, last_buyer_at, ended_at, ended_by) "
        "VALUES ('c', ?, ?, ?, 'cabinet')",
        (at(-3000), at(-3000), at(100)),
    )
    conn.execute(
        "INSERT INTO waiting_periods (chat_id, began_at, last_buyer_at) VALUES ('c', ?, ?)",
        (at(200), at(200)),
    )
    conn.execute("PRAGMA user_version=13")
    conn.commit()
    conn.close()
    db = await Database.open(path)
    try:
        assert await StatsRepository(db).desk_since() == T0 + timedelta(minutes=100)
    finally:
        await db.close()


async def test_what_staff_could_not_see_from_their_message(tmp_path: Path) -> None:
    """The buyer messages the group had not shown before a staff message: still to be posted,
    or posted after it. Shown before in any version (an edit shown again), shown in an earlier
    group, or given up (the topic says so): seen."""
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        await bind_forum(db, -100777)
        await new_chat(ChatRepository(db), "c", topic=5)
        rows = [
            # id, author, direction, state, group, post, edit_of
            ("1", "CUSTOMER", "inbound", "posted", -100777, 10, None),
            ("2", "CUSTOMER", "inbound", "posted", -100777, 25, None),  # after the staff's
            ("3", "CUSTOMER", "inbound", "pending", None, None, None),  # not shown yet
            ("4", "CUSTOMER", "inbound", "failed", None, None, None),
            ("5", "CUSTOMER", "inbound", "pending", -100777, 15, 15),  # edited, shown before
            ("6", "CUSTOMER", "inbound", "posted", -100777, 30, 12),  # its edit shown after
            ("7", "CUSTOMER", "inbound", "posted", -100888, 99, None),  # the old group's
            ("8", "SELLER", "inbound", "pending", None, None, None),  # the cabinet's
            ("9", "SELLER", "outbound", "echo", None, None, None),
        ]
        async with db.transaction() as tx:
            for message_id, author, direction, state, group, post, edit_of in rows:
                await tx.execute(
                    "INSERT INTO messages (chat_id, message_id, direction, author, created_at, "
                    "body, state, recorded_at, forum_chat_id, tg_message_id, edit_of) "
                    "VALUES ('c', ?, ?, ?, ?, '', ?, ?, ?, ?, ?)",
                    (
                        message_id,
                        direction,
                        author,
                        at(int(message_id)),
                        state,
                        at(0),
                        group,
                        post,
                        edit_of,
                    ),
                )
            periods = DeskRepository(db)
            unseen = await periods.unseen(tx, "c", Sight(-100777, 20))
            assert unseen == [Said(T0 + 2 * MINUTE, "2"), Said(T0 + 3 * MINUTE, "3")]
            # A staff message of another group cannot be placed among this one's posts.
            assert await periods.unseen(tx, "c", Sight(-100888, 20)) == []
    finally:
        await db.close()


async def test_a_period_keeps_the_cards_window_it_ended_with(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        await bind_forum(db, -100777)
        chats, periods, cards = ChatRepository(db), DeskRepository(db), CardRepository(db)
        await new_chat(chats, "c", topic=5)
        async with db.transaction() as tx:
            await cards.want(tx, "c", "4242-1", None)
            await periods.open_period(tx, "c", T0, "100")
            assert await chats.desk_of(tx, "c") == (DeskState.ANSWERED, None, Said(T0, "100"))
        await cards.read("c", "{}", CardState.COMPLETE, reply_until=T0 + 5 * DAY)
        async with db.transaction() as tx:
            await periods.end_period(tx, "c", T0 + 2 * DAY, EndedBy.DONE)
            await periods.open_period(tx, "c", T0 + 3 * DAY, "200")
        await cards.read("c", "{}", CardState.COMPLETE, reply_until=T0 + 9 * DAY)
        ended, open_ = await periods.periods(T0, T0 + 10 * DAY)
        assert ended.reply_until == T0 + 5 * DAY  # as it was when the period ended
        assert open_.reply_until == T0 + 9 * DAY  # as the card says now
        (waiting,) = await periods.waiting()
        assert waiting.period.reply_until == T0 + 9 * DAY
    finally:
        await db.close()
