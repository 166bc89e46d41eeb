"""The buyer-chat methods (`/v3/chat/list`, `/v3/chat/history`, sends, read marks, start) and the
key's roles (`/v1/roles`)."""

from __future__ import annotations

import base64
import logging
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

from bot.ozon.errors import OzonResponseError
from bot.ozon.models import ChatPage, ChatSummary, HistoryPage, RolesInfo, canonical_id
from bot.ozon.transport import OzonTransport

__all__ = ["MAX_MESSAGE_LENGTH", "ChatCalls"]

logger = logging.getLogger("bot.ozon")

MAX_MESSAGE_LENGTH = 1000
"""Ozon accepts plain-text messages of 1..1000 characters."""

_CHAT_STATUSES = ("ALL", "OPENED", "CLOSED")


class ChatCalls(OzonTransport):
    """Chats, their messages and the key's roles. The lists and `roles` are reads; sends,
    `mark_read` and `start_chat` are writes."""

    async def list_chats(
        self,
        *,
        cursor: str | None = None,
        limit: int = 100,
        status: str = "ALL",
        unread_only: bool = False,
    ) -> ChatPage:
        """One page of `/v3/chat/list` (all chat types: filter with `ChatSummary.is_buyer_chat`)."""
        if not 1 <= limit <= 100:
            raise ValueError("limit must be within 1..100")
        status = status.upper()
        if status not in _CHAT_STATUSES:
            raise ValueError(f"status must be one of {', '.join(_CHAT_STATUSES)}")
        body: dict[str, Any] = {
            "filter": {"chat_status": status, "unread_only": unread_only},
            "limit": limit,
        }
        if cursor:
            body["cursor"] = cursor
        page = await self._read("/v3/chat/list", body, ChatPage)
        left_out = "chat(s), left out (the others are synced)"
        self._unreadable.tell("/v3/chat/list", left_out, page.unreadable)
        return page

    async def iter_chats(
        self, *, limit: int = 100, status: str = "ALL", unread_only: bool = False
    ) -> AsyncIterator[ChatSummary]:
        """Every chat over all cursor pages; stops when Ozon says so or a cursor comes back."""
        cursor: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.list_chats(
                cursor=cursor, limit=limit, status=status, unread_only=unread_only
            )
            for chat in page.chats:
                yield chat
            if not page.has_next:
                return
            if not page.cursor or page.cursor in seen:
                logger.warning("Ozon /v3/chat/list: has_next without a new cursor, stopping")
                return
            seen.add(page.cursor)
            cursor = page.cursor

    async def chat_history(
        self,
        chat_id: str,
        *,
        direction: Literal["Forward", "Backward"] = "Backward",
        from_message_id: str | None = None,
        limit: int = 50,
        message_ids: Sequence[str] | None = None,
    ) -> HistoryPage:
        """A page of `/v3/chat/history`. Backward (default) is newest first from the latest (or
        from `from_message_id`); Forward is oldest first and needs `from_message_id`."""
        if direction not in ("Forward", "Backward"):
            raise ValueError("direction must be 'Forward' or 'Backward'")
        if direction == "Forward" and from_message_id is None:
            raise ValueError("direction 'Forward' needs from_message_id")
        if not 1 <= limit <= 1000:
            raise ValueError("limit must be within 1..1000")
        body: dict[str, Any] = {"chat_id": chat_id, "direction": direction, "limit": limit}
        if from_message_id is not None:
            body["from_message_id"] = int(canonical_id(from_message_id))
        if message_ids:
            body["filter"] = {"message_ids": [canonical_id(mid) for mid in message_ids]}
        page = await self._read("/v3/chat/history", body, HistoryPage)
        lines = [f"chat {chat_id}, {line}" for line in page.unreadable]
        self._unreadable.tell("/v3/chat/history", "message(s)", lines)
        return page

    async def send_message(self, chat_id: str, text: str) -> None:
        """Send plain text (1..1000 characters). Ozon returns no message id."""
        if not 1 <= len(text) <= MAX_MESSAGE_LENGTH:
            raise ValueError(f"text must be 1..{MAX_MESSAGE_LENGTH} characters, got {len(text)}")
        await self._post("/v1/chat/send/message", {"chat_id": chat_id, "text": text})

    async def send_file(self, chat_id: str, content: bytes, name: str) -> None:
        """Send a file; `name` must carry the extension (Ozon derives the type from it)."""
        if not content:
            raise ValueError("content must not be empty")
        if not name.strip():
            raise ValueError("name must not be empty")
        encoded = base64.b64encode(content).decode("ascii")
        body = {"chat_id": chat_id, "base64_content": encoded, "name": name}
        await self._post("/v1/chat/send/file", body)

    async def mark_read(self, chat_id: str, from_message_id: str | None = None) -> int:
        """Mark a message and all before it read (all, without an id); returns unread_count."""
        body: dict[str, Any] = {"chat_id": chat_id}
        if from_message_id is not None:
            body["from_message_id"] = int(canonical_id(from_message_id))
        data = await self._post("/v2/chat/read", body)
        count = data.get("unread_count", 0) if isinstance(data, dict) else None
        try:
            return int(canonical_id(count))
        except ValueError:
            raise OzonResponseError(
                "Ozon /v2/chat/read answered without a valid unread_count", path="/v2/chat/read"
            ) from None

    async def start_chat(self, posting_number: str) -> str:
        """Open a chat with the buyer of a posting; returns its chat_id."""
        data = await self._post("/v1/chat/start", {"posting_number": posting_number})
        result = data.get("result") if isinstance(data, dict) else None
        chat_id = result.get("chat_id") if isinstance(result, dict) else None
        if not isinstance(chat_id, str) or not chat_id:
            raise OzonResponseError("Ozon /v1/chat/start: no result.chat_id", path="/v1/chat/start")
        return chat_id

    async def roles(self) -> RolesInfo:
        """The key's roles, methods and expiry (`/v1/roles`)."""
        return await self._read("/v1/roles", {}, RolesInfo)
