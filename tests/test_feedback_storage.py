"""Storage of reviews and questions on a real SQLite file: migration 17 keeps every outbox row (a
chat's, a broadcast's) as it was, answers share the outbox in their own lanes, items are recorded
once with their kind's counts, the cabinet never takes an item whose answer is on its way, and
the posts' messages lead back to their item in their own forum group only."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.core.records import FeedbackSource, NewFeedback, OutboxItem, Staff
from bot.core.states import (
    FeedbackKind,
    FeedbackOutcome,
    FeedbackPost,
    OutboxKind,
    OutboxState,
    OutboxTarget,
)
from storage.db import Database
from storage.feedback import FeedbackRepository
from storage.forum import bind_forum
from storage.migrations import MIGRATIONS
from storage.outbox import OutboxRepository

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
GROUP = -1001234567890
REVIEW = FeedbackKind.REVIEW


def review(ozon_id: str, minutes: int = 0, photos: tuple[str, ...] = ()) -> NewFeedback:
    return NewFeedback(
        kind=REVIEW,
        ozon_id=ozon_id,
        published_at=T0 + timedelta(minutes=minutes),
        text=f"отзыв {ozon_id}",
        sku="1830557412",
        rating=2,
        photos=photos,
        photos_amount=len(photos),
    )


async def answer(
    outbox: OutboxRepository,
    target: OutboxTarget,
    target_id: str,
    sku: str | None,
    message: int,
    body: str,
) -> bool:
    """Anna's message `message` in topic 20, queued as the answer to a review or question."""
    return await outbox.enqueue_answer(
        target,
        target_id,
        sku=sku,
        topic_id=20,
        tg_message_id=message,
        body=body,
        staff=Staff(5, "Анна"),
    )


def a_database_of_version_13(path: Path) -> None:
    """A chat with a staff reply in two parts (one delivered, one still sending) and a
    broadcast's message, as the bridge kept them before answers shared the outbox."""
    conn = sqlite3.connect(path)
    for script in MIGRATIONS[:13]:
        conn.executescript(script)
    now = T0.isoformat()
    conn.executescript(
        f"""
        INSERT INTO chats (chat_id, chat_type, status, topic_id, first_seen_at, updated_at,
                           forum_chat_id)
            VALUES ('c1', 'BUYER_SELLER', 'OPENED', 7, '{now}', '{now}', {GROUP});
        INSERT INTO outbox (chat_id, kind, body, forum_chat_id, tg_message_id, topic_id, part,
                            parts, state, created_at, staff_id, staff_name, album)
            VALUES ('c1', 'text', 'часть 1', {GROUP}, 9, 7, 0, 2, 'delivered', '{now}', 5,
                    'Анна', 'al'),
                   ('c1', 'text', 'часть 2', {GROUP}, 9, 7, 1, 2, 'sending', '{now}', 5,
                    'Анна', 'al');
        INSERT INTO broadcasts (admin_id, reply_chat_id, template, filters, state, created_at)
            VALUES (1, 1, 't', '{{}}', 'running', '{now}');
        INSERT INTO outbox (chat_id, kind, body, state, created_at, broadcast_id, notified)
            VALUES ('c1', 'text', 't', 'queued', '{now}', 1, 1);
        INSERT INTO broadcast_recipients (broadcast_id, chat_id, body, state, outbox_id)
            VALUES (1, 'c1', 't', 'queued', 3);
        INSERT INTO meta (key, value) VALUES ('forum_chat_id', '{GROUP}');
        PRAGMA user_version=13;
        """
    )
    conn.close()


async def test_the_outbox_keeps_every_row_through_migration_14(tmp_path: Path) -> None:
    path = tmp_path / "bridge.sqlite3"
    a_database_of_version_13(path)
    db = await Database.open(path)
    try:
        assert await db.fetch_value("PRAGMA foreign_key_check") is None
        await bind_forum(db, GROUP)
        outbox = OutboxRepository(db)
        first, second = await outbox.for_staff_message(9)
        assert (first.body, first.state, first.staff) == (
            "часть 1",
            OutboxState.DELIVERED,
            Staff(5, "Анна"),
        )
        assert (second.target, second.target_id, second.chat_id) == (OutboxTarget.CHAT, None, "c1")
        broadcast = await outbox.get(3)
        assert broadcast is not None
        assert broadcast.broadcast_id == 1
        # The chat's lane goes on where it was: its sending part first.
        assert [row.id for row in await outbox.heads()] == [2]
        assert await db.fetch_value("SELECT album FROM outbox WHERE id = 1") == "al"
    finally:
        await db.close()


async def test_answers_share_the_outbox_in_lanes_of_their_own(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        await bind_forum(db, GROUP)
        outbox = OutboxRepository(db)
        await db.execute(
            "INSERT INTO chats (chat_id, chat_type, status, first_seen_at, updated_at) "
            "VALUES ('c1', 'BUYER_SELLER', 'OPENED', ?, ?)",
            (T0.isoformat(), T0.isoformat()),
        )
        await outbox.enqueue("c1", 7, 100, [OutboxItem(OutboxKind.TEXT, body="в чат")])
        assert await answer(outbox, OutboxTarget.REVIEW, "r-1", None, 101, "первый")
        assert await answer(outbox, OutboxTarget.REVIEW, "r-1", None, 102, "второй")
        assert await answer(outbox, OutboxTarget.QUESTION, "q-1", "42", 103, "ответ")
        # A staff message handed over twice is queued once.
        assert not await answer(outbox, OutboxTarget.REVIEW, "r-1", None, 101, "первый")
        heads = await outbox.heads()
        assert [(row.lane, row.body) for row in heads] == [
            ("c1", "в чат"),
            ("review:r-1", "первый"),
            ("question:q-1", "ответ"),
        ]
        question = heads[2]
        assert (question.target_sku, question.chat_id, question.staff) == (
            "42",
            None,
            Staff(5, "Анна"),
        )
        with pytest.raises(ValueError, match="enqueue"):
            await answer(outbox, OutboxTarget.CHAT, "c1", None, 104, "x")
    finally:
        await db.close()


async def test_items_are_recorded_once_with_their_counts(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        await bind_forum(db, GROUP)
        items = FeedbackRepository(db)
        source = FeedbackSource(REVIEW, T0, (3, 3, 0, 0))
        new = [review("a", 1, photos=("https://x/1.jpg",)), review("b", 2)]
        assert await items.record(source, new=new, skipped=[review("c", 0)]) == 3
        assert await items.record(source, new=[review("a", 1)]) == 0  # seen: not again
        assert await items.source(REVIEW) == source
        assert await items.known(REVIEW, ["a", "c", "z"]) == {
            "a": FeedbackOutcome.OPEN,
            "c": FeedbackOutcome.OPEN,
        }
        assert await items.oldest_open(REVIEW) == T0 + timedelta(minutes=1)  # skipped aside
        waiting = await items.to_post()
        assert [(i.ozon_id, i.photos) for i in waiting] == [("a", ("https://x/1.jpg",)), ("b", ())]
        assert await items.posts_waiting() == 2
        assert [i.ozon_id for i in await items.unanswered(REVIEW, [1, 2, 3])] == ["a", "b"]
        assert await items.unanswered(REVIEW, [4, 5]) == []
    finally:
        await db.close()


async def test_the_cabinet_never_takes_an_item_whose_answer_is_on_its_way(
    tmp_path: Path,
) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        await bind_forum(db, GROUP)
        items, outbox = FeedbackRepository(db), OutboxRepository(db)
        source = FeedbackSource(REVIEW, T0, None)
        await items.record(source, new=[review("a"), review("b")])
        await outbox.enqueue_answer(
            OutboxTarget.REVIEW, "a", sku=None, topic_id=20, tg_message_id=1, body="ok", staff=None
        )
        await items.record(source, handled=["a", "b"])
        assert await items.known(REVIEW, ["a", "b"]) == {
            "a": FeedbackOutcome.OPEN,
            "b": FeedbackOutcome.CABINET,
        }
    finally:
        await db.close()


async def test_posts_lead_back_to_their_item_in_their_own_group(tmp_path: Path) -> None:
    path = tmp_path / "bridge.sqlite3"
    db = await Database.open(path)
    try:
        await bind_forum(db, GROUP)
        items = FeedbackRepository(db)
        await items.record(FeedbackSource(REVIEW, T0, None), new=[review("a")])
        (item,) = await items.to_post()
        await items.post_started(item.id)
        started = await items.get(item.id)
        assert started is not None
        assert started.post_started_at is not None
        await items.posted(item.id, 50, [50, 51, 52], caption=True)
        for message in (50, 51, 52):
            found = await items.by_message(message)
            assert found is not None
            assert (found.id, found.post, found.message_id, found.caption) == (
                item.id,
                FeedbackPost.POSTED,
                50,
                True,
            )
        assert await items.by_message(53) is None
        assert await items.done(item.id, Staff(1, "Вера"))
        assert not await items.done(item.id, Staff(1, "Вера"))
        assert [i.outcome for i in await items.to_show()] == [FeedbackOutcome.DONE]
        assert [i.ozon_id for i in await items.statuses_due(REVIEW)] == ["a"]
    finally:
        await db.close()
    db = await Database.open(path)
    try:
        await bind_forum(db, -1009999999999)  # a new group: the old posts are not here
        items = FeedbackRepository(db)
        assert await items.by_message(50) is None
        assert await items.to_show() == []
    finally:
        await db.close()


async def test_a_post_telegram_keeps_refusing_is_given_up(tmp_path: Path) -> None:
    db = await Database.open(tmp_path / "bridge.sqlite3")
    try:
        await bind_forum(db, GROUP)
        items = FeedbackRepository(db)
        await items.record(FeedbackSource(REVIEW, T0, None), new=[review("a")])
        (item,) = await items.to_post()
        assert not await items.post_failed(item.id, max_attempts=3)
        assert not await items.post_failed(item.id, max_attempts=3)
        assert await items.post_failed(item.id, max_attempts=3)
        assert await items.to_post() == []
    finally:
        await db.close()


@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("SELECT * FROM feedback INDEXED BY feedback_to_post WHERE post = 'pending'", None),
        (
            "SELECT * FROM feedback INDEXED BY feedback_to_show "
            "WHERE post = 'posted' AND shown != outcome",
            None,
        ),
        (
            "SELECT * FROM outbox o WHERE state IN ('queued', 'sending') AND id = (SELECT min(id) "
            "FROM outbox i WHERE i.chat_id IS o.chat_id AND i.target_id IS o.target_id "
            "AND i.state IN ('queued', 'sending'))",
            "outbox_open",
        ),
    ],
)
async def test_the_frequent_feedback_queries_read_their_indexes(
    tmp_path: Path, query: str, index: str | None
) -> None:
    """Run every step of a worker: they read partial indexes, never the whole tables (an
    INDEXED BY that cannot be used is an error)."""
    db = await Database.open(tmp_path / "bridge.sqlite3")
    await db.close()
    with sqlite3.connect(tmp_path / "bridge.sqlite3") as conn:
        steps = [step[-1] for step in conn.execute("EXPLAIN QUERY PLAN " + query)]
    if index is not None:
        assert any(f"USING INDEX {index}" in step for step in steps), steps
    assert [s for s in steps if s in ("SCAN feedback", "SCAN outbox")] == [], steps
