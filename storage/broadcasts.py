"""Broadcast jobs and their recipients. A recipient becomes an outbox row exactly once."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import aiosqlite

from storage.chats import ChatRow
from storage.db import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True, slots=True)
class BroadcastRow:
    id: int
    admin_id: int
    reply_chat_id: int
    template: str
    filters: dict[str, Any]
    state: str
    total: int
    left_out: dict[str, int]
    preview_message_id: int | None
    progress_message_id: int | None
    created_at: datetime
    reported: bool

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> BroadcastRow:
        created = from_db_time(row["created_at"])
        assert created is not None
        return cls(
            id=row["id"],
            admin_id=row["admin_id"],
            reply_chat_id=row["reply_chat_id"],
            template=row["template"],
            filters=json.loads(row["filters"]),
            state=row["state"],
            total=row["total"],
            left_out=json.loads(row["left_out"]),
            preview_message_id=row["preview_message_id"],
            progress_message_id=row["progress_message_id"],
            created_at=created,
            reported=bool(row["reported"]),
        )


@dataclass(frozen=True, slots=True)
class Progress:
    total: int
    delivered: int
    failed: dict[str, int]
    in_flight: int
    pending: int
    skipped: int

    @property
    def finished(self) -> bool:
        return self.pending == 0 and self.in_flight == 0


class BroadcastRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def candidates(self) -> list[ChatRow]:
        rows = await self._db.fetch_all("SELECT * FROM chats ORDER BY first_seen_at, chat_id")
        return [ChatRow.from_row(row, self._db.forum_chat_id) for row in rows]

    async def buyers_with_several_chats(self) -> set[str]:
        rows = await self._db.fetch_all(
            "SELECT buyer_id FROM chats WHERE buyer_id IS NOT NULL "
            "GROUP BY buyer_id HAVING count(*) > 1"
        )
        return {row[0] for row in rows}

    async def create(
        self,
        *,
        admin_id: int,
        reply_chat_id: int,
        template: str,
        filters: dict[str, Any],
        recipients: Sequence[tuple[str, str]],
        left_out: dict[str, int],
    ) -> int:
        """A job in `preview` with its recipients (chat id, rendered text)."""
        async with self._db.transaction() as tx:
            await tx.execute(
                "INSERT INTO broadcasts (admin_id, reply_chat_id, template, filters, state, "
                "total, left_out, created_at) VALUES (?, ?, ?, ?, 'preview', ?, ?, ?)",
                (
                    admin_id,
                    reply_chat_id,
                    template,
                    json.dumps(filters, ensure_ascii=False),
                    len(recipients),
                    json.dumps(left_out, ensure_ascii=False),
                    to_db_time(utcnow()),
                ),
            )
            row = await tx.fetch_one("SELECT last_insert_rowid()")
            assert row is not None
            job_id = int(row[0])
            await tx.execute_many(
                "INSERT INTO broadcast_recipients (broadcast_id, chat_id, body) VALUES (?, ?, ?)",
                [(job_id, chat_id, body) for chat_id, body in recipients],
            )
        return job_id

    async def get(self, job_id: int) -> BroadcastRow | None:
        row = await self._db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (job_id,))
        return None if row is None else BroadcastRow.from_row(row)

    async def recent(self, limit: int = 10) -> list[BroadcastRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        )
        return [BroadcastRow.from_row(row) for row in rows]

    async def with_state(self, *states: str) -> list[BroadcastRow]:
        marks = ",".join("?" * len(states))
        rows = await self._db.fetch_all(
            f"SELECT * FROM broadcasts WHERE state IN ({marks}) ORDER BY id",  # noqa: S608
            states,
        )
        return [BroadcastRow.from_row(row) for row in rows]

    async def samples(self, job_id: int, limit: int = 3) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT body FROM broadcast_recipients WHERE broadcast_id = ? ORDER BY rowid LIMIT ?",
            (job_id, limit),
        )
        return [row[0] for row in rows]

    async def transition(self, job_id: int, old: str, new: str) -> bool:
        """Move a job from one state to another; False if it was not in `old` any more."""
        column = {"running": "confirmed_at", "done": "finished_at", "cancelled": "finished_at"}
        stamp = column.get(new)
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE broadcasts SET state = ? WHERE id = ? AND state = ?", (new, job_id, old)
            )
            if changed and stamp:
                await tx.execute(
                    f"UPDATE broadcasts SET {stamp} = ? WHERE id = ?",  # noqa: S608
                    (to_db_time(utcnow()), job_id),
                )
            if changed and new in ("cancelled", "expired"):
                await tx.execute(
                    "UPDATE broadcast_recipients SET state = 'skipped' "
                    "WHERE broadcast_id = ? AND state = 'pending'",
                    (job_id,),
                )
                # Handed to the outbox but not sent yet (`queued` never reached Ozon): not sent
                # at all. A send in flight (`sending`) finishes and counts as what it became.
                await tx.execute(
                    "UPDATE outbox SET state = 'failed', reason = 'cancelled', notified = 1, "
                    "not_before = NULL, finished_at = ? "
                    "WHERE broadcast_id = ? AND state = 'queued'",
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

    async def queue_next(self, job_id: int, limit: int) -> int:
        """Hand up to `limit` pending recipients to the outbox, each in the same transaction as
        its recipient row changes: a recipient is queued once, whatever happens. Returns count."""
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            pending = await tx.fetch_all(
                "SELECT chat_id, body FROM broadcast_recipients "
                "WHERE broadcast_id = ? AND state = 'pending' ORDER BY rowid LIMIT ?",
                (job_id, limit),
            )
            for recipient in pending:
                await tx.execute(
                    "INSERT INTO outbox (chat_id, kind, body, broadcast_id, created_at, notified) "
                    "VALUES (?, 'text', ?, ?, ?, 1)",
                    (recipient["chat_id"], recipient["body"], job_id, now),
                )
                row = await tx.fetch_one("SELECT last_insert_rowid()")
                assert row is not None
                await tx.execute(
                    "UPDATE broadcast_recipients SET state = 'queued', outbox_id = ? "
                    "WHERE broadcast_id = ? AND chat_id = ?",
                    (row[0], job_id, recipient["chat_id"]),
                )
        return len(pending)

    async def progress(self, job_id: int) -> Progress:
        rows = await self._db.fetch_all(
            """
            SELECT r.state AS recipient, o.state AS outbox, o.reason AS reason, count(*) AS n
            FROM broadcast_recipients r LEFT JOIN outbox o ON o.id = r.outbox_id
            WHERE r.broadcast_id = ? GROUP BY 1, 2, 3
            """,
            (job_id,),
        )
        delivered = in_flight = pending = skipped = 0
        failed: dict[str, int] = {}
        for row in rows:
            n = row["n"]
            if row["recipient"] == "pending":
                pending += n
            elif row["recipient"] == "skipped" or row["reason"] == "cancelled":
                skipped += n
            elif row["outbox"] == "delivered":
                delivered += n
            elif row["outbox"] == "failed":
                reason = row["reason"] or "unavailable"
                failed[reason] = failed.get(reason, 0) + n
            else:
                in_flight += n
        total = delivered + sum(failed.values()) + in_flight + pending + skipped
        return Progress(total, delivered, failed, in_flight, pending, skipped)

    async def open_in_outbox(self) -> int:
        """Broadcast rows the outbox has not finished yet (to leave live replies room)."""
        return int(
            await self._db.fetch_value(
                "SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL "
                "AND state IN ('queued', 'sending')"
            )
        )
