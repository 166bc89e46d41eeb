"""Linking the bridge's own messages, as they come back in Ozon's history, to the outbox rows that
sent them: the proof that a send arrived (neither Ozon nor Telegram takes an idempotency key)."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.core.states import FailureReason, OutboxKind, OutboxState
from storage.db import Database, to_db_time


class EchoClaims:
    """The echo side of `storage.outbox.OutboxRepository` (it writes the same table)."""

    _db: Database

    async def claim_echo(
        self,
        chat_id: str,
        ozon_message_id: str,
        *,
        kind: OutboxKind,
        body: str | None,
        created_at: datetime,
        skew: timedelta = timedelta(minutes=5),
        window: timedelta = timedelta(hours=1),
    ) -> int | None:
        """Link a seller message seen in Ozon's history to the outbox row that sent it; returns
        the row's id (None: the message is not the bridge's).

        Idempotent: a message already linked returns its row. Otherwise the oldest unlinked row
        of the chat of that kind (and, for text, that text) whose send started shortly before the
        message was created (within `window`, give or take `skew` between the clocks) is linked.
        A row given up as unreachable that turns up this way was delivered after all.
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
                WHERE chat_id = :chat AND kind = :kind AND ozon_message_id IS NULL
                  AND (state IN (:sending, :delivered)
                       OR (state = :failed AND reason = :unavailable))
                  AND sending_at BETWEEN :since AND :until
                ORDER BY id
                """,
                {
                    "chat": chat_id,
                    "kind": kind,
                    "sending": OutboxState.SENDING,
                    "delivered": OutboxState.DELIVERED,
                    "failed": OutboxState.FAILED,
                    "unavailable": FailureReason.UNAVAILABLE,
                    "since": to_db_time(created_at - window),
                    "until": to_db_time(created_at + skew),
                },
            )
            wanted = _normalise(body)
            for candidate in candidates:
                if kind == OutboxKind.FILE or _normalise(candidate["body"]) == wanted:
                    await tx.execute(
                        "UPDATE outbox SET ozon_message_id = ? WHERE id = ?",
                        (ozon_message_id, candidate["id"]),
                    )
                    if candidate["state"] == OutboxState.FAILED:
                        # Given up as unreachable, yet it arrived: staff see it delivered after all.
                        await tx.execute(
                            "UPDATE outbox SET state = ?, reason = NULL, detail = NULL, "
                            "retriable = 0, notified = 0 WHERE id = ?",
                            (OutboxState.DELIVERED, candidate["id"]),
                        )
                    return int(candidate["id"])
        return None


def _normalise(text: str | None) -> str:
    """Letters and digits only, case-folded: Ozon may trim, re-space or escape Markdown in the
    copy it keeps, and the match must survive that."""
    return "".join(ch for ch in (text or "").casefold() if ch.isalnum())
