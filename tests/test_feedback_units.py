"""The pieces of reviews and questions that need no network: what the counts say, how a post is
rendered within Telegram's limits (buyer text escaped, cut when too long, an album's caption only
when it fits), what a staff message in these topics becomes, and the settings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, load_settings
from bot.config_feedback import parse_ratings
from bot.core.feedback.answers import Answered, FeedbackAnswers
from bot.core.feedback.sources import only_new as counts_only_new
from bot.core.records import FeedbackItem, OutboxRow, Staff
from bot.core.replies.refusals import classify_refusal
from bot.core.replies.staff import StaffFile, StaffMessage, Unsendable
from bot.core.states import (
    FailureReason,
    FeedbackKind,
    FeedbackOutcome,
    FeedbackPost,
    OutboxTarget,
)
from bot.ozon.errors import api_error
from bot.telegram.gateway.calls import GroupCalls, SpareCalls
from bot.telegram.gateway.flood import FloodControl
from bot.telegram.rendering.measure import visible_length
from bot.telegram.views.feedback import CAPTION_LIMIT, TEXT_LIMIT, FeedbackView
from tests.clock import FakeClock

T0 = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def item(text: str = "Хорошая кружка", **changes: Any) -> FeedbackItem:
    """A review as the bridge keeps it, with `changes` (field: value)."""
    values: dict[str, Any] = {
        "id": 1,
        "kind": FeedbackKind.REVIEW,
        "ozon_id": "r-1",
        "published_at": T0,
        "text": text,
        "sku": "1830557412",
        "product": "Термокружка",
        "rating": 4,
        "order_status": "DELIVERED",
        "author": None,
        "link": None,
        "photos": (),
        "photos_amount": 0,
        "post": FeedbackPost.POSTED,
        "message_id": 50,
        "caption": False,
        "post_started_at": None,
        "outcome": FeedbackOutcome.OPEN,
        "answered_at": None,
        "staff": None,
        "shown": FeedbackOutcome.OPEN,
        "status_wanted": None,
    }
    values.update(changes)
    return FeedbackItem(**values)


VIEW = FeedbackView(-1001234567890, ZoneInfo("Europe/Moscow"))


@pytest.mark.parametrize(
    ("before", "now", "only_new"),
    [
        ((10, 2, 3, 5), (12, 4, 3, 5), True),  # two new reviews
        ((10, 2, 3, 5), (10, 1, 3, 6), False),  # one processed (in the cabinet, or by us)
        ((10, 2, 3, 5), (11, 2, 4, 5), False),  # a new one and another viewed
        ((10, 2, 3, 5), (10, 2, 3, 5), True),  # nothing (the poll stops before asking)
    ],
)
def test_review_counts_say_whether_only_new_reviews_arrived(
    before: tuple[int, ...], now: tuple[int, ...], only_new: bool
) -> None:
    assert counts_only_new(before, now) is only_new


def test_a_post_escapes_buyer_text_and_names_the_outcome() -> None:
    text = VIEW.post(item('<b>кружка</b> & "крышка"'), caption=False)
    assert '&lt;b&gt;кружка&lt;/b&gt; &amp; "крышка"' in text
    assert "🕒 01.12.2026 12:30" in text  # Moscow time
    answered = item(outcome=FeedbackOutcome.ANSWERED, staff=Staff(1, "Анна <админ>"))
    assert "Ответ опубликован</b> — Анна &lt;админ&gt;" in VIEW.post(answered, caption=False)
    done = item(outcome=FeedbackOutcome.DONE, staff=Staff(2, "Вера"))
    assert "Ответ не нужен</b> — отметил(а) Вера" in VIEW.post(done, caption=False)
    assert "кабинете Ozon" in VIEW.post(item(outcome=FeedbackOutcome.CABINET), caption=False)


def test_a_long_review_is_cut_to_fit_and_says_so() -> None:
    long = item("Очень длинный отзыв. " * 400)
    text = VIEW.post(long, caption=False)
    assert visible_length(text) <= TEXT_LIMIT
    assert "текст сокращён, полностью — в кабинете Ozon" in text
    assert "Ответьте на это сообщение" in text  # the outcome line survives the cut
    assert not VIEW.fits_caption(long)
    short = item("Коротко", photos=("https://cdn.example/1.jpg",), photos_amount=1)
    assert VIEW.fits_caption(short)
    caption = VIEW.post(short, caption=True)
    assert visible_length(caption) <= CAPTION_LIMIT
    assert "cdn.example" not in caption  # the album shows the photos themselves
    assert 'href="https://cdn.example/1.jpg"' in VIEW.post(short, caption=False)


def test_photos_not_read_and_links_that_are_not_web_addresses() -> None:
    unread = VIEW.post(item(photos_amount=3), caption=False)
    assert "📷 Фото: 3 — в кабинете Ozon" in unread
    odd = item(kind=FeedbackKind.QUESTION, link="javascript:alert(1)", author="Ира")
    text = VIEW.post(odd, caption=False)
    assert "javascript" not in text
    assert "👤 Ира" in text


def test_a_post_that_may_be_shown_already_says_so() -> None:
    again = item(post=FeedbackPost.PENDING, post_started_at=T0)
    assert "Возможно, это сообщение уже есть выше" in VIEW.post(again, caption=False)


def test_topic_names_are_a_contract_and_the_sandbox_marks_them() -> None:
    assert VIEW.topic_name(FeedbackKind.REVIEW) == "⭐ Отзывы"
    assert VIEW.topic_name(FeedbackKind.QUESTION) == "❓ Вопросы"
    sandbox = FeedbackView(-1001234567890, ZoneInfo("Europe/Moscow"), sandbox=True)
    assert sandbox.topic_name(FeedbackKind.REVIEW) == "🧪 Песочница · ⭐ Отзывы"


class _Items:
    def __init__(self, found: FeedbackItem | None) -> None:
        self.found = found

    async def by_message(self, message_id: int) -> FeedbackItem | None:
        return self.found if message_id == 50 else None

    async def done(self, item_id: int, staff: Staff) -> bool:
        return True


class _Outbox:
    def __init__(self) -> None:
        self.queued: list[tuple[OutboxTarget, str, str | None, str]] = []

    async def enqueue_answer(
        self,
        target: OutboxTarget,
        target_id: str,
        *,
        sku: str | None,
        topic_id: int,
        tg_message_id: int,
        body: str,
        staff: Staff | None,
    ) -> bool:
        self.queued.append((target, target_id, sku, body))
        return True

    async def for_staff_message(self, tg_message_id: int) -> list[OutboxRow]:
        return []


async def test_what_a_staff_message_in_these_topics_becomes() -> None:
    question = item(kind=FeedbackKind.QUESTION, ozon_id="q-1", rating=None)
    outbox = _Outbox()
    answers = FeedbackAnswers(_Items(question), outbox, on_queued=lambda: None, on_done=print)

    async def said(
        reply_to: int | None,
        *,
        text: str,
        files: tuple[StaffFile, ...] = (),
        unsendable: Unsendable | None = None,
    ) -> Answered:
        staff = StaffMessage(20, 99, text=text, files=files, unsendable=unsendable)
        return (await answers.handle(FeedbackKind.QUESTION, staff, reply_to)).answered

    assert await said(None, text="кто возьмёт?") is Answered.NO_TARGET
    assert await said(51, text="и этот?") is Answered.NO_TARGET_TOLD  # told once
    assert await said(50, text="// заметка") is Answered.NOTE
    assert await said(50, text="/t шаблон", unsendable=Unsendable.COMMAND) is Answered.COMMAND
    assert await said(50, text="Д") is Answered.TOO_SHORT
    assert await said(50, text="x" * 3001) is Answered.TOO_LONG
    photo = StaffFile("f", "p.jpg", 10, "image/jpeg", True)
    assert await said(50, text="фото", files=(photo,)) is Answered.NOT_TEXT
    assert await said(50, text="Да, подходит") is Answered.QUEUED
    assert outbox.queued == [(OutboxTarget.QUESTION, "q-1", "1830557412", "Да, подходит")]


def test_reviews_ratings_parse_and_a_wrong_one_names_the_setting(tmp_path: Path) -> None:
    assert parse_ratings("") is None
    assert parse_ratings("1-3, 5") == frozenset({1, 2, 3, 5})
    env = tmp_path / ".env"
    env.write_text(
        "BOT_TOKEN=1:a\nFORUM_CHAT_ID=-100123\nOZON_CLIENT_ID=1\nOZON_API_KEY=k\n"
        "REVIEWS_RATINGS=0-6\nFEEDBACK_POLL_SECONDS=0\n"
    )
    with pytest.raises(ConfigError) as refused:
        load_settings(env)
    lines = str(refused.value).splitlines()
    assert any(
        line.startswith("REVIEWS_RATINGS is invalid: '0-6' is not a rating") for line in lines
    )
    assert any(line.startswith("FEEDBACK_POLL_SECONDS is invalid") for line in lines)


def test_a_refusal_for_the_subscription_is_its_own_reason() -> None:
    message = "Implementation.CommentCreate error: CommentCreate error: rpc error: code = "
    refused = api_error(
        403, 7, message + "PermissionDenied desc = not available with existing subscription"
    )
    failure = classify_refusal(refused)
    assert (failure.reason, failure.retriable) == (FailureReason.NO_SUBSCRIPTION, True)


async def test_spare_calls_never_take_a_slot_a_post_could_use() -> None:
    clock = FakeClock()
    flood = FloodControl(6, 10.0, min_interval=0.0, clock=clock.monotonic, sleep=clock.sleep)
    made: list[str] = []

    async def post() -> str:
        made.append("post")
        return "post"

    async def spare_post() -> str:
        made.append("spare")
        return "spare"

    await GroupCalls(flood)(post)  # one slot of six taken: the five kept free are all left
    waiting = asyncio.create_task(SpareCalls(flood)(spare_post))
    await asyncio.sleep(0.01)
    assert made == ["post"]
    clock.advance(10.0)  # the post's slot leaves the window
    await asyncio.wait_for(waiting, 1.0)
    assert made == ["post", "spare"]
