"""Staff replies (and broadcast messages) on their way to Ozon: one row per text part or file,
written before any send. The only writer of the `outbox` table.

A staff message becomes one or more rows sharing its Telegram message id (`part` orders them).
The core moves a row through named transitions: queued -> `begin_send` -> sending ->
`delivered` | `postpone` (queued again, or still sending: unsure) | `give_up` (failed). Ozon's
history proves delivery: `claim_echo` links the bridge's own message to the row that sent it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import aiosqlite

from bot.core.records import OutboxItem, OutboxRow, Staff
from bot.core.states import OUTBOX_OPEN, FailureReason, OutboxKind, OutboxState
from storage.db import Database, Transaction, state_in, to_db_time, utcnow
from storage.echoes import EchoClaims
from storage.outbox_answers import AnswerIntake
from storage.outcomes import OutcomeQueries
from storage.rows import outbox_row

# The partial indexes `outbox_open`, `outbox_failed` and `outbox_unnotified` name these states:
# queries that should use them say the same in their text.
_OPEN = state_in(OUTBOX_OPEN)
BACKLOG = (
    f"SELECT (SELECT count(*) FROM outbox WHERE {_OPEN}), "  # noqa: S608 - constants
    f"(SELECT count(*) FROM outbox WHERE state = '{OutboxState.FAILED}')"
)


class OutboxRepository(EchoClaims, OutcomeQueries, AnswerIntake):
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- intake --------------------------------------------------------------------------

    async def enqueue(
        self,
        chat_id: str,
        topic_id: int,
        tg_message_id: int,
        items: Sequence[OutboxItem],
        *,
        album: str | None = None,
        album_settle: timedelta = timedelta(0),
        staff: Staff | None = None,
    ) -> int:
        """Queue a staff message's parts; returns the rows added. The message (its Telegram id)
        is the exactly-once key of all its parts together: a message that has rows already gets
        none added, whatever it carries now (an update seen twice, a second template pressed on
        one keyboard). The message and its topic are of the bound forum group; `staff` wrote it.

        A message of an album (`album`, Telegram's media group id) arrives as one update per
        picture, the caption with one of them: the album's text rows wait `album_settle`, and
        move behind each picture of the album that arrives meanwhile, so the buyer gets the
        pictures first and the caption after them."""
        now = utcnow()
        text_not_before = to_db_time(now + album_settle) if album else None
        behind: list[aiosqlite.Row] = []
        async with self._db.transaction() as tx:
            if await self._has_rows(tx, tg_message_id):
                return 0
            if album:
                # Captions of the album's earlier messages, not sent yet: they go after this one.
                behind = await tx.fetch_all(
                    "SELECT id FROM outbox WHERE chat_id = ? AND album = ? AND kind = ? "
                    "AND state = ? AND sending_at IS NULL ORDER BY id",
                    (chat_id, album, OutboxKind.TEXT, OutboxState.QUEUED),
                )
            added = 0
            for part, item in enumerate(items):
                added += await tx.execute(
                    """
                    INSERT INTO outbox (chat_id, kind, body, file_id, file_name, forum_chat_id,
                                        tg_message_id, topic_id, part, parts, album, not_before,
                                        created_at, staff_id, staff_name)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (forum_chat_id, tg_message_id, part) DO NOTHING
                    """,
                    (
                        chat_id,
                        item.kind,
                        item.body,
                        item.file_id,
                        item.file_name,
                        self._db.forum_chat_id,
                        tg_message_id,
                        topic_id,
                        part,
                        len(items),
                        album,
                        text_not_before if item.kind == OutboxKind.TEXT else None,
                        to_db_time(now),
                        None if staff is None else staff.id,
                        None if staff is None else staff.name,
                    ),
                )
            if album and added:
                for row in behind:
                    await tx.execute(
                        "UPDATE outbox SET id = (SELECT max(id) + 1 FROM outbox), not_before = ? "
                        "WHERE id = ?",
                        (text_not_before, row["id"]),
                    )
        return added

    async def _has_rows(self, tx: Transaction, tg_message_id: int) -> bool:
        row = await tx.fetch_one(
            "SELECT 1 FROM outbox WHERE forum_chat_id IS ? AND tg_message_id = ? LIMIT 1",
            (self._db.forum_chat_id, tg_message_id),
        )
        return row is not None

    async def add_broadcast_message(
        self, tx: Transaction, chat_id: str, body: str, broadcast_id: int
    ) -> int:
        """A broadcast's message to one chat; returns the row's id. Its outcome is shown in the
        broadcast's report, not under a staff message."""
        await tx.execute(
            "INSERT INTO outbox (chat_id, kind, body, broadcast_id, created_at, notified) "
            "VALUES (?, ?, ?, ?, ?, 1)",
            (chat_id, OutboxKind.TEXT, body, broadcast_id, to_db_time(utcnow())),
        )
        row = await tx.fetch_one("SELECT last_insert_rowid()")
        assert row is not None
        return int(row[0])

    # ---- reading -------------------------------------------------------------------------

    async def heads(self) -> list[OutboxRow]:
        """The first open row of every chat, and of every review or question answered (their
        rows go strictly in order)."""
        rows = await self._db.fetch_all(
            f"""
            SELECT * FROM outbox o
            WHERE {_OPEN}
              AND id = (SELECT min(id) FROM outbox i WHERE i.chat_id IS o.chat_id
                        AND i.target_id IS o.target_id AND i.{_OPEN})
            ORDER BY id
            """  # noqa: S608 - constants
        )
        return [outbox_row(row) for row in rows]

    async def get(self, row_id: int) -> OutboxRow | None:
        row = await self._db.fetch_one("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return None if row is None else outbox_row(row)

    async def for_staff_message(self, tg_message_id: int) -> list[OutboxRow]:
        """The rows of a staff message of the bound forum group, in order."""
        rows = await self._db.fetch_all(
            "SELECT * FROM outbox WHERE forum_chat_id IS ? AND tg_message_id = ? ORDER BY part",
            (self._db.forum_chat_id, tg_message_id),
        )
        return [outbox_row(row) for row in rows]

    async def backlog(self) -> tuple[int, int]:
        """How many rows are still to be sent (queued or sending), and how many failed; read
        through partial indexes, like `MessageRepository.backlog`."""
        row = await self._db.fetch_one(BACKLOG)
        assert row is not None
        return int(row[0]), int(row[1])

    async def open_broadcast_messages(self) -> int:
        """Broadcast rows not finished yet (to leave live replies room)."""
        return int(
            await self._db.fetch_value(
                f"SELECT count(*) FROM outbox WHERE broadcast_id IS NOT NULL AND {_OPEN}"  # noqa: S608
            )
        )

    # ---- transitions ---------------------------------------------------------------------

    async def begin_send(self, row_id: int, *, attempts: int, settle: timedelta) -> bool:
        """Written (and committed) before the send: after a crash the row is reconciled first,
        once `settle` has passed, so that Ozon's history has had time to show the message.
        False: the row was finished meanwhile (a broadcast cancelled): do not send it."""
        now = utcnow()
        changed = await self._db.execute(
            f"UPDATE outbox SET state = ?, sending_at = ?, not_before = ?, attempts = ? "  # noqa: S608
            f"WHERE id = ? AND {_OPEN}",
            (OutboxState.SENDING, to_db_time(now), to_db_time(now + settle), attempts, row_id),
        )
        return changed > 0

    async def delivered(
        self, row_id: int, ozon_message_id: str | None = None, tx: Transaction | None = None
    ) -> None:
        """Ozon accepted the row, or its history shows it (`ozon_message_id`, its copy there)."""
        async with self._db.writing(tx) as write:
            await write.execute(
                "UPDATE outbox SET state = ?, finished_at = ?, reason = NULL, detail = NULL, "
                "not_before = NULL, ozon_message_id = COALESCE(?, ozon_message_id) WHERE id = ?",
                (OutboxState.DELIVERED, to_db_time(utcnow()), ozon_message_id, row_id),
            )

    async def postpone(
        self, row_id: int, state: OutboxState, *, attempts: int, delay: timedelta, detail: str
    ) -> None:
        """Try again after `delay`: `queued` when the row surely did not reach Ozon, `sending`
        when it may have (it is then reconciled before any new send)."""
        await self._db.execute(
            "UPDATE outbox SET state = ?, not_before = ?, detail = ?, attempts = ? WHERE id = ?",
            (state, to_db_time(utcnow() + delay), detail[:500], attempts, row_id),
        )

    async def give_up(
        self, row: OutboxRow, reason: FailureReason, detail: str, *, retriable: bool
    ) -> None:
        """Give up on a row, and on the later parts of the same staff message (kept in order)."""
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET state = ?, reason = ?, detail = ?, retriable = ?, "
                "finished_at = ?, not_before = NULL WHERE id = ?",
                (OutboxState.FAILED, reason, detail[:500], int(retriable), now, row.id),
            )
            if row.tg_message_id is None:
                return  # a broadcast's message stands alone
            await tx.execute(
                "UPDATE outbox SET state = ?, reason = ?, retriable = ?, finished_at = ? "
                "WHERE forum_chat_id IS ? AND tg_message_id = ? AND part > ? AND state = ?",
                (
                    OutboxState.FAILED,
                    FailureReason.PREVIOUS_PART,
                    int(retriable),
                    now,
                    row.forum_chat_id,
                    row.tg_message_id,
                    row.part,
                    OutboxState.QUEUED,
                ),
            )

    async def retry(self, tg_message_id: int) -> int:
        """Queue a staff message's failed rows again (the «Повторить» button). A row that was
        sent before goes back as `sending`, so that it is reconciled before it is sent again."""
        return await self._db.execute(
            "UPDATE outbox SET attempts = 0, "
            "state = CASE WHEN sending_at IS NULL THEN ? ELSE ? END, "
            "reason = NULL, detail = NULL, retriable = 0, notified = 0, not_before = NULL, "
            "finished_at = NULL "
            "WHERE forum_chat_id IS ? AND tg_message_id = ? AND state = ? AND retriable = 1",
            (
                OutboxState.QUEUED,
                OutboxState.SENDING,
                self._db.forum_chat_id,
                tg_message_id,
                OutboxState.FAILED,
            ),
        )

    async def cancel_broadcast(self, tx: Transaction, broadcast_id: int) -> None:
        """A broadcast was cancelled: what was handed over but not sent (`queued` never reached
        Ozon) is not sent at all. A send in flight (`sending`) finishes as what it becomes."""
        await tx.execute(
            "UPDATE outbox SET state = ?, reason = ?, notified = 1, not_before = NULL, "
            "finished_at = ? WHERE broadcast_id = ? AND state = ?",
            (
                OutboxState.FAILED,
                FailureReason.CANCELLED,
                to_db_time(utcnow()),
                broadcast_id,
                OutboxState.QUEUED,
            ),
        )

    async def claim_forum(self, tx: Transaction, forum_chat_id: int) -> None:
        """Staff messages stored before they carried their group belong to this one."""
        await tx.execute(
            "UPDATE outbox SET forum_chat_id = ? WHERE forum_chat_id IS NULL "
            "AND tg_message_id IS NOT NULL",
            (forum_chat_id,),
        )
