"""The help desk, built: every chat's state and its waiting periods, the queue, the reminders
and the statistics with their timed jobs, and the topic icons that follow the states."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.app.jobs import Jobs
from bot.app.signals import Signal
from bot.app.stores import Stores
from bot.app.telegram import TelegramSide
from bot.config import Settings
from bot.core.desk.icons import IconPainter
from bot.core.desk.queue import HelpDesk
from bot.core.desk.reminders import Reminders
from bot.core.desk.state import Desk
from bot.core.stats.grades import OzonGrades, RatingSource
from bot.core.stats.report import Reports
from bot.telegram.views.desk import DeskView, GeneralReminders
from bot.telegram.views.publisher import StatsPublisher


@dataclass(frozen=True, slots=True)
class DeskParts:
    desk: Desk
    changed: Signal
    """A chat's state changed (its topic's icon follows; a closed chat's topic is closed)."""
    helpdesk: HelpDesk
    view: DeskView
    stats: StatsPublisher


def build_desk(
    settings: Settings,
    stores: Stores,
    ratings: RatingSource,
    tg: TelegramSide,
    jobs: Jobs,
    *,
    more_stats: Callable[[], Awaitable[str]] | None = None,
) -> DeskParts:
    """`more_stats`: what the statistics say after the team's figures (reviews, questions)."""
    forum = settings.forum_chat_id
    changed = Signal()
    desk = Desk(stores.db, stores.chats, stores.periods, stores.outbox, on_changed=changed)
    view = DeskView(forum, tg.renderer)
    reports = Reports(stores.periods, stores.stats, OzonGrades(ratings), tz=settings.tz)
    stats = StatsPublisher(reports, tg.speaker, settings.tz, more=more_stats)
    if settings.digest is not None:
        jobs.digest(settings.digest, settings.tz, lambda: stats.publish(forum, digest=True))
    reminders = Reminders(
        stores.periods,
        GeneralReminders(tg.speaker, view, forum),
        thresholds=settings.reminder_thresholds,
        hours=settings.hours,
        tz=settings.tz,
    )
    jobs.every("reminders", reminders.run, settings.reminder_check_seconds, what="reminders")
    return DeskParts(desk, changed, HelpDesk(stores.periods), view, stats)


def build_icons(
    settings: Settings, stores: Stores, tg: TelegramSide, posts_done: Callable[[], bool]
) -> IconPainter | None:
    """Topic icons follow the chats' states (unless TOPIC_ICONS_ENABLED is off), once every
    buyer message there is to post is posted."""
    if not settings.topic_icons_enabled:
        return None
    return IconPainter(stores.chats, tg.gateway, posts_done=posts_done)
