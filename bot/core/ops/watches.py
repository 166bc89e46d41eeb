"""What each alert watches (`bot.core.ops.alerts`): one callable per cause, asked once a pass, each
answering with the trouble it sees, None when all is well, or `UNKNOWN` when it cannot tell.

The watches read what the bridge already knows (the last poll, the relay's last post, the
database's last write) and ask Ozon and Telegram themselves only seldom: the key's expiry every
six hours, the group's set-up every five passes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Protocol

from bot.core.faults import GroupFault, TelegramUnavailable
from bot.core.ops.alerts import UNKNOWN, Cause, Reading, Trouble, Unknown
from bot.core.ops.status import DatabaseHealth
from bot.core.relay.health import SyncHealth
from bot.core.states import FeedbackKind
from bot.ozon.errors import OzonError
from bot.ozon.models import RolesInfo
from bot.ozon.refusals import FeatureOff

log = logging.getLogger(__name__)

KEY_WARNING = timedelta(days=14)
"""An API key that expires sooner than this is announced."""
KEY_EVERY = timedelta(hours=6)
KEY_RETRY = timedelta(minutes=10)
GROUP_EVERY = timedelta(minutes=5)


class KeyInfo(Protocol):
    async def roles(self) -> RolesInfo:
        """What Ozon says of the API key (`/v1/roles`): its roles and expiry."""
        ...


class KeyExpiry:
    """The key's expiry from `/v1/roles`, read every six hours (ten minutes after a failure)."""

    def __init__(self, ozon: KeyInfo) -> None:
        self._ozon = ozon
        self._expires: datetime | Unknown | None = UNKNOWN
        self._next: datetime | None = None

    async def __call__(self, now: datetime) -> Reading:
        if self._next is None or now >= self._next:
            try:
                self._expires = (await self._ozon.roles()).expires_at
                self._next = now + KEY_EVERY
            except OzonError as exc:
                log.info("alerts: the key's expiry not read (%s)", exc)
                self._next = now + KEY_RETRY
        expires = self._expires
        if isinstance(expires, Unknown):
            return UNKNOWN
        if expires is None or expires - now > KEY_WARNING:
            return None
        when = expires.strftime("%Y-%m-%d %H:%M UTC")
        return Trouble(Cause.KEY_EXPIRING, f"the Ozon API key expires at {when}", when=expires)


class KeyRefused:
    """Ozon refused the key at the last poll."""

    def __init__(self, health: SyncHealth) -> None:
        self._health = health

    async def __call__(self, now: datetime) -> Reading:
        problem = self._health.auth_problem
        if problem is None:
            # Accepted only once a poll went through: before the first poll ends (just after a
            # start), or while polls fail for another reason, the key's fate is not known.
            known = self._health.last_success is not None and self._health.last_error is None
            return None if known else UNKNOWN
        detail = f"Ozon refuses the key: {self._health.last_error}"
        return Trouble(Cause.KEY_REFUSED, detail, kind=problem)


class NotSynced:
    """No successful poll for more than three poll intervals (counted from the start until the
    first). While Ozon refuses the key, that alert says it: this one cannot tell; nor while a
    poll that began within the limit still runs (a long catch-up is not an outage)."""

    def __init__(self, health: SyncHealth, poll_interval: float, started: datetime) -> None:
        self._health = health
        self._limit = timedelta(seconds=3 * poll_interval)
        self._started = started

    async def __call__(self, now: datetime) -> Reading:
        running = self._health.polling_since
        if self._health.auth_problem is not None or (
            running is not None and now - running <= self._limit
        ):
            return UNKNOWN
        last = self._health.last_success
        if now - (last or self._started) <= self._limit:
            return UNKNOWN if last is None else None
        error = self._health.last_error or "no poll finished"
        since = "the start" if last is None else last.strftime("%Y-%m-%d %H:%M UTC")
        detail = f"no successful Ozon sync since {since}: {error}"
        return Trouble(Cause.NOT_SYNCED, detail, when=last or self._started)


class DatabaseWatch:
    def __init__(self, db: DatabaseHealth) -> None:
        self._db = db

    async def __call__(self, now: datetime) -> Reading:
        if not await self._db.ping():
            return Trouble(Cause.DATABASE, "the database does not answer")
        if self._db.write_problem:
            return Trouble(Cause.DATABASE, self._db.write_problem)
        return None


class GroupProbe(Protocol):
    async def group_fault(self) -> tuple[GroupFault, str] | None:
        """A fault of the forum group's set-up (and Telegram's words), or None; raises
        `TelegramUnavailable` when Telegram cannot be asked."""


class PostingFault(Protocol):
    """The relay: the group fault its last post ran into (None once a post goes through)."""

    fault: GroupFault | None
    unavailable: str | None


class GroupWatch:
    """The fault the relay's last post ran into, or else what the group's set-up shows (asked
    every `every`, and at once when posting recovers)."""

    def __init__(
        self, relay: PostingFault, probe: GroupProbe, every: timedelta = GROUP_EVERY
    ) -> None:
        self._relay = relay
        self._probe = probe
        self._every = every
        self._seen: tuple[GroupFault, str] | Unknown | None = UNKNOWN
        self._next: datetime | None = None
        self._relay_fault: GroupFault | None = None

    async def __call__(self, now: datetime) -> Reading:
        fault = self._relay.fault
        if fault is not None:
            self._relay_fault = fault
            return Trouble(Cause.GROUP_SETUP, self._relay.unavailable or fault, kind=fault)
        if self._relay_fault is not None:
            self._relay_fault, self._next = None, None  # posting recovered: look again now
        if self._next is None or now >= self._next:
            self._next = now + self._every
            try:
                self._seen = await self._probe.group_fault()
            except TelegramUnavailable as exc:
                log.info("alerts: the group's set-up not read (%s)", exc)
        seen = self._seen
        if isinstance(seen, Unknown) or seen is None:
            return seen
        return Trouble(Cause.GROUP_SETUP, seen[1], kind=seen[0])


class FeedbackAsked(Protocol):
    """How reading reviews and questions goes (`bot.core.feedback.poll.FeedbackPoll`)."""

    @property
    def off(self) -> Mapping[FeedbackKind, FeatureOff]: ...

    def asked(self, kind: FeedbackKind) -> bool:
        """Ozon answered or refused the kind at least once."""
        ...


class FeedbackOff:
    """Ozon refuses a kind of buyer text for the subscription or the key's role (known from the
    poll, which asks again hourly; this watch asks nothing itself)."""

    def __init__(self, feedback: FeedbackAsked, kind: FeedbackKind, cause: Cause) -> None:
        self._feedback = feedback
        self._kind = kind
        self._cause = cause

    async def __call__(self, now: datetime) -> Reading:
        if not self._feedback.asked(self._kind):
            return UNKNOWN
        off = self._feedback.off.get(self._kind)
        if off is None:
            return None
        return Trouble(self._cause, f"Ozon refuses {self._kind}s: {off}", kind=str(off))
