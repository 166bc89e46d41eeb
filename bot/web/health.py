"""`GET /healthz`: whether the bridge is ready to do its work (the database answers and takes
writes, the forum group lets it post, Ozon was synced recently), as the core reports it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.core.ops.status import HealthReport
from bot.web.answers import json_answer

log = logging.getLogger("bot.web")

HealthCheck = Callable[[], Awaitable[HealthReport]]


def readiness(health: HealthCheck, *, timeout: float = 5.0) -> Callable[..., Awaitable[Any]]:
    """The handler: 200 with the details when ready, 503 with the reason when not (also when the
    check itself fails or hangs: a health check always answers)."""

    async def ready(request: web.Request) -> web.Response:
        try:
            async with asyncio.timeout(timeout):
                report = await health()
        except Exception as exc:  # noqa: BLE001 - a health check answers, whatever happens
            log.warning("health check failed: %s", type(exc).__name__)
            return json_answer({"status": "unavailable", "reason": type(exc).__name__}, 503)
        details = {k: v for k, v in report.details.items() if k not in ("status", "reason")}
        if report.ok:
            answer: dict[str, Any] = {"status": "ok", **details}
        else:
            answer = {"status": "unavailable", "reason": report.reason, **details}
        try:
            return json_answer(answer, 200 if report.ok else 503)
        except (TypeError, ValueError) as exc:  # details that are not JSON
            log.warning("health details could not be encoded: %s", type(exc).__name__)
            return json_answer({"status": "unavailable", "reason": type(exc).__name__}, 503)

    return ready
