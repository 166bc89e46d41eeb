"""Scenario 11: reply drafts off the buyers' path. Does a slow model delay buyer posts?

Two runs against the same load, drafts off and then on (AI_DRAFTS_AUTO=true, a model on the
OpenAI-compatible double taking `MODEL_SECONDS` per draft): `draft_chats` chats are bridged,
then `draft_messages` buyer messages arrive by push, one every `draft_interval` seconds, each
asking for an automatic draft in the second run, while the group's budget (20 posts per window,
time-scaled) carries the posts and the drafts. Measured: each buyer message from its push to its
post in Telegram, p50 and p99 in both runs.

A third run measures what a draft costs the bridge beyond the model's own time: `draft_solo`
buyer messages one at a time, each waiting for its draft; before the model (the buyer's post in
Telegram to the request reaching the model: the look for new messages, reading the chat, the
prompt) and after it (the answer leaving the model to the draft's post in Telegram: the checks,
the post in a spare slot).
"""

from __future__ import annotations

import asyncio
import functools
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from bench.common import PUSH_PATH, BenchError, Row, Sizes, log, ms, percentile
from bench.observe import TelegramLog
from bench.stand import Stand, stand
from tests.fakes.openai_api import FakeOpenAI, RecordedRequest
from tests.process import free_port

MODEL_SECONDS = 10.0
SCALE = 0.05
"""The group's budget time-scaled: 20 posts per 3 s."""
_BUYER_MARK = re.compile(r"mk(\d{6})")
_DRAFT_MARK = re.compile(r"dr(\d{6})")


@dataclass(frozen=True, slots=True)
class _Run:
    latencies: list[float]
    drafts: dict[str, int]
    """Drafts by state once the last buyer message was posted."""
    shown_during: int
    """Drafts posted between the first and the last buyer message's post."""
    errors_429: int
    notes: list[str]


def _draft_states(db: Path) -> dict[str, int]:
    """The bridge's drafts by state, read from its database while it runs (WAL)."""
    if not db.exists():
        return {}
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            rows = conn.execute("SELECT state, count(*) FROM drafts GROUP BY state").fetchall()
        except sqlite3.OperationalError:
            return {}
    return {str(state): int(count) for state, count in rows}


def _answer(request: RecordedRequest) -> str:
    """The model answers the latest buyer message it is shown, naming its marker."""
    found = _BUYER_MARK.findall(request.prompt)
    return f"Здравствуйте! Ответ на dr{found[-1] if found else '000000'}."


def _draft_posts(st: Stand) -> dict[str, float]:
    """Marker digits -> when the draft answering that message reached Telegram."""
    posts: dict[str, float] = {}
    for call in st.tg.calls("sendMessage"):
        text = str(call.params.get("text") or "")
        if call.status == 200 and "Черновик" in text:
            for digits in _DRAFT_MARK.findall(text):
                posts.setdefault(digits, call.at)
    return posts


def _drafted(st: Stand, digits: str) -> bool:
    return digits in _draft_posts(st)


def _settings(port: int, llm: FakeOpenAI | None) -> dict[str, object]:
    settings: dict[str, object] = {
        "TELEGRAM_MESSAGES_PER_MINUTE": 20,
        "TELEGRAM_BUDGET_WINDOW_SECONDS": 60 * SCALE,
        "PUSH_ENABLED": "true",
        "PUSH_PORT": port,
        "PUSH_ALLOWED_IPS": "127.0.0.0/8",
        "POLL_INTERVAL_SECONDS": 600,
        "TOPIC_ICONS_ENABLED": "false",
    }
    if llm is not None:
        settings |= {
            "AI_API_URL": llm.url,
            "AI_MODEL": "test-model",
            "AI_TIMEOUT_SECONDS": 60,
            "AI_DRAFTS_AUTO": "true",
        }
    return settings


def _bridged(st: Stand, chats: int) -> list[str]:
    made = []
    for n in range(chats):
        chat = st.ozon.add_chat()
        st.ozon.add_message(chat, f"mk{n:06d} Здравствуйте")
        made.append(chat)
    return made


async def _push(http: httpx.AsyncClient, st: Stand, chat: str, text: str) -> float:
    started = time.monotonic()
    message_id = st.ozon.add_message(chat, text)
    answer = await http.post(PUSH_PATH, json=st.ozon.new_message_push(chat, message_id))
    if answer.status_code != 200:
        raise BenchError(f"push answered {answer.status_code}: {answer.text}")
    return started


async def _load(sizes: Sizes, *, model: bool) -> _Run:
    label = "on" if model else "off"
    async with stand(f"drafts-{label}") as st, FakeOpenAI(latency=MODEL_SECONDS) as llm:
        llm.answer_with = _answer
        st.tg.set_flood_limit(20, time_scale=SCALE)
        port = free_port()
        chats = _bridged(st, sizes.draft_chats)
        await st.start(**_settings(port, llm if model else None))
        posts = TelegramLog(st.tg)
        opening = {f"{n:06d}" for n in range(sizes.draft_chats)}
        await st.wait(lambda: posts.has_all(opening), within=60, what="the chats bridged")
        added: dict[str, float] = {}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for i in range(sizes.draft_messages):
                digits = f"{sizes.draft_chats + i:06d}"
                chat = chats[i % len(chats)]
                added[digits] = await _push(http, st, chat, f"mk{digits} Вопрос номер {i}")
                await asyncio.sleep(sizes.draft_interval)
        await st.wait(lambda: posts.has_all(set(added)), within=60, what="every buyer post")
        latencies = [posts.markers[d] - at for d, at in added.items()]
        states = _draft_states(st.db_path) if model else {}
        first, last = min(posts.markers[d] for d in added), max(posts.markers.values())
        during = sum(first <= at <= last for at in _draft_posts(st).values())
        log(f"drafts {label}: buyer posts p99 {ms(percentile(latencies, 99))}, drafts {states}")
        errors = st.tg.flood_429_count
    return _Run(latencies, states, during, errors, st.notes)


async def _solo(sizes: Sizes) -> tuple[list[float], list[float], list[str]]:
    """Before and after the model, for drafts written one at a time."""
    async with stand("drafts-solo") as st, FakeOpenAI(latency=MODEL_SECONDS) as llm:
        llm.answer_with = _answer
        st.tg.set_flood_limit(20, time_scale=SCALE)
        port = free_port()
        (chat,) = _bridged(st, 1)
        await st.start(**_settings(port, llm))
        posts = TelegramLog(st.tg)
        await st.wait(lambda: posts.has("000000"), within=60, what="the chat bridged")
        await st.wait(lambda: "000000" in _draft_posts(st), within=60, what="its first draft")
        before: list[float] = []
        after: list[float] = []
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            for i in range(1, sizes.draft_solo + 1):
                digits = f"{i:06d}"
                await _push(http, st, chat, f"mk{digits} Ещё вопрос {i}")
                await st.wait(
                    functools.partial(_drafted, st, digits),
                    within=MODEL_SECONDS + 30,
                    what=f"the draft of message {i}",
                )
                posts.scan()
                (request,) = [
                    r for r in llm.chat_requests if _BUYER_MARK.findall(r.prompt)[-1] == digits
                ]
                before.append(request.received_at - posts.markers[digits])
                after.append(_draft_posts(st)[digits] - request.answered_at)
        log(f"drafts solo: before the model p50 {ms(percentile(before, 50))}")
    return before, after, st.notes


async def drafts(sizes: Sizes) -> list[Row]:
    off = await _load(sizes, model=False)
    on = await _load(sizes, model=True)
    before, after, notes = await _solo(sizes)
    scenario = f"11. reply drafts, {sizes.draft_chats} chats"
    load = (
        f"{sizes.draft_messages} buyer messages by push, one every {sizes.draft_interval} s; "
        f"budget 20 per {60 * SCALE:.0f} s"
    )
    rows = [
        Row(
            scenario,
            "buyer → post latency p50 / p99, drafts off",
            f"{ms(percentile(off.latencies, 50))} / {ms(percentile(off.latencies, 99))}",
            load,
        ),
        Row(
            scenario,
            f"buyer → post latency p50 / p99, AI_DRAFTS_AUTO with a {MODEL_SECONDS:.0f} s model",
            f"{ms(percentile(on.latencies, 50))} / {ms(percentile(on.latencies, 99))}",
            f"goal: p99 as with drafts off; {sum(on.drafts.values())} drafts asked, "
            f"{on.shown_during} posted among the buyer posts, "
            f"{on.drafts.get('cancelled', 0)} dropped for a newer message, 3 written at a time; "
            f"429s {off.errors_429} / {on.errors_429}",
        ),
        Row(
            "11. reply drafts, one at a time",
            f"bridge time per draft, model excluded: before / after the model (n={len(before)})",
            f"p50 {ms(percentile(before, 50))} / {ms(percentile(after, 50))}; "
            f"p99 {ms(percentile(before, 99))} / {ms(percentile(after, 99))}",
            "before: buyer post in Telegram → request at the model (the look for new "
            "messages, the chat read, the prompt); after: answer → draft post in Telegram",
        ),
    ]
    return rows + [Row(scenario, "note", n) for n in off.notes + on.notes + notes]
