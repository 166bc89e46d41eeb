"""Telling staff, in their topic, why a message of theirs was not sent as it is: queued, and said
by a worker of its own, so that the handling of further staff messages never waits for Telegram.

A notice is not durable: lost in a crash, it costs only the notice (nothing was sent to Ozon).
"""

from __future__ import annotations

import logging
from collections import deque

from bot.core.model import Notice
from bot.core.ports import TelegramFault, TelegramPort, TelegramUnavailable
from bot.core.worker import Clock, Worker

log = logging.getLogger(__name__)


class Notices(Worker):
    name = "notices"

    def __init__(self, telegram: TelegramPort, *, clock: Clock | None = None) -> None:
        super().__init__(clock=clock)
        self._telegram = telegram
        self._queue: deque[tuple[int, int, Notice]] = deque()

    def tell(self, topic_id: int, staff_message: int, notice: Notice) -> None:
        """Say it soon; never waits."""
        self._queue.append((topic_id, staff_message, notice))
        self.wake()

    async def step(self) -> float | None:
        while self._queue and not self.stopping:
            topic_id, staff_message, notice = self._queue[0]
            try:
                await self._telegram.tell(topic_id, staff_message, notice)
            except TelegramUnavailable:
                raise  # kept first in line; the worker waits for Telegram
            except TelegramFault as exc:
                log.warning("could not answer staff message %s: %s", staff_message, exc)
            self._queue.popleft()
        return None
