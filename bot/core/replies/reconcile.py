"""Whether a send that may have reached Ozon did: its chat is read again, and the bridge's own
message found there, linked to the outbox row that sent it, is the answer."""

from __future__ import annotations

from bot.core.records import OutboxRow
from bot.core.relay.sync import Syncer
from bot.core.stores import OutboxStore


class Reconciler:
    """Implements `bot.core.replies.outbox.HistoryCheck`."""

    def __init__(self, syncer: Syncer, outbox: OutboxStore) -> None:
        self._syncer = syncer
        self._outbox = outbox

    async def echo_of(self, row: OutboxRow) -> str | None:
        if row.ozon_message_id is not None:
            return row.ozon_message_id
        recorded = await self._syncer.sync_chat(row.chat_id)
        if row.id in recorded.echoes:
            return recorded.echoes[row.id]
        # A poll or push that ran meanwhile may have read the chat first and linked it.
        fresh = await self._outbox.get(row.id)
        return None if fresh is None else fresh.ozon_message_id
