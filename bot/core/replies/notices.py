"""Telling staff, in their topic, why a message of theirs was not sent as it is: queued, and said
by a worker of its own, so that the handling of further staff messages never waits for Telegram.

A notice is not durable: lost in a crash, it costs only the notice (nothing was sent to Ozon).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from bot.core.faults import TelegramFault, TelegramUnavailable
from bot.core.worker import Clock, Worker

log = logging.getLogger(__name__)


class NoticeKind(StrEnum):
    """What staff are told about a message of theirs that was not sent as it is."""

    UNSUPPORTED = "unsupported"
    """Ozon's chat cannot carry it (`what`: the kind of content)."""
    FILE_TOO_LARGE = "file_too_large"
    """`name`, `size_mb`, `max_mb`."""
    FILE_WRONG_TYPE = "file_wrong_type"
    """`name`."""
    TEXT_TOO_LONG = "text_too_long"
    """`limit`, `parts`, `max_parts`."""
    COMMAND_IN_TOPIC = "command_in_topic"
    BRIDGE_POST_FORWARDED = "bridge_post_forwarded"
    TOPIC_NOT_LINKED = "topic_not_linked"
    NOT_ACCEPTED_STORAGE = "not_accepted_storage"
    EDIT_DELIVERED = "edit_delivered"
    """An edit of a message the buyer has: Ozon cannot change it."""
    EDIT_ON_ITS_WAY = "edit_on_its_way"
    EDIT_REFUSED = "edit_refused"
    """An edit of a message Ozon refused: the buyer has nothing."""
    EDIT_NOT_SENT = "edit_not_sent"
    """An edit of a message never meant for the buyer (a note)."""


@dataclass(frozen=True, slots=True)
class Notice:
    kind: NoticeKind
    params: Mapping[str, str | int] = field(default_factory=dict)


class StaffAnswers(Protocol):
    async def tell(self, topic_id: int, staff_message: int, notice: Notice) -> None:
        """Answer a staff message in its topic: why it was not sent as it is."""
        ...


class Notices(Worker):
    name = "notices"

    def __init__(self, telegram: StaffAnswers, *, clock: Clock | None = None) -> None:
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
