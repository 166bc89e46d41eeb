"""Scenario 1: Ozon → Telegram latency, through polling and through push."""

from __future__ import annotations

import asyncio
import functools
import random
import time

import httpx

from bench.common import FAST_TELEGRAM, PUSH_PATH, BenchError, Row, Sizes, log, ms, percentile
from bench.observe import TelegramLog
from bench.stand import stand
from tests.process import free_port


async def latency(sizes: Sizes, *, push: bool) -> list[Row]:
    way = "push" if push else "polling"
    rng = random.Random(1)
    async with stand(f"latency-{way}") as st:
        chat = st.ozon.add_chat()
        st.ozon.add_message(chat, "mk000000 Здравствуйте")
        port = free_port()
        settings: dict[str, object] = {**FAST_TELEGRAM, "POLL_INTERVAL_SECONDS": 1}
        if push:
            settings |= {
                "PUSH_ENABLED": "true",
                "PUSH_PORT": port,
                "PUSH_ALLOWED_IPS": "127.0.0.0/8",
                "POLL_INTERVAL_SECONDS": 600,
            }
        await st.start(**settings)
        posts = TelegramLog(st.tg)
        await st.wait(lambda: posts.has("000000"), within=30, what="the chat to be bridged")
        samples: list[float] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for i in range(1, sizes.latency_messages + 1):
                # Polling: a random phase against the poll schedule; push: a short gap.
                await asyncio.sleep(rng.random() if not push else 0.02)
                digits = f"{i:06d}"
                started = time.monotonic()
                message_id = st.ozon.add_message(chat, f"mk{digits} Вопрос номер {i}")
                if push:
                    answer = await http.post(
                        PUSH_PATH, json=st.ozon.new_message_push(chat, message_id)
                    )
                    if answer.status_code != 200:
                        raise BenchError(f"push answered {answer.status_code}: {answer.text}")
                await st.wait(functools.partial(posts.has, digits), within=15, what=f"message {i}")
                samples.append(posts.markers[digits] - started)
        log(f"latency through {way}: p50 {ms(percentile(samples, 50))}")
    note = "goal: push p99 well under 1.5 s" if push else "poll every 1 s, random phase"
    rows = [
        Row(
            f"1. Ozon → Telegram latency, {way}",
            f"p50 / p99 (n={len(samples)})",
            f"{ms(percentile(samples, 50))} / {ms(percentile(samples, 99))}",
            note,
        )
    ]
    return rows + [Row(f"1. latency, {way}", "note", n) for n in st.notes]
