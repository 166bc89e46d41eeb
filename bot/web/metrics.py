"""`GET /metrics`: the bridge in the Prometheus text format, every name prefixed `ozon_bridge_`.

A scrape reads memory only. The counts come from `bot.core.meter`; the backlogs and the waiting
chats from the last status snapshot, which a job takes every few seconds (`snapshot_age_seconds`
says how old it is) through the partial indexes that `/healthz` uses; the flood budget, the last
sync and the alerts are read off the pieces that keep them. Nothing here touches the database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.core.meter import LABELS, Count, Meter
from bot.core.ops.status import BridgeStatus, Snapshot

PREFIX = "ozon_bridge_"
CONTENT_TYPE = CONTENT_TYPE_LATEST

_COUNTS: dict[Count, str] = {
    Count.BUYER_MESSAGES_RELAYED: "Buyer messages posted into their topics.",
    Count.SELLER_MESSAGES_RELAYED: "Messages written in Ozon's seller cabinet, shown in topics.",
    Count.REPLIES_DELIVERED: "Replies (and broadcast messages) Ozon took, by kind.",
    Count.REPLIES_FAILED: "Replies (and broadcast messages) given up, by kind and reason.",
    Count.OZON_REQUESTS: "HTTP attempts at Ozon's API, by method and outcome "
    "(rate_limited: a 429).",
    Count.OZON_RATE_LIMITED_SECONDS: "Seconds every Ozon caller was held by Ozon's 429s.",
    Count.TELEGRAM_CALLS: "Bot API calls, by method and outcome.",
    Count.ALERTS: "Alerts posted in General, by cause and state (begun, ended).",
    Count.DRAFTS: "Reply drafts, by event (asked, shown, sent, cancelled; dropped: automatic "
    "ones no longer wanted; failed).",
    Count.FEEDBACK_POSTED: "Reviews and product questions posted into their topics, by kind.",
}


class Budget(Protocol):
    """The forum group's flood budget (`bot.telegram.gateway.flood.FloodControl`)."""

    per_window: int
    retry_after_seconds: float

    def used_in_window(self) -> int: ...


class Metrics(Collector):
    def __init__(
        self,
        *,
        version: str,
        meter: Meter,
        status: BridgeStatus,
        budget: Budget,
        alerts: Callable[[], Mapping[str, bool]] = dict,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._version = version
        self._meter = meter
        self._status = status
        self._budget = budget
        self._alerts = alerts
        self._now = now
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(self)

    def render(self) -> bytes:
        """The exposition a scrape gets."""
        return generate_latest(self._registry)

    def collect(self) -> Iterator[Metric]:
        yield from self._counts()
        info = GaugeMetricFamily(
            PREFIX + "info", "The bridge's version (always 1).", labels=["version"]
        )
        info.add_metric([self._version], 1)
        yield info
        yield from self._snapshot(self._status.latest)
        yield _gauge(
            "seconds_since_last_sync",
            "Seconds since Ozon was last read successfully (since the start, before the first).",
            self._status.since_last_sync().total_seconds(),
        )
        yield _gauge(
            "flood_budget_used",
            "Posts into the forum group in the current window of its flood budget.",
            self._budget.used_in_window(),
        )
        yield _gauge(
            "flood_budget_size",
            "Posts the forum group's budget allows per window.",
            self._budget.per_window,
        )
        yield CounterMetricFamily(
            PREFIX + "telegram_retry_after_seconds",
            "Seconds of retry_after Telegram imposed on the forum group's posts.",
            self._budget.retry_after_seconds,
        )
        active = GaugeMetricFamily(
            PREFIX + "alert_active", "1 while the cause's trouble is on.", labels=["cause"]
        )
        for cause, on in sorted(self._alerts().items()):
            active.add_metric([cause], 1 if on else 0)
        yield active

    def _counts(self) -> Iterator[Metric]:
        for count, documentation in _COUNTS.items():
            family = CounterMetricFamily(PREFIX + count, documentation, labels=LABELS[count])
            for labels, value in sorted(self._meter.read(count).items()):
                family.add_metric(list(labels), value)
            yield family

    def _snapshot(self, snap: Snapshot | None) -> Iterator[Metric]:
        """The figures the last snapshot counted; none before the first."""
        taken = self._status.latest_at
        if snap is None or taken is None:
            return
        yield _gauge(
            "snapshot_age_seconds",
            "Age of the figures below (backlogs, waiting chats), counted by a job.",
            (self._now() - taken).total_seconds(),
        )
        yield _gauge("messages_to_post", "Ozon messages waiting to be posted.", snap.pending_posts)
        yield _gauge("messages_given_up", "Ozon messages given up.", snap.failed_posts)
        yield _gauge("replies_to_send", "Replies and broadcast messages to send.", snap.outbox_open)
        yield _gauge(
            "replies_given_up", "Replies and broadcast messages given up.", snap.outbox_failed
        )
        yield _gauge("push_queue", "Push notifications accepted, not yet handled.", snap.push_queue)
        yield _gauge("waiting_chats", "Buyer chats waiting for the seller's reply.", snap.waiting)
        longest = snap.longest_wait.total_seconds() if snap.longest_wait else 0.0
        yield _gauge(
            "longest_wait_seconds", "How long the longest-waiting buyer has waited.", longest
        )
        yield _gauge(
            "database_ok",
            "1 while the database answers and takes writes.",
            1 if snap.database_ok and not snap.write_problem else 0,
        )


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(PREFIX + name, documentation, value=value)
