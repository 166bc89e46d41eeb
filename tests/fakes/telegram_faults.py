"""The Bot API double's bad days on request: injected errors and dropped connections, answers
held back after the call took effect, and the per-minute flood limit on group sends."""

from __future__ import annotations

import asyncio
import math
import time
from http import HTTPStatus
from typing import Any

from tests.fakes.telegram_model import FLOOD_METHODS, ApiError, Fault
from tests.fakes.telegram_state import FakeTelegramState


class DropConnection(Exception):
    """Raised by an injected status-0 fault: close the connection without an answer."""


class FaultInjection(FakeTelegramState):
    """The fault, hold and flood controls, and the checks the pipeline runs before a handler."""

    def fail_next(
        self,
        method: str | None,
        status: int,
        *,
        count: int = 1,
        description: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        """Answer the next `count` calls of `method` (None: any method) with an error.

        Status 0 drops the connection without an answer (a network error for the client).
        """
        self._faults.append(Fault(method, status, count, description, retry_after))

    def clear_faults(self) -> None:
        """Serve none of the errors `fail_next` queued and not yet served."""
        self._faults.clear()

    def hold_answers(self, method: str) -> None:
        """Carry out calls of `method` but keep their answers back until `release_answers`: a
        client that dies meanwhile never learns that its call took effect."""
        self._held[method] = asyncio.Event()

    def release_answers(self, method: str) -> None:
        held = self._held.pop(method, None)
        if held is not None:
            held.set()

    def set_flood_limit(self, per_minute: int | None = 20, *, time_scale: float = 1.0) -> None:
        """Allow `per_minute` group sends in any window of 60*time_scale s; None switches it off."""
        self._flood_limit = per_minute
        self._flood_window = 60.0 * time_scale
        self._flood_sends.clear()
        self.retry_after_unit = time_scale

    def _inject_fault(self, method: str) -> None:
        fault = next((f for f in self._faults if f.method in {None, method}), None)
        if fault is None:
            return
        fault.count -= 1
        if fault.count <= 0:
            self._faults.remove(fault)
        self.faults_served += 1
        if fault.status == 0:
            raise DropConnection
        retry = fault.retry_after if fault.retry_after is not None else 1
        if fault.status == 429:
            raise ApiError(
                429,
                fault.description or f"Too Many Requests: retry after {retry}",
                {"retry_after": retry},
            )
        params = {"retry_after": fault.retry_after} if fault.retry_after is not None else None
        raise ApiError(fault.status, fault.description or _phrase(fault.status), params)

    def _flood_check(self, method: str, p: dict[str, Any]) -> bool:
        """Whether the call counts against the budget; 429 when the window is full."""
        if self._flood_limit is None or method not in FLOOD_METHODS:
            return False
        if p.get("chat_id") != self.forum_chat_id:
            return False
        now = time.monotonic()
        while self._flood_sends and self._flood_sends[0] <= now - self._flood_window:
            self._flood_sends.popleft()
        if len(self._flood_sends) >= self._flood_limit:
            wait = self._flood_sends[0] + self._flood_window - now
            retry = max(1, math.ceil(wait / self.retry_after_unit))
            self.flood_429_count += 1
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        return True


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return f"Error {status}"
