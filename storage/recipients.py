"""A broadcast's recipients: the chats it goes to, each handed to the outbox exactly once. The
only writer of `broadcast_recipients`."""

from __future__ import annotations

from collections.abc import Sequence

from bot.core.records import Progress
from bot.core.states import FailureReason, OutboxState, RecipientState
from storage.db import Database, Transaction


class RecipientRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self, tx: Transaction, job_id: int, recipients: Sequence[tuple[str, str]]
    ) -> None:
        """A job's recipients: (chat id, the text rendered for that chat)."""
        await tx.execute_many(
            "INSERT INTO broadcast_recipients (broadcast_id, chat_id, body) VALUES (?, ?, ?)",
            [(job_id, chat_id, body) for chat_id, body in recipients],
        )

    async def samples(self, job_id: int, limit: int = 3) -> list[str]:
        rows = await self._db.fetch_all(
            "SELECT body FROM broadcast_recipients WHERE broadcast_id = ? ORDER BY rowid LIMIT ?",
            (job_id, limit),
        )
        return [row[0] for row in rows]

    async def next_pending(self, tx: Transaction, job_id: int, limit: int) -> list[tuple[str, str]]:
        """Recipients not handed to the outbox yet, in order: (chat id, text)."""
        rows = await tx.fetch_all(
            "SELECT chat_id, body FROM broadcast_recipients "
            "WHERE broadcast_id = ? AND state = ? ORDER BY rowid LIMIT ?",
            (job_id, RecipientState.PENDING, limit),
        )
        return [(row["chat_id"], row["body"]) for row in rows]

    async def mark_queued(self, tx: Transaction, job_id: int, chat_id: str, outbox_id: int) -> None:
        await tx.execute(
            "UPDATE broadcast_recipients SET state = ?, outbox_id = ? "
            "WHERE broadcast_id = ? AND chat_id = ?",
            (RecipientState.QUEUED, outbox_id, job_id, chat_id),
        )

    async def skip_pending(self, tx: Transaction, job_id: int) -> None:
        """The job ends before these recipients were reached."""
        await tx.execute(
            "UPDATE broadcast_recipients SET state = ? WHERE broadcast_id = ? AND state = ?",
            (RecipientState.SKIPPED, job_id, RecipientState.PENDING),
        )

    async def progress(self, job_id: int) -> Progress:
        """Where a job stands, read from its recipients and what the outbox made of them."""
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
            if row["recipient"] == RecipientState.PENDING:
                pending += n
            elif row["recipient"] == RecipientState.SKIPPED or (
                row["reason"] == FailureReason.CANCELLED
            ):
                skipped += n
            elif row["outbox"] == OutboxState.DELIVERED:
                delivered += n
            elif row["outbox"] == OutboxState.FAILED:
                reason = row["reason"] or FailureReason.UNAVAILABLE
                failed[reason] = failed.get(reason, 0) + n
            else:
                in_flight += n
        total = delivered + sum(failed.values()) + in_flight + pending + skipped
        return Progress(total, delivered, failed, in_flight, pending, skipped)
