"""Parts of the wiring that `bot.app.assemble` puts together: the help desk's services with
their timed jobs, the icon worker, the quick replies, and the HTTP server."""

from __future__ import annotations

from collections.abc import Callable

from bot import __version__
from bot.config import Settings
from bot.core.grades import OzonGrades
from bot.core.helpdesk import HelpDesk, Reminders
from bot.core.icons import IconPainter
from bot.core.outbox import OutboxSender
from bot.core.push_inbox import PushInbox
from bot.core.relay import Relay
from bot.core.report import Reports
from bot.core.status import BridgeStatus
from bot.core.templates import CardFacts, Templates
from bot.core.worker import Worker
from bot.jobs import Jobs
from bot.ozon.client import OzonClient
from bot.telegram.desk_view import DeskView, GeneralReminders
from bot.telegram.gateway import TelegramGateway
from bot.telegram.render import Renderer
from bot.telegram.speaker import Speaker
from bot.telegram.stats import StatsPublisher
from bot.web import WebServer
from storage.cards import CardRepository
from storage.chats import ChatRepository
from storage.db import Database
from storage.desk import DeskRepository
from storage.outbox import OutboxRepository
from storage.stats import StatsRepository
from storage.templates import TemplateRepository


def help_desk(
    settings: Settings,
    db: Database,
    periods: DeskRepository,
    ozon: OzonClient,
    speaker: Speaker,
    renderer: Renderer,
    jobs: Jobs,
) -> tuple[HelpDesk, DeskView, StatsPublisher]:
    """The queue, the reminders and the statistics, with their timed jobs."""
    forum = settings.forum_chat_id
    helpdesk = HelpDesk(periods)
    desk_view = DeskView(forum, renderer)
    reports = Reports(periods, StatsRepository(db), OzonGrades(ozon), tz=settings.tz)
    stats = StatsPublisher(reports, speaker, settings.tz)
    if settings.digest is not None:
        jobs.digest(settings.digest, settings.tz, lambda: stats.publish(forum, digest=True))
    reminders = Reminders(
        periods,
        GeneralReminders(speaker, desk_view, forum),
        thresholds=settings.reminder_thresholds,
        hours=settings.hours,
        tz=settings.tz,
    )
    jobs.reminders(reminders, settings.reminder_check_seconds)
    return helpdesk, desk_view, stats


def web_server(settings: Settings, inbox: PushInbox, status: BridgeStatus) -> WebServer:
    secret = settings.push_hmac_secret
    return WebServer(
        sink=inbox,
        health=status.health,
        path=settings.push_path,
        port=settings.push_port,
        host=settings.push_host,
        allowed=settings.push_allowed_ips,
        trusted_proxies=settings.push_trusted_proxies,
        hmac_secret=secret.get_secret_value() if secret else None,
        push_enabled=settings.push_enabled,
        version=__version__,
    )


def icon_painter(
    settings: Settings, chats: ChatRepository, gateway: TelegramGateway, relay: Relay
) -> IconPainter | None:
    """Topic icons follow the chats' states (unless TOPIC_ICONS_ENABLED is off), once the relay
    has posted everything there is to post."""
    if not settings.topic_icons_enabled:
        return None
    return IconPainter(chats, gateway, posts_done=lambda: relay.quiet)


def quick_replies(
    settings: Settings,
    db: Database,
    chats: ChatRepository,
    outbox: OutboxRepository,
    cards: CardRepository,
    sender: OutboxSender,
) -> Templates:
    return Templates(
        TemplateRepository(db),
        chats,
        outbox,
        CardFacts(cards),
        on_queued=sender.wake,
        max_parts=settings.reply_max_parts,
    )


def wakes(*workers: Worker | None) -> Callable[[], None]:
    """One callback that wakes every worker given (None: a worker turned off)."""
    present = [worker for worker in workers if worker is not None]

    def wake() -> None:
        for worker in present:
            worker.wake()

    return wake
