"""Staff replies on their way to Ozon: one row per text part or file, written before any send.

A staff message becomes one or more rows sharing its Telegram message id (`part` orders them).
The worker moves a row queued -> sending -> delivered | failed. A row left in `sending` (a crash,
an answer that never came) is reconciled against Ozon's history before it is ever sent again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import aiosqlite

from storage.db import Database, from_db_time, to_db_time, utcnow

OPEN_STATES = ("queued", "sending")


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One thing to send: a text part or a file (by its Telegram file id)."""

    kind: str  # "text" | "file"
    body: str | None = None
    file_id: str | None = None
    file_name: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    chat_id: str
    kind: str
    body: str | None
    file_id: str | None
    file_name: str | None
    tg_message_id: int | None
    """The staff message this row carries (None for a broadcast's rows), in `forum_chat_id`."""
    topic_id: int | None
    part: int
    parts: int
    state: str
    attempts: int
    not_before: datetime | None
    reason: str | None
    detail: str | None
    retriable: bool
    ozon_message_id: str | None
    created_at: datetime
    sending_at: datetime | None
    forum_chat_id: int | None = None

    @classmethod
    def from_row(cls, row: aiosqlite.Row) -> OutboxRow:
        created = from_db_time(row["created_at"])
        assert created is not None
        return cls(
            id=row["id"],
            chat_id=row["chat_id"],
            kind=row["kind"],
            body=row["body"],
            file_id=row["file_id"],
            file_name=row["file_name"],
            forum_chat_id=row["forum_chat_id"],
            tg_message_id=row["tg_message_id"],
            topic_id=row["topic_id"],
            part=row["part"],
            parts=row["parts"],
            state=row["state"],
            attempts=row["attempts"],
            not_before=from_db_time(row["not_before"]),
            reason=row["reason"],
            detail=row["detail"],
            retriable=bool(row["retriable"]),
            ozon_message_id=row["ozon_message_id"],
            created_at=created,
            sending_at=from_db_time(row["sending_at"]),
        )


# Rows still to be sent, and rows that failed: through the partial indexes `outbox_open` and
# `outbox_failed` (/healthz and /status ask often).
BACKLOG = (
    "SELECT (SELECT count(*) FROM outbox WHERE state IN ('queued', 'sending')), "
    "(SELECT count(*) FROM outbox WHERE state = 'failed')"
)
# Staff messages whose parts are all final and whose outcome is not shown yet. It runs on every
# pass of the outbox worker, so it reads the few unshown final rows through their partial index
# (`outbox_unnotified`) instead of grouping a table that grows for months.
FINISHED_UNNOTIFIED = """
SELECT * FROM outbox WHERE forum_chat_id IS :forum AND tg_message_id IN (
    SELECT done.tg_message_id FROM outbox AS done
    WHERE done.forum_chat_id IS :forum AND done.notified = 0
    AND done.state IN ('delivered', 'failed')
    AND NOT EXISTS (
        SELECT 1 FROM outbox AS open WHERE open.forum_chat_id IS :forum
        AND open.tg_message_id = done.tg_message_id AND open.state IN ('queued', 'sending')
    )
) ORDER BY tg_message_id, part
"""


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def enqueue(
        self,
        chat_id: str,
        topic_id: int,
        tg_message_id: int,
        items: Sequence[OutboxItem],
        *,
        album: str | None = None,
        album_settle: timedelta = timedelta(0),
    ) -> int:
        """Queue a staff message's parts; a message seen twice is queued once. Returns new rows.
        The message and its topic are of the bound forum group.

        A message of an album (`album`, Telegram's media group id) arrives as one update per
        picture, the caption with one of them: the album's text rows wait `album_settle`, and
        move behind each picture of the album that arrives meanwhile, so the buyer gets the
        pictures first and the caption after them."""
        now = utcnow()
        text_not_before = to_db_time(now + album_settle) if album else None
        behind: list[aiosqlite.Row] = []
        async with self._db.transaction() as tx:
            if album:
                # Captions of the album's earlier messages, not sent yet: they go after this one.
                behind = await tx.fetch_all(
                    "SELECT id FROM outbox WHERE chat_id = ? AND album = ? AND kind = 'text' "
                    "AND state = 'queued' AND sending_at IS NULL ORDER BY id",
                    (chat_id, album),
                )
            added = 0
            for part, item in enumerate(items):
                added += await tx.execute(
                    """
                    INSERT INTO outbox (chat_id, kind, body, file_id, file_name, forum_chat_id,
                                        tg_message_id, topic_id, part, parts, album, not_before,
                                        created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
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
                        text_not_before if item.kind == "text" else None,
                        to_db_time(now),
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

    async def heads(self) -> list[OutboxRow]:
        """The first open row of every chat (a chat's rows go strictly in order)."""
        rows = await self._db.fetch_all(
            """
            SELECT * FROM outbox o
            WHERE state IN ('queued', 'sending')
              AND id = (SELECT min(id) FROM outbox i
                        WHERE i.chat_id = o.chat_id AND i.state IN ('queued', 'sending'))
            ORDER BY id
            """
        )
        return [OutboxRow.from_row(row) for row in rows]

    async def get(self, row_id: int) -> OutboxRow | None:
        row = await self._db.fetch_one("SELECT * FROM outbox WHERE id = ?", (row_id,))
        return None if row is None else OutboxRow.from_row(row)

    async def mark_sending(self, row_id: int, *, settle: timedelta) -> bool:
        """Written (and committed) before the send: after a crash the row is reconciled first,
        once `settle` has passed, so that Ozon's history has had time to show the message.
        False: the row was finished meanwhile (a broadcast cancelled): do not send it."""
        now = utcnow()
        changed = await self._db.execute(
            "UPDATE outbox SET state = 'sending', sending_at = ?, not_before = ?, "
            "attempts = attempts + 1 WHERE id = ? AND state IN ('queued', 'sending')",
            (to_db_time(now), to_db_time(now + settle), row_id),
        )
        return changed > 0

    async def mark_delivered(self, row_id: int) -> None:
        await self._db.execute(
            "UPDATE outbox SET state = 'delivered', finished_at = ?, reason = NULL, "
            "detail = NULL, not_before = NULL WHERE id = ?",
            (to_db_time(utcnow()), row_id),
        )

    async def postpone(
        self, row_id: int, delay: timedelta, detail: str, *, unsure: bool, count: bool = False
    ) -> None:
        """Try again later. `unsure`: the send may have reached Ozon; keep `sending` so the next
        attempt reconciles before sending. `count`: count this as an attempt."""
        await self._db.execute(
            "UPDATE outbox SET state = ?, not_before = ?, detail = ?, attempts = attempts + ? "
            "WHERE id = ?",
            (
                "sending" if unsure else "queued",
                to_db_time(utcnow() + delay),
                detail[:500],
                int(count),
                row_id,
            ),
        )

    async def fail(self, row: OutboxRow, reason: str, detail: str, *, retriable: bool) -> None:
        """Give up on a row, and on the later parts of the same staff message (kept in order)."""
        now = to_db_time(utcnow())
        async with self._db.transaction() as tx:
            await tx.execute(
                "UPDATE outbox SET state = 'failed', reason = ?, detail = ?, retriable = ?, "
                "finished_at = ?, not_before = NULL WHERE id = ?",
                (reason, detail[:500], int(retriable), now, row.id),
            )
            await tx.execute(
                "UPDATE outbox SET state = 'failed', reason = 'previous_part', retriable = ?, "
                "finished_at = ? WHERE forum_chat_id IS ? AND tg_message_id = ? AND part > ? "
                "AND state = 'queued'",
                (int(retriable), now, row.forum_chat_id, row.tg_message_id, row.part),
            )

    async def retry(self, tg_message_id: int) -> int:
        """Queue a staff message's failed rows again (the «Повторить» button). A row that was
        sent before goes back as `sending`, so that it is reconciled before it is sent again."""
        return await self._db.execute(
            "UPDATE outbox SET attempts = 0, "
            "state = CASE WHEN sending_at IS NULL THEN 'queued' ELSE 'sending' END, "
            "reason = NULL, detail = NULL, retriable = 0, notified = 0, not_before = NULL, "
            "finished_at = NULL "
            "WHERE forum_chat_id IS ? AND tg_message_id = ? AND state = 'failed' "
            "AND retriable = 1",
            (self._db.forum_chat_id, tg_message_id),
        )

    async def finished_unnotified(self) -> list[tuple[int, list[OutboxRow]]]:
        """Staff messages whose rows are all final and whose outcome staff have not been shown."""
        rows = await self._db.fetch_all(FINISHED_UNNOTIFIED, {"forum": self._db.forum_chat_id})
        grouped: dict[int, list[OutboxRow]] = {}
        for row in rows:
            grouped.setdefault(row["tg_message_id"], []).append(OutboxRow.from_row(row))
        return list(grouped.items())

    async def mark_notified(self, tg_message_id: int) -> None:
        # Only final rows: a «Повторить» pressed meanwhile keeps its rows' outcome to be shown.
        await self._db.execute(
            "UPDATE outbox SET notified = 1 WHERE forum_chat_id IS ? AND tg_message_id = ? "
            "AND state IN ('delivered', 'failed')",
            (self._db.forum_chat_id, tg_message_id),
        )

    async def claim_echo(
        self,
        chat_id: str,
        ozon_message_id: str,
        *,
        kind: str,
        body: str | None,
        created_at: datetime,
        skew: timedelta = timedelta(minutes=5),
        window: timedelta = timedelta(hours=1),
    ) -> int | None:
        """Link a seller message seen in Ozon's history to the outbox row that sent it.

        Idempotent: a message already linked returns its row. Otherwise the oldest unlinked row
        of the chat of that kind (and, for text, that text) whose send started shortly before the
        message was created (within `window`, give or take `skew` between the clocks) is linked.
        None: the message is not the bridge's.
        """
        async with self._db.transaction() as tx:
            linked = await tx.fetch_one(
                "SELECT id FROM outbox WHERE chat_id = ? AND ozon_message_id = ?",
                (chat_id, ozon_message_id),
            )
            if linked is not None:
                return int(linked["id"])
            candidates = await tx.fetch_all(
                """
                SELECT id, body, state FROM outbox
                WHERE chat_id = ? AND kind = ? AND ozon_message_id IS NULL
                  AND (state IN ('sending', 'delivered')
                       OR (state = 'failed' AND reason = 'unavailable'))
                  AND sending_at BETWEEN ? AND ?
                ORDER BY id
                """,
                (chat_id, kind, to_db_time(created_at - window), to_db_time(created_at + skew)),
            )
            wanted = _normalise(body)
            for candidate in candidates:
                if kind == "file" or _normalise(candidate["body"]) == wanted:
                    await tx.execute(
                        "UPDATE outbox SET ozon_message_id = ? WHERE id = ?",
                        (ozon_message_id, candidate["id"]),
                    )
                    if candidate["state"] == "failed":
                        # Given up as unreachable, yet it arrived: staff see it delivered after all.
                        await tx.execute(
                            "UPDATE outbox SET state = 'delivered', reason = NULL, detail = NULL, "
                            "retriable = 0, notified = 0 WHERE id = ?",
                            (candidate["id"],),
                        )
                    return int(candidate["id"])
        return None

    async def backlog(self) -> tuple[int, int]:
        """How many rows are still to be sent (queued or sending), and how many failed; read
        through partial indexes, like `MessageRepository.backlog`."""
        row = await self._db.fetch_one(BACKLOG)
        assert row is not None
        return int(row[0]), int(row[1])

    async def for_staff_message(self, tg_message_id: int) -> list[OutboxRow]:
        rows = await self._db.fetch_all(
            "SELECT * FROM outbox WHERE forum_chat_id IS ? AND tg_message_id = ? ORDER BY part",
            (self._db.forum_chat_id, tg_message_id),
        )
        return [OutboxRow.from_row(row) for row in rows]


def _normalise(text: str | None) -> str:
    """Letters and digits only, case-folded: Ozon may trim, re-space or escape Markdown in the
    copy it keeps, and the match must survive that."""
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())
