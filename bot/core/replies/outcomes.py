"""Showing staff how their message went, once all its parts are final: on the message, whether
it reached the buyer, and if not, why (the Telegram side words it and adds «Повторить» where
trying again can help). A delivered reply marks the chat read in Ozon (`OZON_MARK_READ`).

Apart from sending, so that Ozon deliveries never wait for Telegram, nor Telegram for Ozon.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.core.logfields import event
from bot.core.records import OutboxRow
from bot.core.states import FailureReason, OutboxState
from bot.core.worker import Clock, Worker
from bot.ozon.errors import OzonError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """How a staff message went, once all its parts are final."""

    parts: int
    delivered: int
    reason: FailureReason | None = None
    """Why the first part that failed failed (None: all delivered)."""
    detail: str = ""
    """Ozon's own words, where it gave a reason."""
    retriable: bool = False
    """Sending again can help («Повторить»)."""

    @property
    def ok(self) -> bool:
        return self.delivered == self.parts


class OutcomeDisplay(Protocol):
    async def show_outcome(
        self, topic_id: int | None, staff_message: int, outcome: Outcome
    ) -> None:
        """Show on a staff message whether it reached the buyer, and if not, why."""
        ...


def outcome_of(rows: Sequence[OutboxRow]) -> Outcome:
    """A staff message's outcome from its rows, all final, in order."""
    failed = [r for r in rows if r.state == OutboxState.FAILED]
    if not failed:
        return Outcome(parts=len(rows), delivered=len(rows))
    first = next((r for r in failed if r.reason != FailureReason.PREVIOUS_PART), failed[0])
    return Outcome(
        parts=len(rows),
        delivered=len(rows) - len(failed),
        reason=first.reason or FailureReason.UNAVAILABLE,
        detail=first.detail or "",
        retriable=first.retriable,
    )


class FinishedReplies(Protocol):
    async def finished_unnotified(self) -> list[tuple[int, list[OutboxRow]]]:
        """Staff messages whose rows are all final and whose outcome is not shown yet."""
        ...

    async def mark_notified(self, tg_message_id: int) -> None: ...


class ReadMarker(Protocol):
    async def mark_read(self, chat_id: str, from_message_id: str | None = None) -> int:
        """Mark the chat read in Ozon (all of it, without an id)."""
        ...


class Outcomes(Worker):
    name = "outcomes"

    def __init__(
        self,
        outbox: FinishedReplies,
        telegram: OutcomeDisplay,
        ozon: ReadMarker,
        *,
        mark_read: bool = True,
        idle_wait: float = 30.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(clock=clock)
        self._outbox = outbox
        self._telegram = telegram
        self._ozon = ozon
        self._mark_read = mark_read
        self._idle_wait = idle_wait

    async def step(self) -> float | None:
        for staff_message, rows in await self._outbox.finished_unnotified():
            if self.stopping:
                break
            outcome = outcome_of(rows)
            await self._telegram.show_outcome(rows[0].topic_id, staff_message, outcome)
            await self._outbox.mark_notified(staff_message)
            chat_id = rows[0].chat_id  # None: an answer to a review or question
            if outcome.ok and self._mark_read and chat_id is not None:
                await self._read(chat_id)
        return self._idle_wait

    async def _read(self, chat_id: str) -> None:
        try:
            await self._ozon.mark_read(chat_id)
        except OzonError as exc:
            log.warning(
                "chat %s: could not mark read: %s",
                chat_id,
                exc,
                extra=event("mark_read_failed", chat_id=chat_id),
            )
