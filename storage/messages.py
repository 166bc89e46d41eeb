"""Messages that crossed (or are crossing) the bridge from Ozon into Telegram.

A message is recorded here, unique on (chat_id, message_id), before anything is posted; the relay
drains `pending` rows in order per chat and marks them `posted` with the Telegram message id. The
bridge's own replies come back in Ozon's history as the seller's: they are recorded as `outbound`
rows in state `echo` and never posted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from storage.db import Database, Transaction, from_db_time, to_db_time, utcnow

_NUMERIC_ORDER = "length(message_id), message_id"
BACKLOG = (
    "SELECT (SELECT count(*) FROM messages WHERE state = 'pending'), "
    "(SELECT count(*) FROM messages WHERE state = 'failed')"
)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A message read from Ozon, about to be recorded."""

    message_id: str
    author: str
    created_at: datetime
    body: str
    is_image: bool
    order_number: str | None = None
    sku: str | None = None
    outbound: bool = False
    """The bridge itself sent it: record it as an echo, never post it."""
    user_id: str | None = None
    moderation: str | None = None
    """Ozon's `moderate_image_status` of a picture (SUCCESS, MODERATION, FAILED)."""


@dataclass(frozen=True, slots=True)
class MessageRow:
    id: int
    chat_id: str
    message_id: str
    direction: str
    author: str
    created_at: datetime
    body: str
    is_image: bool
    state: str
    tg_message_id: int | None
    attempts: int
    last_error: str | None
    post_started_at: datetime | None = None
    """Set while pending: a post of it went to Telegram unsettled, so it may already be shown."""
    moderation: str | None = None
    edited_at: datetime | None = None
    """The buyer changed it after it was shown: it is shown again, marked as an edit."""
    edit_of: int | None = None
    """The Telegram post that showed it before the edit (in this forum group), if known."""

    @property
    def maybe_shown(self) -> bool:
        return self.state == "pending" and self.post_started_at is not None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> MessageRow:
        created = from_db_time(row["created_at"])
        assert created is not None
        return cls(
            id=row["id"],
            chat_id=row["chat_id"],
            message_id=row["message_id"],
            direction=row["direction"],
            author=row["author"],
            created_at=created,
            body=row["body"],
            is_image=bool(row["is_image"]),
            state=row["state"],
            tg_message_id=row["tg_message_id"],
            attempts=row["attempts"],
            last_error=row["last_error"],
            post_started_at=from_db_time(row["post_started_at"]),
            moderation=row["moderation"],
            edited_at=from_db_time(row["edited_at"]),
            edit_of=row["edit_of"],
        )


class MessageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def record(
        self,
        chat_id: str,
        messages: Sequence[NewMessage],
        *,
        cursor: str,
        last_message_id: str | None = None,
        buyer_author: str = "CUSTOMER",
        read_again: Sequence[NewMessage] = (),
    ) -> int:
        """Record messages and move the chat's cursor, atomically. Returns how many are now
        waiting to be shown: new ones, and ones shown before that changed since.

        Reading the same history twice (a retry, a push and a poll) records each message once.
        A message seen again with another text or moderation status is a buyer's edit: it is
        kept as it is now, and one that was already shown is shown again as an edit.
        `read_again`: messages at or before the cursor, read only to see such edits; one that
        was never recorded (first sight passed over it) stays unrecorded. The cursor only moves
        forward.
        """
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            new = 0
            for msg in messages:
                added = await tx.execute(
                    """
                    INSERT INTO messages (chat_id, message_id, direction, author, created_at,
                                          body, is_image, moderation, state, recorded_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (chat_id, message_id) DO NOTHING
                    """,
                    (
                        chat_id,
                        msg.message_id,
                        "outbound" if msg.outbound else "inbound",
                        msg.author,
                        to_db_time(msg.created_at),
                        msg.body,
                        int(msg.is_image),
                        msg.moderation,
                        "echo" if msg.outbound else "pending",
                        now,
                    ),
                )
                new += added or await self._edited(tx, chat_id, msg, now)
            for msg in read_again:
                new += await self._edited(tx, chat_id, msg, now)
            with_context = [m for m in messages if m.order_number or m.sku]
            if with_context:
                latest = max(with_context, key=lambda m: (len(m.message_id), m.message_id))
                await tx.execute(
                    """
                    UPDATE chats SET order_number = COALESCE(?, order_number),
                                     sku = COALESCE(?, sku)
                    WHERE chat_id = ?
                    """,
                    (latest.order_number, latest.sku, chat_id),
                )
            from_buyer = [m for m in messages if m.author == buyer_author]
            if from_buyer:
                latest_buyer = max(from_buyer, key=lambda m: m.created_at)
                await tx.execute(
                    """
                    UPDATE chats SET last_buyer_at = max(COALESCE(last_buyer_at, ''), ?),
                                     buyer_id = COALESCE(?, buyer_id)
                    WHERE chat_id = ?
                    """,
                    (to_db_time(latest_buyer.created_at), latest_buyer.user_id, chat_id),
                )
            await tx.execute(
                """
                UPDATE chats SET
                    sync_cursor = CASE
                        WHEN sync_cursor IS NULL
                          OR length(?) > length(sync_cursor)
                          OR (length(?) = length(sync_cursor) AND ? > sync_cursor)
                        THEN ? ELSE sync_cursor END,
                    last_message_id = COALESCE(?, last_message_id),
                    sync_error = NULL,
                    updated_at = ?
                WHERE chat_id = ?
                """,
                (cursor, cursor, cursor, cursor, last_message_id, now, chat_id),
            )
        return new

    async def _edited(self, tx: Transaction, chat_id: str, msg: NewMessage, now: str | None) -> int:
        """Take a changed message as it is now; one already shown goes back to be shown again
        (answering its old post when that is in this forum group). Returns 1 for a change.

        A moderation status not known before (rows older than the column) is only filled in."""
        changed = "(body != :body OR (moderation IS NOT NULL AND moderation IS NOT :moderation))"
        again = f"{changed} AND state = 'posted' AND direction = 'inbound'"
        return await tx.execute(
            f"""
            UPDATE messages SET
                edit_of = CASE WHEN {again} AND forum_chat_id IS :forum
                               THEN tg_message_id ELSE edit_of END,
                edited_at = CASE WHEN {again} THEN :now ELSE edited_at END,
                post_started_at = CASE WHEN {again} THEN NULL ELSE post_started_at END,
                attempts = CASE WHEN {again} THEN 0 ELSE attempts END,
                state = CASE WHEN {again} THEN 'pending' ELSE state END,
                body = :body, is_image = :is_image, moderation = :moderation
            WHERE chat_id = :chat AND message_id = :message
              AND ({changed} OR (moderation IS NULL AND :moderation IS NOT NULL))
            """,  # noqa: S608 - the fragments above are constants
            {
                "forum": self._db.forum_chat_id,
                "now": now,
                "body": msg.body,
                "is_image": int(msg.is_image),
                "moderation": msg.moderation,
                "chat": chat_id,
                "message": msg.message_id,
            },
        )

    async def chats_with_pending(self, limit: int = 50) -> list[str]:
        """Chats with messages waiting for Telegram, the longest-waiting first."""
        rows = await self._db.fetch_all(
            """
            SELECT chat_id, min(id) AS first FROM messages WHERE state = 'pending'
            GROUP BY chat_id ORDER BY first LIMIT ?
            """,
            (limit,),
        )
        return [row["chat_id"] for row in rows]

    async def pending(self, chat_id: str, limit: int = 50) -> list[MessageRow]:
        """A chat's waiting messages in Ozon's order."""
        rows = await self._db.fetch_all(
            f"SELECT * FROM messages WHERE chat_id = ? AND state = 'pending' "  # noqa: S608
            f"ORDER BY {_NUMERIC_ORDER} LIMIT ?",
            (chat_id, limit),
        )
        return [MessageRow.from_row(row) for row in rows]

    async def mark_post_started(self, ids: Sequence[int]) -> None:
        """Written before a post goes to Telegram: if no answer settles it (a crash, a lost
        answer), the message may be shown already, and its next post says so."""
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE messages SET post_started_at = ? WHERE id = ? AND state = 'pending' "
                "AND post_started_at IS NULL",
                [(now, message_row_id) for message_row_id in ids],
            )

    async def clear_post_started(self, ids: Sequence[int]) -> None:
        """Telegram answered that it did not show the post: nothing may be shown after all."""
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE messages SET post_started_at = NULL WHERE id = ? AND state = 'pending'",
                [(message_row_id,) for message_row_id in ids],
            )

    async def mark_posted(
        self, chat_id: str, ids: Sequence[int], tg_message_id: int, *, opened_topic: bool
    ) -> None:
        """Mark messages as shown in Telegram (and the topic's opening message as posted)."""
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE messages SET state = 'posted', forum_chat_id = ?, tg_message_id = ?, "
                "posted_at = ?, last_error = NULL WHERE id = ? AND state = 'pending'",
                [
                    (self._db.forum_chat_id, tg_message_id, now, message_row_id)
                    for message_row_id in ids
                ],
            )
            if opened_topic:
                await tx.execute("UPDATE chats SET topic_fresh = 0 WHERE chat_id = ?", (chat_id,))

    async def note_failure(self, ids: Sequence[int], error: str, *, final: bool) -> None:
        """Count a failed attempt; `final` gives up on the rows (state `failed`)."""
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE messages SET attempts = attempts + 1, last_error = ?, "
                "state = CASE WHEN ? THEN 'failed' ELSE state END WHERE id = ?",
                [(error[:500], int(final), message_row_id) for message_row_id in ids],
            )

    async def for_chat(self, chat_id: str) -> list[MessageRow]:
        rows = await self._db.fetch_all(
            f"SELECT * FROM messages WHERE chat_id = ? ORDER BY {_NUMERIC_ORDER}",  # noqa: S608
            (chat_id,),
        )
        return [MessageRow.from_row(row) for row in rows]

    async def backlog(self) -> tuple[int, int]:
        """How many messages wait for Telegram, and how many were given up. Both are read
        through partial indexes: health checks ask often, and the table grows for months."""
        row = await self._db.fetch_one(BACKLOG)
        assert row is not None
        return int(row[0]), int(row[1])
