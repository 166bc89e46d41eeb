"""`OzonTransport`: the one way a call reaches Ozon, and the base every method group of the client
builds on (`bot.ozon.calls`, combined into `bot.ozon.client.OzonClient`).

It owns the HTTP connection pool, the rate limiter shared by every call of the Client-Id, the
retry policy, the observer told of each attempt, and the log of entries Ozon sent in a shape the
client cannot read. A read (`repeatable`) may be repeated after any failure worth repeating; a
write only when Ozon cannot have received it (429, or a failure before the request was sent),
as Ozon takes no idempotency key. The API key goes only into the request headers: never into a
log line, an exception or `repr`.
"""

from __future__ import annotations

import asyncio
import json
import logging
from types import TracebackType
from typing import Any, Self, TypeVar

import httpx
from pydantic import BaseModel

from bot.ozon._http import decode_body, error_from_response, parse_model, transport_error
from bot.ozon.errors import OzonError, OzonRateLimited
from bot.ozon.limiter import RateLimiter
from bot.ozon.observe import RequestObserver, UnreadableLog, outcome_of
from bot.ozon.retry import RetryPolicy, describe_failure, should_retry

__all__ = ["OzonTransport"]

logger = logging.getLogger("bot.ozon")

_M = TypeVar("_M", bound=BaseModel)


class OzonTransport:
    """The connection to Ozon for one Client-Id. Open it with `async with`, or call `aclose()`
    when done. `request_count` counts HTTP attempts."""

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
        name = type(self).__name__
        return f"<{name} {self._http.base_url} client_id={self._client_id} {state}>"

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

    async def __aenter__(self) -> Self:
        self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # For the method groups ------------------------------------------------------------------

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"{type(self).__name__} is closed")

    async def _read(self, path: str, body: dict[str, Any], model: type[_M]) -> _M:
        """A read (repeatable) whose answer is parsed as `model`."""
        return parse_model(model, await self._post(path, body, repeatable=True), path)

    async def _write(self, path: str, body: dict[str, Any], model: type[_M]) -> _M:
        """A write (repeated only where Ozon cannot have received it) parsed as `model`."""
        return parse_model(model, await self._post(path, body), path)

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
