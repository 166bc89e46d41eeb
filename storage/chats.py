"""Buyer chats: the link between an Ozon chat and its Telegram topic, and its sync cursor.

The only writer of the `chats` table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import aiosqlite

from bot.core.records import ChatRow, ChatSeen, Observed, Said, ozon_id
from bot.core.states import ChatStatus, DeskState
from storage.db import Database, Transaction, from_db_time, to_db_time, utcnow
from storage.rows import chat_row

# The partial indexes `chats_to_close` and `chats_icon_due` name these: the queries must say
# the same in their text.
_TO_CLOSE = f"desk = '{DeskState.CLOSED}' AND topic_closed = 0 AND topic_id IS NOT NULL"
_ICON_DUE = "topic_id IS NOT NULL AND icon_shown IS NOT desk"
ICONS_DUE = (
    "SELECT * FROM chats INDEXED BY chats_icon_due "  # noqa: S608 - constants, no input
    f"WHERE {_ICON_DUE} AND forum_chat_id IS :forum "
    f"ORDER BY desk = '{DeskState.WAITING}' DESC, answered_at DESC, chat_id LIMIT :limit"
)
"""Chats whose topic's icon does not show their state: waiting ones first."""


def _chunks(ids: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [ids[start : start + size] for start in range(0, len(ids), size)]


async def _rows(tx: Transaction, columns: str, ids: Sequence[str]) -> list[aiosqlite.Row]:
    """`columns` of the chats with these ids, read in chunks SQLite's parameter limit allows."""
    rows: list[aiosqlite.Row] = []
    for chunk in _chunks(ids):
        marks = ",".join("?" * len(chunk))
        sql = f"SELECT {columns} FROM chats WHERE chat_id IN ({marks})"  # noqa: S608 - ours
        rows += await tx.fetch_all(sql, chunk)
    return rows


def _seen(chat: ChatSeen, now: str | None) -> tuple[object, ...]:
    created = to_db_time(chat.created_at)
    return (chat.chat_id, chat.chat_type, chat.status, created, chat.unread_count, now, now)


class ChatRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    def _row(self, row: aiosqlite.Row) -> ChatRow:
        return chat_row(row, self._db.forum_chat_id)

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

    async def all(self) -> list[ChatRow]:
        """Every chat, the longest known first (a broadcast chooses among them)."""
        rows = await self._db.fetch_all("SELECT * FROM chats ORDER BY first_seen_at, chat_id")
        return [self._row(row) for row in rows]

    async def buyers_with_several_chats(self) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT buyer_id FROM chats WHERE buyer_id IS NOT NULL "
            "GROUP BY buyer_id HAVING count(*) > 1"
        )
        return {row[0] for row in rows}

    async def observe(
        self,
        chat_id: str,
        *,
        chat_type: str,
        status: ChatStatus,
        created_at: datetime | None,
        unread_count: int,
    ) -> ChatRow:
        """`observe_many` for one chat."""
        seen = ChatSeen(chat_id, chat_type, status, created_at, unread_count)
        return (await self.observe_many([seen])).rows[chat_id]

    async def observe_many(self, seen: Sequence[ChatSeen]) -> Observed:
        """Insert chats seen in Ozon's list for the first time and refresh what the list says of
        the others, in one transaction that writes only what changed. Returns the rows by id,
        and the chats whose status the list changed (Ozon closed or opened them)."""
        observed = Observed()
        if not seen:
            return observed
        now = to_db_time(utcnow())
        ids = [c.chat_id for c in seen]
        async with self._db.transaction() as tx:
            before = {
                row["chat_id"]: row["status"] for row in await _rows(tx, "chat_id, status", ids)
            }
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
                [_seen(c, now) for c in seen],
            )
            for row in await _rows(tx, "*", ids):
                observed.rows[row["chat_id"]] = self._row(row)
        for chat in seen:
            was = before.get(chat.chat_id)
            if chat.status == ChatStatus.CLOSED and was != ChatStatus.CLOSED:
                observed.closed.append(chat.chat_id)
            elif chat.status == ChatStatus.OPENED and was == ChatStatus.CLOSED:
                observed.opened.append(chat.chat_id)
        return observed

    async def advance(
        self,
        tx: Transaction,
        chat_id: str,
        *,
        cursor: str,
        last_message_id: str | None,
        context: tuple[str | None, str | None] | None = None,
        buyer: tuple[datetime, str | None] | None = None,
    ) -> None:
        """After messages were recorded: move the cursor (only ever forward), remember the list's
        last message id, the newest order and SKU the messages named (`context`), and when the
        buyer last wrote and as whom (`buyer`)."""
        if context is not None:
            # Ozon's "0" names nothing: it never replaces what a message named before.
            await tx.execute(
                "UPDATE chats SET order_number = COALESCE(?, order_number), "
                "sku = COALESCE(?, sku) WHERE chat_id = ?",
                (ozon_id(context[0]), ozon_id(context[1]), chat_id),
            )
        if buyer is not None:
            await tx.execute(
                "UPDATE chats SET last_buyer_at = max(COALESCE(last_buyer_at, ''), ?), "
                "buyer_id = COALESCE(?, buyer_id) WHERE chat_id = ?",
                (to_db_time(buyer[0]), buyer[1], chat_id),
            )
        await tx.execute(
            """
            UPDATE chats SET
                sync_cursor = CASE
                    WHEN sync_cursor IS NULL
                      OR length(:cursor) > length(sync_cursor)
                      OR (length(:cursor) = length(sync_cursor) AND :cursor > sync_cursor)
                    THEN :cursor ELSE sync_cursor END,
                last_message_id = COALESCE(:last, last_message_id),
                sync_error = NULL,
                updated_at = :now
            WHERE chat_id = :chat
            """,
            {
                "cursor": cursor,
                "last": last_message_id,
                "now": to_db_time(utcnow()),
                "chat": chat_id,
            },
        )

    async def set_topic(
        self,
        chat_id: str,
        topic_id: int,
        *,
        name: str | None = None,
        icon: DeskState | None = None,
    ) -> None:
        """Remember a newly created topic of the bound forum group, the name it was given and
        the state its icon shows; its opening message is still to be posted."""
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
                "topic_name = ?, icon_shown = ?, updated_at = ? WHERE chat_id = ?",
                (topic_id, forum, name, icon, to_db_time(utcnow()), chat_id),
            )

    async def mark_topic_opened(self, chat_id: str, tx: Transaction | None = None) -> None:
        """The topic's opening message is posted."""
        async with self._db.writing(tx) as write:
            await write.execute("UPDATE chats SET topic_fresh = 0 WHERE chat_id = ?", (chat_id,))

    async def set_sync_error(self, chat_id: str, error: str | None) -> None:
        await self._db.execute(
            "UPDATE chats SET sync_error = ? WHERE chat_id = ?", (error, chat_id)
        )

    async def set_status(self, chat_id: str, status: ChatStatus) -> bool:
        """Ozon says the chat now has this status; True if that is a change."""
        changed = await self._db.execute(
            "UPDATE chats SET status = ?, updated_at = ? WHERE chat_id = ? AND status != ?",
            (status, to_db_time(utcnow()), chat_id, status),
        )
        return changed > 0

    async def topics_to_close(self, limit: int = 20) -> list[ChatRow]:
        """Chats Ozon closed whose topic (in the bound forum group) is still open."""
        rows = await self._db.fetch_all(
            f"SELECT * FROM chats WHERE {_TO_CLOSE} AND forum_chat_id IS ? "  # noqa: S608
            "ORDER BY chat_id LIMIT ?",
            (self._db.forum_chat_id, limit),
        )
        return [self._row(row) for row in rows]

    async def set_topic_closed(self, chat_id: str) -> None:
        """The chat's topic was closed because Ozon closed the chat."""
        await self._db.execute("UPDATE chats SET topic_closed = 1 WHERE chat_id = ?", (chat_id,))

    async def topic_reopened(self, chat_id: str) -> None:
        """The topic was opened again for something new to show (the buyer wrote again)."""
        await self._db.execute("UPDATE chats SET topic_closed = 0 WHERE chat_id = ?", (chat_id,))

    async def desk_of(
        self, tx: Transaction, chat_id: str
    ) -> tuple[DeskState, datetime | None, Said | None] | None:
        """The chat's help-desk state, when it was last answered and the buyer message its open
        waiting period began with, read inside a unit of work that is about to change them
        (None: no such chat)."""
        row = await tx.fetch_one(
            "SELECT c.desk, c.answered_at, w.began_at, w.first_message_id FROM chats AS c "
            "LEFT JOIN waiting_periods AS w ON w.chat_id = c.chat_id AND w.ended_at IS NULL "
            "WHERE c.chat_id = ?",
            (chat_id,),
        )
        if row is None:
            return None
        began = from_db_time(row["began_at"])
        since = None if began is None else Said(began, row["first_message_id"])
        return DeskState(row["desk"]), from_db_time(row["answered_at"]), since

    async def set_desk(
        self,
        tx: Transaction,
        chat_id: str,
        desk: DeskState,
        *,
        answered_at: datetime | None = None,
    ) -> None:
        """The chat's help-desk state (and when it was last answered, which only moves on)."""
        await tx.execute(
            "UPDATE chats SET desk = ?, answered_at = CASE WHEN ? IS NOT NULL "
            "AND (answered_at IS NULL OR answered_at < ?) THEN ? ELSE answered_at END "
            "WHERE chat_id = ?",
            (desk, *[to_db_time(answered_at)] * 3, chat_id),
        )

    async def icons_due(self, limit: int = 20) -> list[ChatRow]:
        """Chats whose topic's icon does not show their state: waiting ones first, then the
        most recently answered."""
        rows = await self._db.fetch_all(
            ICONS_DUE, {"forum": self._db.forum_chat_id, "limit": limit}
        )
        return [self._row(row) for row in rows]

    async def set_icon_shown(self, chat_id: str, topic_id: int, shown: DeskState) -> None:
        """The topic's icon now shows `shown` (if the chat still has that topic)."""
        await self._db.execute(
            "UPDATE chats SET icon_shown = ? WHERE chat_id = ? AND topic_id = ?",
            (shown, chat_id, topic_id),
        )

    async def claim_forum(self, tx: Transaction, forum_chat_id: int) -> None:
        """Topics stored before they carried their group belong to this one."""
        await tx.execute(
            "UPDATE chats SET forum_chat_id = ? WHERE forum_chat_id IS NULL "
            "AND topic_id IS NOT NULL",
            (forum_chat_id,),
        )
