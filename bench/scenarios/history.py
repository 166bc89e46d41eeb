"""Scenario 8: the same bridge after months of work, a year of history in its database."""

from __future__ import annotations

import asyncio
import functools
import random
import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import ADMIN_ID, FAST_TELEGRAM, Row, Sizes, log, mib, ms, percentile
from bench.observe import TelegramLog
from bench.stand import Stand, prepopulate, rss_bytes, seed_chats, stand
from storage.db import to_db_time
from tests.process import free_port


def fill_history(db_path: Path, chats: Sequence[str], messages: int, replies: int) -> None:
    """A year of a busy seller's traffic, already handled: posted buyer messages (one in a
    thousand given up), delivered staff replies (one in a hundred refused) by five people, and
    the help desk's waiting periods (one per reply, answered within minutes to a day and a half,
    one in ten from Ozon's cabinet)."""
    end = datetime.now(UTC) - timedelta(hours=1)
    year = timedelta(days=365)

    def when(n: int, count: int) -> str | None:
        return to_db_time(end - year + year * n / count)

    staff = [(100 + n, name) for n, name in enumerate(("Анна", "Борис", "Вера", "Глеб", "Дина"))]
    rng = random.Random(88)
    body = "Здравствуйте! Подскажите, пожалуйста, когда доставят мой заказ? " * 2
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA synchronous=OFF")  # set-up only
        conn.executemany(
            "INSERT INTO messages (chat_id, message_id, direction, author, created_at, body, "
            "state, tg_message_id, recorded_at, posted_at) "
            "VALUES (?, ?, 'inbound', 'CUSTOMER', ?, ?, ?, ?, ?, ?)",
            (
                (chats[n % len(chats)], str(10**12 + n), at, body,
                 "failed" if n % 1000 == 0 else "posted", n, at, at)
                for n in range(messages)
                if (at := when(n, messages))
            ),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO outbox (chat_id, kind, body, tg_message_id, topic_id, state, reason, "
            "notified, created_at, finished_at, staff_id, staff_name) "
            "VALUES (?, 'text', ?, ?, 1, ?, ?, 1, ?, ?, ?, ?)",
            (
                (chats[n % len(chats)], "Ответ покупателю", 10**9 + n,
                 "failed" if n % 100 == 0 else "delivered",
                 "window_closed" if n % 100 == 0 else None, at, at, *staff[n % len(staff)])
                for n in range(replies)
                if (at := when(n, replies))
            ),
        )  # fmt: skip
        periods = []
        for n in range(replies):
            began = end - year + year * n / replies
            waited = timedelta(seconds=rng.uniform(60, 36 * 3600))
            by, person = ("cabinet", (None, None)) if n % 10 == 0 else ("telegram", staff[n % 5])
            periods.append(
                (chats[n % len(chats)], to_db_time(began), to_db_time(began),
                 to_db_time(began + waited), by, *person)
            )  # fmt: skip
        conn.executemany(
            "INSERT INTO waiting_periods (chat_id, began_at, last_buyer_at, ended_at, ended_by, "
            "staff_id, staff_name) VALUES (?, ?, ?, ?, ?, ?, ?)",
            periods,
        )


async def history(sizes: Sizes) -> list[Row]:
    """The same bridge after months of work: a database holding a year of history."""
    async with stand("history") as st:
        made = seed_chats(st.ozon, sizes.history_chats, age=timedelta(days=2))
        await prepopulate(st.db_path, made)
        chats = [chat_id for chat_id, _, _ in made]
        fill_history(st.db_path, chats, sizes.history_messages, sizes.history_replies)
        size = st.db_path.stat().st_size
        log(f"history: {size / 2**20:.0f} MiB database")
        port = free_port()
        await st.start(**FAST_TELEGRAM, PUSH_PORT=port, POLL_INTERVAL_SECONDS=1, ADMIN_IDS=ADMIN_ID)
        await st.ready()
        health: list[float] = []
        statuses: dict[int, int] = {}
        async with httpx.AsyncClient(timeout=30) as client:
            for _ in range(sizes.history_probes):
                began = time.monotonic()
                answer = await client.get(f"http://127.0.0.1:{port}/healthz")
                health.append(time.monotonic() - began)
                statuses[answer.status_code] = statuses.get(answer.status_code, 0) + 1
        posts = TelegramLog(st.tg)
        rng = random.Random(8)
        latencies: list[float] = []
        for number in range(sizes.latency_messages // 2):
            digits = f"{number:06d}"
            await asyncio.sleep(rng.uniform(0, 1))  # a random phase against the 1 s poll
            added = time.monotonic()
            st.ozon.add_message(rng.choice(chats), f"mk{digits} Новый вопрос")
            await st.wait(functools.partial(posts.has, digits), within=30, what=f"post {digits}")
            latencies.append(posts.markers[digits] - added)
        log(f"history: /healthz p99 {ms(percentile(health, 99))}")
        stats = await _stats_calls(st, sizes.stats_calls)
    scenario = (
        f"8. a year of history ({sizes.history_messages:,} messages, "
        f"{sizes.history_replies:,} replies, {mib(size)} database)"
    )
    return [
        Row(
            scenario,
            f"/healthz p50 / p99 (n={len(health)})",
            f"{ms(percentile(health, 50))} / {ms(percentile(health, 99))}",
            f"statuses {statuses}; its counts read partial indexes, not the tables",
        ),
        Row(
            scenario,
            f"Ozon → Telegram latency, polling, p50 / p99 (n={len(latencies)})",
            f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 99))}",
            "poll every 1 s, random phase: compare with scenario 1",
        ),
        *stats.rows(scenario),
        *[Row(scenario, "note", n) for n in st.notes],
    ]


@dataclass(slots=True)
class StatsCalls:
    """`/stats` asked again and again of the bridge with a year of history."""

    report: list[float] = field(default_factory=list)
    """From the command queued in Telegram to the report reaching it."""
    chart: list[float] = field(default_factory=list)
    """... to the chart reaching it."""
    rss: list[int] = field(default_factory=list)
    """The bridge's RSS before the first call, after it, halfway, and after the last."""

    def rows(self, scenario: str) -> list[Row]:
        before, first, half, last = (mib(r) for r in self.rss)
        later = len(self.report) - len(self.report) // 2
        growth = (self.rss[3] - self.rss[2]) / later / 1024
        return [
            Row(
                scenario,
                f"/stats answer p50 / p99 (n={len(self.report)}); the first",
                f"{ms(percentile(self.report, 50))} / {ms(percentile(self.report, 99))}; "
                f"{ms(self.report[0])}",
                "goal under 2 s; from the command to the report (Ozon's grades cached 5 min; "
                "the first imports matplotlib)",
            ),
            Row(
                scenario,
                "/stats chart p50 / p99",
                f"{ms(percentile(self.chart, 50))} / {ms(percentile(self.chart, 99))}",
                "from the command to the chart, drawn in a thread",
            ),
            Row(
                scenario,
                "bridge RSS before / after the first / halfway / after the last /stats",
                f"{before} / {first} / {half} / {last}",
                f"{growth:.0f} KiB per call over the second half; goal: no growth per call "
                "(the first call loads matplotlib; its caches fill in the first few)",
            ),
        ]


async def _stats_calls(st: Stand, calls: int) -> StatsCalls:
    result = StatsCalls()

    def reports() -> int:
        return sum("Как быстро" in str(c.params.get("text")) for c in st.tg.calls("sendMessage"))

    result.rss.append(rss_bytes(st.proc))
    for n in range(calls):
        texts, charts = reports(), len(st.tg.calls("sendPhoto"))
        began = time.monotonic()
        st.tg.user_message("/stats", thread_id=None, from_id=ADMIN_ID)
        shown = await st.wait(
            functools.partial(lambda seen: reports() > seen, texts),
            within=60,
            what="the /stats report",
        )
        drawn = await st.wait(
            functools.partial(lambda seen: len(st.tg.calls("sendPhoto")) > seen, charts),
            within=60,
            what="the /stats chart",
        )
        result.report.append(shown - began)
        result.chart.append(drawn - began)
        if n in (0, calls // 2 - 1):
            result.rss.append(rss_bytes(st.proc))
    result.rss.append(rss_bytes(st.proc))
    log(f"history: /stats p50 {ms(percentile(result.report, 50))}")
    return result
