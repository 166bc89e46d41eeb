"""Scenario 9: topic icons under a full budget. Do icon edits delay buyer posts?

Each run (icons off, then on) bridges `icon_chats` chats (a topic and a post each), has the
seller answer every one from Ozon's cabinet (a post each; with icons, every topic then shows the
answered icon), then has every buyer write again at once: a post each, and with icons every topic
due for the waiting icon at the same time. That last wave is measured: from the messages
appearing in Ozon to their posts, the group's budget full all the while. Icon edits take only
spare slots: none while posts wait, all of them once the posts are out.
"""

from __future__ import annotations

import time

from bench.common import LIST, Row, Sizes, log, ms, percentile
from bench.observe import TelegramLog, poll_starts
from bench.stand import Stand, stand
from tests.fakes.telegram_model import ICON_STICKERS

WAITING_ICON = next(emoji_id for emoji_id, emoji in ICON_STICKERS if emoji == "❗️")
ANSWERED_ICON = next(emoji_id for emoji_id, emoji in ICON_STICKERS if emoji == "✅")


async def icons(sizes: Sizes) -> list[Row]:
    rows: list[Row] = []
    for enabled in (False, True):
        rows += await _run(sizes, enabled=enabled)
    return rows


async def _wave(
    st: Stand,
    posts: TelegramLog,
    chats: list[str],
    first: int,
    text: str,
    *,
    seller: bool,
    window: float,
) -> tuple[dict[str, float], float]:
    """Add one message to every chat just after a poll read Ozon's list (so that every run waits
    the same for the next poll); wait for all their posts. Returns when each message was added,
    by marker, and when the last post arrived."""
    polls = len(poll_starts(st.ozon))
    await st.wait(lambda: len(poll_starts(st.ozon)) > polls, within=30, what="a poll", step=0.01)
    began = poll_starts(st.ozon)[-1]
    await st.wait(
        lambda: all(r.status for r in st.ozon.requests[began:] if r.path == LIST),
        within=30,
        what="the poll's list",
        step=0.01,
    )
    added: dict[str, float] = {}
    for offset, chat in enumerate(chats):
        digits = f"{first + offset:06d}"
        added[digits] = time.monotonic()
        st.ozon.add_message(
            chat, f"mk{digits} {text}", user_type="Seller" if seller else "Customer"
        )
    budget = 2 * len(chats) / 20 * window
    await st.wait(
        lambda: posts.has_all(set(added)),
        within=60 + 3 * budget,
        what=f"{len(added)} posts of «{text}»",
        step=0.02,
    )
    return added, max(posts.markers[d] for d in added)


async def _icons_show(st: Stand, icon: str, count: int, window: float) -> float:
    """Wait until every topic shows `icon`; returns when."""
    return await st.wait(
        lambda: all(t.icon_custom_emoji_id == icon for t in st.tg.topics.values()),
        within=60 + 4 * count / 20 * window,
        what=f"every icon to show {icon}",
        step=0.05,
    )


async def _run(sizes: Sizes, *, enabled: bool) -> list[Row]:
    count, scale = sizes.icon_chats, sizes.icon_scale
    window = 60.0 * scale
    label = "on" if enabled else "off"
    scenario = f"9. topic icons {label}, {count} chats, full budget"
    async with stand(f"icons-{label}") as st:
        st.tg.set_flood_limit(20, time_scale=scale)
        await st.start(
            TELEGRAM_MESSAGES_PER_MINUTE=20,
            TELEGRAM_BUDGET_WINDOW_SECONDS=window,
            POLL_INTERVAL_SECONDS=1,
            TOPIC_ICONS_ENABLED=str(enabled).lower(),
        )
        await st.ready()
        posts = TelegramLog(st.tg)
        chats = [st.ozon.add_chat() for _ in range(count)]
        await _wave(st, posts, chats, 0, "Здравствуйте, вопрос", seller=False, window=window)
        await _wave(st, posts, chats, count, "Ответ из кабинета", seller=True, window=window)
        if enabled:
            await _icons_show(st, ANSWERED_ICON, count, window)
        edits_before = len(st.tg.calls("editForumTopic"))
        started = time.monotonic()
        added, last = await _wave(
            st, posts, chats, 2 * count, "Ещё вопрос", seller=False, window=window
        )
        latencies = [posts.markers[d] - at for d, at in added.items()]
        edits = st.tg.calls("editForumTopic")
        busy_edits = [c for c in edits[edits_before:] if started <= c.at <= last]
        settled = await _icons_show(st, WAITING_ICON, count, window) if enabled else 0.0
        total_edits = len(st.tg.calls("editForumTopic"))
        errors_429 = st.tg.flood_429_count
        log(
            f"icons {label}: p50 {ms(percentile(latencies, 50))}, "
            f"{len(busy_edits)} edits while posts waited, {total_edits} edits in all"
        )
    rows = [
        Row(
            scenario,
            "buyer → post latency p50 / p99 (last wave)",
            f"{ms(percentile(latencies, 50))} / {ms(percentile(latencies, 99))}",
            f"{count} messages at once; window {window:.2f} s (time scale {scale}); "
            "compare icons off and on",
        ),
        Row(scenario, "429s received", str(errors_429), "goal 0"),
    ]
    if enabled:
        rows += [
            Row(
                scenario,
                "icon edits while posts waited",
                str(len(busy_edits)),
                "goal 0: an edit takes only a slot no post wants",
            ),
            Row(
                scenario,
                "icon edits in all; all icons right after the last post",
                f"{total_edits}; {settled - last:.1f} s",
                f"{2 * count} changes (answered, then waiting again); the topics were made "
                "with the waiting icon",
            ),
        ]
    if posts.duplicates:
        rows.append(Row(scenario, "messages posted twice", str(posts.duplicates)))
    return rows + [Row(scenario, "note", n) for n in st.notes]
