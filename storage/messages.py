"""Messages that crossed (or are crossing) the bridge from Ozon into Telegram.

A message is recorded here, unique on (chat_id, message_id), before anything is posted; the relay
drains `pending` rows in order per chat and marks them `posted` with the Telegram message id. The
bridge's own replies come back in Ozon's history as the seller's: they are recorded as `outbound`
rows in state `echo` and never posted. The only writer of the `messages` table.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.records import MessageRow, NewMessage
from bot.core.states import Direction, MessageState
from storage.db import Database, Transaction, to_db_time, utcnow
from storage.rows import message_row

_NUMERIC_ORDER = "length(message_id), message_id"
# The partial indexes `messages_pending` and `messages_failed` name these states: queries must
# say the same in their text for SQLite to use them.
_PENDING = f"state = '{MessageState.PENDING}'"
BACKLOG = (
    f"SELECT (SELECT count(*) FROM messages WHERE {_PENDING}), "  # noqa: S608 - constants
    f"(SELECT count(*) FROM messages WHERE state = '{MessageState.FAILED}')"
)
# A changed message: another text, or a moderation status other than the one known (a status
# not known before, in rows older than the column, is only filled in).
_CHANGED = "(body != :body OR (moderation IS NOT NULL AND moderation IS NOT :moderation))"
_SHOWN_AGAIN = (
    f"{_CHANGED} AND state = '{MessageState.POSTED}' AND direction = '{Direction.INBOUND}'"
)


class MessageRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        tx: Transaction,
        chat_id: str,
        messages: Sequence[NewMessage],
        *,
        read_again: Sequence[NewMessage] = (),
    ) -> int:
        """Record messages; returns how many are now waiting to be shown: new ones, and ones
        shown before that changed since.

        Reading the same history twice (a retry, a push and a poll) records each message once.
        A message seen again with another text or moderation status is a buyer's edit: it is
        kept as it is now, and one that was already shown is shown again as an edit.
        `read_again`: messages at or before the chat's cursor, read only to see such edits; one
        that was never recorded (first sight passed over it) stays unrecorded.
        """
        now = to_db_time(utcnow())
        waiting = 0
        for msg in messages:
            added = await tx.execute(
                """
                INSERT INTO messages (chat_id, message_id, direction, author, created_at, body,
                                      is_image, moderation, unreadable, state, recorded_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (chat_id, message_id) DO NOTHING
                """,
                (
                    chat_id,
                    msg.message_id,
                    Direction.OUTBOUND if msg.outbound else Direction.INBOUND,
                    msg.author,
                    to_db_time(msg.created_at),
                    msg.body,
                    int(msg.is_image),
                    msg.moderation,
                    int(msg.unreadable),
                    MessageState.ECHO if msg.outbound else MessageState.PENDING,
                    now,
                ),
            )
            waiting += added or await self._edited(tx, chat_id, msg, now)
        for msg in read_again:
            waiting += await self._edited(tx, chat_id, msg, now)
        return waiting

    async def _edited(self, tx: Transaction, chat_id: str, msg: NewMessage, now: str | None) -> int:
        """Take a changed message as it is now; one already shown goes back to be shown again
        (answering its old post when that is in this forum group). Returns 1 for a change."""
        again = _SHOWN_AGAIN
        return await tx.execute(
            f"""
            UPDATE messages SET
                edit_of = CASE WHEN {again} AND forum_chat_id IS :forum
                               THEN tg_message_id ELSE edit_of END,
                edited_at = CASE WHEN {again} THEN :now ELSE edited_at END,
                post_started_at = CASE WHEN {again} THEN NULL ELSE post_started_at END,
                attempts = CASE WHEN {again} THEN 0 ELSE attempts END,
                state = CASE WHEN {again} THEN :pending ELSE state END,
                body = :body, is_image = :is_image, moderation = :moderation,
                unreadable = :unreadable
            WHERE chat_id = :chat AND message_id = :message
              AND ({_CHANGED} OR (moderation IS NULL AND :moderation IS NOT NULL))
            """,  # noqa: S608 - the fragments above are constants
            {
                "forum": self._db.forum_chat_id,
                "now": now,
                "pending": MessageState.PENDING,
                "body": msg.body,
                "is_image": int(msg.is_image),
                "moderation": msg.moderation,
                "unreadable": int(msg.unreadable),
                "chat": chat_id,
                "message": msg.message_id,
            },
        )

    async def chats_with_pending(self, limit: int = 50) -> list[str]:
        """Chats with messages waiting for Telegram, the longest-waiting first."""
        rows = await self._db.fetch_all(
            f"SELECT chat_id, min(id) AS first FROM messages WHERE {_PENDING} "  # noqa: S608
            "GROUP BY chat_id ORDER BY first LIMIT ?",
            (limit,),
        )
        return [row["chat_id"] for row in rows]

    async def pending(self, chat_id: str, limit: int = 50) -> list[MessageRow]:
        """A chat's waiting messages in Ozon's order."""
        rows = await self._db.fetch_all(
            f"SELECT * FROM messages WHERE chat_id = ? AND {_PENDING} "  # noqa: S608
            f"ORDER BY {_NUMERIC_ORDER} LIMIT ?",
            (chat_id, limit),
        )
        return [message_row(row) for row in rows]

    async def mark_post_started(self, ids: Sequence[int]) -> None:
        """Written before a post goes to Telegram: if no answer settles it (a crash, a lost
        answer), the message may be shown already, and its next post says so."""
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE messages SET post_started_at = ? WHERE id = ? AND state = ? "
                "AND post_started_at IS NULL",
                [(now, row_id, MessageState.PENDING) for row_id in ids],
            )

    async def clear_post_started(self, ids: Sequence[int]) -> None:
        """Telegram answered that it did not show the post: nothing may be shown after all."""
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE messages SET post_started_at = NULL WHERE id = ? AND state = ?",
                [(row_id, MessageState.PENDING) for row_id in ids],
            )

    async def mark_posted(
        self, ids: Sequence[int], tg_message_id: int, tx: Transaction | None = None
    ) -> None:
        """Messages now shown in Telegram, by a post of the bound forum group."""
        now = to_db_time(utcnow())
        forum = self._db.forum_chat_id
        async with self._db.writing(tx) as write:
            await write.execute_many(
                "UPDATE messages SET state = ?, forum_chat_id = ?, tg_message_id = ?, "
                "posted_at = ?, last_error = NULL WHERE id = ? AND state = ?",
                [
                    (MessageState.POSTED, forum, tg_message_id, now, row_id, MessageState.PENDING)
                    for row_id in ids
                ],
            )

    async def note_failure(self, ids: Sequence[int], error: str, *, final: bool) -> None:
        """Count a failed attempt; `final` gives up on the rows (state `failed`)."""
        state = MessageState.FAILED if final else None
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "UPDATE messages SET attempts = attempts + 1, last_error = ?, "
                "state = COALESCE(?, state) WHERE id = ?",
                [(error[:500], state, row_id) for row_id in ids],
            )

    async def for_chat(self, chat_id: str) -> list[MessageRow]:
        rows = await self._db.fetch_all(
            f"SELECT * FROM messages WHERE chat_id = ? ORDER BY {_NUMERIC_ORDER}",  # noqa: S608
            (chat_id,),
        )
        return [message_row(row) for row in rows]

    async def backlog(self) -> tuple[int, int]:
        """How many messages wait for Telegram, and how many were given up. Both are read
        through partial indexes: health checks ask often, and the table grows for months."""
        row = await self._db.fetch_one(BACKLOG)
        assert row is not None
        return int(row[0]), int(row[1])

    async def claim_forum(self, tx: Transaction, forum_chat_id: int) -> None:
        """Posts stored before they carried their group belong to this one."""
        await tx.execute(
            "UPDATE messages SET forum_chat_id = ? WHERE forum_chat_id IS NULL "
            "AND tg_message_id IS NOT NULL",
            (forum_chat_id,),
        )
