"""`OzonClient`: the buyer-chat, push-notification, rating, posting and product methods of the
Ozon Seller API."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar

import httpx
from pydantic import BaseModel

from bot.ozon._http import decode_body, error_from_response, parse_model, transport_error
from bot.ozon.errors import OzonError, OzonRateLimited, OzonResponseError
from bot.ozon.limiter import RateLimiter
from bot.ozon.models import ChatPage, ChatSummary, HistoryPage, RolesInfo, canonical_id
from bot.ozon.notifications import NotificationSettings
from bot.ozon.observe import RequestObserver, UnreadableLog, outcome_of
from bot.ozon.orders import OrderReads
from bot.ozon.ratings import RatingReads
from bot.ozon.retry import RetryPolicy, describe_failure, should_retry

__all__ = ["MAX_MESSAGE_LENGTH", "OzonClient"]

logger = logging.getLogger("bot.ozon")

MAX_MESSAGE_LENGTH = 1000
"""Ozon accepts plain-text messages of 1..1000 characters."""

_CHAT_STATUSES = ("ALL", "OPENED", "CLOSED")
_M = TypeVar("_M", bound=BaseModel)


class OzonClient(NotificationSettings, RatingReads, OrderReads):
    """Async client for one Client-Id. Open it with `async with`, or call `aclose()` when done.

    Every call is a JSON POST through a shared `RateLimiter`. Reads are retried on 429, 5xx and
    transport errors. Writes (sends, `mark_read`, `start_chat`, notification changes) are retried
    only when Ozon cannot have received them: 429 and failures before the request was sent. Auth
    errors are never retried. After the last attempt the last error is raised (see `errors`).
    `request_count` counts HTTP attempts.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        api_key: str,
        *,
        rate_per_second: float = 20.0,
        timeout: float = 30.0,
        retry: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = "ozon-telegram-bridge",
        observer: RequestObserver | None = None,
    ) -> None:
        self._api_key = api_key
        self._client_id = client_id
        self.limiter = RateLimiter(rate_per_second)
        self.retry = retry if retry is not None else RetryPolicy()
        self.request_count = 0
        self._closed = False
        self._unreadable = UnreadableLog()
        self._observer = observer
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={
                "Client-Id": client_id,
                "Api-Key": api_key,
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": user_agent,
            },
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        state = "closed" if self._closed else "open"
        return f"<OzonClient {self._http.base_url} client_id={self._client_id} {state}>"

    @property
    def closed(self) -> bool:
        """True once `aclose()` ran."""
        return self._closed

    async def aclose(self) -> None:
        """Close the connections. Safe to call more than once."""
        if self._closed:
            return
        self._closed = True
        await self._http.aclose()

    async def __aenter__(self) -> OzonClient:
        self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # Chats ---------------------------------------------------------------------------------

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
        data = await self._post("/v3/chat/list", body, repeatable=True)
        page = parse_model(ChatPage, data, "/v3/chat/list")
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
        data = await self._post("/v3/chat/history", body, repeatable=True)
        page = parse_model(HistoryPage, data, "/v3/chat/history")
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
        data = await self._post("/v1/roles", {}, repeatable=True)
        return parse_model(RolesInfo, data, "/v1/roles")

    # Plumbing -------------------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeError("OzonClient is closed")

    async def _read(self, path: str, body: dict[str, Any], model: type[_M]) -> _M:
        """A read (repeatable) whose answer is parsed as `model`."""
        return parse_model(model, await self._post(path, body, repeatable=True), path)

    async def _post(self, path: str, body: dict[str, Any], *, repeatable: bool = False) -> Any:
        """POST with retries; `repeatable` marks reads, which may be repeated after any failure."""
        content = json.dumps(body, ensure_ascii=False).encode()
        attempt = 1
        while True:
            try:
                return await self._attempt(path, content)
            except OzonError as exc:
                retry_after = exc.retry_after if isinstance(exc, OzonRateLimited) else None
                delay = self.retry.delay(attempt, retry_after)
                if isinstance(exc, OzonRateLimited):
                    # The limit is per Client-Id: hold every caller, retrying or not.
                    pause = min(
                        retry_after if retry_after is not None else delay,
                        self.retry.max_retry_after,
                    )
                    added = self.limiter.pause_for(pause)  # callers held together count once
                    if self._observer is not None:
                        self._observer.rate_limited(added)
                if attempt >= self.retry.max_attempts or not should_retry(exc, repeatable):
                    raise
                logger.warning(
                    "Ozon %s: %s; retry %d of %d in %.2f s",
                    path,
                    describe_failure(exc),
                    attempt,
                    self.retry.max_attempts - 1,
                    delay,
                )
                attempt += 1
                await asyncio.sleep(delay)

    async def _attempt(self, path: str, content: bytes) -> Any:
        self._ensure_open()
        await self.limiter.acquire()
        self._ensure_open()
        self.request_count += 1
        outcome = "error"  # cancelled, or failed in a way that is not Ozon's answer
        try:
            try:
                response = await self._http.post(path, content=content)
            except httpx.HTTPError as exc:
                raise transport_error(exc, path, self._api_key) from exc
            if not response.is_success:
                raise error_from_response(response, path, self._api_key)
            answer = decode_body(response, path)
        except OzonError as exc:
            outcome = outcome_of(exc)
            raise
        else:
            outcome = "ok"
            return answer
        finally:
            if self._observer is not None:
                self._observer.request(path, outcome)
