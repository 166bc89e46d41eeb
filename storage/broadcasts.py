"""Broadcast jobs: previewed, confirmed, running, finished. The only writer of `broadcasts`."""

from __future__ import annotations

import json
from typing import Any

from bot.core.records import BroadcastRow
from bot.core.states import BroadcastState
from storage.db import Database, Transaction, to_db_time, utcnow
from storage.rows import broadcast_row

_STAMPS = {
    BroadcastState.RUNNING: "confirmed_at",
    BroadcastState.DONE: "finished_at",
    BroadcastState.CANCELLED: "finished_at",
}
"""The column that records when a job entered these states."""


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(
        self,
        tx: Transaction,
        *,
        admin_id: int,
        reply_chat_id: int,
        template: str,
        filters: dict[str, Any],
        total: int,
        left_out: dict[str, int],
    ) -> int:
        """A job in `preview`; returns its id (its recipients are written beside it)."""
        await tx.execute(
            "INSERT INTO broadcasts (admin_id, reply_chat_id, template, filters, state, "
            "total, left_out, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                admin_id,
                reply_chat_id,
                template,
                json.dumps(filters, ensure_ascii=False),
                BroadcastState.PREVIEW,
                total,
                json.dumps(left_out, ensure_ascii=False),
                to_db_time(utcnow()),
            ),
        )
        row = await tx.fetch_one("SELECT last_insert_rowid()")
        assert row is not None
        return int(row[0])

    async def get(self, job_id: int) -> BroadcastRow | None:
        row = await self._db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (job_id,))
        return None if row is None else broadcast_row(row)

    async def recent(self, limit: int = 10) -> list[BroadcastRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [broadcast_row(row) for row in rows]

    async def with_state(self, *states: BroadcastState) -> list[BroadcastRow]:
        marks = ",".join("?" * len(states))
        rows = await self._db.fetch_all(
            f"SELECT * FROM broadcasts WHERE state IN ({marks}) ORDER BY id",  # noqa: S608
            states,
        )
        return [broadcast_row(row) for row in rows]

    async def transition(
        self, tx: Transaction, job_id: int, old: BroadcastState, new: BroadcastState
    ) -> bool:
        """Move a job from one state to another; False if it was not in `old` any more."""
        changed = await tx.execute(
            "UPDATE broadcasts SET state = ? WHERE id = ? AND state = ?", (new, job_id, old)
        )
        stamp = _STAMPS.get(new)
        if changed and stamp:
            await tx.execute(
                f"UPDATE broadcasts SET {stamp} = ? WHERE id = ?",  # noqa: S608 - from _STAMPS
                (to_db_time(utcnow()), job_id),
            )
        return bool(changed)

    async def set_message(self, job_id: int, column: str, message_id: int) -> None:
        assert column in ("preview_message_id", "progress_message_id")
        await self._db.execute(
            f"UPDATE broadcasts SET {column} = ? WHERE id = ?",  # noqa: S608
            (message_id, job_id),
        )

    async def mark_reported(self, job_id: int) -> None:
        await self._db.execute("UPDATE broadcasts SET reported = 1 WHERE id = ?", (job_id,))
