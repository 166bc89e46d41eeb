"""Scenario 7: CPU seconds and peak memory while forwarding messages."""

from __future__ import annotations

import asyncio
import functools
import time
from datetime import timedelta

from bench.common import Row, Sizes, log, mib
from bench.observe import TelegramLog
from bench.stand import cpu_seconds, peak_rss_bytes, prepopulate, rss_bytes, seed_chats, stand


async def cpu(sizes: Sizes) -> list[Row]:
    chats, rounds = sizes.cpu_chats, sizes.cpu_rounds
    async with stand("cpu") as st:
        made = seed_chats(st.ozon, chats, age=timedelta(days=2))
        await prepopulate(st.db_path, made)
        await st.start(
            TELEGRAM_MESSAGES_PER_MINUTE=60,
            TELEGRAM_BUDGET_WINDOW_SECONDS=0.05,
            POLL_INTERVAL_SECONDS=1,
        )
        await st.ready()
        rss_idle = rss_bytes(st.proc)
        idle_from = cpu_seconds(st.proc)
        await asyncio.sleep(3.0)
        idle_rate = (cpu_seconds(st.proc) - idle_from) / 3.0  # polling alone, CPU s per s
        posts = TelegramLog(st.tg)
        cpu_before = cpu_seconds(st.proc)
        began = time.monotonic()
        number = 0
        for r in range(rounds):
            wanted: set[str] = set()
            for chat_id, _, _ in made:
                number += 1
                digits = f"{number:06d}"
                wanted.add(digits)
                st.ozon.add_message(chat_id, f"mk{digits} Сообщение {number}")
            await st.wait(
                functools.partial(posts.has_all, wanted),
                within=120,
                what=f"round {r + 1}",
                step=0.02,
            )
        elapsed = time.monotonic() - began
        used = cpu_seconds(st.proc) - cpu_before
        peak = peak_rss_bytes(st.proc)
        posts.scan()
        log(f"cpu: {number} messages, {used:.1f} CPU s in {elapsed:.1f} s")
    scenario = f"7. forwarding {number:,} messages ({chats} chats × {rounds} rounds)"
    return [
        Row(
            scenario,
            "CPU seconds per 1,000 messages",
            f"{used / number * 1000:.2f} s",
            f"user+system of the bridge ({idle_rate * elapsed:.1f} s of it the 1 s polls' "
            f"idle cost); {len(posts.sends)} Telegram sends "
            f"(incl. {chats} topics), {number / elapsed:.0f} msg/s over {elapsed:.0f} s",
        ),
        Row(
            scenario,
            "peak RSS",
            mib(peak),
            f"VmHWM since start; {mib(rss_idle)} idle before the run",
        ),
        *[Row(scenario, "note", n) for n in st.notes],
        *([Row(scenario, "messages posted twice", str(posts.duplicates))] * bool(posts.duplicates)),
    ]
