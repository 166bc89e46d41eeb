"""The bridge's running counts, kept in memory for the operator's dashboards (`/metrics`).

Counting is a dictionary update on the path that does the work; nothing here waits, writes or
reads the database. The web side turns these into Prometheus series when it is scraped
(`bot.web.metrics`), adding what it reads off the pieces themselves (backlogs, the flood budget,
the last sync). Counts start from zero when the bridge starts, as Prometheus counters do.
"""

from __future__ import annotations

from enum import StrEnum


class Count(StrEnum):
    """Every count the bridge keeps; the value is the series name without prefix and suffix."""

    BUYER_MESSAGES_RELAYED = "buyer_messages_relayed"
    SELLER_MESSAGES_RELAYED = "seller_messages_relayed"
    REPLIES_DELIVERED = "replies_delivered"
    REPLIES_FAILED = "replies_failed"
    OZON_REQUESTS = "ozon_requests"
    OZON_RATE_LIMITED_SECONDS = "ozon_rate_limited_seconds"
    TELEGRAM_CALLS = "telegram_calls"
    ALERTS = "alerts"
    DRAFTS = "drafts"
    FEEDBACK_POSTED = "feedback_posted"


LABELS: dict[Count, tuple[str, ...]] = {
    Count.BUYER_MESSAGES_RELAYED: (),
    Count.SELLER_MESSAGES_RELAYED: (),
    Count.REPLIES_DELIVERED: ("kind",),
    Count.REPLIES_FAILED: ("kind", "reason"),
    Count.OZON_REQUESTS: ("method", "outcome"),
    Count.OZON_RATE_LIMITED_SECONDS: (),
    Count.TELEGRAM_CALLS: ("method", "outcome"),
    Count.ALERTS: ("cause", "state"),
    Count.DRAFTS: ("event",),
    Count.FEEDBACK_POSTED: ("kind",),
}
"""The label names of each count, in the order `Meter.add` takes their values."""


class Meter:
    def __init__(self) -> None:
        self._series: dict[Count, dict[tuple[str, ...], float]] = {count: {} for count in Count}

    def add(self, count: Count, *labels: str, amount: float = 1.0) -> None:
        """Add `amount` to the series of `count` with these label values (in `LABELS` order)."""
        if len(labels) != len(LABELS[count]):
            raise ValueError(f"{count} takes labels {LABELS[count]}, got {labels}")
        series = self._series[count]
        series[labels] = series.get(labels, 0.0) + amount

    def read(self, count: Count) -> dict[tuple[str, ...], float]:
        """Every series of `count` so far: label values → total."""
        return dict(self._series[count])


class OzonMeter:
    """Counts the Ozon client's attempts (`bot.ozon.observe.RequestObserver`)."""

    def __init__(self, meter: Meter) -> None:
        self._meter = meter

    def request(self, path: str, outcome: str) -> None:
        self._meter.add(Count.OZON_REQUESTS, path, outcome)

    def rate_limited(self, seconds: float) -> None:
        self._meter.add(Count.OZON_RATE_LIMITED_SECONDS, amount=seconds)
