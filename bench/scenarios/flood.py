"""Scenario 2: Telegram's flood budget, one chat's burst and many new chats."""

from __future__ import annotations

import asyncio
import time

from bench.common import Row, Sizes, log, max_in_window
from bench.observe import TelegramLog
from bench.stand import stand


async def flood(sizes: Sizes, *, chats: int) -> list[Row]:
    scale = sizes.flood_scale
    window = 60.0 * scale
    per_chat = sizes.burst if chats == 1 else 1
    label = f"1 chat × {per_chat} burst" if chats == 1 else f"{chats} chats × 1 message"
    async with stand(f"flood-{chats}") as st:
        st.tg.set_flood_limit(20, time_scale=scale)
        await st.start(
            TELEGRAM_MESSAGES_PER_MINUTE=20,
            TELEGRAM_BUDGET_WINDOW_SECONDS=window,
            POLL_INTERVAL_SECONDS=1,
        )
        posts = TelegramLog(st.tg)
        if chats == 1:
            chat = st.ozon.add_chat()
            st.ozon.add_message(chat, "mk000000 Здравствуйте")
            await st.wait(lambda: posts.has("000000"), within=30, what="the chat to be bridged")
            targets = [chat]
        else:
            await st.ready()
            targets = []
        await asyncio.sleep(2 * window)  # start the busy period with a fresh budget
        posts.scan()
        first_index = len(posts.sends)
        before_429 = st.tg.flood_429_count
        wanted: set[str] = set()
        started = time.monotonic()
        number = 0
        for c in range(chats):
            chat = targets[0] if chats == 1 else st.ozon.add_chat()
            for _ in range(per_chat):
                number += 1
                digits = f"{number:06d}"
                wanted.add(digits)
                st.ozon.add_message(chat, f"mk{digits} Сообщение {number} в чате {c}")
        budget_time = number * 2 / 20 * window if chats > 1 else number / 20 * window
        await st.wait(
            lambda: posts.has_all(wanted),
            within=60 + 3 * budget_time,
            what=f"{len(wanted)} messages",
            step=0.02,
        )
        await asyncio.sleep(0.2)
        posts.scan()
        busy = posts.sends[first_index:]
        last = max(posts.markers[d] for d in wanted)
        busy = [c for c in busy if c.at <= last]
        elapsed = last - busy[0].at if busy else 0.0
        capacity = 20 * (1 + elapsed / window)
        peak = max_in_window([c.at for c in busy], window)
        errors_429 = st.tg.flood_429_count - before_429
        paused = sum(st.flood_pauses())
        log(f"flood {label}: {len(busy)} sends in {elapsed:.1f}s, {errors_429} × 429")
    scenario = f"2. flood budget, {label}"
    rows = [
        Row(
            scenario,
            "buyer messages per Telegram send",
            f"{len(wanted) / max(len(busy), 1):.2f} ({len(wanted)} msgs / {len(busy)} sends)",
            "bursts merged" if chats == 1 else "a new chat needs a topic + 1 post",
        ),
        Row(
            scenario,
            "share of the budget used",
            f"{len(busy) / capacity:.0%}",
            ("not budget-bound: " if chats == 1 else "goal ≥ 95%, ≤ 100%; ")
            + f"most sends in any window: {peak}/20; budget = 20 × (1 + busy period / window)",
        ),
        Row(
            scenario,
            "429s received",
            str(errors_429),
            f"goal 0; the bridge then paused {paused:.0f} s of the busy period (retry_after "
            "is whole seconds, not time-scaled)",
        ),
        Row(
            scenario,
            "busy period (first to last send)",
            f"{elapsed:.2f} s",
            f"window {window:.2f} s (time scale {scale}); {last - started:.1f} s "
            "from the messages appearing in Ozon to the last post",
        ),
    ]
    if posts.duplicates:
        rows.append(Row(scenario, "messages posted twice", str(posts.duplicates)))
    return rows + [Row(scenario, "note", n) for n in st.notes]
