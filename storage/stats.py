"""What the statistics count, by time range: buyer messages, the seller's messages written in
Ozon's cabinet, staff replies delivered per person and those of them sent from drafts, and since
when the help desk keeps count. Reads only; each query reads a partial index (migrations 12 and
15), not a year of history.
"""

from __future__ import annotations

from datetime import datetime

from bot.core.records import DraftReply, Staff, StaffReplies
from bot.core.states import DraftState, OutboxState, OutboxTarget
from storage.db import Database, from_db_time, to_db_time

BUYER_MESSAGES = """
    SELECT count(*) FROM messages INDEXED BY messages_buyer_by_time
    WHERE author = 'CUSTOMER' AND created_at >= :since AND created_at < :until
"""
CABINET_MESSAGES = """
    SELECT count(*) FROM messages INDEXED BY messages_cabinet_by_time
    WHERE author = 'SELLER' AND state != 'echo' AND created_at >= :since AND created_at < :until
"""
STAFF_REPLIES = f"""
    SELECT staff_id, staff_name, count(*) AS replies
    FROM outbox INDEXED BY outbox_replies_by_time
    WHERE state = '{OutboxState.DELIVERED}' AND broadcast_id IS NULL AND part = 0
      AND target = '{OutboxTarget.CHAT}'
      AND finished_at >= :since AND finished_at < :until
    GROUP BY staff_id, staff_name
    ORDER BY replies DESC, staff_name
"""  # noqa: S608 - a constant, no input
"""Staff messages delivered to buyer chats, one per message however many parts it had, by who
wrote them (answers to reviews and questions are counted apart, `storage.feedback_stats`)."""
DRAFT_REPLIES = f"""
    SELECT d.answers_at, o.finished_at
    FROM outbox AS o INDEXED BY outbox_replies_by_time
    JOIN drafts AS d ON d.forum_chat_id IS o.forum_chat_id AND d.message_id = o.tg_message_id
    WHERE o.state = '{OutboxState.DELIVERED}' AND o.broadcast_id IS NULL AND o.part = 0
      AND o.finished_at >= :since AND o.finished_at < :until
      AND d.message_id IS NOT NULL AND d.state = '{DraftState.SENT}'
    ORDER BY o.finished_at
"""  # noqa: S608 - a constant, no input
"""Staff replies sent from drafts and delivered (the draft's post is the outbox's key)."""


class StatsRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def buyer_messages(self, since: datetime, until: datetime) -> int:
        return int(await self._db.fetch_value(BUYER_MESSAGES, _range(since, until)))

    async def cabinet_messages(self, since: datetime, until: datetime) -> int:
        """Messages the seller wrote in Ozon's own cabinet (not the bridge's own sends)."""
        return int(await self._db.fetch_value(CABINET_MESSAGES, _range(since, until)))

    async def staff_replies(self, since: datetime, until: datetime) -> list[StaffReplies]:
        rows = await self._db.fetch_all(STAFF_REPLIES, _range(since, until))
        return [
            StaffReplies(
                None if row["staff_name"] is None else Staff(row["staff_id"], row["staff_name"]),
                row["replies"],
            )
            for row in rows
        ]

    async def draft_replies(self, since: datetime, until: datetime) -> list[DraftReply]:
        rows = await self._db.fetch_all(DRAFT_REPLIES, _range(since, until))
        replies = []
        for row in rows:
            delivered = from_db_time(row["finished_at"])
            assert delivered is not None
            replies.append(DraftReply(from_db_time(row["answers_at"]), delivered))
        return replies

    async def desk_since(self) -> datetime | None:
        """When the help desk began to keep count (written by migration 14): the periods the
        upgrade derived from older messages began before it, yet the desk saw nothing of that
        time."""
        return from_db_time(
            await self._db.fetch_value("SELECT value FROM meta WHERE key = 'desk_since'")
        )


def _range(since: datetime, until: datetime) -> dict[str, str | None]:
    return {"since": to_db_time(since), "until": to_db_time(until)}
