"""The bridge's state in numbers: for `/healthz`, for `/status`, for the operator."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from bot.core.desk.queue import HelpDesk
from bot.core.relay.health import SyncHealth
from bot.core.states import FeedbackKind
from bot.ozon.refusals import FeatureOff


class DatabaseHealth(Protocol):
    write_problem: str | None
    """Why the database last refused a write (None once a write goes through)."""

    async def ping(self) -> bool: ...


class Polling(Protocol):
    """How reading Ozon goes (`bot.core.relay.sync.Syncer`)."""

    @property
    def health(self) -> SyncHealth: ...


class Posting(Protocol):
    """How posting into the forum goes (`bot.core.relay.relay.Relay`)."""

    @property
    def unavailable(self) -> str | None: ...

    @property
    def misconfigured(self) -> bool: ...

    @property
    def topics_problem(self) -> str | None: ...


class Icons(Protocol):
    @property
    def problem(self) -> str | None:
        """Why topic icons are not shown (None while they are)."""
        ...


class FeedbackHealth(Protocol):
    """How reading reviews and questions goes (`bot.core.feedback.poll.FeedbackPoll`)."""

    @property
    def off(self) -> Mapping[FeedbackKind, FeatureOff]:
        """The kinds Ozon refuses, and why (the subscription or the key's role)."""
        ...


class Backlog(Protocol):
    async def backlog(self) -> tuple[int, int]:
        """(waiting, given up): buyer messages to post, or staff replies to send."""
        ...


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What `/readyz` answers: healthy or not, why not, and the figures behind it."""

    ok: bool
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Snapshot:
    version: str
    database_ok: bool
    write_problem: str | None
    last_sync: datetime | None
    sync_error: str | None
    failing_chats: list[str]
    """Chats whose history failed to sync in the last poll, while Ozon answered."""
    pending_posts: int
    failed_posts: int
    outbox_open: int
    outbox_failed: int
    push_enabled: bool
    push_queue: int
    telegram_problem: str | None
    telegram_misconfigured: bool
    """`telegram_problem` is a fault of the group's set-up that only the operator can fix."""
    topics_problem: str | None
    """Why new buyer chats cannot get a topic (the others are posted)."""
    sandbox: bool = False
    """The bridge runs against the built-in Ozon stand-in (`python -m bot sandbox`)."""
    waiting: int = 0
    """Buyer chats waiting for the seller."""
    longest_wait: timedelta | None = None
    icons_problem: str | None = None
    """Why topic icons are not shown (relaying goes on)."""
    feedback_off: dict[FeedbackKind, FeatureOff] = field(default_factory=dict)
    """Reviews or questions Ozon refuses, and why (chats go on)."""


class BridgeStatus:
    def __init__(
        self,
        *,
        version: str,
        db: DatabaseHealth,
        messages: Backlog,
        outbox: Backlog,
        syncer: Polling,
        relay: Posting,
        poll_interval: float,
        push_enabled: bool,
        push_queue: Callable[[], int],
        helpdesk: HelpDesk | None = None,
        icons: Icons | None = None,
        sandbox: bool = False,
        feedback: FeedbackHealth | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._version = version
        self._db = db
        self._messages = messages
        self._outbox = outbox
        self._syncer = syncer
        self._relay = relay
        self._poll_interval = poll_interval
        self._push_enabled = push_enabled
        self._push_queue = push_queue
        self._helpdesk = helpdesk
        self._icons = icons
        self._sandbox = sandbox
        self._feedback = feedback
        self._now = now
        self._started = now()
        self.latest: Snapshot | None = None
        """The last snapshot taken (by /healthz, /status, or the metrics job), with its time."""
        self.latest_at: datetime | None = None

    async def snapshot(self) -> Snapshot:
        database_ok = await self._db.ping()
        pending_posts, failed_posts = await self._messages.backlog() if database_ok else (0, 0)
        outbox_open, outbox_failed = await self._outbox.backlog() if database_ok else (0, 0)
        queue = await self._helpdesk.queue() if database_ok and self._helpdesk else []
        self.latest_at = self._now()
        self.latest = Snapshot(
            version=self._version,
            database_ok=database_ok,
            write_problem=self._db.write_problem,
            last_sync=self._syncer.health.last_success,
            sync_error=self._syncer.health.last_error,
            failing_chats=list(self._syncer.health.failing_chats),
            pending_posts=pending_posts,
            failed_posts=failed_posts,
            outbox_open=outbox_open,
            outbox_failed=outbox_failed,
            push_enabled=self._push_enabled,
            push_queue=self._push_queue(),
            telegram_problem=self._relay.unavailable,
            telegram_misconfigured=self._relay.misconfigured,
            topics_problem=self._relay.topics_problem,
            sandbox=self._sandbox,
            waiting=len(queue),
            longest_wait=max((chat.waited for chat in queue), default=None),
            icons_problem=None if self._icons is None else self._icons.problem,
            feedback_off={} if self._feedback is None else dict(self._feedback.off),
        )
        return self.latest

    def since_last_sync(self) -> timedelta:
        """How long since Ozon was last read successfully (since the start, before the first)."""
        return self._now() - (self._syncer.health.last_success or self._started)

    async def health(self) -> HealthReport:
        """Healthy while the database answers and takes writes, the forum group's set-up lets the
        bridge post, and Ozon was synced within three poll intervals."""
        snap = await self.snapshot()
        details = {
            "version": snap.version,
            "sandbox": snap.sandbox,
            "last_sync": snap.last_sync.isoformat() if snap.last_sync else None,
            "pending_posts": snap.pending_posts,
            "failed_posts": snap.failed_posts,
            "outbox_open": snap.outbox_open,
            "outbox_failed": snap.outbox_failed,
            "push_queue": snap.push_queue,
            "sync_error": snap.sync_error,
            "failing_chats": len(snap.failing_chats),
            "failing_chat_ids": snap.failing_chats[:5],
            "telegram_problem": snap.telegram_problem,
            "topics_problem": snap.topics_problem,
            "write_problem": snap.write_problem,
            "waiting": snap.waiting,
            "icons_problem": snap.icons_problem,
        }
        problem = self._problem(snap)
        return HealthReport(problem is None, problem, details)

    def _problem(self, snap: Snapshot) -> str | None:
        """Why the bridge is not healthy, or None."""
        if not snap.database_ok:
            return "the database does not answer"
        if snap.write_problem:
            return snap.write_problem
        # A fault of the group's set-up holds buyer messages back until the operator acts.
        telegram = snap.telegram_problem if snap.telegram_misconfigured else None
        if telegram or snap.topics_problem:
            return f"telegram: {telegram or snap.topics_problem}"
        return self._sync_problem(snap)

    def _sync_problem(self, snap: Snapshot) -> str | None:
        limit = timedelta(seconds=3 * self._poll_interval)
        if snap.last_sync is None:
            return "no successful Ozon sync yet"
        if self._now() - snap.last_sync > limit:
            reason = f"no successful Ozon sync for over {limit.total_seconds():.0f}s"
            if snap.sync_error:
                reason += f": {snap.sync_error}"
            return reason
        return None
