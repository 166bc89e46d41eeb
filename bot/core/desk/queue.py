"""The queue of waiting buyers, and the reminders about them.

`/queue` lists the chats that wait for the seller, longest-waiting first, each with how long the
buyer has waited and how long Ozon still takes a reply. Reminders name, in the forum's General
topic, the chats that have waited past each of REPLY_REMINDERS: one message per pass for every
chat newly due, never twice for the same threshold of the same waiting period (the claims are
stored before the post, across restarts too), never for a chat that is no longer waiting, and
only within WORKING_HOURS (what falls due outside is posted when they begin, for the chats still
waiting then). A chat whose reply window has closed is not reminded of: nothing can be sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.desk.state import reply_deadline
from bot.core.faults import ShuttingDown, TelegramUnavailable
from bot.core.hours import WorkingHours
from bot.core.logfields import event
from bot.core.ports import ChatFacts
from bot.core.records import Waiting
from bot.core.stores import DeskStore

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WaitingChat:
    """A chat in the queue, as staff see it."""

    chat: ChatFacts
    topic_id: int | None
    """Its topic in the forum group (None: not made yet)."""
    topic_name: str | None
    """The name its topic was made with (None: as the chat's facts name it)."""
    waited: timedelta
    """Since the buyer's first unanswered message."""
    left: timedelta
    """Until Ozon stops taking a reply (negative: the window has closed)."""

    @property
    def window_open(self) -> bool:
        return self.left > timedelta(0)


@dataclass(frozen=True, slots=True)
class Reminder:
    """A chat named in a reminder, for the longest of the thresholds it newly passed."""

    chat: WaitingChat
    threshold: int
    """Seconds."""
    last: bool
    """The last threshold: the reply window is about to close."""


class ReminderPort(Protocol):
    async def remind(self, reminders: Sequence[Reminder]) -> None:
        """Post one reminder naming these chats in the forum's General topic."""
        ...


def waiting_chat(waiting: Waiting, now: datetime) -> WaitingChat:
    period = waiting.period
    return WaitingChat(
        chat=ChatFacts.of(waiting.chat),
        topic_id=waiting.chat.topic_id,
        topic_name=waiting.chat.topic_name,
        waited=now - period.began_at,
        left=reply_deadline(period.last_buyer_at, waiting.reply_until) - now,
    )


class HelpDesk:
    def __init__(
        self,
        periods: DeskStore,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._periods = periods
        self._now = now

    async def queue(self) -> list[WaitingChat]:
        """Every waiting chat: those that can still be answered first, longest-waiting first;
        then those whose reply window has closed."""
        now = self._now()
        chats = [waiting_chat(w, now) for w in await self._periods.waiting()]
        return sorted(chats, key=lambda c: (not c.window_open, -c.waited))


class Reminders:
    def __init__(
        self,
        periods: DeskStore,
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
        if not self._thresholds:
            return 0
        now = self._now()
        if self._hours is not None and not self._hours.contains(now.astimezone(self._tz)):
            return 0
        due: list[tuple[Waiting, list[int]]] = []
        for waiting in await self._periods.waiting():
            if reply_deadline(waiting.period.last_buyer_at, waiting.reply_until) <= now:
                continue
            waited = (now - waiting.period.began_at).total_seconds()
            newly = [t for t in self._thresholds if t <= waited and t not in waiting.reminded]
            if newly:
                due.append((waiting, newly))
        claims = [(waiting.period.id, t) for waiting, newly in due for t in newly]
        claimed = set(await self._periods.claim_reminders(claims, now))
        reminders = []
        for waiting, newly in due:
            mine = [t for t in newly if (waiting.period.id, t) in claimed]
            if mine:
                threshold = max(mine)
                last = threshold == self._thresholds[-1]
                reminders.append(Reminder(waiting_chat(waiting, now), threshold, last))
        if not reminders:
            return 0
        try:
            await self._port.remind(reminders)
        except (TelegramUnavailable, ShuttingDown):
            await self._periods.release_reminders(sorted(claimed))
            raise
        log.info(
            "reminded of %d waiting chat(s)",
            len(reminders),
            extra=event("reminders_posted", count=len(reminders)),
        )
        return len(reminders)
