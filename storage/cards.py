"""Order cards: what Ozon said of the order a buyer's chat is about, and the topic post that shows
it. The only writer of `order_cards`.

A card is wanted when a chat's messages name an order or a product (a new one: the card is read
again); it is `partial` while an extra Ozon call failed for a reason that may pass, `complete`
once every extra answered or was refused for good.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import aiosqlite

from bot.core.records import CardRow, ozon_id
from bot.core.states import CardState
from storage.db import Database, Transaction, from_db_time, to_db_time, utcnow

DUE = f"""
    SELECT * FROM order_cards INDEXED BY cards_wanted
    WHERE state != '{CardState.COMPLETE}' AND (not_before IS NULL OR not_before <= :now)
    ORDER BY updated_at LIMIT :limit
"""  # noqa: S608 - a constant, no input
"""Cards to read from Ozon now."""


def _card(row: aiosqlite.Row, forum_chat_id: int | None) -> CardRow:
    here = forum_chat_id is None or row["forum_chat_id"] == forum_chat_id
    return CardRow(
        chat_id=row["chat_id"],
        order_number=ozon_id(row["order_number"]),
        sku=ozon_id(row["sku"]),
        facts=row["facts"],
        state=CardState(row["state"]),
        attempts=row["attempts"],
        reply_until=from_db_time(row["reply_until"]),
        message_id=row["message_id"] if here else None,
        tail=row["tail"] if here else None,
        tail_is_caption=row["tail_kind"] == "caption",
        shown=row["shown"] if here else None,
        pinned=bool(row["pinned"]) and here,
        recreated=bool(row["recreated"]) and here,
    )


class CardRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def want(
        self, tx: Transaction, chat_id: str, order_number: str | None, sku: str | None
    ) -> None:
        """The chat's messages name this order and product: a card for them is wanted (again,
        if they differ from the card's; a card already read for them stays)."""
        now = to_db_time(utcnow())
        await tx.execute(
            """
            INSERT INTO order_cards (chat_id, order_number, sku, updated_at)
            VALUES (:chat, :order, :sku, :now)
            ON CONFLICT (chat_id) DO UPDATE SET
                order_number = COALESCE(excluded.order_number, order_cards.order_number),
                sku = COALESCE(excluded.sku, order_cards.sku),
                state = 'wanted', attempts = 0, not_before = NULL, updated_at = excluded.updated_at
            WHERE order_cards.order_number
                  IS NOT COALESCE(excluded.order_number, order_cards.order_number)
               OR order_cards.sku IS NOT COALESCE(excluded.sku, order_cards.sku)
            """,
            {"chat": chat_id, "order": ozon_id(order_number), "sku": ozon_id(sku), "now": now},
        )

    async def get(self, chat_id: str) -> CardRow | None:
        row = await self._db.fetch_one("SELECT * FROM order_cards WHERE chat_id = ?", (chat_id,))
        return None if row is None else _card(row, self._db.forum_chat_id)

    async def due(self, limit: int = 10) -> list[CardRow]:
        rows = await self._db.fetch_all(DUE, {"now": to_db_time(utcnow()), "limit": limit})
        return [_card(row, self._db.forum_chat_id) for row in rows]

    async def read(
        self,
        chat_id: str,
        facts: str,
        state: CardState,
        *,
        reply_until: datetime | None,
        retry_in: timedelta | None = None,
    ) -> None:
        """What Ozon said; with `retry_in`, a partial card is read again after it."""
        await self._db.execute(
            "UPDATE order_cards SET facts = ?, state = ?, reply_until = ?, "
            "attempts = CASE WHEN ? = 'complete' THEN 0 ELSE attempts + 1 END, "
            "not_before = ?, updated_at = ? WHERE chat_id = ?",
            (
                facts,
                state,
                to_db_time(reply_until),
                state,
                to_db_time(utcnow() + retry_in) if retry_in else None,
                to_db_time(utcnow()),
                chat_id,
            ),
        )

    async def posted(
        self,
        chat_id: str,
        message_id: int,
        tail: str,
        *,
        caption: bool,
        shown: str | None,
        recreated: bool = False,
    ) -> None:
        """The topic's first post shows the card as `shown` (the facts it was rendered from;
        None: no card yet), followed by `tail` (the buyer's words posted with it; in the
        pictures' caption when `caption`); `recreated`: its opening says that the chat's earlier
        topic was deleted. A chat whose messages named no order yet gets its row here, wanting
        nothing until they do."""
        now = to_db_time(utcnow())
        await self._db.execute(
            "INSERT INTO order_cards (chat_id, forum_chat_id, message_id, tail, tail_kind, shown, "
            "recreated, state, pinned, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, 'complete', 0, ?) "
            "ON CONFLICT (chat_id) DO UPDATE "
            "SET forum_chat_id = excluded.forum_chat_id, message_id = excluded.message_id, "
            "tail = excluded.tail, tail_kind = excluded.tail_kind, shown = excluded.shown, "
            "recreated = excluded.recreated, pinned = 0",
            (
                chat_id,
                self._db.forum_chat_id,
                message_id,
                tail,
                "caption" if caption else "text",
                shown,
                recreated,
                now,
            ),
        )

    async def lost(self, chat_id: str, message_id: int) -> None:
        """The post `message_id` can no longer show the card (its topic is gone): none does
        until the topic's next opening is posted."""
        await self._db.execute(
            "UPDATE order_cards SET message_id = NULL, tail = NULL, tail_kind = NULL, "
            "shown = NULL, recreated = 0, pinned = 0 WHERE chat_id = ? AND message_id = ?",
            (chat_id, message_id),
        )

    async def shown(self, chat_id: str, shown: str) -> None:
        await self._db.execute(
            "UPDATE order_cards SET shown = ? WHERE chat_id = ?", (shown, chat_id)
        )

    async def pinned(self, chat_id: str) -> None:
        await self._db.execute("UPDATE order_cards SET pinned = 1 WHERE chat_id = ?", (chat_id,))

    async def to_show(self, *, pin: bool, limit: int = 10) -> list[CardRow]:
        """Cards read since their post was made (its text is behind), or (with `pin`) not
        pinned yet."""
        rows = await self._db.fetch_all(
            "SELECT * FROM order_cards WHERE message_id IS NOT NULL AND forum_chat_id IS ? "
            "AND facts IS NOT NULL AND (shown IS NOT facts OR (? AND pinned = 0)) "
            "ORDER BY updated_at LIMIT ?",
            (self._db.forum_chat_id, pin, limit),
        )
        return [_card(row, self._db.forum_chat_id) for row in rows]
