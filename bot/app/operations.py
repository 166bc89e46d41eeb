"""Operating the bridge, built: its status (`/status`, `/readyz`), the alerts in General and the
watches they ask (ALERTS_ENABLED), `/metrics` and the snapshot job behind it (METRICS_ENABLED),
and the HTTP server that answers pushes, health and metrics."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot import __version__
from bot.app.jobs import Jobs
from bot.app.relay import RelayParts
from bot.app.stores import Stores
from bot.app.telegram import TelegramSide
from bot.config import Settings
from bot.core.desk.icons import IconPainter
from bot.core.desk.queue import HelpDesk
from bot.core.feedback.poll import FeedbackPoll
from bot.core.meter import Meter
from bot.core.ops.alerts import Alerts, Cause, StoredLedger, Watch
from bot.core.ops.status import BridgeStatus
from bot.core.ops.watches import (
    DatabaseWatch,
    FeedbackOff,
    GroupWatch,
    KeyExpiry,
    KeyRefused,
    NotSynced,
)
from bot.core.states import FeedbackKind
from bot.ozon.client import OzonClient
from bot.telegram.views.alerts import GeneralAlerts, TelegramGroupProbe
from bot.web import WebServer
from bot.web.metrics import Metrics

_FEEDBACK_CAUSES = {
    FeedbackKind.REVIEW: Cause.REVIEWS_OFF,
    FeedbackKind.QUESTION: Cause.QUESTIONS_OFF,
}


@dataclass(frozen=True, slots=True)
class OperationParts:
    status: BridgeStatus
    web: WebServer


def build_operations(
    settings: Settings,
    stores: Stores,
    ozon: OzonClient,
    tg: TelegramSide,
    relay: RelayParts,
    helpdesk: HelpDesk,
    icons: IconPainter | None,
    jobs: Jobs,
    meter: Meter,
    *,
    sandbox: bool,
    feedback: FeedbackPoll | None = None,
) -> OperationParts:
    status = BridgeStatus(
        version=__version__,
        db=stores.db,
        messages=stores.messages,
        outbox=stores.outbox,
        syncer=relay.syncer,
        relay=relay.relay,
        poll_interval=settings.poll_interval_seconds,
        push_enabled=settings.push_enabled,
        push_queue=lambda: relay.inbox.depth,
        helpdesk=helpdesk,
        icons=icons,
        sandbox=sandbox,
        feedback=feedback,
    )
    alerts = _alerts(settings, stores, ozon, tg, relay, jobs, meter, feedback)
    metrics = _metrics(settings, status, tg, alerts, jobs, meter)
    secret = settings.push_hmac_secret
    web = WebServer(
        sink=relay.inbox,
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
    return OperationParts(status, web)


def _alerts(
    settings: Settings,
    stores: Stores,
    ozon: OzonClient,
    tg: TelegramSide,
    relay: RelayParts,
    jobs: Jobs,
    meter: Meter,
    feedback: FeedbackPoll | None,
) -> Alerts | None:
    """The alerts in General (ALERTS_ENABLED), a pass every ALERT_CHECK_SECONDS."""
    if not settings.alerts_enabled:
        return None
    health = relay.syncer.health
    watches: dict[Cause, Watch] = {
        Cause.DATABASE: DatabaseWatch(stores.db),
        Cause.KEY_REFUSED: KeyRefused(health),
        Cause.NOT_SYNCED: NotSynced(health, settings.poll_interval_seconds, datetime.now(UTC)),
        Cause.KEY_EXPIRING: KeyExpiry(ozon),
        Cause.GROUP_SETUP: GroupWatch(
            relay.relay,
            TelegramGroupProbe(tg.bot, settings.forum_chat_id),
            every=timedelta(seconds=5 * settings.alert_check_seconds),
        ),
    }
    if feedback is not None:
        for kind, cause in _FEEDBACK_CAUSES.items():
            if kind in feedback.kinds:
                watches[cause] = FeedbackOff(feedback, kind, cause)
    port = GeneralAlerts(tg.speaker, settings.forum_chat_id, settings.tz)
    alerts = Alerts(watches, port, StoredLedger(stores.meta("alerts")), meter=meter)
    jobs.every("alerts", alerts.run, settings.alert_check_seconds, what="alerts")
    return alerts


def _metrics(
    settings: Settings,
    status: BridgeStatus,
    tg: TelegramSide,
    alerts: Alerts | None,
    jobs: Jobs,
    meter: Meter,
) -> Callable[[], bytes] | None:
    """What `/metrics` answers with (METRICS_ENABLED; None: off), and the snapshot job that
    keeps its backlogs current."""
    if not settings.metrics_enabled:
        return None
    jobs.every(
        "metrics", status.snapshot, settings.metrics_snapshot_seconds, what="metrics snapshot"
    )

    def active() -> dict[str, bool]:
        return {} if alerts is None else {str(cause): on for cause, on in alerts.active.items()}

    metrics = Metrics(
        version=__version__, meter=meter, status=status, budget=tg.flood, alerts=active
    )
    return metrics.render
