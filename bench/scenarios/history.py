"""Scenario 8: the same bridge after months of work, a year of history in its database."""

from __future__ import annotations

import asyncio
import functools
import random
import sqlite3
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.common import FAST_TELEGRAM, Row, Sizes, log, mib, ms, percentile
from bench.observe import TelegramLog
from bench.stand import prepopulate, seed_chats, stand
from storage.db import to_db_time
from tests.process import free_port


def fill_history(db_path: Path, chats: Sequence[str], messages: int, replies: int) -> None:
    """Months of a busy seller's traffic, already handled: posted buyer messages (one in a
    thousand given up) and delivered staff replies (one in a hundred refused)."""
    now = to_db_time(datetime.now(UTC) - timedelta(days=30))
    body = "Здравствуйте! Подскажите, пожалуйста, когда доставят мой заказ? " * 2
    with sqlite3.connect(db_path) as conn:
        conn.execute("PRAGMA synchronous=OFF")  # set-up only
        conn.executemany(
            "INSERT INTO messages (chat_id, message_id, direction, author, created_at, body, "
            "state, tg_message_id, recorded_at, posted_at) "
            "VALUES (?, ?, 'inbound', 'CUSTOMER', ?, ?, ?, ?, ?, ?)",
            (
                (chats[n % len(chats)], str(10**12 + n), now, body,
                 "failed" if n % 1000 == 0 else "posted", n, now, now)
                for n in range(messages)
            ),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO outbox (chat_id, kind, body, tg_message_id, topic_id, state, reason, "
            "notified, created_at, finished_at) VALUES (?, 'text', ?, ?, 1, ?, ?, 1, ?, ?)",
            (
                (chats[n % len(chats)], "Ответ покупателю", 10**9 + n,
                 "failed" if n % 100 == 0 else "delivered",
                 "window_closed" if n % 100 == 0 else None, now, now)
                for n in range(replies)
            ),
        )  # fmt: skip


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
        await st.start(**FAST_TELEGRAM, PUSH_PORT=port, POLL_INTERVAL_SECONDS=1)
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
        *[Row(scenario, "note", n) for n in st.notes],
    ]
