"""Reviews and questions on the help desk: what `/queue` lists after the buyer chats (the
unanswered questions, and the unanswered reviews of 1 to 3 stars, each with how long it has
waited), the reminders in General about questions (REPLY_REMINDERS, once per threshold and
question, across restarts too: claimed before the post), and the figures `/stats` shows per
kind.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.hours import WorkingHours, at_work
from bot.core.logfields import event
from bot.core.records import FeedbackFate, FeedbackItem
from bot.core.states import FeedbackKind, FeedbackOutcome

log = logging.getLogger(__name__)

QUEUED_RATINGS = (1, 2, 3)
"""Reviews of these ratings wait in the queue until answered."""
PERIODS = (7, 30)
"""Days the statistics count back."""
PER_REMINDER = 30
"""Questions one reminder names, at most (as many as a reminder about chats)."""


@dataclass(frozen=True, slots=True)
class WaitingItem:
    """A review or question in the queue, as staff see it."""

    item: FeedbackItem
    waited: timedelta
    """Since it was published."""


class OpenItems(Protocol):
    async def unanswered(
        self, kind: FeedbackKind, ratings: Sequence[int] | None = None
    ) -> list[FeedbackItem]: ...


class FeedbackQueue:
    def __init__(
        self,
        items: OpenItems,
        kinds: Sequence[FeedbackKind],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._items = items
        self._kinds = tuple(kinds)
        self._now = now

    async def queue(self) -> list[WaitingItem]:
        """The unanswered questions, then the unanswered reviews of 1 to 3 stars, each
        longest-waiting first."""
        now = self._now()
        waiting: list[WaitingItem] = []
        for kind in (FeedbackKind.QUESTION, FeedbackKind.REVIEW):
            if kind not in self._kinds:
                continue
            ratings = QUEUED_RATINGS if kind is FeedbackKind.REVIEW else None
            items = await self._items.unanswered(kind, ratings)
            waiting += [WaitingItem(item, now - item.published_at) for item in items]
        return waiting


# ---- reminders ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionReminder:
    """A question named in a reminder, for the longest of the thresholds it newly passed."""

    waiting: WaitingItem
    threshold: int
    """Seconds."""


class ReminderItems(OpenItems, Protocol):
    async def reminded(self, item_ids: Sequence[int]) -> dict[int, frozenset[int]]: ...

    async def claim_reminders(
        self, claims: Sequence[tuple[int, int]], at: datetime
    ) -> list[tuple[int, int]]: ...

    async def release_reminders(self, claims: Sequence[tuple[int, int]]) -> None: ...


class QuestionReminderPort(Protocol):
    async def remind_questions(self, reminders: Sequence[QuestionReminder]) -> None:
        """Post one reminder naming these questions in the forum's General topic."""
        ...


class QuestionReminders:
    def __init__(
        self,
        items: ReminderItems,
        port: QuestionReminderPort,
        *,
        thresholds: Sequence[int],
        hours: WorkingHours | None,
        tz: ZoneInfo,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._items = items
        self._port = port
        self._thresholds = tuple(sorted(thresholds))
        self._hours = hours
        self._tz = tz
        self._now = now

    async def run(self) -> int:
        """One pass (a scheduled job): remind of what is newly due, at most `PER_REMINDER`
        questions, the longest-waiting first (the rest at the next pass); returns how many were
        named. A reminder not posted (Telegram out of reach, or refusing it) is due again at
        the next pass."""
        now = self._now()
        if not self._thresholds or not at_work(self._hours, now, self._tz):
            return 0
        due = await self._due(now)
        claims = [(item.id, t) for item, newly in due for t in newly]
        claimed = await self._items.claim_reminders(claims, now)
        reminders = _reminders(due, claimed, now)
        if not reminders:
            return 0
        try:
            await self._port.remind_questions(reminders)
        except Exception:
            await self._items.release_reminders(claimed)
            raise
        log.info(
            "reminded of %d unanswered question(s)",
            len(reminders),
            extra=event("question_reminders_posted", count=len(reminders)),
        )
        return len(reminders)

    async def _due(self, now: datetime) -> list[tuple[FeedbackItem, list[int]]]:
        """The questions that newly passed a threshold, the longest-waiting first, at most
        `PER_REMINDER`, each with the thresholds it passed."""
        questions = sorted(
            await self._items.unanswered(FeedbackKind.QUESTION), key=lambda q: q.published_at
        )
        reminded = await self._items.reminded([q.id for q in questions])
        due = []
        for question in questions:
            waited = (now - question.published_at).total_seconds()
            passed = reminded.get(question.id, frozenset())
            newly = [t for t in self._thresholds if t <= waited and t not in passed]
            if newly:
                due.append((question, newly))
        return due[:PER_REMINDER]


def _reminders(
    due: Sequence[tuple[FeedbackItem, list[int]]],
    claimed: Sequence[tuple[int, int]],
    now: datetime,
) -> list[QuestionReminder]:
    mine: dict[int, int] = {}
    for item_id, threshold in claimed:
        mine[item_id] = max(threshold, mine.get(item_id, 0))
    return [
        QuestionReminder(WaitingItem(question, now - question.published_at), mine[question.id])
        for question, _ in due
        if question.id in mine
    ]


# ---- statistics ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KindFigures:
    """One kind over one period."""

    kind: FeedbackKind
    days: int
    count: int
    """Published in the period (and shown in the forum)."""
    answered: int
    """Answered from Telegram or in Ozon's cabinet."""
    needing: int
    """Those that needed an answer (all but the ones marked done)."""
    median_answer: timedelta | None
    """Median time from publication to the answer (None: nothing answered)."""

    @property
    def share_answered(self) -> float | None:
        return None if not self.needing else self.answered / self.needing


class FeedbackFates(Protocol):
    async def fates(
        self, kind: FeedbackKind, since: datetime, until: datetime
    ) -> list[FeedbackFate]: ...


class FeedbackFigures:
    def __init__(
        self,
        stats: FeedbackFates,
        kinds: Sequence[FeedbackKind],
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._stats = stats
        self._kinds = tuple(kinds)
        self._now = now

    async def figures(self) -> list[KindFigures]:
        """Every kind over 7 and 30 days."""
        now = self._now()
        found = []
        for kind in self._kinds:
            for days in PERIODS:
                fates = await self._stats.fates(kind, now - timedelta(days=days), now)
                found.append(_figures(kind, days, fates))
        return found


def _figures(kind: FeedbackKind, days: int, fates: Sequence[FeedbackFate]) -> KindFigures:
    answered = [
        fate
        for fate in fates
        if fate.outcome in (FeedbackOutcome.ANSWERED, FeedbackOutcome.CABINET)
    ]
    waits = [
        (fate.answered_at - fate.published_at).total_seconds()
        for fate in answered
        if fate.answered_at is not None
    ]
    done = sum(1 for fate in fates if fate.outcome is FeedbackOutcome.DONE)
    return KindFigures(
        kind=kind,
        days=days,
        count=len(fates),
        answered=len(answered),
        needing=len(fates) - done,
        median_answer=timedelta(seconds=statistics.median(waits)) if waits else None,
    )
