"""Alerts, in milliseconds: the rule of what a pass posts, the pass against in-memory ports (begin
once, repeat at most hourly, end once, survive a restart and a Telegram outage), each watch, and
the Russian texts naming the setting or the right to fix."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.faults import GroupFault, PostRejected, StorageWriteError, TelegramUnavailable
from bot.core.meter import Count, Meter
from bot.core.ops.alerts import (
    UNKNOWN,
    Alert,
    Alerts,
    Cause,
    Reading,
    StoredLedger,
    Told,
    Trouble,
    Watch,
    decide,
)
from bot.core.ops.watches import DatabaseWatch, GroupWatch, KeyExpiry, KeyRefused, NotSynced
from bot.core.relay.health import SyncHealth, SyncReport
from bot.ozon.errors import AuthProblem, OzonServerError
from bot.ozon.models import RolesInfo
from bot.telegram.views.alerts import AlertText

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
TROUBLE = Trouble(Cause.DATABASE, "the disk is full")


# ---- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("told", "reading", "now", "posted"),
    [
        pytest.param(None, TROUBLE, T0, "begun", id="first trouble: posted"),
        pytest.param(None, None, T0, None, id="all well, nothing told: silent"),
        pytest.param(Told(True, T0), TROUBLE, T0 + 3 * HOUR, None, id="still on: not repeated"),
        pytest.param(Told(True, T0), None, T0 + timedelta(minutes=5), "ended", id="ended: at once"),
        pytest.param(
            Told(False, T0), TROUBLE, T0 + timedelta(minutes=59), None, id="again within the hour"
        ),
        pytest.param(Told(False, T0), TROUBLE, T0 + HOUR, "begun", id="again after the hour"),
        pytest.param(Told(True, T0), UNKNOWN, T0 + HOUR, None, id="cannot tell: no change"),
        pytest.param(Told(False, T0), None, T0 + HOUR, None, id="ended and told: silent"),
    ],
)
def test_what_a_pass_posts(
    told: Told | None, reading: Reading, now: datetime, posted: str | None
) -> None:
    told_map = {} if told is None else {Cause.DATABASE: told}
    alerts = decide(told_map, {Cause.DATABASE: reading}, now)
    if posted is None:
        assert alerts == []
    else:
        (alert,) = alerts
        assert alert.cause == Cause.DATABASE
        assert (alert.trouble is not None) == (posted == "begun")
        if posted == "ended":
            assert told is not None
            assert alert.lasted == now - told.at


# ---- the pass -------------------------------------------------------------------------------


@dataclass
class Port:
    posted: list[Alert] = field(default_factory=list)
    down: bool = False

    async def alert(self, alert: Alert) -> None:
        if self.down:
            raise TelegramUnavailable("telegram is down (test)")
        self.posted.append(alert)


@dataclass
class Value:
    text: str | None = None
    broken: bool = False

    async def get(self) -> str | None:
        if self.broken:
            raise StorageWriteError("the disk is full (test)")
        return self.text

    async def set(self, value: str) -> None:
        if self.broken:
            raise StorageWriteError("the disk is full (test)")
        self.text = value


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


class Switch:
    """A watch whose answer the test sets."""

    def __init__(self, cause: Cause) -> None:
        self.reading: Reading = None
        self.cause = cause

    def on(self) -> None:
        self.reading = Trouble(self.cause, f"{self.cause} is on (test)")

    async def __call__(self, now: datetime) -> Reading:
        return self.reading


def make_alerts(
    value: Value, port: Port, clock: Clock, meter: Meter | None = None
) -> tuple[Alerts, Switch]:
    switch = Switch(Cause.NOT_SYNCED)
    alerts = Alerts({Cause.NOT_SYNCED: switch}, port, StoredLedger(value), meter=meter, now=clock)
    return alerts, switch


async def test_an_alert_begins_once_repeats_at_most_hourly_and_ends_once() -> None:
    value, port, clock, meter = Value(), Port(), Clock(), Meter()
    alerts, switch = make_alerts(value, port, clock, meter)
    assert await alerts.run() == []
    switch.on()
    for _ in range(5):  # pass after pass while it lasts: one alert
        await alerts.run()
        clock.now += timedelta(minutes=10)
    assert [a.trouble is not None for a in port.posted] == [True]
    assert alerts.active == {Cause.NOT_SYNCED: True}

    switch.reading = None
    await alerts.run()
    await alerts.run()
    assert [a.trouble is not None for a in port.posted] == [True, False]
    assert port.posted[-1].lasted == timedelta(minutes=50)

    # It flaps: back within the hour after the all-clear, it waits for the hour to pass.
    switch.on()
    clock.now += timedelta(minutes=30)
    await alerts.run()
    assert len(port.posted) == 2
    clock.now += timedelta(minutes=30)
    await alerts.run()
    assert [a.trouble is not None for a in port.posted] == [True, False, True]
    assert meter.read(Count.ALERTS) == {
        ("not_synced", "begun"): 2,
        ("not_synced", "ended"): 1,
    }


async def test_a_restart_repeats_nothing_and_still_ends_what_began() -> None:
    value, port, clock = Value(), Port(), Clock()
    alerts, switch = make_alerts(value, port, clock)
    switch.on()
    await alerts.run()
    assert len(port.posted) == 1

    # The bridge restarts with the same database: the trouble is still on, nothing is posted.
    again, switch = make_alerts(value, port, clock)
    switch.on()
    clock.now += 3 * HOUR
    await again.run()
    assert len(port.posted) == 1
    switch.reading = None
    await again.run()
    assert [a.trouble is not None for a in port.posted] == [True, False]


async def test_an_alert_telegram_did_not_take_is_posted_at_the_next_pass() -> None:
    value, port, clock = Value(), Port(down=True), Clock()
    alerts, switch = make_alerts(value, port, clock)
    switch.on()
    assert await alerts.run() == []
    port.down = False
    clock.now += timedelta(minutes=1)
    (alert,) = await alerts.run()
    assert alert.cause == Cause.NOT_SYNCED
    assert await alerts.run() == []


async def test_alerts_work_from_memory_while_the_database_takes_no_writes() -> None:
    value, port, clock = Value(broken=True), Port(), Clock()
    alerts, switch = make_alerts(value, port, clock)
    switch.on()
    for _ in range(3):
        await alerts.run()
    assert len(port.posted) == 1
    value.broken = False
    switch.reading = None
    await alerts.run()
    assert [a.trouble is not None for a in port.posted] == [True, False]
    assert value.text is not None
    assert '"active": false' in value.text


async def test_the_ledger_leaves_out_causes_it_does_not_know() -> None:
    value = Value('{"later_cause": {"active": true, "at": "2026-11-01T00:00:00+00:00"}}')
    assert await StoredLedger(value).load() == {}


# ---- the watches ----------------------------------------------------------------------------


class Roles:
    def __init__(self, expires_at: datetime | None) -> None:
        self.expires_at = expires_at
        self.calls = 0
        self.failing = False

    async def roles(self) -> RolesInfo:
        self.calls += 1
        if self.failing:
            raise OzonServerError(500, None, "down (test)", [], path="/v1/roles")
        return RolesInfo(roles=[], expires_at=self.expires_at)


async def test_the_key_expiry_is_read_every_six_hours() -> None:
    ozon = Roles(T0 + timedelta(days=20))
    watch = KeyExpiry(ozon)
    assert await watch(T0) is None
    assert await watch(T0 + timedelta(hours=5)) is None
    assert ozon.calls == 1
    ozon.expires_at = T0 + timedelta(days=10)
    trouble = await watch(T0 + timedelta(hours=6))
    assert isinstance(trouble, Trouble)
    assert trouble.cause == Cause.KEY_EXPIRING
    assert trouble.when == T0 + timedelta(days=10)
    assert ozon.calls == 2
    ozon.expires_at = None  # a key without an expiry
    assert await watch(T0 + timedelta(hours=12)) is None


async def test_the_key_expiry_is_unknown_until_ozon_answers() -> None:
    ozon = Roles(T0 + timedelta(days=3))
    ozon.failing = True
    watch = KeyExpiry(ozon)
    assert await watch(T0) is UNKNOWN
    assert await watch(T0 + timedelta(minutes=5)) is UNKNOWN
    assert ozon.calls == 1, "after a failure, asked again in ten minutes"
    ozon.failing = False
    assert isinstance(await watch(T0 + timedelta(minutes=10)), Trouble)


async def test_not_synced_after_three_intervals_and_not_while_the_key_is_refused() -> None:
    health = SyncHealth()
    watch = NotSynced(health, poll_interval=60, started=T0)
    assert await watch(T0 + timedelta(minutes=2)) is UNKNOWN, "just started"
    trouble = await watch(T0 + timedelta(minutes=3, seconds=1))
    assert isinstance(trouble, Trouble)
    assert "the start" in trouble.detail
    health.last_success = T0 + timedelta(minutes=4)
    assert await watch(T0 + timedelta(minutes=5)) is None
    health.last_error = "Ozon /v3/chat/list answered 503"
    trouble = await watch(T0 + timedelta(minutes=8))
    assert isinstance(trouble, Trouble)
    assert "503" in trouble.detail
    health.auth_problem = AuthProblem.KEY_EXPIRED
    assert await watch(T0 + timedelta(minutes=9)) is UNKNOWN, "the key alert says it"
    refused = await KeyRefused(health)(T0)
    assert isinstance(refused, Trouble)
    assert refused.kind == AuthProblem.KEY_EXPIRED


@dataclass
class Relay:
    fault: GroupFault | None = None
    unavailable: str | None = None


class Probe:
    def __init__(self) -> None:
        self.answer: tuple[GroupFault, str] | None = None
        self.calls = 0
        self.down = False

    async def group_fault(self) -> tuple[GroupFault, str] | None:
        self.calls += 1
        if self.down:
            raise TelegramUnavailable("network (test)")
        return self.answer


async def test_the_group_watch_trusts_the_relay_then_looks_itself() -> None:
    relay, probe = Relay(), Probe()
    watch = GroupWatch(relay, probe, every=timedelta(minutes=5))
    probe.down = True
    assert await watch(T0) is UNKNOWN
    probe.down = False
    probe.answer = (GroupFault.NOT_FORUM, "Topics off")
    assert await watch(T0 + timedelta(minutes=1)) is UNKNOWN, "not asked again so soon"
    trouble = await watch(T0 + timedelta(minutes=5))
    assert isinstance(trouble, Trouble)
    assert trouble.kind == GroupFault.NOT_FORUM

    relay.fault, relay.unavailable = GroupFault.RIGHTS, "the bot lacks rights"
    trouble = await watch(T0 + timedelta(minutes=6))
    assert isinstance(trouble, Trouble)
    assert trouble.kind == GroupFault.RIGHTS
    calls = probe.calls

    # Posting recovers: the set-up is looked at at once, not five minutes later.
    relay.fault = relay.unavailable = None
    probe.answer = None
    assert await watch(T0 + timedelta(minutes=7)) is None
    assert probe.calls == calls + 1


@dataclass
class Db:
    answers: bool = True
    write_problem: str | None = None

    async def ping(self) -> bool:
        return self.answers


async def test_the_database_watch() -> None:
    db = Db()
    watch = DatabaseWatch(db)
    assert await watch(T0) is None
    db.write_problem = "cannot write the database at /data/bridge.sqlite3 (disk I/O error)"
    trouble = await watch(T0)
    assert isinstance(trouble, Trouble)
    assert "disk I/O" in trouble.detail
    db.answers = False
    assert isinstance(await watch(T0), Trouble)


# ---- the texts ------------------------------------------------------------------------------


def texts_of(alert: Alert) -> str:
    return AlertText(ZoneInfo("Europe/Moscow")).text(alert)


@pytest.mark.parametrize(
    ("trouble", "names"),
    [
        (
            Trouble(Cause.KEY_EXPIRING, "", when=T0 + timedelta(days=9)),
            ["OZON_API_KEY", "истекает"],
        ),
        (Trouble(Cause.KEY_REFUSED, "", kind=AuthProblem.KEY_EXPIRED), ["OZON_API_KEY"]),
        (Trouble(Cause.KEY_REFUSED, "", kind=AuthProblem.INVALID_CREDENTIALS), ["OZON_CLIENT_ID"]),
        (Trouble(Cause.KEY_REFUSED, "", kind=AuthProblem.IP_RESTRICTED), ["IP-адрес"]),
        (Trouble(Cause.KEY_REFUSED, "", kind=AuthProblem.MISSING_ROLE), ["роль"]),
        (Trouble(Cause.KEY_REFUSED, "", kind=AuthProblem.UNKNOWN), ["python -m bot check"]),
        (Trouble(Cause.GROUP_SETUP, "", kind=GroupFault.RIGHTS), ["«Управление темами»"]),
        (Trouble(Cause.GROUP_SETUP, "", kind=GroupFault.NOT_FORUM), ["«Темы»"]),
        (Trouble(Cause.GROUP_SETUP, "", kind=GroupFault.KICKED), ["администратором"]),
        (Trouble(Cause.GROUP_SETUP, "", kind=GroupFault.NO_CHAT), ["FORUM_CHAT_ID"]),
        (Trouble(Cause.GROUP_SETUP, "", kind=GroupFault.MIGRATED), ["FORUM_CHAT_ID"]),
        (Trouble(Cause.GROUP_SETUP, "", kind=GroupFault.UNAUTHORIZED), ["BOT_TOKEN"]),
        (Trouble(Cause.NOT_SYNCED, "", when=T0), ["POLL_INTERVAL_SECONDS", "02.11.2026 12:00"]),
        (Trouble(Cause.DATABASE, ""), ["DATABASE_PATH"]),
    ],
)
def test_each_alert_names_what_to_fix(trouble: Trouble, names: list[str]) -> None:
    text = texts_of(Alert(trouble.cause, trouble))
    for name in names:
        assert name in text


@pytest.mark.parametrize("cause", list(Cause))
def test_each_end_says_so(cause: Cause) -> None:
    text = texts_of(Alert(cause, None, lasted=timedelta(hours=2, minutes=15)))
    assert text.startswith("✅")
    if cause != Cause.KEY_EXPIRING:
        assert "2 ч 15 мин" in text


# ---- what the review found -------------------------------------------------------------------


async def test_the_key_is_not_called_accepted_before_a_poll_went_through() -> None:
    health = SyncHealth()
    watch = KeyRefused(health)
    assert await watch(T0) is UNKNOWN, "just started: no poll has ended"
    health.failed("Ozon /v3/chat/list answered 503")
    assert await watch(T0) is UNKNOWN, "Ozon down: the key's fate is not known"
    health.failed("expired", AuthProblem.KEY_EXPIRED)
    assert isinstance(await watch(T0), Trouble)
    health.finished(SyncReport(), 0.1, T0)
    assert await watch(T0) is None


async def test_a_restart_while_the_key_is_still_refused_tells_nothing() -> None:
    """The record says the key was refused; after a restart the first pass runs before the first
    poll ends: no "accepted again" may be posted, and none until a poll goes through."""
    value, port, clock = Value(), Port(), Clock()
    health = SyncHealth()
    health.failed("expired", AuthProblem.KEY_EXPIRED)
    before = Alerts({Cause.KEY_REFUSED: KeyRefused(health)}, port, StoredLedger(value), now=clock)
    await before.run()
    assert len(port.posted) == 1

    health = SyncHealth()  # the restarted bridge, before its first poll ends
    after = Alerts({Cause.KEY_REFUSED: KeyRefused(health)}, port, StoredLedger(value), now=clock)
    clock.now += timedelta(minutes=2)
    await after.run()
    health.failed("expired", AuthProblem.KEY_EXPIRED)
    await after.run()
    assert len(port.posted) == 1
    health.finished(SyncReport(), 0.1, clock.now)
    await after.run()
    assert [a.trouble is not None for a in port.posted] == [True, False]


async def test_a_long_poll_that_still_runs_is_not_an_outage() -> None:
    health = SyncHealth(last_success=T0)
    watch = NotSynced(health, poll_interval=60, started=T0)
    health.polling_since = T0 + timedelta(minutes=1)
    assert await watch(T0 + timedelta(minutes=3, seconds=30)) is UNKNOWN, "catching up"
    assert isinstance(await watch(T0 + timedelta(minutes=4, seconds=1)), Trouble), "stuck"
    health.polling_since = None
    assert isinstance(await watch(T0 + timedelta(minutes=4)), Trouble)


class Broken:
    async def __call__(self, now: datetime) -> Reading:
        raise RuntimeError("a bug in a watch (test)")


@dataclass
class Refusing(Port):
    async def alert(self, alert: Alert) -> None:
        if self.down:
            raise PostRejected("TOPIC_CLOSED (test)")
        self.posted.append(alert)


async def test_a_failing_watch_or_a_refused_post_does_not_stop_the_pass() -> None:
    value, port, clock = Value(), Refusing(down=True), Clock()
    switch = Switch(Cause.DATABASE)
    switch.on()
    watches: dict[Cause, Watch] = {Cause.GROUP_SETUP: Broken(), Cause.DATABASE: switch}
    alerts = Alerts(watches, port, StoredLedger(value), now=clock)
    assert await alerts.run() == []
    assert alerts.active == {Cause.DATABASE: True}
    port.down = False
    (alert,) = await alerts.run()
    assert alert.cause == Cause.DATABASE


class CountingValue(Value):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    async def set(self, value: str) -> None:
        self.writes += 1
        await super().set(value)


async def test_the_record_is_written_only_when_it_changes() -> None:
    value, port, clock = CountingValue(), Port(), Clock()
    alerts, switch = make_alerts(value, port, clock)
    for _ in range(3):
        await alerts.run()
    assert value.writes == 0
    switch.on()
    for _ in range(3):
        await alerts.run()
    assert value.writes == 1
