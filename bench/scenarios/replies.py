"""Scenario 4: staff replies from a topic to Ozon's send/message."""

from __future__ import annotations

import asyncio
import time

from bench.common import FAST_TELEGRAM, Row, Sizes, log, ms, percentile
from bench.observe import OzonSends, TelegramLog
from bench.stand import stand


async def replies(sizes: Sizes) -> list[Row]:
    async with stand("replies") as st:
        chat = st.ozon.add_chat()
        st.ozon.add_message(chat, "mk000000 Здравствуйте")
        await st.start(**FAST_TELEGRAM, POLL_INTERVAL_SECONDS=1, REPLY_PER_CHAT_PER_MINUTE=600)
        posts = TelegramLog(st.tg)
        await st.wait(lambda: posts.has("000000"), within=30, what="the chat to be bridged")
        topic = next(iter(st.tg.topics))
        sends = OzonSends(st.ozon)
        samples: list[float] = []
        for i in range(1, sizes.replies + 1):
            await asyncio.sleep(0.05)
            text = f"Ответ покупателю номер {i}"
            started = time.monotonic()
            st.tg.user_message(text, thread_id=topic, from_id=111)

            def arrived(t: str = text) -> bool:
                sends.scan()
                return t in sends.at

            await st.wait(arrived, within=15, what=f"reply {i}")
            samples.append(sends.at[text] - started)
        log(f"staff replies: p50 {ms(percentile(samples, 50))}")
    return [
        Row(
            "4. staff reply → Ozon send/message",
            f"p50 / p99 (n={len(samples)})",
            f"{ms(percentile(samples, 50))} / {ms(percentile(samples, 99))}",
            "from the update queued in Telegram to the request reaching Ozon",
        ),
        *[Row("4. staff replies", "note", n) for n in st.notes],
    ]
