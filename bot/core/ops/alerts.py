"""Alerts in the forum's General topic: trouble that staff would otherwise learn of from a buyer.

A pass (an APScheduler job) asks each watch (`bot.core.ops.watches`) whether its trouble is on, off,
or cannot be told right now, and compares that with what the group was last told of each cause:
- trouble that began is posted once; the same cause begins again at most once an hour (an hour
  after its last alert or all-clear), so a flapping fault is not a stream of messages;
- trouble that ended is posted once, as soon as it ends, when its beginning was posted;
- "cannot tell" changes nothing (just after a start, or while the probe itself fails).
What the group was told is kept in the database (`meta`), so a restart repeats nothing; an alert
Telegram did not take is tried again at the next pass.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum, StrEnum
from typing import Protocol

from bot.core.faults import ShuttingDown, StorageError, TelegramFault
from bot.core.logfields import event
from bot.core.meter import Count, Meter

log = logging.getLogger(__name__)

REPEAT_AFTER = timedelta(hours=1)
"""The same cause begins again at most this often."""


class Cause(StrEnum):
    KEY_EXPIRING = "key_expiring"
    """The Ozon API key expires within `KEY_WARNING` (from `/v1/roles`)."""
    KEY_REFUSED = "key_refused"
    """Ozon refuses the key (wrong, expired, without the chat role, or from an IP not allowed)."""
    GROUP_SETUP = "group_setup"
    """The bot lost its admin or topic rights, left the group, or the group lost its Topics."""
    NOT_SYNCED = "not_synced"
    """No successful read of Ozon for more than three poll intervals."""
    DATABASE = "database"
    """The database does not answer or does not take writes."""
    REVIEWS_OFF = "reviews_off"
    """Ozon refuses reviews (the subscription or the key's role lacks them); chats go on."""
    QUESTIONS_OFF = "questions_off"
    """Ozon refuses product questions (the subscription or the key's role lacks them)."""


@dataclass(frozen=True, slots=True)
class Trouble:
    cause: Cause
    detail: str
    """For the operator's log, in English."""
    kind: str | None = None
    """Which trouble of its cause (a `GroupFault`, an `AuthProblem`), for the right advice."""
    when: datetime | None = None
    """The moment that matters: when the key expires, when Ozon was last read."""


class Unknown(Enum):
    UNKNOWN = "unknown"


UNKNOWN = Unknown.UNKNOWN
"""What a watch returns when it cannot tell whether its trouble is on."""

Reading = Trouble | Unknown | None
Watch = Callable[[datetime], Awaitable[Reading]]


@dataclass(frozen=True, slots=True)
class Told:
    """What the group was last told of a cause, and when."""

    active: bool
    at: datetime


@dataclass(frozen=True, slots=True)
class Alert:
    cause: Cause
    trouble: Trouble | None
    """The trouble that began; None: the cause's trouble ended."""
    lasted: timedelta | None = None
    """For an end: how long since its beginning was posted."""


class AlertPort(Protocol):
    async def alert(self, alert: Alert) -> None:
        """Post it in General; raises `TelegramUnavailable` when Telegram did not take it."""


class AlertLedger(Protocol):
    async def load(self) -> dict[Cause, Told]: ...

    async def save(self, told: Mapping[Cause, Told]) -> None: ...


def decide(
    told: Mapping[Cause, Told], readings: Mapping[Cause, Reading], now: datetime
) -> list[Alert]:
    """The alerts a pass posts, from what the group was told and what the watches read."""
    alerts = []
    for cause, reading in readings.items():
        last = told.get(cause)
        if reading is UNKNOWN:
            continue
        if isinstance(reading, Trouble):
            if (last is None or not last.active) and (
                last is None or now - last.at >= REPEAT_AFTER
            ):
                alerts.append(Alert(cause, reading))
        elif last is not None and last.active:
            alerts.append(Alert(cause, None, lasted=now - last.at))
    return alerts


class Alerts:
    """The pass; `active` is what the last pass found (for `/metrics`)."""

    def __init__(
        self,
        watches: Mapping[Cause, Watch],
        port: AlertPort,
        ledger: AlertLedger,
        *,
        meter: Meter | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._watches = watches
        self._port = port
        self._ledger = ledger
        self._meter = meter or Meter()
        self._now = now
        self._told: dict[Cause, Told] = {}
        self._loaded = False
        self._unsaved = False
        self._unposted: set[Cause] = set()
        self.active: dict[Cause, bool] = {}

    async def run(self) -> list[Alert]:
        """One pass; returns the alerts Telegram took."""
        told = await self._load()
        now = self._now()
        readings: dict[Cause, Reading] = {}
        for cause, watch in self._watches.items():
            try:
                readings[cause] = await watch(now)
            except Exception:  # one watch's bug must not silence the others
                log.exception("alerts: the %s watch failed", cause)
                readings[cause] = UNKNOWN
            if readings[cause] is not UNKNOWN:
                self.active[cause] = readings[cause] is not None
        posted = await self._post(decide(told, readings, now), told, now)
        if posted or self._unsaved:
            await self._save(told)
        return posted

    async def _post(
        self, alerts: Sequence[Alert], told: dict[Cause, Told], now: datetime
    ) -> list[Alert]:
        posted = []
        for alert in alerts:
            try:
                await self._port.alert(alert)
            except (TelegramFault, ShuttingDown) as exc:
                # Said once: a group the bot cannot post in refuses every pass's try.
                level = logging.DEBUG if alert.cause in self._unposted else logging.WARNING
                self._unposted.add(alert.cause)
                log.log(level, "alert %s not posted (%s): tried at each pass", alert.cause, exc)
                continue
            self._unposted.discard(alert.cause)
            began = alert.trouble is not None
            told[alert.cause] = Told(began, now)
            self._meter.add(Count.ALERTS, alert.cause, "begun" if began else "ended")
            if alert.trouble is not None:
                log.warning(
                    "alert posted: %s",
                    alert.trouble.detail,
                    extra=event("alert_begun", cause=str(alert.cause)),
                )
            else:
                log.info(
                    "alert ended: %s",
                    alert.cause,
                    extra=event("alert_ended", cause=str(alert.cause)),
                )
            posted.append(alert)
        return posted

    async def _load(self) -> dict[Cause, Told]:
        """What the group was told: read once from the database; while it cannot be read, what
        this run told (merged with the stored record once it can)."""
        if not self._loaded:
            try:
                stored = await self._ledger.load()
            except StorageError as exc:
                log.warning("alerts: what the group was told is not readable yet (%s)", exc)
            except (ValueError, KeyError, TypeError):
                log.exception("alerts: the record of what the group was told is unreadable")
                self._loaded = True  # start afresh: at worst one alert is told again
            except Exception:  # the database in a state storage has no name for
                log.exception("alerts: what the group was told is not readable yet")
            else:
                self._told = {**stored, **self._told}
                self._loaded = True
        return self._told

    async def _save(self, told: Mapping[Cause, Told]) -> None:
        """Kept when it changed; a save that failed is tried again at the next pass (a restart
        meanwhile may tell the group once more)."""
        self._unsaved = True
        try:
            await self._ledger.save(told)
        except StorageError as exc:
            log.debug("alerts: not saved (%s)", exc)  # the database watch says why
        except Exception:
            log.exception("alerts: not saved")
        else:
            self._unsaved = False


class TextValue(Protocol):
    async def get(self) -> str | None: ...

    async def set(self, value: str) -> None: ...


class StoredLedger:
    """`AlertLedger` kept as one JSON value (`storage.meta.MetaValues`); a cause it does not
    know (written by a later version) is left out."""

    def __init__(self, value: TextValue) -> None:
        self._value = value

    async def load(self) -> dict[Cause, Told]:
        text = await self._value.get()
        told: dict[Cause, Told] = {}
        known = {str(cause) for cause in Cause}
        for name, entry in (json.loads(text) if text else {}).items():
            if name in known:
                told[Cause(name)] = Told(bool(entry["active"]), datetime.fromisoformat(entry["at"]))
        return told

    async def save(self, told: Mapping[Cause, Told]) -> None:
        data = {c: {"active": t.active, "at": t.at.isoformat()} for c, t in sorted(told.items())}
        await self._value.set(json.dumps(data, sort_keys=True))
