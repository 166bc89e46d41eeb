"""The forum topics of reviews and questions, one per kind in each forum group: the only writer
of `feedback_topics`."""

from __future__ import annotations

from bot.core.states import FeedbackKind
from storage.db import Database


class FeedbackTopicRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def topics(self) -> dict[FeedbackKind, int]:
        """Each kind's topic in the bound forum group (a kind without one is left out)."""
        rows = await self._db.fetch_all(
            "SELECT kind, topic_id FROM feedback_topics WHERE forum_chat_id IS ?",
            (self._db.forum_chat_id,),
        )
        return {FeedbackKind(row["kind"]): int(row["topic_id"]) for row in rows}

    async def set_topic(self, kind: FeedbackKind, topic_id: int) -> None:
        """Remember the kind's topic in the bound forum group (replacing one that is gone)."""
        await self._db.execute(
            "INSERT INTO feedback_topics (forum_chat_id, kind, topic_id) VALUES (?, ?, ?) "
            "ON CONFLICT (forum_chat_id, kind) DO UPDATE SET topic_id = excluded.topic_id",
            (self._db.forum_chat_id, kind, topic_id),
        )
