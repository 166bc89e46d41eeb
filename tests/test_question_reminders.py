"""Reminders about unanswered questions on their own, over complete doubles (issue 20's item 9,
next door): a pass names at most 30 questions, longest-waiting first, and claims only those, so
the rest are named at the next pass; a reminder Telegram refuses is due again, like one it
could not take for an outage."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.faults import PostRejected
from bot.core.feedback.desk import PER_REMINDER, QuestionReminder, QuestionReminders
from bot.core.records import FeedbackItem
from bot.core.states import FeedbackKind, FeedbackOutcome, FeedbackPost

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOUR = 3600


def question(item_id: int, waited: timedelta) -> FeedbackItem:
    return FeedbackItem(
        id=item_id,
        kind=FeedbackKind.QUESTION,
        ozon_id=f"q-{item_id}",
        published_at=NOW - waited,
        text="Подходит для посудомойки?",
        sku="1830557412",
        product="Термокружка",
        rating=None,
        order_status=None,
        author="Покупатель",
        link=None,
        photos=(),
        photos_amount=0,
        post=FeedbackPost.POSTED,
        message_id=100 + item_id,
        caption=False,
        post_started_at=None,
        outcome=FeedbackOutcome.OPEN,
        answered_at=None,
        staff=None,
        shown=FeedbackOutcome.OPEN,
        status_wanted=None,
    )


class Items:
    """The questions and their reminders as storage keeps them: a claim is taken once."""

    def __init__(self, questions: list[FeedbackItem]) -> None:
        self.questions = questions
        self.claimed: set[tuple[int, int]] = set()

    async def unanswered(
        self, kind: FeedbackKind, ratings: Sequence[int] | None = None
    ) -> list[FeedbackItem]:
        return list(self.questions) if kind is FeedbackKind.QUESTION else []

    async def reminded(self, item_ids: Sequence[int]) -> dict[int, frozenset[int]]:
        found: dict[int, set[int]] = {}
        for item_id, threshold in self.claimed:
            if item_id in item_ids:
                found.setdefault(item_id, set()).add(threshold)
        return {item_id: frozenset(ts) for item_id, ts in found.items()}

    async def claim_reminders(
        self, claims: Sequence[tuple[int, int]], at: datetime
    ) -> list[tuple[int, int]]:
        new = [claim for claim in claims if claim not in self.claimed]
        self.claimed.update(new)
        return new

    async def release_reminders(self, claims: Sequence[tuple[int, int]]) -> None:
        self.claimed.difference_update(claims)


class General:
    def __init__(self) -> None:
        self.posted: list[list[int]] = []
        self.refuse = False

    async def remind_questions(self, reminders: Sequence[QuestionReminder]) -> None:
        if self.refuse:
            raise PostRejected("Bad Request: message is too long")
        self.posted.append([r.waiting.item.id for r in reminders])


def reminders(items: Items, general: General) -> QuestionReminders:
    return QuestionReminders(
        items, general, thresholds=[HOUR], hours=None, tz=ZoneInfo("UTC"), now=lambda: NOW
    )


async def test_a_pass_names_at_most_30_and_the_next_pass_the_rest() -> None:
    asked = [question(n, timedelta(hours=2, minutes=n)) for n in range(1, 46)]
    items, general = Items(asked), General()
    passes = reminders(items, general)

    assert await passes.run() == PER_REMINDER == 30
    assert general.posted[0] == list(range(45, 15, -1))  # the longest-waiting first
    assert await passes.run() == 15
    assert sorted(general.posted[1]) == list(range(1, 16))
    assert await passes.run() == 0


async def test_a_reminder_telegram_refuses_is_due_again() -> None:
    items, general = Items([question(1, timedelta(hours=2))]), General()
    passes = reminders(items, general)
    general.refuse = True
    with pytest.raises(PostRejected):
        await passes.run()
    general.refuse = False
    assert await passes.run() == 1
    assert general.posted == [[1]]
