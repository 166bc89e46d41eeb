"""`GET /metrics`: Prometheus' text format, parsed by Prometheus' own parser, whose counters move
with the traffic through the stand-ins; a scrape reads memory only; METRICS_ENABLED turns it off."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bot.core.meter import Count, Meter
from bot.core.ops.status import BridgeStatus
from bot.core.relay.health import SyncHealth
from bot.web.metrics import Metrics
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import free_port
from tests.waiting import wait_for

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    """Every sample by name and labels (sorted), through Prometheus' parser."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(http: httpx.AsyncClient) -> Samples:
    answer = await http.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    return parse(answer.text)


async def test_the_counters_move_with_the_traffic(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Здравствуйте, где мой заказ?")
    port = free_port()
    async with (
        bridge(push_port=port, metrics_snapshot_seconds=0.2),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http,
    ):
        await wait_for(lambda: "где мой заказ" in tg.shown(), within=15)

        async def counted(name: str, at_least: float, **labels: str) -> bool:
            return value(await scrape(http), name, **labels) >= at_least

        relayed = "ozon_bridge_buyer_messages_relayed_total"
        await wait_for(lambda: counted(relayed, 1), within=10, what="one relayed")
        await wait_for(
            lambda: counted("ozon_bridge_waiting_chats", 1), within=10, what="one waiting"
        )
        # The backlogs are a snapshot (every 0.2 s here): one taken between the message being
        # recorded and posted still counts it, the next one does not.
        await wait_for(
            lambda: zero(http, "ozon_bridge_messages_to_post"), within=10, what="none to post"
        )
        samples = await scrape(http)
        assert value(samples, relayed) == 1
        assert value(samples, "ozon_bridge_info", version=samples_version(samples)) == 1
        chat_list = {"method": "/v3/chat/list", "outcome": "ok"}
        assert value(samples, "ozon_bridge_ozon_requests_total", **chat_list) >= 1
        topic = {"method": "createForumTopic", "outcome": "ok"}
        assert value(samples, "ozon_bridge_telegram_calls_total", **topic) == 1
        assert value(samples, "ozon_bridge_flood_budget_size") == 20
        assert value(samples, "ozon_bridge_flood_budget_used") >= 1
        assert value(samples, "ozon_bridge_seconds_since_last_sync") < 30
        for gauge in ("messages_to_post", "replies_to_send", "database_ok", "push_queue"):
            assert ("ozon_bridge_" + gauge, ()) in samples, f"{gauge} is shown"
        assert value(samples, "ozon_bridge_messages_to_post") == 0
        assert value(samples, "ozon_bridge_database_ok") == 1

        # Two more messages; Ozon answers one poll with 429.
        ozon.fail_next("/v3/chat/list", 429, retry_after=1)
        ozon.add_message(chat, "Алло?")
        ozon.add_message(chat, "Вы тут?")
        await wait_for(lambda: counted(relayed, 3), within=20, what="three relayed")
        limited = {"method": "/v3/chat/list", "outcome": "rate_limited"}
        samples = await scrape(http)
        assert value(samples, "ozon_bridge_ozon_requests_total", **limited) == 1
        assert value(samples, "ozon_bridge_ozon_rate_limited_seconds_total") >= 1
        assert value(samples, relayed) == 3

        # A reply delivered, and one Ozon refuses: the chat is answered.
        (thread,) = [t.thread_id for t in tg.topics.values() if not t.deleted]
        tg.user_message("Заказ в пути", thread_id=thread)
        delivered = "ozon_bridge_replies_delivered_total"
        await wait_for(lambda: counted(delivered, 1, kind="reply"), within=15, what="delivered")
        await wait_for(
            lambda: zero(http, "ozon_bridge_waiting_chats"), within=10, what="nobody waits"
        )
        ozon.set_reply_window(chat, open=False)
        tg.user_message("Ответ после окна", thread_id=thread)
        failed = "ozon_bridge_replies_failed_total"
        await wait_for(
            lambda: counted(failed, 1, kind="reply", reason="window_closed"),
            within=15,
            what="the refusal counted by its reason",
        )


def samples_version(samples: Samples) -> str:
    (version,) = [dict(labels)["version"] for name, labels in samples if name == "ozon_bridge_info"]
    return version


async def zero(http: httpx.AsyncClient, name: str) -> bool:
    return value(await scrape(http), name) == 0


async def test_metrics_can_be_turned_off(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    port = free_port()
    async with (
        bridge(push_port=port, metrics_enabled=False),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http,
    ):

        async def alive() -> bool:
            try:
                return (await http.get("/livez")).status_code == 200
            except httpx.TransportError:
                return False  # not listening yet

        await wait_for(alive, within=15, what="/livez")
        assert (await http.get("/metrics")).status_code == 404


class Untouchable:
    """A store, database or relay that fails the test if a scrape touches it."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"a scrape touched {name}")


class Syncer:
    health = SyncHealth(last_success=datetime(2026, 11, 29, 12, 0, tzinfo=UTC))


class Budget:
    per_window = 20
    retry_after_seconds = 3.5

    def used_in_window(self) -> int:
        return 4


def test_a_scrape_reads_memory_only() -> None:
    meter = Meter()
    meter.add(Count.REPLIES_FAILED, "reply", "window_closed")
    meter.add(Count.TELEGRAM_CALLS, "sendMessage", "retry_after")
    status = BridgeStatus(
        version="9.9.9",
        db=Untouchable(),
        messages=Untouchable(),
        outbox=Untouchable(),
        syncer=Syncer(),
        relay=Untouchable(),
        poll_interval=60,
        push_enabled=False,
        push_queue=lambda: 0,
        now=lambda: datetime(2026, 11, 29, 12, 1, 30, tzinfo=UTC),
    )
    metrics = Metrics(
        version="9.9.9",
        meter=meter,
        status=status,
        budget=Budget(),
        alerts=lambda: {"database": True, "not_synced": False},
    )
    samples = parse(metrics.render().decode())
    assert value(samples, "ozon_bridge_seconds_since_last_sync") == 90
    failed = {"kind": "reply", "reason": "window_closed"}
    assert value(samples, "ozon_bridge_replies_failed_total", **failed) == 1
    calls = {"method": "sendMessage", "outcome": "retry_after"}
    assert value(samples, "ozon_bridge_telegram_calls_total", **calls) == 1
    assert value(samples, "ozon_bridge_telegram_retry_after_seconds_total") == 3.5
    assert value(samples, "ozon_bridge_flood_budget_used") == 4
    assert value(samples, "ozon_bridge_alert_active", cause="database") == 1
    assert value(samples, "ozon_bridge_alert_active", cause="not_synced") == 0
    # No snapshot taken yet: the backlogs are absent, not zero.
    assert not any(name == "ozon_bridge_messages_to_post" for name, _ in samples)
    # Every name carries the prefix.
    assert all(name.startswith("ozon_bridge_") for name, _ in samples)
