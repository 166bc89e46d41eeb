"""Buyer chats: the link between an Ozon chat and its Telegram topic, and its sync cursor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class ChatSeen:
    """What Ozon's chat list says of a chat."""

    chat_id: str
    chat_type: str
    status: str
    created_at: datetime | None
    unread_count: int


@dataclass(frozen=True, slots=True)
class ChatRow:
    chat_id: str
    chat_type: str
    status: str
    created_at: datetime | None
    order_number: str | None
    sku: str | None
    topic_id: int | None
    topic_fresh: bool
    """The topic was just created and its opening message (the chat's facts) is not posted yet."""
    sync_cursor: str | None
    """Newest Ozon message id recorded (or passed over on first sight); None before first sync."""
    last_message_id: str | None
    """The chat list's `last_message_id` as of the last completed sync."""
    unread_count: int
    last_buyer_at: datetime | None
    sync_error: str | None
    first_seen_at: datetime
    buyer_id: str | None = None
    topic_closed: bool = False
    """The bridge closed the topic because Ozon closed the chat."""

    @classmethod
    def from_row(cls, row: aiosqlite.Row, forum_chat_id: int | None = None) -> ChatRow:
        """A stored chat; with `forum_chat_id`, a topic of another forum group reads as none
        (the chat gets a new topic in this group when it next has something to show)."""
        first_seen = from_db_time(row["first_seen_at"])
        assert first_seen is not None
        here = forum_chat_id is None or row["forum_chat_id"] == forum_chat_id
        return cls(
            chat_id=row["chat_id"],
            chat_type=row["chat_type"],
            status=row["status"],
            created_at=from_db_time(row["created_at"]),
            order_number=row["order_number"],
            sku=row["sku"],
            topic_id=row["topic_id"] if here else None,
            topic_fresh=bool(row["topic_fresh"]) and here,
            sync_cursor=row["sync_cursor"],
            last_message_id=row["last_message_id"],
            unread_count=row["unread_count"],
            last_buyer_at=from_db_time(row["last_buyer_at"]),
            sync_error=row["sync_error"],
            first_seen_at=first_seen,
            buyer_id=row["buyer_id"],
            topic_closed=bool(row["topic_closed"]),
        )


class ChatRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _row(self, row: aiosqlite.Row) -> ChatRow:
        return ChatRow.from_row(row, self._db.forum_chat_id)

    async def get(self, chat_id: str) -> ChatRow | None:
        row = await self._db.fetch_one("SELECT * FROM chats WHERE chat_id = ?", (chat_id,))
        return None if row is None else self._row(row)

    async def get_by_topic(self, topic_id: int) -> ChatRow | None:
        """The chat whose topic in the bound forum group this is."""
        forum = self._db.forum_chat_id
        if forum is None:
            row = await self._db.fetch_one("SELECT * FROM chats WHERE topic_id = ?", (topic_id,))
        else:
            row = await self._db.fetch_one(
                "SELECT * FROM chats WHERE forum_chat_id = ? AND topic_id = ?", (forum, topic_id)
            )
        return None if row is None else self._row(row)

    async def observe(
        self,
        chat_id: str,
        *,
        chat_type: str,
        status: str,
        created_at: datetime | None,
        unread_count: int,
    ) -> ChatRow:
        """`observe_many` for one chat."""
        seen = ChatSeen(chat_id, chat_type, status, created_at, unread_count)
        return (await self.observe_many([seen]))[chat_id]

    async def observe_many(self, seen: Sequence[ChatSeen]) -> dict[str, ChatRow]:
        """Insert chats seen in Ozon's list for the first time and refresh what the list says of
        the others, in one transaction that writes only what changed. Returns the rows by id."""
        if not seen:
            return {}
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            await tx.execute_many(
                """
                INSERT INTO chats (chat_id, chat_type, status, created_at, unread_count,
                                   first_seen_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (chat_id) DO UPDATE SET
                    chat_type = excluded.chat_type,
                    status = excluded.status,
                    created_at = COALESCE(chats.created_at, excluded.created_at),
                    unread_count = excluded.unread_count,
                    updated_at = excluded.updated_at
                WHERE chats.chat_type != excluded.chat_type
                   OR chats.status != excluded.status
                   OR chats.unread_count != excluded.unread_count
                   OR (chats.created_at IS NULL AND excluded.created_at IS NOT NULL)
                """,
                [
                    (
                        c.chat_id,
                        c.chat_type,
                        c.status,
                        to_db_time(c.created_at),
                        c.unread_count,
                        now,
                        now,
                    )
                    for c in seen
                ],
            )
            rows: dict[str, ChatRow] = {}
            ids = [c.chat_id for c in seen]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for row in await tx.fetch_all(
                    f"SELECT * FROM chats WHERE chat_id IN ({marks})",  # noqa: S608
                    chunk,
                ):
                    rows[row["chat_id"]] = self._row(row)
        return rows

    async def set_topic(self, chat_id: str, topic_id: int) -> None:
        """Remember a newly created topic of the bound forum group; its opening message is still
        to be posted."""
        forum = self._db.forum_chat_id
        async with self._db.transaction() as tx:
            # A topic id is never reused by Telegram, but clear any stale link to be safe.
            await tx.execute(
                "UPDATE chats SET topic_id = NULL "
                "WHERE forum_chat_id IS ? AND topic_id = ? AND chat_id != ?",
                (forum, topic_id, chat_id),
            )
            await tx.execute(
                "UPDATE chats SET topic_id = ?, forum_chat_id = ?, topic_fresh = 1, "
                "updated_at = ? WHERE chat_id = ?",
                (topic_id, forum, to_db_time(utcnow()), chat_id),
            )

    async def set_sync_error(self, chat_id: str, error: str | None) -> None:
        await self._db.execute(
            "UPDATE chats SET sync_error = ? WHERE chat_id = ?", (error, chat_id)
        )

    async def set_status(self, chat_id: str, status: str) -> None:
        await self._db.execute(
            "UPDATE chats SET status = ?, updated_at = ? WHERE chat_id = ?",
            (status, to_db_time(utcnow()), chat_id),
        )

    async def count(self) -> int:
        return int(await self._db.fetch_value("SELECT count(*) FROM chats"))

    async def count_with_errors(self) -> int:
        return int(
            await self._db.fetch_value("SELECT count(*) FROM chats WHERE sync_error IS NOT NULL")
        )

    async def topics_to_close(self, limit: int = 20) -> list[ChatRow]:
        """Chats Ozon closed whose topic (in the bound forum group) is still open."""
        rows = await self._db.fetch_all(
            "SELECT * FROM chats WHERE status = 'CLOSED' AND topic_closed = 0 "
            "AND topic_id IS NOT NULL AND forum_chat_id IS ? ORDER BY chat_id LIMIT ?",
            (self._db.forum_chat_id, limit),
        )
        return [self._row(row) for row in rows]

    async def set_topic_closed(self, chat_id: str) -> None:
        """The chat's topic was closed because Ozon closed the chat."""
        await self._db.execute("UPDATE chats SET topic_closed = 1 WHERE chat_id = ?", (chat_id,))

    async def topic_reopened(self, chat_id: str) -> None:
        """The topic was opened again for something new to show: the chat is taken as open until
        Ozon's list says otherwise (then its topic closes again)."""
        await self._db.execute(
            "UPDATE chats SET topic_closed = 0, "
            "status = CASE WHEN status = 'CLOSED' THEN 'OPENED' ELSE status END "
            "WHERE chat_id = ?",
            (chat_id,),
        )

    async def mark_topic_opened(self, chat_id: str) -> None:
        """The topic's opening message is posted."""
        await self._db.execute("UPDATE chats SET topic_fresh = 0 WHERE chat_id = ?", (chat_id,))
