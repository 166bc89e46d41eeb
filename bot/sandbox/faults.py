"""Ozon's bad days on request: errors, outages, rate limits, latency, timeouts and lost answers.

A refused request is answered before it is applied, as Ozon does; only
`drop_response_after_apply` applies a request and then loses its answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import random
import time
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Unpack

from aiohttp import web

from bot.sandbox.model import rpc_error
from bot.sandbox.state import StandInOptions, StandInState


@dataclass
class _FailRule:
    path: str | None
    status: int
    remaining: int
    retry_after: float | None
    message: str | None


@dataclass
class _FaultRate:
    probability: float
    statuses: tuple[int, ...]
    rng: random.Random
    paths: frozenset[str] | None
    timeout_share: float
    timeout_seconds: float


class DropConnection(Exception):
    """Raised after a request was applied, to close the connection without an answer."""


class FaultInjection(StandInState):
    """The knobs (`down`, `latency`, `rate_limit_per_second`) and the injected faults."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.latency = 0.0
        self.down = False
        self.rate_limit_per_second: int | None = None
        self.injected_faults: list[tuple[str, int]] = []
        self._fail_rules: list[_FailRule] = []
        self._fault_rate: _FaultRate | None = None
        self._drops: dict[str, int] = {}
        self._admitted: deque[float] = deque()
        self._closing = asyncio.Event()

    def fail_next(
        self,
        path: str | None,
        status: int,
        *,
        count: int = 1,
        retry_after: float | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next `count` requests to `path` (None: any) with `status`, unapplied."""
        self._fail_rules.append(_FailRule(path, status, count, retry_after, message))

    def fault_rate(
        self,
        probability: float,
        statuses: Sequence[int] = (429, 500, 502, 503),
        *,
        seed: int = 0,
        paths: Collection[str] | None = None,
        timeout_share: float = 0.0,
        timeout_seconds: float = 30.0,
    ) -> None:
        """Fail a random share of requests (unapplied); `probability` 0 turns this off."""
        if probability <= 0:
            self._fault_rate = None
            return
        self._fault_rate = _FaultRate(
            probability=probability,
            statuses=tuple(statuses),
            rng=random.Random(seed),  # noqa: S311 - reproducible faults, not secrets
            paths=frozenset(paths) if paths is not None else None,
            timeout_share=timeout_share,
            timeout_seconds=timeout_seconds,
        )

    def drop_response_after_apply(self, path: str, count: int = 1) -> None:
        """Apply the next `count` valid requests to `path`, then close the connection unanswered."""
        self._drops[path] = self._drops.get(path, 0) + count

    # ---- used by the request pipeline ------------------------------------------------------

    async def _sleep(self, seconds: float) -> None:
        """Wait, but wake at once when the stand-in closes."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), seconds)

    def _rate_limited(self) -> web.Response | None:
        limit = self.rate_limit_per_second
        if limit is None:
            return None
        now = time.monotonic()
        while self._admitted and now - self._admitted[0] >= 1.0:
            self._admitted.popleft()
        if len(self._admitted) >= limit:
            return rpc_error(429, headers={"Retry-After": "1", "Ratelimit-Remaining": "0"})
        self._admitted.append(now)
        return None

    async def _injected(self, path: str) -> web.Response | None:
        """The fault chosen for this request by `fail_next` or `fault_rate`, if any."""
        for rule in self._fail_rules:
            if rule.remaining > 0 and rule.path in (None, path):
                rule.remaining -= 1
                self._fail_rules = [r for r in self._fail_rules if r.remaining > 0]
                return self._fault(path, rule.status, rule.retry_after, rule.message)
        cfg = self._fault_rate
        if cfg is None or (cfg.paths is not None and path not in cfg.paths):
            return None
        if cfg.rng.random() >= cfg.probability:
            return None
        if cfg.rng.random() < cfg.timeout_share:
            await self._sleep(cfg.timeout_seconds)
            return self._fault(path, 504, None, "upstream timeout")
        return self._fault(path, cfg.rng.choice(cfg.statuses), 1.0, None)

    def _fault(
        self, path: str, status: int, retry_after: float | None, message: str | None
    ) -> web.Response:
        self.injected_faults.append((path, status))
        headers: dict[str, str] = {}
        if status == 429:
            headers["Ratelimit-Remaining"] = "0"
            if retry_after is not None:
                headers["Retry-After"] = str(math.ceil(retry_after))
        return rpc_error(status, message, headers)

    def _drop_after_apply(self, path: str) -> None:
        """Raise `DropConnection` when the answer to this applied request is to be lost."""
        if self._drops.get(path, 0) > 0:
            self._drops[path] -= 1
            raise DropConnection
