"""Reminders about waiting buyers, in the forum's General topic.

A reminder names the chats that have waited past each of REPLY_REMINDERS: one message per pass,
never twice for the same threshold of the same waiting period (the claims are stored before the
post, across restarts too), never for a chat that is no longer waiting, and only within
WORKING_HOURS (what falls due outside is posted when they begin, for the chats still waiting
then). A chat whose reply window has closed is not reminded of: nothing can be sent.

A pass claims and names at most `PER_REMINDER` chats, those nearest their deadline first: the
rest are named by the next passes. A chat is named once its topic exists (the reminder links to
it). A reminder Telegram does not post (an outage, or a refusal) gives its claims back: the
next pass names those chats again. Chats whose window closes within `CLOSING_SOON` are named
apart, as about to close, whatever threshold they passed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.desk.queue import WaitingChat, waiting_chat
from bot.core.desk.state import reply_deadline
from bot.core.hours import WorkingHours, at_work
from bot.core.logfields import event
from bot.core.records import Waiting

log = logging.getLogger(__name__)

PER_REMINDER = 30
"""Chats named in one reminder (one message must stay readable, and within Telegram's length)."""
CLOSING_SOON = timedelta(hours=6)
"""A chat whose reply window closes within this is named as about to close."""


@dataclass(frozen=True, slots=True)
class Reminder:
    """A chat named in a reminder, for the longest of the thresholds it newly passed."""

    chat: WaitingChat
    threshold: int
    """Seconds."""
    closing: bool
    """The reply window closes within `CLOSING_SOON`."""


class ReminderPort(Protocol):
    async def remind(self, reminders: Sequence[Reminder]) -> None:
        """Post one reminder naming these chats in the forum's General topic."""
        ...


class ReminderClaims(Protocol):
    async def waiting(self) -> list[Waiting]:
        """Every open waiting period with its chat (and the thresholds reminded of)."""
        ...

    async def claim_reminders(
        self, claims: Sequence[tuple[int, int]], at: datetime
    ) -> list[tuple[int, int]]:
        """Record (period, threshold) claims; returns those not claimed before."""
        ...

    async def release_reminders(self, claims: Sequence[tuple[int, int]]) -> None:
        """Forget claims whose reminder was not posted."""
        ...


Due = list[tuple[Waiting, list[int]]]
"""Waiting chats with the thresholds they newly passed."""


class Reminders:
    def __init__(
        self,
        periods: ReminderClaims,
        port: ReminderPort,
        *,
        thresholds: Sequence[int],
        hours: WorkingHours | None,
        tz: ZoneInfo,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._periods = periods
        self._port = port
        self._thresholds = tuple(sorted(thresholds))
        self._hours = hours
        self._tz = tz
        self._now = now

    async def run(self) -> int:
        """One pass (the scheduled job): post what is newly due; returns how many chats were
        named. A post that fails is due again at the next pass."""
        now = self._now()
        if not self._thresholds or not at_work(self._hours, now, self._tz):
            return 0
        due = self._due(await self._periods.waiting(), now)[:PER_REMINDER]
        claims = [(waiting.period.id, t) for waiting, newly in due for t in newly]
        claimed = set(await self._periods.claim_reminders(claims, now))
        reminders = self._reminders(due, claimed, now)
        if not reminders:
            return 0
        try:
            await self._port.remind(reminders)
        except Exception:
            # Not posted (Telegram out of reach, or refusing this post): due again.
            await self._periods.release_reminders(sorted(claimed))
            raise
        log.info(
            "reminded of %d waiting chat(s)",
            len(reminders),
            extra=event("reminders_posted", count=len(reminders)),
        )
        return len(reminders)

    def _due(self, waiting: Sequence[Waiting], now: datetime) -> Due:
        """The chats with a topic, still in their reply window, that newly passed a threshold:
        the nearest their deadline first."""
        due: list[tuple[datetime, Waiting, list[int]]] = []
        for chat in waiting:
            deadline = reply_deadline(chat.period.last_buyer_at, chat.period.reply_until)
            if deadline <= now or chat.chat.topic_id is None:
                continue
            waited = (now - chat.period.began_at).total_seconds()
            newly = [t for t in self._thresholds if t <= waited and t not in chat.reminded]
            if newly:
                due.append((deadline, chat, newly))
        due.sort(key=lambda d: (d[0], d[1].period.began_at))
        return [(chat, newly) for _, chat, newly in due]

    def _reminders(self, due: Due, claimed: set[tuple[int, int]], now: datetime) -> list[Reminder]:
        """Each chat this pass claimed, named for the longest threshold it claimed."""
        reminders = []
        for chat, newly in due:
            mine = [t for t in newly if (chat.period.id, t) in claimed]
            if mine:
                named = waiting_chat(chat, now)
                reminders.append(Reminder(named, max(mine), named.left <= CLOSING_SOON))
        return reminders
