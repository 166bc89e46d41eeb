"""Reply drafts, from the request to its end. The only writer of the `drafts` table; it also
reads what a draft is written from (a chat's recent messages) and what automatic drafts look
for (buyer messages recorded since a row id).

A draft moves through named transitions, each a conditional update that says whether it moved:
asked -> `shown` | `failed` | `dropped` (cancelled unseen); shown -> `sent` | `cancel`. A cancel
is refused once anything of the draft is in the outbox (keyed on the draft's post), so a crash
between queueing and marking `sent` never lets a queued draft read as cancelled.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

import aiosqlite

from bot.core.records import DraftRow, MessageRow, Staff
from bot.core.states import DraftState, DraftTrigger, MessageState
from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.rows import message_row

# The partial index `drafts_asked` names this state: queries must say the same in their text.
_ASKED = f"state = '{DraftState.ASKED}'"


def _draft(row: aiosqlite.Row) -> DraftRow:
    asked = from_db_time(row["asked_at"])
    assert asked is not None
    return DraftRow(
        id=row["id"],
        source=row["source"],
        key=row["conversation"],
        topic_id=row["topic_id"],
        trigger=DraftTrigger(row["trigger"]),
        request_message_id=row["request_message_id"],
        state=DraftState(row["state"]),
        asked_at=asked,
        answers_id=row["answers_id"],
        answers_at=from_db_time(row["answers_at"]),
        body=row["body"],
        flags=tuple(flag for flag in row["flags"].split(",") if flag),
        message_id=row["message_id"],
        staff=None if row["staff_name"] is None else Staff(row["staff_id"], row["staff_name"]),
        detail=row["detail"],
    )


class DraftRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- requests ------------------------------------------------------------------------

    async def ask(
        self,
        source: str,
        key: str,
        topic_id: int,
        trigger: DraftTrigger,
        *,
        request_message_id: int | None = None,
        answers_id: str | None = None,
        answers_at: datetime | None = None,
    ) -> int | None:
        """Write a request down; its id, or None when this command (or, for an automatic
        draft, this buyer message) asked already."""
        async with self._db.transaction() as tx:
            added = await tx.execute(
                """
                INSERT INTO drafts (source, conversation, forum_chat_id, topic_id, trigger,
                                    request_message_id, answers_id, answers_at, asked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                """,
                (
                    source,
                    key,
                    self._db.forum_chat_id,
                    topic_id,
                    trigger,
                    request_message_id,
                    answers_id,
                    to_db_time(answers_at),
                    to_db_time(utcnow()),
                ),
            )
            if not added:
                return None
            row = await tx.fetch_one("SELECT last_insert_rowid()")
        assert row is not None
        return int(row[0])

    async def get(self, draft_id: int) -> DraftRow | None:
        """A draft of the bound forum group."""
        row = await self._db.fetch_one(
            "SELECT * FROM drafts WHERE id = ? AND forum_chat_id IS ?",
            (draft_id, self._db.forum_chat_id),
        )
        return None if row is None else _draft(row)

    async def asked(self, limit: int, skip: Collection[int] = ()) -> list[DraftRow]:
        """Requests to write, commands first, then the oldest; none of `skip`."""
        marks = ",".join("?" * len(skip))
        rows = await self._db.fetch_all(
            f"SELECT * FROM drafts WHERE {_ASKED} AND forum_chat_id IS ? "  # noqa: S608
            f"AND id NOT IN ({marks}) ORDER BY trigger = '{DraftTrigger.COMMAND}' DESC, id "
            "LIMIT ?",
            (self._db.forum_chat_id, *skip, limit),
        )
        return [_draft(row) for row in rows]

    # ---- transitions ---------------------------------------------------------------------

    async def shown(self, draft_id: int, body: str, flags: Sequence[str], message_id: int) -> bool:
        """The draft is posted (`message_id`) with this text."""
        return await self._move(
            draft_id,
            DraftState.ASKED,
            "state = ?, body = ?, flags = ?, message_id = ?",
            (DraftState.SHOWN, body, ",".join(flags), message_id),
        )

    async def failed(self, draft_id: int, detail: str) -> None:
        await self._move(
            draft_id,
            DraftState.ASKED,
            "state = ?, detail = ?, finished_at = ?",
            (DraftState.FAILED, detail[:500], to_db_time(utcnow())),
        )

    async def dropped(self, draft_id: int, detail: str) -> None:
        """An automatic draft no longer wanted: cancelled before anyone saw it."""
        await self._move(
            draft_id,
            DraftState.ASKED,
            "state = ?, detail = ?, finished_at = ?",
            (DraftState.CANCELLED, detail[:500], to_db_time(utcnow())),
        )

    async def sent(self, draft_id: int, staff: Staff) -> bool:
        """`staff` sent the shown draft (its text is in the outbox)."""
        return await self._move(
            draft_id,
            DraftState.SHOWN,
            "state = ?, staff_id = ?, staff_name = ?, finished_at = ?",
            (DraftState.SENT, staff.id, staff.name, to_db_time(utcnow())),
        )

    async def cancel(self, draft_id: int, staff: Staff) -> bool:
        """`staff` cancelled the shown draft; False when it is not shown, or when anything of
        it is in the outbox (it was sent, though a crash kept that from being marked)."""
        changed = await self._db.execute(
            "UPDATE drafts SET state = ?, staff_id = ?, staff_name = ?, finished_at = ? "
            "WHERE id = ? AND state = ? AND NOT EXISTS (SELECT 1 FROM outbox AS o "
            "WHERE o.forum_chat_id IS drafts.forum_chat_id "
            "AND o.tg_message_id = drafts.message_id)",
            (
                DraftState.CANCELLED,
                staff.id,
                staff.name,
                to_db_time(utcnow()),
                draft_id,
                DraftState.SHOWN,
            ),
        )
        return changed > 0

    async def _move(
        self, draft_id: int, state: DraftState, assignments: str, values: Sequence[object]
    ) -> bool:
        changed = await self._db.execute(
            f"UPDATE drafts SET {assignments} WHERE id = ? AND state = ?",  # noqa: S608 - ours
            (*values, draft_id, state),
        )
        return changed > 0

    # ---- what drafts read ----------------------------------------------------------------

    async def recent(self, chat_id: str, limit: int) -> list[MessageRow]:
        """A chat's latest messages, oldest first (in Ozon's order)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM messages WHERE chat_id = ? "
            "ORDER BY length(message_id) DESC, message_id DESC LIMIT ?",
            (chat_id, limit),
        )
        return [message_row(row) for row in reversed(rows)]

    async def buyer_messages_after(self, row_id: int, limit: int) -> list[MessageRow]:
        """Buyers' messages recorded after row `row_id`, in the order they were recorded (read
        by the primary key: as cheap with a year of history as with a day)."""
        rows = await self._db.fetch_all(
            "SELECT * FROM messages WHERE id > ? AND author = 'CUSTOMER' AND state != ? "
            "ORDER BY id LIMIT ?",
            (row_id, MessageState.ECHO, limit),
        )
        return [message_row(row) for row in rows]

    async def buyer_messages(self, row_ids: list[int]) -> list[MessageRow]:
        """These buyers' messages as they stand now, by their row ids (a row gone is left out)."""
        marks = ",".join("?" * len(row_ids))
        rows = await self._db.fetch_all(
            f"SELECT * FROM messages WHERE id IN ({marks}) ORDER BY id",  # noqa: S608 - ours
            tuple(row_ids),
        )
        return [message_row(row) for row in rows]

    async def last_row(self) -> int:
        """The id of the last message recorded (0: none)."""
        return int(await self._db.fetch_value("SELECT coalesce(max(id), 0) FROM messages"))
