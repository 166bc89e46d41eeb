"""The bridge process: the stand-ins, a working directory and one `python -m bot` child, and
the database a scenario prepares before starting it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped,unused-ignore]

from bench.common import (
    BOT_TOKEN,
    FLOOD_WAIT,
    FORUM_CHAT_ID,
    OZON_API_KEY,
    OZON_CLIENT_ID,
    BenchError,
    log,
)
from bench.observe import poll_starts
from bot.core.records import ChatSeen
from bot.core.states import ChatStatus
from storage.chats import ChatRepository
from storage.db import Database, to_db_time
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import BridgeProcess


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
