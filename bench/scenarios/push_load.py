"""Scenario 6: the push endpoint under an open-loop load."""

from __future__ import annotations

import asyncio
import json
import random
import time
from datetime import timedelta

import aiohttp

from bench.common import FAST_TELEGRAM, PUSH_PATH, Row, Sizes, log, ms, percentile
from bench.stand import prepopulate, seed_chats, stand
from tests.process import free_port


async def push_load(sizes: Sizes) -> list[Row]:
    async with stand("push-load") as st:
        made = seed_chats(st.ozon, sizes.push_chats, age=timedelta(days=2))
        await prepopulate(st.db_path, made)
        port = free_port()
        await st.start(
            **FAST_TELEGRAM,
            PUSH_ENABLED="true",
            PUSH_PORT=port,
            PUSH_ALLOWED_IPS="127.0.0.0/8",
            POLL_INTERVAL_SECONDS=600,
        )
        await st.ready()
        url = f"http://127.0.0.1:{port}{PUSH_PATH}"
        rng = random.Random(6)
        total = int(sizes.push_rate * sizes.push_seconds)
        bodies = [
            json.dumps(st.ozon.new_message_push(chat_id, message_id)).encode()
            for chat_id, message_id, _ in (rng.choice(made) for _ in range(total))
        ]
        latencies: list[float] = []
        statuses: dict[str, int] = {}
        lag: list[float] = []
        timeout = aiohttp.ClientTimeout(total=10)
        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

            async def fire(due: float, body: bytes) -> None:
                lag.append(time.monotonic() - due)
                key = "error"
                try:
                    async with session.post(
                        url, data=body, headers={"Content-Type": "application/json"}
                    ) as answer:
                        await answer.read()
                        key = str(answer.status)
                except (aiohttp.ClientError, TimeoutError) as exc:
                    key = type(exc).__name__
                latencies.append(time.monotonic() - due)
                statuses[key] = statuses.get(key, 0) + 1

            tasks = []
            begin = time.monotonic() + 0.2
            for i, body in enumerate(bodies):
                due = begin + i / sizes.push_rate
                await asyncio.sleep(max(0.0, due - time.monotonic()))
                tasks.append(asyncio.create_task(fire(due, body)))
            await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
        depth_ok = st.alive()
        log(f"push load: p99 {ms(percentile(latencies, 99))}, statuses {statuses}")
    not_ok = sum(n for key, n in statuses.items() if key != "200")
    scenario = f"6. push endpoint, {sizes.push_rate}/s for {sizes.push_seconds:.0f} s"
    return [
        Row(
            scenario,
            f"response p50 / p99 (n={total})",
            f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 99))}",
            "open loop, timed from the scheduled send; goal: p99 well under 1.5 s",
        ),
        Row(
            scenario,
            "non-200 answers",
            str(not_ok),
            f"statuses {statuses}; client fired p99 {ms(percentile(lag, 99))} late; "
            f"bridge {'alive' if depth_ok else 'DEAD'} afterwards",
        ),
        *[Row(scenario, "note", n) for n in st.notes],
    ]
