"""Where an outbox row goes in Ozon, and how the outbox tells whether a send that may have
arrived did: a `Destination` sends a row's payload and finds the row's copy on Ozon's side.

A buyer chat is the destination of staff replies, quick replies and broadcasts: text goes by
`send/message`, files by `send/file`, and a send that may have arrived is looked for in the
chat's history, read again (the bridge's own message found there, linked to the row that sent it,
is the answer). Another source of buyer text brings a destination of its own (reviews and
questions: `bot.core.feedback.destinations`); `bot.core.replies.targets` hands each row to the
destination of its `target`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from bot.core.records import OutboxRow


class Unconfirmed(Exception):
    """Ozon cannot show whether a send that may have arrived did (its copy may be held back by
    moderation): the row is given up for staff to look, never sent again by itself."""


class Destination(Protocol):
    async def send(self, row: OutboxRow, payload: str | bytes) -> None:
        """Send the row's text (`str`) or file (`bytes`); raises `bot.ozon.errors.OzonError`."""
        ...

    async def echo_of(self, row: OutboxRow) -> str | None:
        """The row's copy on Ozon's side (its id), read afresh; None: surely not there. Raises
        `Unconfirmed` when Ozon cannot tell."""
        ...


class ChatSender(Protocol):
    async def send_message(self, chat_id: str, text: str) -> None: ...

    async def send_file(self, chat_id: str, content: bytes, name: str) -> None: ...


class Resynced(Protocol):
    @property
    def echoes(self) -> Mapping[int, str]:
        """Outbox rows the read proved delivered: row id -> the Ozon message id of its copy."""
        ...


class ChatResync(Protocol):
    async def sync_chat(self, chat_id: str) -> Resynced:
        """Read the chat's history again and record what is new (`bot.core.relay.sync`)."""
        ...


class OutboxRows(Protocol):
    async def get(self, row_id: int) -> OutboxRow | None: ...


class ChatDestination:
    def __init__(self, ozon: ChatSender, chats: ChatResync, outbox: OutboxRows) -> None:
        self._ozon = ozon
        self._chats = chats
        self._outbox = outbox

    async def send(self, row: OutboxRow, payload: str | bytes) -> None:
        assert row.chat_id is not None
        if isinstance(payload, str):
            await self._ozon.send_message(row.chat_id, payload)
            return
        assert row.file_name is not None
        await self._ozon.send_file(row.chat_id, payload, row.file_name)

    async def echo_of(self, row: OutboxRow) -> str | None:
        if row.ozon_message_id is not None:
            return row.ozon_message_id
        assert row.chat_id is not None
        recorded = await self._chats.sync_chat(row.chat_id)
        if row.id in recorded.echoes:
            return recorded.echoes[row.id]
        # A poll or push that ran meanwhile may have read the chat first and linked it.
        fresh = await self._outbox.get(row.id)
        return None if fresh is None else fresh.ozon_message_id
