"""Staff answers to reviews and product questions, queued in the outbox like chat replies: the
answer side of `storage.outbox.OutboxRepository` (it writes the same table).

An answer is one row (Ozon takes a comment or an answer whole, never in parts) whose `target`
is the review or the question; the staff message it carries is its key, so a message handed
over twice is queued once.
"""

from __future__ import annotations

from bot.core.records import Staff
from bot.core.states import OutboxKind, OutboxTarget
from storage.db import Database, to_db_time, utcnow


class AnswerIntake:
    _db: Database

    async def enqueue_answer(
        self,
        target: OutboxTarget,
        target_id: str,
        *,
        sku: str | None,
        topic_id: int,
        tg_message_id: int,
        body: str,
        staff: Staff | None,
    ) -> bool:
        """Queue a staff message as the answer to a review or a question (`target_id`, Ozon's
        id; a question's `sku`); False when that message was queued before."""
        if target is OutboxTarget.CHAT:
            raise ValueError("a chat's replies are queued with `enqueue`")
        added = await self._db.execute(
            """
            INSERT INTO outbox (chat_id, target, target_id, target_sku, kind, body, forum_chat_id,
                                tg_message_id, topic_id, part, parts, created_at, staff_id,
                                staff_name)
            VALUES (NULL, ?, ?, ?, ?, ?, ?, ?, ?, 0, 1, ?, ?, ?)
            ON CONFLICT (forum_chat_id, tg_message_id, part) DO NOTHING
            """,
            (
                target,
                target_id,
                sku,
                OutboxKind.TEXT,
                body,
                self._db.forum_chat_id,
                tg_message_id,
                topic_id,
                to_db_time(utcnow()),
                None if staff is None else staff.id,
                None if staff is None else staff.name,
            ),
        )
        return added > 0
