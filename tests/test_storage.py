"""The database: migrations, WAL, uniqueness, cursors that only move forward, numeric order."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.faults import StorageError, StorageWriteError
from bot.core.records import NewMessage, OutboxItem, Staff
from bot.core.relay.recorder import buyer_of, context_of
from bot.core.states import ChatStatus, FailureReason, OutboxKind
from storage.chats import ChatRepository
from storage.db import Database
from storage.forum import bind_forum
from storage.messages import BACKLOG as MESSAGES_BACKLOG
from storage.messages import MessageRepository
from storage.migrations import MIGRATIONS, read_migrations
from storage.outbox import BACKLOG as OUTBOX_BACKLOG
from storage.outbox import OutboxRepository
from storage.outcomes import FINISHED_UNNOTIFIED

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def msg(message_id: str, author: str = "CUSTOMER", minutes: int = 0) -> NewMessage:
    return NewMessage(
        message_id=message_id,
        author=author,
        created_at=T0 + timedelta(minutes=minutes),
        body=f"text {message_id}",
        is_image=False,
        order_number="12345-0001",
        sku="987654321",
    )


async def open_db(path: Path) -> tuple[Database, ChatRepository, MessageRepository]:
    db = await Database.open(path)
    return db, ChatRepository(db), MessageRepository(db)


async def record(db: Database, chat_id: str, messages: list[NewMessage], *, cursor: str) -> int:
    """Messages recorded with the chat's cursor in one unit of work, as the core records them."""
    async with db.transaction() as tx:
        waiting = await MessageRepository(db).add(tx, chat_id, messages)
        await ChatRepository(db).advance(
            tx,
            chat_id,
            cursor=cursor,
            last_message_id=None,
            context=context_of(messages),
            buyer=buyer_of(messages),
        )
    return waiting


async def sent(outbox: OutboxRepository, row_id: int) -> None:
    """A send begun: the row is `sending` (its attempts counted), settled at once."""
    row = await outbox.get(row_id)
    assert row is not None
    await outbox.begin_send(row_id, attempts=row.attempts + 1, settle=timedelta(0))


async def test_migrations_set_user_version_and_wal(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "sub" / "bridge.sqlite3")
    try:
        assert await db.fetch_value("PRAGMA user_version") == len(MIGRATIONS)
        assert str(await db.fetch_value("PRAGMA journal_mode")).lower() == "wal"
    finally:
        await db.close()
    # Opening again runs nothing twice.
    db = await Database.open(tmp_path / "sub" / "bridge.sqlite3")
    assert await db.fetch_value("PRAGMA user_version") == len(MIGRATIONS)
    await db.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bridge.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version={len(MIGRATIONS) + 5}")
    conn.close()
    with pytest.raises(StorageError, match="newer than this bridge knows"):
        await Database.open(path)


async def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(StorageError, match="cannot open the database"):
        await Database.open(blocker / "bridge.sqlite3")


async def test_full_disk_refuses_the_whole_write_and_recovers(tmp_path: Path) -> None:
    db, chats, messages = await open_db(tmp_path / "bridge.sqlite3")
    try:
        await chats.observe(
            "chat-1",
            chat_type="BUYER_SELLER",
            status=ChatStatus.OPENED,
            created_at=T0,
            unread_count=1,
        )
        assert await record(db, "chat-1", [msg("1")], cursor="1") == 1
        # SQLite's own page limit: the file may not grow, as on a full disk.
        pages = await db.fetch_value("PRAGMA page_count")
        assert await db.fetch_value(f"PRAGMA max_page_count = {pages}") == pages
        big = [replace(msg(str(n)), body="х" * 5000) for n in range(2, 12)]
        with pytest.raises(StorageWriteError, match=r"database or disk is full.*free some space"):
            await record(db, "chat-1", big, cursor="11")
        assert db.write_problem is not None
        assert "full" in db.write_problem
        # None of it is kept: not the messages, not the cursor. The connection still works.
        assert [m.message_id for m in await messages.pending("chat-1")] == ["1"]
        chat = await chats.get("chat-1")
        assert chat is not None
        assert chat.sync_cursor == "1"

        await db.fetch_value(f"PRAGMA max_page_count = {pages * 100}")
        assert await record(db, "chat-1", big, cursor="11") == 10
        assert db.write_problem is None
        assert len(await messages.pending("chat-1")) == 11
    finally:
        await db.close()


async def test_messages_are_recorded_once_and_cursor_only_moves_forward(tmp_path: Path) -> None:
    db, chats, _ = await open_db(tmp_path / "bridge.sqlite3")
    try:
        await chats.observe(
            "chat-1",
            chat_type="BUYER_SELLER",
            status=ChatStatus.OPENED,
            created_at=T0,
            unread_count=1,
        )
        big = "30000000001280042740"  # above 2^64 even: TEXT keeps it exact
        assert (
            await record(db, "chat-1", [msg("3000000000817031942")], cursor="3000000000817031942")
            == 1
        )
        assert (
            await record(db, "chat-1", [msg("3000000000817031942")], cursor="3000000000817031942")
            == 0
        )
        assert await record(db, "chat-1", [msg(big)], cursor=big) == 1
        # An older cursor never moves it back.
        await record(db, "chat-1", [], cursor="3000000000817031942")
        chat = await chats.get("chat-1")
        assert chat is not None
        assert chat.sync_cursor == big
        assert chat.order_number == "12345-0001"
        assert chat.sku == "987654321"
        assert chat.last_buyer_at == T0
    finally:
        await db.close()


async def test_pending_order_is_numeric_not_textual(tmp_path: Path) -> None:
    db, chats, messages = await open_db(tmp_path / "bridge.sqlite3")
    try:
        await chats.observe(
            "c", chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None, unread_count=0
        )
        # Recorded out of order, with ids of different lengths ("9" < "10" numerically).
        await record(db, "c", [msg("10"), msg("9"), msg("100"), msg("11")], cursor="100")
        pending = await messages.pending("c")
        assert [m.message_id for m in pending] == ["9", "10", "11", "100"]
        await messages.mark_posted([pending[0].id, pending[1].id], 77)
        assert [m.message_id for m in await messages.pending("c")] == ["11", "100"]
        assert await messages.backlog() == (2, 0)  # two waiting, none given up
        await messages.note_failure([pending[2].id], "refused", final=True)
        assert await messages.backlog() == (1, 1)
    finally:
        await db.close()


async def test_echo_rows_are_never_pending(tmp_path: Path) -> None:
    db, chats, messages = await open_db(tmp_path / "bridge.sqlite3")
    try:
        await chats.observe(
            "c", chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None, unread_count=0
        )
        echo = NewMessage("5", "SELLER", T0, "sent by the bridge", False, outbound=True)
        await record(db, "c", [echo, msg("6")], cursor="6")
        assert [m.message_id for m in await messages.pending("c")] == ["6"]
        rows = await messages.for_chat("c")
        assert [(r.direction, r.state) for r in rows] == [
            ("outbound", "echo"),
            ("inbound", "pending"),
        ]
    finally:
        await db.close()


async def test_topic_link_and_lookup(tmp_path: Path) -> None:
    db, chats, _ = await open_db(tmp_path / "bridge.sqlite3")
    try:
        for chat_id in ("a", "b"):
            await chats.observe(
                chat_id,
                chat_type="BUYER_SELLER",
                status=ChatStatus.OPENED,
                created_at=None,
                unread_count=0,
            )
        await chats.set_topic("a", 42)
        found = await chats.get_by_topic(42)
        assert found is not None
        assert found.chat_id == "a"
        assert found.topic_fresh
        await chats.mark_topic_opened("a")
        # Moving the topic id to another chat unlinks the first one (the unique index holds).
        await chats.set_topic("b", 42)
        assert (await chats.get("a")).topic_id is None  # type: ignore[union-attr]
        assert (await chats.get_by_topic(42)).chat_id == "b"  # type: ignore[union-attr]
    finally:
        await db.close()


async def test_committed_rows_survive_reopen(tmp_path: Path) -> None:
    path = tmp_path / "bridge.sqlite3"
    db, chats, messages = await open_db(path)
    await chats.observe(
        "c", chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None, unread_count=0
    )
    await record(db, "c", [msg("1"), msg("2")], cursor="2")
    await db.close()
    db, chats, messages = await open_db(path)
    try:
        assert [m.message_id for m in await messages.pending("c")] == ["1", "2"]
        assert (await chats.get("c")).sync_cursor == "2"  # type: ignore[union-attr]
    finally:
        await db.close()


async def test_a_send_given_up_as_unreachable_that_arrived_becomes_delivered(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        chats, outbox = ChatRepository(db), OutboxRepository(db)
        await chats.observe(
            "c", chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None, unread_count=0
        )
        await outbox.enqueue("c", 7, 101, [OutboxItem(OutboxKind.TEXT, body="Ответ после сбоев")])
        (row,) = await outbox.for_staff_message(101)
        await sent(outbox, row.id)
        await outbox.give_up(row, FailureReason.UNAVAILABLE, "HTTP 504", retriable=True)
        await outbox.mark_notified(101)  # staff were told it failed
        # Ozon's history shows it after all: it was the bridge's, and it arrived.
        echo = await outbox.claim_echo(
            "c",
            "9001",
            kind=OutboxKind.TEXT,
            body="Ответ после сбоев",
            created_at=datetime.now(UTC),
        )
        assert echo == row.id
        (after,) = await outbox.for_staff_message(101)
        assert (after.state, after.reason, after.retriable) == ("delivered", None, False)
        assert [m for m, _ in await outbox.finished_unnotified()] == [101]  # staff see 👌 now
        assert await outbox.retry(101) == 0  # and «Повторить» has nothing to send again
        # A refusal (the buyer's window closed) is final: a same text later is the seller's own.
        await outbox.enqueue("c", 7, 102, [OutboxItem(OutboxKind.TEXT, body="Окно закрыто")])
        (refused,) = await outbox.for_staff_message(102)
        await sent(outbox, refused.id)
        await outbox.give_up(refused, FailureReason.WINDOW_CLOSED, "closed", retriable=False)
        assert (
            await outbox.claim_echo(
                "c", "9002", kind=OutboxKind.TEXT, body="Окно закрыто", created_at=datetime.now(UTC)
            )
            is None
        )
    finally:
        await db.close()


async def test_a_staff_message_is_queued_whole_or_not_at_all(tmp_path: Path) -> None:
    """The Telegram message is the key of all its parts together: a second message under a key
    that has rows (another template pressed on the same keyboard) adds nothing, not even the
    parts the first did not have; a failed message's «Повторить» sends only its own rows."""
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        chats, outbox = ChatRepository(db), OutboxRepository(db)
        await chats.observe(
            "c", chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None, unread_count=0
        )
        anna, boris = Staff(444, "Анна"), Staff(555, "Борис")
        one = [OutboxItem(OutboxKind.TEXT, body="Шаблон А")]
        three = [OutboxItem(OutboxKind.TEXT, body=f"Шаблон Б, часть {n}") for n in (1, 2, 3)]
        assert await outbox.enqueue("c", 7, 301, one, staff=anna) == 1
        assert await outbox.enqueue("c", 7, 301, three, staff=boris) == 0
        assert await outbox.enqueue("c", 7, 301, one, staff=anna) == 0  # the update again
        (row,) = await outbox.for_staff_message(301)
        assert (row.body, row.staff) == ("Шаблон А", anna)
        # An album's picture under a used key moves no caption behind it either.
        assert await outbox.enqueue("c", 7, 301, three, album="g1") == 0
        assert [r.body for r in await outbox.for_staff_message(301)] == ["Шаблон А"]
        # «Повторить» on a failed message: its own failed rows again, nothing else added.
        await sent(outbox, row.id)
        await outbox.give_up(row, FailureReason.UNAVAILABLE, "HTTP 504", retriable=True)
        assert await outbox.retry(301) == 1
        assert await outbox.retry(301) == 0  # pressed twice: queued once
        assert [r.body for r in await outbox.for_staff_message(301)] == ["Шаблон А"]
    finally:
        await db.close()


async def test_echoes_link_to_the_rows_that_sent_them(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        chats, outbox = ChatRepository(db), OutboxRepository(db)
        await chats.observe(
            "c", chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None, unread_count=0
        )
        items = [OutboxItem(OutboxKind.TEXT, body="Спасибо! *Ждём* вас")]
        await outbox.enqueue("c", 7, 101, items)
        await outbox.enqueue("c", 7, 102, items)
        first, second = await outbox.for_staff_message(101), await outbox.for_staff_message(102)
        for row in (*first, *second):
            await sent(outbox, row.id)
        sent_at = datetime.now(UTC)

        async def claim(message_id: str, body: str, at: datetime = sent_at) -> int | None:
            return await outbox.claim_echo(
                "c", message_id, kind=OutboxKind.TEXT, body=body, created_at=at
            )

        # Ozon's copies (re-spaced, Markdown escaped) link to the rows in order, once each.
        assert await claim("9001", "Спасибо!  \\*Ждём\\* вас ") == first[0].id
        assert await claim("9001", "Спасибо! *Ждём* вас") == first[0].id  # idempotent
        assert await claim("9002", "Спасибо! *Ждём* вас") == second[0].id
        assert await claim("9003", "Спасибо! *Ждём* вас") is None  # a third: the seller's own
        assert await claim("9004", "Другой текст") is None
        # A copy dated long after the send is not the bridge's either.
        await outbox.enqueue("c", 7, 103, items)
        (third,) = await outbox.for_staff_message(103)
        await sent(outbox, third.id)
        assert await claim("9005", "Спасибо! *Ждём* вас", sent_at + timedelta(hours=3)) is None
    finally:
        await db.close()


async def test_outcomes_are_shown_once_all_parts_are_final(tmp_path: Path) -> None:
    path = tmp_path / "bridge.sqlite3"
    db = await Database.open(path)
    try:
        chats, outbox = ChatRepository(db), OutboxRepository(db)
        await chats.observe(
            "c", chat_type="BUYER_SELLER", status=ChatStatus.OPENED, created_at=None, unread_count=0
        )
        two_parts = [
            OutboxItem(OutboxKind.TEXT, body="Часть 1"),
            OutboxItem(OutboxKind.TEXT, body="Часть 2"),
        ]
        await outbox.enqueue("c", 7, 201, two_parts)
        await outbox.enqueue("c", 7, 202, [OutboxItem(OutboxKind.TEXT, body="Один ответ")])
        first, second = await outbox.for_staff_message(201)
        (single,) = await outbox.for_staff_message(202)
        for row in (first, single):
            await sent(outbox, row.id)
            await outbox.delivered(row.id)
        # 201 still has a part to send: only 202's outcome is ready.
        assert [m for m, _ in await outbox.finished_unnotified()] == [202]
        await outbox.mark_notified(202)
        await sent(outbox, second.id)
        await outbox.give_up(second, FailureReason.WINDOW_CLOSED, "closed", retriable=False)
        ready = await outbox.finished_unnotified()
        assert [(m, [r.state for r in rows]) for m, rows in ready] == [
            (201, ["delivered", "failed"])
        ]
        await outbox.mark_notified(201)
        assert await outbox.finished_unnotified() == []
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        (FINISHED_UNNOTIFIED, "outbox_unnotified"),  # every pass of the outbox worker
        (MESSAGES_BACKLOG, "messages_failed"),  # every /healthz and /status
        (OUTBOX_BACKLOG, "outbox_failed"),
    ],
)
async def test_frequent_queries_read_indexes_not_whole_tables(
    tmp_path: Path, query: str, index: str
) -> None:
    """Tables grow for months: a query that runs every few seconds must not read all of them."""
    db = await Database.open(tmp_path / "bridge.sqlite3")
    await db.close()
    with sqlite3.connect(tmp_path / "bridge.sqlite3") as conn:
        params = {"forum": -1001234567890} if ":forum" in query else {}
        steps = [step[-1] for step in conn.execute("EXPLAIN QUERY PLAN " + query, params)]
    assert any(f"USING INDEX {index}" in step for step in steps), steps
    whole_tables = [s for s in steps if s in ("SCAN messages", "SCAN outbox")]
    assert whole_tables == [], steps


def a_database_of_version_5(path: Path) -> None:
    """A database as the bridge left it before Telegram ids carried their group: a chat with
    a topic, a posted message, a staff reply and a broadcast recipient pointing at the outbox."""
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:5]:
        conn.executescript(script)
    now = T0.isoformat()
    conn.executescript(
        f"""
        INSERT INTO chats (chat_id, chat_type, status, topic_id, first_seen_at, updated_at)
            VALUES ('c1', 'BUYER_SELLER', 'OPENED', 7, '{now}', '{now}');
        INSERT INTO messages (chat_id, message_id, direction, author, created_at, body, state,
                              tg_message_id, recorded_at)
            VALUES ('c1', '3000', 'inbound', 'CUSTOMER', '{now}', 'hi', 'posted', 8, '{now}');
        INSERT INTO outbox (chat_id, kind, body, tg_message_id, topic_id, state, created_at)
            VALUES ('c1', 'text', 'answer', 9, 7, 'delivered', '{now}');
        INSERT INTO broadcasts (admin_id, reply_chat_id, template, filters, state, created_at)
            VALUES (1, 1, 't', '{{}}', 'running', '{now}');
        INSERT INTO outbox (chat_id, kind, body, state, created_at, broadcast_id)
            VALUES ('c1', 'text', 't', 'queued', '{now}', 1);
        INSERT INTO broadcast_recipients (broadcast_id, chat_id, body, state, outbox_id)
            VALUES (1, 'c1', 't', 'queued', 2);
        PRAGMA user_version=5;
        """
    )
    conn.close()


async def test_telegram_ids_are_claimed_for_the_first_group_and_kept_apart_from_a_new_one(
    tmp_path: Path,
) -> None:
    path = tmp_path / "bridge.sqlite3"
    a_database_of_version_5(path)
    old_group, new_group = -1001111111111, -1002222222222
    db = await Database.open(path)
    try:
        assert await db.fetch_value("PRAGMA foreign_key_check") is None
        assert await bind_forum(db, old_group) is None  # claimed, not a change
        chats, outbox = ChatRepository(db), OutboxRepository(db)
        chat = await chats.get_by_topic(7)
        assert chat is not None
        assert chat.chat_id == "c1"
        assert [r.state for r in await outbox.for_staff_message(9)] == ["delivered"]
        (message,) = await db.fetch_all("SELECT forum_chat_id FROM messages")
        assert message[0] == old_group
    finally:
        await db.close()

    # The operator points the bridge at a new group and keeps the database.
    db = await Database.open(path)
    try:
        assert await bind_forum(db, new_group) == old_group
        chats, outbox = ChatRepository(db), OutboxRepository(db)
        # The new group's topic 7 is not the old group's: nobody's chat, and the buyer's chat
        # has no topic here yet.
        assert await chats.get_by_topic(7) is None
        chat = await chats.get("c1")
        assert chat is not None
        assert chat.topic_id is None
        # A staff message of the new group whose id equals an old one is queued all the same.
        await chats.set_topic("c1", 7)
        assert await outbox.enqueue("c1", 7, 9, [OutboxItem(OutboxKind.TEXT, body="new")]) == 1
        assert [r.body for r in await outbox.for_staff_message(9)] == ["new"]
        relinked = await chats.get_by_topic(7)
        assert relinked is not None
        assert relinked.chat_id == "c1"
        # Binding again to the same group changes nothing.
        assert await bind_forum(db, new_group) is None
    finally:
        await db.close()


def test_migrations_are_read_in_order_and_a_gap_is_refused() -> None:
    script = (
        "-- migration 1: one\nCREATE TABLE a (x);\n\n-- migration 2: two\n-- more words\n"
        "SELECT 1;\n"
    )
    assert read_migrations(script) == (
        "-- migration 1: one\nCREATE TABLE a (x);",
        "-- migration 2: two\n-- more words\nSELECT 1;",
    )
    with pytest.raises(ValueError, match=r"\[1, 3\]"):
        read_migrations("-- migration 1: one\nSELECT 1;\n-- migration 3: three\nSELECT 3;\n")
    assert len(MIGRATIONS) >= 17  # the shipped ones are read from the file
