"""Ozon's push notifications, as the core sees them, and what the bridge's health looks like.

The push receiver (`bot/push.py`) validates a request, turns it into a `PushEvent` and hands it
to `PushInbox.accept`, which only queues it: Ozon wants an answer within milliseconds. A worker
then syncs the chat from its cursor (so a missed or repeated push costs nothing: polling stays as
the backfill and every message is recorded once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

PushKind = Literal["new_message", "update_message", "message_read", "chat_closed"]


@dataclass(frozen=True, slots=True)
class PushEvent:
    kind: PushKind
    chat_id: str
    message_id: str | None = None
    """For new/updated messages: the message's id; for `message_read`: the last read one."""
    at: datetime | None = None


class PushSink(Protocol):
    def accept(self, event: PushEvent) -> None:
        """Queue an event; must not block (the HTTP answer waits for it)."""
        ...


@dataclass(frozen=True, slots=True)
class HealthReport:
    ok: bool
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
