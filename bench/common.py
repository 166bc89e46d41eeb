"""What every scenario shares: the stand-ins' credentials and paths, the sizes of a full and a
quick run, a table row, logging to stderr, and the statistics and units of the table.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

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
    stats_calls: int = 50
    icon_chats: int = 500
    icon_scale: float = 0.01
    draft_chats: int = 20
    draft_messages: int = 200
    draft_interval: float = 0.25
    draft_solo: int = 8
    feedback_chats: int = 500
    feedback_reviews: int = 500
    feedback_scale: float = 0.01
    feedback_rounds: int = 2


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
    icon_chats=100,
    stats_calls=10,
    draft_chats=10,
    draft_messages=60,
    draft_solo=3,
    feedback_chats=100,
    feedback_reviews=100,
    feedback_rounds=1,
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


def max_in_window(times: Sequence[float], window: float) -> int:
    """The most events in any interval of `window` seconds."""
    ordered = sorted(times)
    best = left = 0
    for right, moment in enumerate(ordered):
        while ordered[left] <= moment - window:
            left += 1
        best = max(best, right - left + 1)
    return best
