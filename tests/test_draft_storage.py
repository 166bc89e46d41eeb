"""The drafts table: one request per `/draft` command and per buyer message drafted
automatically, named transitions that say whether they moved, a cancel refused once the draft's
post keys anything in the outbox, what drafts read (a chat's latest messages in Ozon's order,
buyer messages past a row id), and the replies sent from drafts that `/stats` counts."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.records import NewMessage, OutboxItem, Staff
from bot.core.states import DraftState, DraftTrigger, MessageState, OutboxKind
from storage.chats import ChatRepository
from storage.db import Database
from storage.drafts import DraftRepository
from storage.forum import bind_forum
from storage.outbox import OutboxRepository
from storage.stats import DRAFT_REPLIES, StatsRepository
from tests.test_desk_storage import new_chat
from tests.test_storage import record

T0 = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
ANNA = Staff(111, "Анна")
BORIS = Staff(None, "Борис")


async def opened(path: Path) -> tuple[Database, DraftRepository]:
    """The database bound to a forum group, with chats c1 and c2 (topics 5 and 6)."""
    db = await Database.open(path)
    await bind_forum(db, -100777)
    chats = ChatRepository(db)
    await new_chat(chats, "c1", topic=5)
    await new_chat(chats, "c2", topic=6)
    return db, DraftRepository(db)


def said(message_id: str, author: str = "CUSTOMER", minutes: int = 0) -> NewMessage:
    return NewMessage(
        message_id, author, T0 + timedelta(minutes=minutes), f"text {message_id}", False
    )


async def test_a_request_is_asked_once_and_commands_come_first(tmp_path: Path) -> None:
    db, drafts = await opened(tmp_path / "bridge.sqlite3")
    try:
        auto = await drafts.ask("chat", "c1", 5, DraftTrigger.AUTO, answers_id="7", answers_at=T0)
        assert auto is not None
        assert await drafts.ask("chat", "c1", 5, DraftTrigger.AUTO, answers_id="7") is None
        assert await drafts.ask("chat", "c1", 5, DraftTrigger.AUTO, answers_id="8") is not None
        command = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=40)
        assert command is not None
        again = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=40)
        assert again is None  # Telegram handed the command over twice
        assert [d.id for d in await drafts.asked(10)] == [command, auto, auto + 1]
        assert [d.id for d in await drafts.asked(10, skip={command})] == [auto, auto + 1]
        row = await drafts.get(auto)
        assert row is not None
        assert (row.state, row.answers_id, row.answers_at) == (DraftState.ASKED, "7", T0)
    finally:
        await db.close()


async def test_transitions_move_once_and_a_cancel_is_refused_once_anything_is_queued(
    tmp_path: Path,
) -> None:
    db, drafts = await opened(tmp_path / "bridge.sqlite3")
    outbox = OutboxRepository(db)
    try:
        await record(db, "c1", [said("1")], cursor="1")
        first = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=40)
        second = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=41)
        assert first is not None
        assert second is not None
        assert await drafts.shown(first, "Здравствуйте!", ["phone", "link"], 50)
        assert not await drafts.shown(first, "Ещё раз", [], 51)
        shown = await drafts.get(first)
        assert shown is not None
        assert (shown.body, shown.flags, shown.message_id) == (
            "Здравствуйте!",
            ("phone", "link"),
            50,
        )
        assert await drafts.sent(first, ANNA)
        assert not await drafts.sent(first, BORIS)
        assert not await drafts.cancel(first, BORIS)
        sent = await drafts.get(first)
        assert sent is not None
        assert (sent.state, sent.staff) == (DraftState.SENT, ANNA)

        # Queued, then a crash before it was marked sent: it cannot be cancelled any more.
        assert await drafts.shown(second, "Добрый день", [], 52)
        await outbox.enqueue("c1", 5, 52, [OutboxItem(OutboxKind.TEXT, body="Добрый день")])
        assert not await drafts.cancel(second, BORIS)
        assert await drafts.sent(second, BORIS)

        third = await drafts.ask("chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=42)
        assert third is not None
        assert not await drafts.cancel(third, BORIS)  # not shown yet
        await drafts.failed(third, "no answer")
        failed = await drafts.get(third)
        assert failed is not None
        assert (failed.state, failed.detail) == (DraftState.FAILED, "no answer")
    finally:
        await db.close()


async def test_what_drafts_read_of_the_messages(tmp_path: Path) -> None:
    db, drafts = await opened(tmp_path / "bridge.sqlite3")
    try:
        assert await drafts.last_row() == 0
        await record(
            db, "c1", [said("9"), said("10", "SELLER", 1), said("11", minutes=2)], cursor="11"
        )
        await record(db, "c2", [said("12", minutes=3)], cursor="12")
        recent = await drafts.recent("c1", 2)
        assert [m.message_id for m in recent] == ["10", "11"]  # the latest, in Ozon's order
        assert await drafts.last_row() == 4
        after = await drafts.buyer_messages_after(1, 10)
        assert [(m.chat_id, m.message_id) for m in after] == [("c1", "11"), ("c2", "12")]
        assert {m.state for m in after} == {MessageState.PENDING}
        again = await drafts.buyer_messages([after[1].id, 99, after[0].id])
        assert [m.message_id for m in again] == ["11", "12"]  # by row, a missing one left out
    finally:
        await db.close()


async def test_replies_sent_from_drafts_are_counted_once_delivered(tmp_path: Path) -> None:
    db, drafts = await opened(tmp_path / "bridge.sqlite3")
    outbox = OutboxRepository(db)
    try:
        await record(db, "c1", [said("1")], cursor="1")
        draft = await drafts.ask(
            "chat", "c1", 5, DraftTrigger.COMMAND, request_message_id=40, answers_at=T0
        )
        assert draft is not None
        await drafts.shown(draft, "Здравствуйте!", [], 50)
        await outbox.enqueue("c1", 5, 50, [OutboxItem(OutboxKind.TEXT, body="Здравствуйте!")])
        await drafts.sent(draft, ANNA)
        await outbox.enqueue("c1", 5, 60, [OutboxItem(OutboxKind.TEXT, body="Сам")])
        stats = StatsRepository(db)
        now = datetime.now(UTC)
        window = (now - timedelta(hours=1), now + timedelta(hours=1))
        assert await stats.draft_replies(*window) == []  # not delivered yet
        for row in await db.fetch_all("SELECT id FROM outbox"):
            await outbox.delivered(row["id"])
        (reply,) = await stats.draft_replies(*window)
        assert reply.answers_at == T0
        assert abs(reply.delivered_at - now) < timedelta(minutes=1)
    finally:
        await db.close()
    with sqlite3.connect(tmp_path / "bridge.sqlite3") as conn:
        params = {"since": T0.isoformat(), "until": now.isoformat()}
        steps = [s[-1] for s in conn.execute("EXPLAIN QUERY PLAN " + DRAFT_REPLIES, params)]
    assert any("outbox_replies_by_time" in step for step in steps), steps
    assert any("drafts_by_post" in step for step in steps), steps
