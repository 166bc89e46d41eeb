"""The queue of waiting buyers: `/queue` lists the chats that wait for the seller, longest-waiting
first, each with how long the buyer has waited and how long Ozon still takes a reply (the
reminders, `bot.core.desk.reminders`, name the same chats as they pass their thresholds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from bot.core.desk.state import reply_deadline
from bot.core.ports import ChatFacts
from bot.core.records import Waiting


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


def waiting_chat(waiting: Waiting, now: datetime) -> WaitingChat:
    period = waiting.period
    return WaitingChat(
        chat=ChatFacts.of(waiting.chat),
        topic_id=waiting.chat.topic_id,
        topic_name=waiting.chat.topic_name,
        waited=now - period.began_at,
        left=reply_deadline(period.last_buyer_at, period.reply_until) - now,
    )


class WaitingChats(Protocol):
    async def waiting(self) -> list[Waiting]:
        """Every open waiting period with its chat."""
        ...


class HelpDesk:
    def __init__(
        self,
        periods: WaitingChats,
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
