"""Ozon's push events as the core takes them, and what the bridge's health looks like.

The web side (`bot.web`) checks a request, reads it into a `PushEvent` (`bot.ozon.push`) and hands
it to `PushSink.accept`, which only queues it: Ozon wants an answer within milliseconds. A worker
then syncs the chat from its cursor (so a missed or repeated push costs nothing: polling stays as
the backfill and every message is recorded once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.ozon.push import PushEvent, PushKind

__all__ = ["HealthReport", "PushEvent", "PushKind", "PushSink"]


class PushSink(Protocol):
    def accept(self, event: PushEvent) -> None:
        """Queue an event; must not block (the HTTP answer waits for it)."""
        ...


@dataclass(frozen=True, slots=True)
class HealthReport:
    ok: bool
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
