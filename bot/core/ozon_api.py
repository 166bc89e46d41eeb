"""What the core needs from Ozon's chat API: `bot.ozon.client.OzonClient` implements it, and the
core never imports the HTTP client itself (only Ozon's plain models and errors)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Literal, Protocol

from bot.ozon.models import ChatSummary, HistoryPage


class OzonChats(Protocol):
    def iter_chats(
        self, *, limit: int = 100, status: str = "ALL", unread_only: bool = False
    ) -> AsyncIterator[ChatSummary]: ...

    async def chat_history(
        self,
        chat_id: str,
        *,
        direction: Literal["Forward", "Backward"] = "Backward",
        from_message_id: str | None = None,
        limit: int = 50,
        message_ids: Sequence[str] | None = None,
    ) -> HistoryPage: ...

    async def send_message(self, chat_id: str, text: str) -> None: ...

    async def send_file(self, chat_id: str, content: bytes, name: str) -> None: ...

    async def mark_read(self, chat_id: str, from_message_id: str | None = None) -> int: ...
