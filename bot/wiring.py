"""Parts of the wiring that `bot.app.assemble` puts together: the help desk's services with
their timed jobs, the icon worker, the quick replies, the alerts and metrics, and the HTTP
server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiogram import Bot

from bot import __version__
from bot.config import Settings
from bot.core.cards.templates import CardFacts, Templates
from bot.core.desk.icons import IconPainter
from bot.core.desk.queue import HelpDesk, Reminders
from bot.core.meter import Meter
from bot.core.ops.alerts import Alerts, Cause, StoredLedger, Watch
from bot.core.ops.status import BridgeStatus
from bot.core.ops.watches import DatabaseWatch, GroupWatch, KeyExpiry, KeyRefused, NotSynced
from bot.core.relay.push_inbox import PushInbox
from bot.core.relay.relay import Relay
from bot.core.relay.sync import Syncer
from bot.core.replies.outbox import OutboxSender
from bot.core.stats.grades import OzonGrades
from bot.core.stats.report import Reports
from bot.core.worker import Worker
from bot.jobs import Jobs
from bot.ozon.client import OzonClient
from bot.telegram.gateway.flood import FloodControl
from bot.telegram.gateway.gateway import TelegramGateway
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.rendering.posts import Renderer
from bot.telegram.views.alerts import GeneralAlerts, TelegramGroupProbe
from bot.telegram.views.desk import DeskView, GeneralReminders
from bot.telegram.views.publisher import StatsPublisher
from bot.web import WebServer
from bot.web.metrics import Metrics
from storage.cards import CardRepository
from storage.chats import ChatRepository
from storage.db import Database
from storage.desk import DeskRepository
from storage.meta import MetaValues
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
    jobs.every("reminders", reminders.run, settings.reminder_check_seconds, what="reminders")
    return helpdesk, desk_view, stats


def operations(
    settings: Settings,
    jobs: Jobs,
    meter: Meter,
    status: BridgeStatus,
    parts: OperatedParts,
) -> Callable[[], bytes] | None:
    """The alerts in General (ALERTS_ENABLED) and `/metrics` (METRICS_ENABLED): their jobs, and
    the renderer the HTTP server answers `/metrics` with (None: off)."""
    alerts: Alerts | None = None
    if settings.alerts_enabled:
        watches: dict[Cause, Watch] = {
            Cause.DATABASE: DatabaseWatch(parts.db),
            Cause.KEY_REFUSED: KeyRefused(parts.syncer.health),
            Cause.NOT_SYNCED: NotSynced(
                parts.syncer.health, settings.poll_interval_seconds, datetime.now(UTC)
            ),
            Cause.KEY_EXPIRING: KeyExpiry(parts.ozon),
            Cause.GROUP_SETUP: GroupWatch(
                parts.relay,
                TelegramGroupProbe(parts.bot, settings.forum_chat_id),
                every=timedelta(seconds=5 * settings.alert_check_seconds),
            ),
        }
        port = GeneralAlerts(parts.speaker, settings.forum_chat_id, settings.tz)
        ledger = StoredLedger(MetaValues(parts.db, "alerts"))
        alerts = Alerts(watches, port, ledger, meter=meter)
        jobs.every("alerts", alerts.run, settings.alert_check_seconds, what="alerts")
    if not settings.metrics_enabled:
        return None
    jobs.every(
        "metrics", status.snapshot, settings.metrics_snapshot_seconds, what="metrics snapshot"
    )
    metrics = Metrics(
        version=__version__,
        meter=meter,
        status=status,
        budget=parts.flood,
        alerts=(lambda: {str(c): on for c, on in alerts.active.items()}) if alerts else dict,
    )
    return metrics.render


@dataclass(frozen=True, slots=True)
class OperatedParts:
    """What the alerts watch and `/metrics` reads."""

    db: Database
    syncer: Syncer
    relay: Relay
    ozon: OzonClient
    bot: Bot
    speaker: Speaker
    flood: FloodControl


def web_server(
    settings: Settings,
    inbox: PushInbox,
    status: BridgeStatus,
    metrics: Callable[[], bytes] | None = None,
) -> WebServer:
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
        metrics=metrics,
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
