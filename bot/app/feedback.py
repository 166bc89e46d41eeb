"""Reviews and product questions, built: the poll of the kinds the settings turn on (a job every
FEEDBACK_POLL_SECONDS), the two topics and the worker that posts into them in spare slots after
buyer posts, the answers staff give by replying (sent through the one outbox, whose sender is
handed this room's destinations and delivery), `/done`, the queue's and the statistics' parts,
and the question reminders."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from bot.app.jobs import Jobs
from bot.app.signals import Signal
from bot.app.stores import Stores
from bot.app.telegram import TelegramSide
from bot.config import Settings
from bot.core.drafts.conversation import ConversationSource
from bot.core.feedback.answers import FeedbackAnswers
from bot.core.feedback.desk import FeedbackFigures, FeedbackQueue, QuestionReminders
from bot.core.feedback.destinations import FeedbackDelivery, QuestionDestination, ReviewDestination
from bot.core.feedback.drafts import FeedbackConversations
from bot.core.feedback.poll import FeedbackPoll
from bot.core.feedback.posting import ALBUM_MOST, FeedbackPoster
from bot.core.feedback.sources import ProductNames, QuestionSource, ReviewSource, Source
from bot.core.feedback.topics import FeedbackTopics
from bot.core.meter import Meter
from bot.core.ports import MediaFetcher
from bot.core.replies.destinations import Destination
from bot.core.replies.outbox import Delivery
from bot.core.states import FeedbackKind, OutboxTarget
from bot.core.worker import Worker
from bot.ozon.client import OzonClient
from bot.telegram.gateway.calls import SpareCalls
from bot.telegram.gateway.flood import FloodControl
from bot.telegram.gateway.gateway import TelegramGateway
from bot.telegram.views.feedback import FeedbackView, GeneralQuestionReminders

SPARE_RESERVE = 5
"""Slots of the budget's window a spare slot leaves free (`FloodControl.acquire_spare`)."""


@dataclass(frozen=True, slots=True)
class FeedbackReports:
    """What the help desk shows of reviews and questions (`/queue`, `/stats`): read from storage
    only, so built before the rest of the room (the desk is built first)."""

    queue: FeedbackQueue
    figures: FeedbackFigures
    view: FeedbackView

    @classmethod
    def build(cls, settings: Settings, stores: Stores, *, sandbox: bool) -> FeedbackReports:
        kinds = settings.feedback_kinds
        return cls(
            queue=FeedbackQueue(stores.feedback, kinds),
            figures=FeedbackFigures(stores.feedback_stats, kinds),
            view=FeedbackView(settings.forum_chat_id, settings.tz, sandbox=sandbox),
        )

    async def queue_text(self) -> str:
        """What `/queue` lists after the buyer chats."""
        return self.view.queue(await self.queue.queue())

    async def stats_text(self) -> str:
        """What `/stats` says after the team's figures."""
        return self.view.figures(await self.figures.figures())


@dataclass(frozen=True, slots=True)
class FeedbackParts:
    poll: FeedbackPoll
    poster: FeedbackPoster
    answers: FeedbackAnswers
    topics: FeedbackTopics
    destinations: dict[OutboxTarget, Destination]
    deliveries: dict[OutboxTarget, Delivery]
    answer_queued: Signal = field(default_factory=Signal)
    """An answer was queued: the outbox's sender is connected to it once it is built."""
    conversations: tuple[ConversationSource, ...] = ()
    """Reviews and questions (those turned on) as the drafts room reads them."""

    @property
    def workers(self) -> list[Worker]:
        return [self.poster]


def build_feedback(
    settings: Settings,
    stores: Stores,
    ozon: OzonClient,
    media: MediaFetcher,
    tg: TelegramSide,
    jobs: Jobs,
    meter: Meter,
    reports: FeedbackReports,
    *,
    posts_done: Callable[[], bool],
) -> FeedbackParts:
    kinds = settings.feedback_kinds
    view = reports.view
    # Everything this room posts takes spare slots: never ahead of a buyer's post.
    spare = TelegramGateway(tg.bot, settings.forum_chat_id, SpareCalls(tg.flood))
    topics = FeedbackTopics(stores.feedback_topics, spare, view)
    poster = FeedbackPoster(
        stores.feedback,
        topics,
        spare,
        view,
        media,
        posts_done=posts_done,
        album_most=_album_most(tg.flood),
        meter=meter,
    )
    sources: list[Source] = []
    if FeedbackKind.REVIEW in kinds:
        sources.append(ReviewSource(ozon))
    if FeedbackKind.QUESTION in kinds:
        sources.append(QuestionSource(ozon))
    poll = FeedbackPoll(
        sources,
        stores.feedback,
        stores.feedback,
        ProductNames(ozon),
        first_sight_window=_hours(settings.first_sight_hours),
        first_sight_max=settings.first_sight_max_messages,
        ratings=settings.review_ratings,
        on_recorded=poster.wake,
    )
    if sources:
        jobs.every(
            "feedback", poll.poll, settings.feedback_poll_seconds, what="reviews and questions"
        )
    queued = Signal()
    answers = FeedbackAnswers(stores.feedback, stores.outbox, on_queued=queued, on_done=poster.wake)
    reminders = QuestionReminders(
        stores.feedback,
        GeneralQuestionReminders(tg.speaker, view, settings.forum_chat_id),
        thresholds=settings.reminder_thresholds,
        hours=settings.hours,
        tz=settings.tz,
    )
    if FeedbackKind.QUESTION in kinds:
        jobs.every(
            "question reminders", reminders.run, settings.reminder_check_seconds, what="reminders"
        )
    delivery = FeedbackDelivery(stores.db, stores.outbox, stores.feedback, on_answered=poster.wake)
    return FeedbackParts(
        poll=poll,
        poster=poster,
        answers=answers,
        topics=topics,
        destinations={
            OutboxTarget.REVIEW: ReviewDestination(ozon, stores.feedback),
            OutboxTarget.QUESTION: QuestionDestination(ozon),
        },
        deliveries={OutboxTarget.REVIEW: delivery, OutboxTarget.QUESTION: delivery},
        answer_queued=queued,
        conversations=tuple(
            FeedbackConversations(kind, stores.feedback, topics, stores.outbox, on_queued=queued)
            for kind in FeedbackKind
            if kind in kinds
        ),
    )


def _album_most(flood: FloodControl) -> int:
    """Pictures one album may take: what a window's spare slots hold, ten at most."""
    return max(0, min(ALBUM_MOST, flood.per_window - SPARE_RESERVE))


def _hours(hours: float) -> timedelta:
    return timedelta(hours=hours)
