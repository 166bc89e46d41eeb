"""Which staff messages have an outcome to show (the outcome worker asks on every pass)."""

from __future__ import annotations

from bot.core.records import OutboxRow
from bot.core.states import OUTBOX_FINAL, OUTBOX_OPEN
from storage.db import Database, Transaction, state_in
from storage.rows import outbox_row

_OPEN = state_in(OUTBOX_OPEN)
_FINAL = state_in(OUTBOX_FINAL)
# Staff messages whose parts are all final and whose outcome is not shown yet. It runs on every
# pass of the outcome worker, so it reads the few unshown final rows through their partial index
# instead of grouping a table that grows for months.
FINISHED_UNNOTIFIED = f"""
SELECT * FROM outbox WHERE forum_chat_id IS :forum AND tg_message_id IN (
    SELECT done.tg_message_id FROM outbox AS done
    WHERE done.forum_chat_id IS :forum AND done.notified = 0 AND done.{_FINAL}
    AND NOT EXISTS (
        SELECT 1 FROM outbox AS open WHERE open.forum_chat_id IS :forum
        AND open.tg_message_id = done.tg_message_id AND open.{_OPEN}
    )
) ORDER BY tg_message_id, part
"""  # noqa: S608 - constants


class OutcomeQueries:
    """The outcome side of `storage.outbox.OutboxRepository` (it writes the same table)."""

    _db: Database

    async def finished_unnotified(self) -> list[tuple[int, list[OutboxRow]]]:
        """Staff messages whose rows are all final and whose outcome staff have not been shown."""
        rows = await self._db.fetch_all(FINISHED_UNNOTIFIED, {"forum": self._db.forum_chat_id})
        grouped: dict[int, list[OutboxRow]] = {}
        for row in rows:
            grouped.setdefault(row["tg_message_id"], []).append(outbox_row(row))
        return list(grouped.items())

    async def mark_notified(self, tg_message_id: int) -> None:
        # Only final rows: a «Повторить» pressed meanwhile keeps its rows' outcome to be shown.
        await self._db.execute(
            f"UPDATE outbox SET notified = 1 WHERE forum_chat_id IS ? AND tg_message_id = ? "  # noqa: S608
            f"AND {_FINAL}",
            (self._db.forum_chat_id, tg_message_id),
        )

    async def close_other_forums(self, tx: Transaction, forum_chat_id: int) -> None:
        """Staff messages of another group whose outcome was never shown are closed: their
        reactions could only land on unrelated messages here."""
        await tx.execute(
            f"UPDATE outbox SET notified = 1 WHERE forum_chat_id != ? AND notified = 0 "  # noqa: S608
            f"AND {_FINAL}",
            (forum_chat_id,),
        )
