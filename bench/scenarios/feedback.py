"""Scenario 12: reviews arriving with a burst of buyer messages. Do they hold buyers up?

Each run bridges `feedback_chats` chats (a topic and a post each), then has every buyer write
again at once, with the group's budget full all the while; the second run also has
`feedback_reviews` new reviews appear in Ozon at the same moment. The buyer wave is measured in
both: from the messages appearing in Ozon to their posts. Review posts wait until every buyer
message is posted and then take only spare slots: none goes out while a buyer post waits.

The wave starts right after a poll of the reviews' count, so that the chats' poll (every second)
reads the buyers' messages before the next reviews' poll (every two seconds) reads the reviews:
a review the bridge knows of before any buyer message is recorded would fairly go first.

Runs in one process differ by a few seconds whatever they carry (the stand-ins share this
process and the machine is shared): the full run goes without, with, with, without reviews.
"""

from __future__ import annotations

import gc
import time

from bench.common import LIST, Row, Sizes, log, ms, percentile
from bench.observe import TelegramLog, poll_starts
from bench.stand import Stand, stand

MUG = "1830557412"
REVIEW_COUNT = "/v2/review/count"
REVIEW_MARKS = 900000
"""Markers of the reviews start here (the buyers' from 0)."""


async def feedback(sizes: Sizes) -> list[Row]:
    rows: list[Row] = []
    # Runs in the same process differ by more than reviews could make them (the machine is
    # shared, the stand-ins live in this process): without, with, with, without, so that each
    # side has early and late runs alike.
    orders = [(0, sizes.feedback_reviews), (sizes.feedback_reviews, 0)]
    for round_ in range(sizes.feedback_rounds):
        for reviews in orders[round_ % 2]:
            rows += await _run(sizes, reviews, round_ + 1)
    return rows


async def _after_a_poll(st: Stand) -> None:
    """Just after a chat poll read Ozon's list."""
    polls = len(poll_starts(st.ozon))
    await st.wait(lambda: len(poll_starts(st.ozon)) > polls, within=30, what="a poll", step=0.01)
    began = poll_starts(st.ozon)[-1]
    await st.wait(
        lambda: all(r.status for r in st.ozon.requests[began:] if r.path == LIST),
        within=30,
        what="the poll's list",
        step=0.01,
    )


async def _after_a_review_poll(st: Stand) -> None:
    """Just after the bridge asked Ozon for the reviews' count."""
    asked = st.ozon.count(REVIEW_COUNT)
    await st.wait(
        lambda: st.ozon.count(REVIEW_COUNT) > asked, within=30, what="a review poll", step=0.005
    )


async def _run(sizes: Sizes, reviews: int, round_: int) -> list[Row]:
    # The earlier runs' garbage goes now, and what lives is left out of the collector's scans:
    # the stand-ins in this process should not pause for it while the wave is measured.
    gc.collect()
    gc.freeze()
    count, scale = sizes.feedback_chats, sizes.feedback_scale
    window = 60.0 * scale
    scenario = f"12. reviews in a buyer burst: {count} chats, {reviews} reviews (run {round_})"
    async with stand(f"feedback-{reviews}") as st:
        st.tg.set_flood_limit(20, time_scale=scale)
        st.ozon.add_product(MUG, "Термокружка «Путник» 450 мл", "TK-450", 2490)
        await st.start(
            TELEGRAM_MESSAGES_PER_MINUTE=20,
            TELEGRAM_BUDGET_WINDOW_SECONDS=window,
            POLL_INTERVAL_SECONDS=1,
            FEEDBACK_POLL_SECONDS=2,
            TOPIC_ICONS_ENABLED="false",
            QUESTIONS_ENABLED="false",
        )
        await st.ready()
        posts = TelegramLog(st.tg)
        chats = [st.ozon.add_chat() for _ in range(count)]
        await _after_a_poll(st)
        first = set()
        for n, chat in enumerate(chats):
            first.add(f"{n:06d}")
            st.ozon.add_message(chat, f"mk{n:06d} Здравствуйте")
        await st.wait(
            lambda: posts.has_all(first),
            within=120 + 4 * count / 20 * window,
            what="the topics",
            step=0.05,
        )
        await _after_a_review_poll(st)
        added: dict[str, float] = {}
        for offset, chat in enumerate(chats):
            digits = f"{count + offset:06d}"
            added[digits] = time.monotonic()
            st.ozon.add_message(chat, f"mk{digits} Ещё вопрос")
        marks = {f"{REVIEW_MARKS + n:06d}" for n in range(reviews)}
        for digits in sorted(marks):
            st.ozon.add_review(MUG, f"mk{digits} Отзыв покупателя", rating=4)
        budget = (len(added) + reviews) / 15 * window
        await st.wait(
            lambda: posts.has_all(set(added)),
            within=60 + 3 * budget,
            what="the buyer wave",
            step=0.02,
        )
        buyers_done = max(posts.markers[d] for d in added)
        if reviews:
            await st.wait(
                lambda: posts.has_all(marks), within=60 + 3 * budget, what="the reviews", step=0.05
            )
        latencies = [posts.markers[d] - at for d, at in added.items()]
        early = sum(1 for d in marks if posts.markers[d] < buyers_done)
        last_review = max((posts.markers[d] for d in marks), default=0.0)
        errors_429 = st.tg.flood_429_count
        log(
            f"feedback {reviews}: buyers p50 {ms(percentile(latencies, 50))} "
            f"p99 {ms(percentile(latencies, 99))}, {early} reviews before the last buyer post"
        )
    rows = [
        Row(
            scenario,
            "buyer → post latency p50 / p99",
            f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 99))}",
            f"{count} messages at once; window {window:.2f} s (time scale {scale}); "
            f"compare 0 and {sizes.feedback_reviews} reviews",
        ),
        Row(scenario, "429s received", str(errors_429), "goal 0"),
    ]
    if reviews:
        rows += [
            Row(
                scenario,
                "reviews posted before the last buyer post",
                str(early),
                "goal 0: reviews wait for every buyer post, then take spare slots",
            ),
            Row(
                scenario,
                "all reviews posted, after the last buyer post",
                f"{last_review - buyers_done:.1f} s",
                f"{reviews} posts, one each, at most {20 - 5} a window (5 slots kept for "
                "whoever comes next)",
            ),
        ]
    if posts.duplicates:
        rows.append(Row(scenario, "messages posted twice", str(posts.duplicates)))
    return rows + [Row(scenario, "note", n) for n in st.notes]
