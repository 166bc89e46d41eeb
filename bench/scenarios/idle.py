"""Scenario 3: Ozon requests per idle poll, per forwarded message, and memory as chats grow."""

from __future__ import annotations

import itertools
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from bench.common import FAST_TELEGRAM, Row, Sizes, log, mib
from bench.observe import TelegramLog, ozon_429s, poll_starts, reads_between
from bench.stand import prepopulate, rss_bytes, seed_chats, stand


@dataclass(frozen=True, slots=True)
class IdleResult:
    chats: int
    per_poll: float
    poll_seconds: float
    per_forwarded: float
    rss: int
    ozon_429: int
    skipped_polls: int
    notes: list[str]


async def idle(sizes: Sizes, chats: int) -> IdleResult:
    async with stand(f"idle-{chats}") as st:
        made = seed_chats(st.ozon, chats, age=timedelta(days=30))
        began = time.monotonic()
        await prepopulate(st.db_path, made)
        log(f"idle-{chats}: database prepared in {time.monotonic() - began:.1f}s")
        await st.start(**FAST_TELEGRAM, POLL_INTERVAL_SECONDS=1)
        polls_needed = sizes.idle_polls + 2  # the first poll is skipped; the last one closes
        await st.wait(
            lambda: len(poll_starts(st.ozon)) >= polls_needed,
            within=30 + polls_needed * (chats / 100 / 40 + 2),
            what=f"{polls_needed} polls",
            step=0.05,
        )
        starts = poll_starts(st.ozon)[1:polls_needed]
        counts = [reads_between(st.ozon, a, b) for a, b in itertools.pairwise(starts)]
        per_poll = sum(counts) / len(counts)
        times = [st.ozon.requests[i].at for i in starts]
        poll_seconds = (times[-1] - times[0]) / (len(times) - 1)
        rss = rss_bytes(st.proc)

        # Forwarded messages: added right when a poll begins, counted over whole polls.
        known = len(poll_starts(st.ozon))
        await st.wait(
            lambda: len(poll_starts(st.ozon)) > known, within=60, what="a poll", step=0.002
        )
        first = poll_starts(st.ozon)[-1]
        posts = TelegramLog(st.tg)
        wanted: set[str] = set()
        for n, (chat_id, _, _) in enumerate(random.Random(3).sample(made, sizes.forwarded_chats)):
            digits = f"{n + 1:06d}"
            wanted.add(digits)
            st.ozon.add_message(chat_id, f"mk{digits} Новый вопрос")
        await st.wait(lambda: posts.has_all(wanted), within=60, what="10 forwarded messages")
        after = len(poll_starts(st.ozon))
        await st.wait(
            lambda: len(poll_starts(st.ozon)) > after, within=60, what="the next poll", step=0.01
        )
        boundaries = poll_starts(st.ozon)
        last = boundaries[-1]
        polls = sum(1 for i in boundaries if first <= i < last)
        extra = reads_between(st.ozon, first, last) - polls * per_poll
        rss = max(rss, rss_bytes(st.proc))
        log(f"idle-{chats}: {per_poll:.1f} requests per poll, RSS {mib(rss)}")
        return IdleResult(
            chats,
            per_poll,
            poll_seconds,
            extra / len(wanted),
            rss,
            ozon_429s(st.ozon),
            st.count_lines("skipped: maximum number of running instances"),
            st.notes,
        )


async def idle_rows(sizes: Sizes) -> list[Row]:
    results = [await idle(sizes, n) for n in sizes.idle_chats]
    rows = []
    for r in results:
        scenario = f"3. Ozon requests, {r.chats:,} chats"
        rows += [
            Row(
                scenario,
                "requests per idle poll",
                f"{r.per_poll:.1f} ({r.per_poll / r.chats * 100:.2f} per 100 chats)",
                f"goal ≤ 1 per 100 chats; one poll every {r.poll_seconds:.1f} s "
                f"(interval 1 s, {r.skipped_polls} scheduled polls skipped as the last one "
                "still ran; 50 requests/s allowed)",
            ),
            Row(
                scenario,
                "extra requests per forwarded message",
                f"{r.per_forwarded:.2f}",
                f"{sizes.forwarded_chats} chats got one message each",
            ),
            Row(scenario, "bridge RSS after idle polls", mib(r.rss), f"Ozon 429s: {r.ozon_429}"),
        ]
        rows += [Row(scenario, "note", n) for n in r.notes]
    if len(results) >= 2:
        low, high = results[0], results[-1]
        growth = (high.rss - low.rss) / (high.chats - low.chats)
        rows.append(
            Row(
                "3. memory as chats grow",
                f"RSS {low.chats:,} → {high.chats:,} chats",
                f"{mib(low.rss)} → {mib(high.rss)} ({growth / 1024:.1f} KiB per chat)",
                "goal: flat",
            )
        )
    return rows
