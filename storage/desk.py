"""Waiting periods and the reminders posted about them. The only writer of `waiting_periods` and
`reminders`; the chat's state of the moment (`chats.desk`) is written by `ChatRepository` in the
same unit of work.

A chat has at most one open period (a partial unique index says so). Periods are kept once
ended: they are the history the statistics read, by time range. A period's reply window counts
the order card's extension as the card says it now while the period is open, and as it said when
the period ended once it has (`reply_until`, kept by `end_period`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.records import Said, Sight, Staff, Waiting, WaitingPeriod
from bot.core.states import EndedBy, MessageState
from storage.db import Database, Transaction, from_db_time, to_db_time
from storage.rows import chat_row, waiting_period

_CARD_UNTIL = "(SELECT o.reply_until FROM order_cards AS o WHERE o.chat_id = w.chat_id)"
WAITING = f"""
    SELECT w.*, c.*,
           (SELECT group_concat(r.threshold) FROM reminders AS r
            WHERE r.period_id = w.id) AS reminded,
           {_CARD_UNTIL} AS period_until
    FROM waiting_periods AS w JOIN chats AS c ON c.chat_id = w.chat_id
    WHERE w.ended_at IS NULL
    ORDER BY w.began_at, w.chat_id
"""  # noqa: S608 - constants
"""Every open period with its chat and the reminder thresholds posted for it."""

PERIODS = f"""
    SELECT w.*, CASE WHEN w.ended_at IS NULL THEN {_CARD_UNTIL} ELSE w.reply_until END
           AS period_until
    FROM waiting_periods AS w WHERE w.began_at >= :since AND w.began_at < :until
    ORDER BY w.began_at, w.id
"""  # noqa: S608 - constants

UNSEEN = f"""
    SELECT message_id, created_at FROM messages
    WHERE chat_id = :chat AND author = 'CUSTOMER' AND direction = 'inbound'
      AND state IN ('{MessageState.PENDING}', '{MessageState.POSTED}')
      AND NOT coalesce(forum_chat_id != :forum OR tg_message_id < :sight OR edit_of < :sight, 0)
    ORDER BY length(message_id), message_id
"""  # noqa: S608 - constants
"""The chat's buyer messages the group had not shown before the message `:sight`: still to be
posted, or posted after it. Shown in an earlier group (before FORUM_CHAT_ID changed) is shown;
a message given up (`failed`) is shown as the notice that says so."""


class DeskRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def open_period(
        self, tx: Transaction, chat_id: str, began_at: datetime, message_id: str | None
    ) -> None:
        """The buyer wrote and nothing is owed yet: a period begins (none if one is open)."""
        at = to_db_time(began_at)
        await tx.execute(
            "INSERT INTO waiting_periods (chat_id, began_at, first_message_id, last_buyer_at) "
            "SELECT ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM waiting_periods WHERE chat_id = ? AND ended_at IS NULL)",
            (chat_id, at, message_id, at, chat_id),
        )

    async def buyer_wrote(self, tx: Transaction, chat_id: str, at: datetime) -> None:
        """The buyer wrote again while waiting: the reply window runs from this message."""
        await tx.execute(
            "UPDATE waiting_periods SET last_buyer_at = max(last_buyer_at, ?) "
            "WHERE chat_id = ? AND ended_at IS NULL",
            (to_db_time(at), chat_id),
        )

    async def end_period(
        self,
        tx: Transaction,
        chat_id: str,
        at: datetime,
        by: EndedBy,
        staff: Staff | None = None,
    ) -> bool:
        """End the chat's open period, keeping the order card's window as it is now; False if
        none was open."""
        changed = await tx.execute(
            "UPDATE waiting_periods SET ended_at = max(began_at, ?), ended_by = ?, "
            "staff_id = ?, staff_name = ?, reply_until = (SELECT o.reply_until "
            "FROM order_cards AS o WHERE o.chat_id = waiting_periods.chat_id) "
            "WHERE chat_id = ? AND ended_at IS NULL",
            (
                to_db_time(at),
                by,
                None if staff is None else staff.id,
                None if staff is None else staff.name,
                chat_id,
            ),
        )
        return changed > 0

    async def waiting(self) -> list[Waiting]:
        """Every open period with its chat and the reminders posted for it, longest first."""
        rows = await self._db.fetch_all(WAITING)
        return [
            Waiting(
                waiting_period(row),
                chat_row(row, self._db.forum_chat_id),
                frozenset(int(t) for t in (row["reminded"] or "").split(",") if t),
            )
            for row in rows
        ]

    async def periods(self, since: datetime, until: datetime) -> list[WaitingPeriod]:
        """Periods that began in [since, until), oldest first (ended or not)."""
        rows = await self._db.fetch_all(
            PERIODS, {"since": to_db_time(since), "until": to_db_time(until)}
        )
        return [waiting_period(row) for row in rows]

    async def unseen(self, tx: Transaction, chat_id: str, sight: Sight) -> list[Said]:
        """The chat's buyer messages staff could not see from `sight`, oldest first. A message
        of another group than the one bound cannot be placed: it saw them all."""
        if sight.forum_chat_id != self._db.forum_chat_id:
            return []
        rows = await tx.fetch_all(
            UNSEEN, {"chat": chat_id, "forum": sight.forum_chat_id, "sight": sight.message_id}
        )
        return [Said(_time(row["created_at"]), row["message_id"]) for row in rows]

    async def claim_reminders(
        self, claims: Sequence[tuple[int, int]], at: datetime
    ) -> list[tuple[int, int]]:
        """Claim (period id, threshold) reminders before posting them; returns the ones not
        claimed before, for periods still open. A claim is never made twice."""
        if not claims:
            return []
        claimed: list[tuple[int, int]] = []
        async with self._db.transaction() as tx:
            for period_id, threshold in claims:
                changed = await tx.execute(
                    "INSERT OR IGNORE INTO reminders (period_id, threshold, sent_at) "
                    "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM waiting_periods "
                    "WHERE id = ? AND ended_at IS NULL)",
                    (period_id, threshold, to_db_time(at), period_id),
                )
                if changed:
                    claimed.append((period_id, threshold))
        return claimed

    async def release_reminders(self, claims: Sequence[tuple[int, int]]) -> None:
        """The reminder could not be posted: it is due again at the next pass."""
        async with self._db.transaction() as tx:
            await tx.execute_many(
                "DELETE FROM reminders WHERE period_id = ? AND threshold = ?", claims
            )


def _time(value: str) -> datetime:
    at = from_db_time(value)
    assert at is not None
    return at
