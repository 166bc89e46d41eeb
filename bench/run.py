"""Benchmark of the bridge against the loopback stand-ins: `python -m bench.run [--quick]`.

Each scenario starts `FakeOzon` and `FakeTelegram` on 127.0.0.1 (in this process) and a real
`python -m bot` process in a fresh directory with a fresh database, measures, and stops the bridge
with SIGTERM. Progress goes to stderr; the Markdown table goes to stdout.

Times are `time.monotonic()` in this process: the stand-ins record when a request reached them,
so a latency is "the moment the stand-in received the post / send" minus "the moment the message
was added (or the staff message queued)".
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import itertools
import json
import math
import os
import platform
import random
import re
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import psutil  # type: ignore[import-untyped,unused-ignore]

from storage.chats import ChatRepository
from storage.db import Database, to_db_time
from storage.records import ChatSeen
from storage.states import ChatStatus
from tests.fakes.ozon import FakeOzon, RecordedRequest
from tests.fakes.telegram import FLOOD_METHODS, FakeTelegram, RecordedCall
from tests.process import BridgeProcess, free_port

BOT_TOKEN = "123456:BENCH-token"
FORUM_CHAT_ID = -1001234567890
OZON_CLIENT_ID = "100500"
OZON_API_KEY = "bench-ozon-key"
PUSH_PATH = "/ozon/push"
ADMIN_ID = 500
LIST = "/v3/chat/list"
HISTORY = "/v3/chat/history"
SEND = "/v1/chat/send/message"
MARKER = re.compile(r"mk(\d{6})")
FLOOD_WAIT = re.compile(r"telegram flood limit: waiting ([\d.]+)s")
FAST_TELEGRAM = {"TELEGRAM_MESSAGES_PER_MINUTE": 60, "TELEGRAM_BUDGET_WINDOW_SECONDS": 1.0}
"""60 posts a second: the group's budget out of the way where it is not what is measured."""


class BenchError(Exception):
    """A scenario could not finish; the message says where it stopped."""


@dataclass(frozen=True, slots=True)
class Sizes:
    latency_messages: int = 50
    burst: int = 500
    flood_chats: int = 500
    flood_scale: float = 0.02
    idle_chats: tuple[int, ...] = (1000, 10000)
    idle_polls: int = 3
    forwarded_chats: int = 10
    replies: int = 50
    broadcast_chats: int = 1000
    push_rate: int = 200
    push_seconds: float = 5.0
    push_chats: int = 200
    cpu_chats: int = 200
    cpu_rounds: int = 10
    history_chats: int = 1000
    history_messages: int = 1_000_000
    history_replies: int = 200_000
    history_probes: int = 200


FULL = Sizes()
QUICK = Sizes(
    latency_messages=20,
    burst=200,
    flood_chats=100,
    flood_scale=0.01,
    idle_polls=2,
    replies=20,
    broadcast_chats=300,
    push_seconds=3.0,
    cpu_chats=100,
    cpu_rounds=10,
    history_messages=100_000,
    history_replies=20_000,
)


@dataclass(frozen=True, slots=True)
class Row:
    scenario: str
    figure: str
    value: str
    note: str = ""


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (p99 of fewer than 100 samples is the maximum)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def mib(size: float) -> str:
    return f"{size / 2**20:.0f} MiB"


# ---- observing the stand-ins ------------------------------------------------------------------


class TelegramLog:
    """Successful posts into the forum group, read incrementally from the stand-in's requests."""

    def __init__(self, tg: FakeTelegram) -> None:
        self._tg = tg
        self._seen = 0
        self.sends: list[RecordedCall] = []
        self.markers: dict[str, float] = {}
        """Marker digits -> when the post carrying it reached the stand-in (first time)."""
        self.duplicates = 0

    def scan(self) -> None:
        calls = self._tg.requests
        while self._seen < len(calls):
            call = calls[self._seen]
            if call.method in FLOOD_METHODS:
                if call.status == 0:
                    return  # still being answered: look again next time
                if call.status == 200 and str(call.params.get("chat_id")) == str(FORUM_CHAT_ID):
                    self.sends.append(call)
                    text = str(call.params.get("text") or call.params.get("caption") or "")
                    if call.method in {"sendMessage", "sendPhoto"}:
                        for digits in MARKER.findall(text):
                            if digits in self.markers:
                                self.duplicates += 1
                            else:
                                self.markers[digits] = call.at
            self._seen += 1

    def has(self, digits: str) -> bool:
        self.scan()
        return digits in self.markers

    def has_all(self, wanted: set[str]) -> bool:
        self.scan()
        return wanted <= self.markers.keys()


class OzonSends:
    """Texts Ozon accepted through `send/message`, read incrementally."""

    def __init__(self, ozon: FakeOzon) -> None:
        self._ozon = ozon
        self._seen = 0
        self.at: dict[str, float] = {}
        self.accepted: list[RecordedRequest] = []

    def scan(self) -> None:
        requests = self._ozon.requests
        while self._seen < len(requests):
            request = requests[self._seen]
            if request.path == SEND:
                if request.status == 0:
                    return
                if request.status == 200 and isinstance(request.body, dict):
                    self.accepted.append(request)
                    self.at.setdefault(str(request.body.get("text")), request.at)
            self._seen += 1


def poll_starts(ozon: FakeOzon) -> list[int]:
    """Indices in `ozon.requests` where a poll began: a chat list request without a cursor."""
    return [
        i
        for i, r in enumerate(ozon.requests)
        if r.path == LIST and not (isinstance(r.body, dict) and r.body.get("cursor"))
    ]


def reads_between(ozon: FakeOzon, start: int, end: int) -> int:
    return sum(1 for r in ozon.requests[start:end] if r.path in (LIST, HISTORY))


def ozon_429s(ozon: FakeOzon) -> int:
    return sum(1 for r in ozon.requests if r.status == 429)


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most events in any interval of `window` seconds."""
    ordered = sorted(times)
    best = left = 0
    for right, moment in enumerate(ordered):
        while ordered[left] <= moment - window:
            left += 1
        best = max(best, right - left + 1)
    return best


# ---- the bridge process -----------------------------------------------------------------------


async def _bridge_child(started_after: set[int]) -> Any:
    """The new `python -m bot` child (its command line shows once it has exec'd)."""
    for _ in range(100):
        for child in psutil.Process().children():
            try:
                if child.pid not in started_after and child.cmdline()[-2:] == ["-m", "bot"]:
                    return child
            except psutil.Error:
                continue
        await asyncio.sleep(0.02)
    raise BenchError("the bridge process is not among this process's children")


def cpu_seconds(proc: Any) -> float:
    times = proc.cpu_times()
    return float(times.user + times.system)


def rss_bytes(proc: Any) -> int:
    return int(proc.memory_info().rss)


def peak_rss_bytes(proc: Any) -> int:
    """VmHWM (the peak resident set since the process started) where Linux offers it."""
    try:
        for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return rss_bytes(proc)


@dataclass
class Stand:
    """The stand-ins, a working directory, and (once started) one bridge process."""

    name: str
    ozon: FakeOzon
    tg: FakeTelegram
    workdir: Path
    bridge: BridgeProcess | None = None
    proc: Any = None
    exit_code: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def db_path(self) -> Path:
        return self.workdir / "bridge.sqlite3"

    async def start(self, **settings: object) -> None:
        env = {
            "BOT_TOKEN": BOT_TOKEN,
            "FORUM_CHAT_ID": str(FORUM_CHAT_ID),
            "OZON_CLIENT_ID": OZON_CLIENT_ID,
            "OZON_API_KEY": OZON_API_KEY,
            "OZON_API_URL": self.ozon.url,
            "TELEGRAM_API_URL": self.tg.url,
            "DATABASE_PATH": str(self.db_path),
            "POLL_INTERVAL_SECONDS": "1",
            "OZON_RATE_LIMIT_PER_SECOND": "50",
            "PUSH_PORT": "0",
            "LOG_LEVEL": "INFO",
        }
        env.update({key.upper(): str(value) for key, value in settings.items()})
        before = {child.pid for child in psutil.Process().children()}
        self.bridge = BridgeProcess(env, self.workdir)
        await self.bridge.start()
        self.proc = await _bridge_child(before)
        log(f"{self.name}: bridge started (pid {self.proc.pid})")

    def alive(self) -> bool:
        """Whether the bridge process still runs (read from /proc: gone or a zombie is dead)."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except FileNotFoundError:
            return False
        except OSError:
            return True  # cannot tell: the deadline still bounds the wait
        return stat.rpartition(")")[2].split()[0] not in {"Z", "X"}

    async def wait(
        self, condition: Callable[[], bool], *, within: float, what: str, step: float = 0.005
    ) -> float:
        """Poll `condition` every `step` s; the monotonic time it held. Fails on the deadline."""
        deadline = time.monotonic() + within
        checks = 0
        while True:
            if condition():
                return time.monotonic()
            checks += 1
            if checks % 100 == 0 and self.proc is not None and not self.alive():
                await asyncio.sleep(0.2)
                if not self.alive():
                    raise BenchError(f"the bridge exited while waiting for {what}")
                log(f"{self.name}: the bridge looked gone for a moment, still running")
            if time.monotonic() > deadline:
                raise BenchError(f"timed out after {within:.0f}s waiting for {what}")
            await asyncio.sleep(step)

    async def ready(self, *, within: float = 60.0) -> None:
        """Both loops running: Telegram polled and one Ozon poll finished."""
        await self.wait(
            lambda: bool(self.tg.calls("getUpdates")) and len(poll_starts(self.ozon)) >= 1,
            within=within,
            what="the bridge to start",
            step=0.05,
        )
        # The first poll's list has been asked for; let it finish its pages.
        listed = len(self.ozon.requests)
        await asyncio.sleep(0.3)
        await self.wait(
            lambda: all(r.status for r in self.ozon.requests[listed:]),
            within=within,
            what="the first poll",
            step=0.05,
        )

    async def stop(self) -> None:
        if self.bridge is None:
            return
        try:
            self.exit_code = await self.bridge.stop()
        except AssertionError:
            self.exit_code = -9
        if self.exit_code != 0:
            self.notes.append(f"bridge exit code {self.exit_code} after SIGTERM")
        log(f"{self.name}: bridge stopped (exit {self.exit_code})")

    def tail(self, lines: int = 25) -> str:
        return "\n".join(self.bridge.lines[-lines:]) if self.bridge is not None else ""

    def count_lines(self, text: str) -> int:
        return sum(text in line for line in self.bridge.lines) if self.bridge is not None else 0

    def flood_pauses(self) -> list[float]:
        """The `retry_after` waits the bridge logged after Telegram's 429s."""
        lines = self.bridge.lines if self.bridge is not None else []
        return [float(m.group(1)) for line in lines if (m := FLOOD_WAIT.search(line))]


@asynccontextmanager
async def stand(name: str) -> AsyncIterator[Stand]:
    with tempfile.TemporaryDirectory(prefix=f"bench-{name}-") as tmp:
        async with (
            FakeOzon(client_id=OZON_CLIENT_ID, api_key=OZON_API_KEY) as ozon,
            FakeTelegram(token=BOT_TOKEN, forum_chat_id=FORUM_CHAT_ID) as tg,
        ):
            ozon.rate_limit_per_second = 50  # Ozon's own limit per Client-Id
            st = Stand(name, ozon, tg, Path(tmp))
            try:
                yield st
            except BaseException:
                if st.bridge is not None:
                    print(f"--- last bridge log lines ({name}) ---\n{st.tail()}", file=sys.stderr)
                raise
            finally:
                await st.stop()
                if ozon.spec_violations or tg.spec_violations:
                    st.notes.append(
                        f"spec violations: Ozon {len(ozon.spec_violations)}, "
                        f"Telegram {len(tg.spec_violations)}"
                    )


async def prepopulate(
    db_path: Path,
    chats: Sequence[tuple[str, str, datetime]],
    *,
    buyer_at: datetime | None = None,
) -> None:
    """Write chats the bridge has already synced up to `message_id` (no topic yet)."""
    db = await Database.open(db_path)
    try:
        await db.fetch_value("PRAGMA synchronous=OFF")  # set-up only; the bridge uses FULL
        seen = [
            ChatSeen(chat_id, "BUYER_SELLER", ChatStatus.OPENED, created, 0)
            for chat_id, _, created in chats
        ]
        repository = ChatRepository(db)
        await repository.observe_many(seen)
        for chat_id, message_id, _ in chats:
            async with db.transaction() as tx:
                await repository.advance(tx, chat_id, cursor=message_id, last_message_id=message_id)
        if buyer_at is not None:
            await db.execute("UPDATE chats SET last_buyer_at = ?", (to_db_time(buyer_at),))
    finally:
        await db.close()


def seed_chats(ozon: FakeOzon, count: int, *, age: timedelta) -> list[tuple[str, str, datetime]]:
    """Chats in the stand-in, each holding one read buyer message `age` old."""
    when = datetime.now(UTC) - age
    made = []
    for _ in range(count):
        chat_id = ozon.add_chat(created_at=when - timedelta(minutes=5))
        message_id = ozon.add_message(chat_id, "Старое сообщение", created_at=when, is_read=True)
        made.append((chat_id, message_id, when - timedelta(minutes=5)))
    return made


# ---- scenarios --------------------------------------------------------------------------------


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


async def broadcast(sizes: Sizes) -> list[Row]:
    count = sizes.broadcast_chats
    rate = 10  # half of the Ozon limiter (20 requests/s by default): room left for live replies
    async with stand("broadcast") as st:
        made = seed_chats(st.ozon, count, age=timedelta(hours=1))
        await prepopulate(st.db_path, made, buyer_at=datetime.now(UTC) - timedelta(hours=1))
        await st.start(
            **FAST_TELEGRAM,
            ADMIN_IDS=ADMIN_ID,
            BROADCAST_PER_SECOND=rate,
            POLL_INTERVAL_SECONDS=60,
        )
        await st.ready()
        st.tg.user_message("/broadcast Текст {chat_id}", thread_id=None, from_id=ADMIN_ID)

        def preview() -> bool:
            return any(m.thread_id is None and m.reply_markup for m in st.tg.sent)

        await st.wait(preview, within=60, what="the broadcast preview", step=0.02)
        shown = next(m for m in st.tg.sent if m.thread_id is None and m.reply_markup)
        assert shown.reply_markup is not None
        data = str(shown.reply_markup["inline_keyboard"][0][0]["callback_data"])
        sends = OzonSends(st.ozon)
        confirmed = time.monotonic()
        st.tg.callback(data, from_id=ADMIN_ID, message_id=shown.message_id)

        def delivered() -> bool:
            sends.scan()
            return len(sends.accepted) >= count

        await st.wait(delivered, within=60 + 3 * count / rate, what="the broadcast", step=0.02)
        last = max(r.at for r in sends.accepted)
        achieved = len(sends.accepted) / (last - confirmed)
        recipients = {r.body["chat_id"] for r in sends.accepted if isinstance(r.body, dict)}
        log(f"broadcast: {achieved:.1f}/s")
    return [
        Row(
            f"5. broadcast to {count:,} chats",
            "achieved rate",
            f"{achieved:.1f} msg/s vs {rate}/s configured ({achieved / rate:.0%})",
            f"{len(sends.accepted)} sends to {len(recipients)} chats in {last - confirmed:.1f} s "
            "from «Отправить»",
        ),
        *[Row("5. broadcast", "note", n) for n in st.notes],
    ]


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


# ---- the run ----------------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )


Scenario = Callable[[Sizes], Any]

SCENARIOS: dict[str, Scenario] = {
    "latency": lambda s: _chain(latency(s, push=False), latency(s, push=True)),
    "flood": lambda s: _chain(flood(s, chats=1), flood(s, chats=s.flood_chats)),
    "idle": idle_rows,
    "replies": replies,
    "broadcast": broadcast,
    "push": push_load,
    "cpu": cpu,
    "history": history,
}


async def _chain(*parts: Any) -> list[Row]:
    """Run scenario parts one after another (never side by side), keeping each one's rows."""
    rows: list[Row] = []
    for index, part in enumerate(parts):
        try:
            rows += await part
        except Exception as exc:
            for rest in parts[index + 1 :]:
                rest.close()
            raise BenchError(str(exc)) from exc
    return rows


def render(rows: Sequence[Row], header: str) -> str:
    lines = [
        header,
        "",
        "| scenario | figure | value | goal / note |",
        "|---|---|---|---|",
    ]
    lines += [f"| {r.scenario} | {r.figure} | {r.value} | {r.note} |" for r in rows]
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (about 3 minutes)")
    parser.add_argument(
        "--only",
        action="append",
        choices=sorted(SCENARIOS),
        help="run only this scenario (repeatable)",
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    names = args.only or list(SCENARIOS)
    rows: list[Row] = []
    began = time.monotonic()
    for name in names:
        log(f"scenario {name}")
        try:
            rows += await SCENARIOS[name](sizes)
        except Exception as exc:
            log(f"scenario {name} failed: {exc!r}")
            rows.append(Row(name, "FAILED", type(exc).__name__, str(exc)[:200]))
    mode = "quick" if args.quick else "full"
    header = (
        f"Benchmark ({mode} run, {time.monotonic() - began:.0f} s), `python -m bench.run"
        f"{' --quick' if args.quick else ''}` on {machine()}."
    )
    print(render(rows, header))
    return 1 if any(r.figure == "FAILED" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
