"""How reading Ozon went: one poll's report, and the running health the operator sees."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.ozon.errors import AuthProblem


@dataclass(slots=True)
class SyncReport:
    chats_seen: int = 0
    chats_synced: int = 0
    messages_recorded: int = 0
    failed_chats: list[str] = field(default_factory=list)


@dataclass(slots=True)
class SyncHealth:
    """How polling went, for the operator (logs now, health endpoints later)."""

    last_success: datetime | None = None
    last_error: str | None = None
    last_report: SyncReport | None = None
    last_duration: float | None = None
    failing_chats: list[str] = field(default_factory=list)
    """Chats whose history failed to sync in the last poll (the others synced)."""
    auth_problem: AuthProblem | None = None
    """Ozon refused the key at the last poll, and why (cleared by a poll that succeeds)."""
