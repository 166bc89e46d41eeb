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
    last_duration: float | None = None
    failing_chats: list[str] = field(default_factory=list)
    """Chats whose history failed to sync in the last poll (the others synced)."""
    auth_problem: AuthProblem | None = None
    """Ozon refused the key at the last poll, and why (cleared by a poll that succeeds)."""
    polling_since: datetime | None = None
    """When the poll running now began (None between polls)."""

    def finished(self, report: SyncReport, duration: float, now: datetime) -> None:
        """A poll went through Ozon's list (some chats may have failed)."""
        self.last_duration = duration
        self.failing_chats = list(report.failed_chats)
        if report.failed_chats and not report.chats_synced and len(report.failed_chats) > 1:
            # Every chat that needed reading failed: Ozon's history as a whole is down.
            self.last_error = f"{len(report.failed_chats)} chat(s) failed to sync"
        else:
            # Ozon answers; a chat that keeps failing on its own is reported apart.
            self.last_success = now
            self.last_error = None
            self.auth_problem = None

    def failed(self, error: str, auth_problem: AuthProblem | None = None) -> None:
        """A poll failed as a whole: Ozon down, the key refused (`auth_problem`), the database."""
        self.last_error = error
        if auth_problem is not None:
            self.auth_problem = auth_problem
