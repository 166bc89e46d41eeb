"""The fault suite: a real bridge process killed with SIGKILL at random moments while buyer
messages, staff replies and a broadcast are in flight, with and without faults from both APIs.
Nothing may be lost; staff replies and broadcast messages may never reach a buyer twice.

The counts are printed (run with `-s` to see them) for the README and the issue notes. Sizes can
be scaled with FAULT_SCALE (1.0 = the issue's 1,000 messages, 200 replies, 300 chats), and the
random choices (kill moments, faults, topics) varied with FAULT_SEED.
"""

from __future__ import annotations

import asyncio
import functools
import os
import random
import signal
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.telegram.texts.posts import AUTHOR_LABELS, MAYBE_SHOWN_ALREADY
from tests.conftest import bridge_env
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import BridgeProcess
from tests.waiting import wait_for

pytestmark = [pytest.mark.fault, pytest.mark.process]

SCALE = float(os.environ.get("FAULT_SCALE", "1.0"))
CHATS = max(10, int(300 * SCALE))
BUYER_MESSAGES = max(CHATS, int(1000 * SCALE))
REPLIES = max(10, int(200 * SCALE))
KILLS = 10
SEED = int(os.environ.get("FAULT_SEED", "0"))
ADMIN = 500


@dataclass
class Counts:
    buyer_lost: int
    buyer_twice: int
    buyer_twice_unmarked: int
    replies_lost: int
    replies_twice: int
    broadcast_missed: int
    broadcast_repeated: int

    def __str__(self) -> str:
        return (
            f"buyer messages lost {self.buyer_lost}, posted twice {self.buyer_twice} "
            f"({self.buyer_twice_unmarked} of them without the may-be-shown mark); "
            f"replies lost {self.replies_lost}, sent twice {self.replies_twice}; "
            f"broadcast recipients missed {self.broadcast_missed}, "
            f"repeated {self.broadcast_repeated}"
        )


def started(proc: BridgeProcess) -> bool:
    return "running:" in proc.output


def broadcast_chats(db: Path) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT r.chat_id FROM broadcast_recipients r JOIN broadcasts b "
            "ON b.id = r.broadcast_id WHERE b.state IN ('running', 'done')"
        ).fetchall()
    return [row[0] for row in rows]


class Traffic:
    """Buyer messages, staff replies and the broadcast, arriving while the bridge dies; now and
    then (with `faults`) a Telegram 429 or 5xx, and an Ozon send applied whose answer is lost."""

    def __init__(
        self, ozon: FakeOzon, tg: FakeTelegram, rng: random.Random, *, faults: bool
    ) -> None:
        self.ozon, self.tg, self.rng, self.faults = ozon, tg, rng, faults
        self.chats = [ozon.add_chat() for _ in range(CHATS)]
        self.buyer_texts = [f"Покупатель m{n:05d}" for n in range(BUYER_MESSAGES)]
        for chat, text in zip(self.chats, self.buyer_texts, strict=False):
            ozon.add_message(chat, text, order_number=text[-5:])
        self.later = self.buyer_texts[CHATS:]
        self.reply_texts = [f"Ответ r{n:04d}" for n in range(REPLIES)]
        self.replies = list(self.reply_texts)
        self.broadcast_sent = False

    async def feed(self) -> None:
        while self.later or self.replies or not self.broadcast_sent:
            self.one_round()
            await asyncio.sleep(0.2)

    def one_round(self) -> None:
        # Paced to last through all ten kills (about 40 s at full size).
        for _ in range(4):
            if self.later:
                self.ozon.add_message(self.rng.choice(self.chats), self.later.pop(0))
        # Staff answer where the buyer's messages are. A topic a kill left empty (created, not
        # yet recorded) is not one (tests/test_staff_replies.py covers writing there).
        topics = sorted({m.thread_id for m in self.tg.sent if m.thread_id is not None})
        if self.replies and topics:
            self.tg.user_message(self.replies.pop(0), thread_id=self.rng.choice(topics))
        if not self.broadcast_sent and len(topics) >= CHATS:
            self.tg.user_message("/broadcast Рассылка для {chat_id}", thread_id=None, from_id=ADMIN)
            self.broadcast_sent = True
        if self.faults:
            self.inject_faults()

    def inject_faults(self) -> None:
        """About one fault a second, each consumed by the next call."""
        if not self.tg._faults and self.rng.random() < 0.2:
            self.tg.fail_next(None, self.rng.choice([429, 500]), retry_after=1)
        if not self.ozon._drops.get("/v1/chat/send/message") and self.rng.random() < 0.2:
            self.ozon.drop_response_after_apply("/v1/chat/send/message")

    async def confirm_broadcast(self) -> None:
        tg = self.tg
        await wait_for(
            lambda: any("предпросмотр" in (m.text or "") for m in tg.thread_messages(None)),
            within=600,
        )
        preview = next(m for m in tg.thread_messages(None) if "предпросмотр" in (m.text or ""))
        assert preview.reply_markup is not None
        data = preview.reply_markup["inline_keyboard"][0][0]["callback_data"]
        tg.callback(data, from_id=ADMIN, message_id=preview.message_id)

    def settled(self, chosen: list[str]) -> bool:
        """Every buyer message shown, every reply and every chosen recipient's copy sent."""
        text = self.tg.shown()
        sent = {t for _, t in self.ozon.sent_texts}
        return (
            all(t in text for t in self.buyer_texts)
            and all(t in sent for t in self.reply_texts)
            and len(chosen) > 0
            and all(f"Рассылка для {c}" in sent for c in chosen)
        )

    def counts(self, chosen: list[str]) -> Counts:
        text = self.tg.shown()
        sent_texts = [t for _, t in self.ozon.sent_texts]
        buyer, replies = self.buyer_texts, self.reply_texts
        return Counts(
            buyer_lost=sum(1 for t in buyer if t not in text),
            buyer_twice=sum(1 for t in buyer if text.count(t) > 1),
            buyer_twice_unmarked=sum(1 for t in buyer if unmarked_repeats(self.tg, t)),
            replies_lost=sum(1 for t in replies if t not in sent_texts),
            replies_twice=sum(1 for t in replies if sent_texts.count(t) > 1),
            broadcast_missed=sum(1 for c in chosen if f"Рассылка для {c}" not in sent_texts),
            broadcast_repeated=sum(1 for c in chosen if sent_texts.count(f"Рассылка для {c}") > 1),
        )


async def kill_repeatedly(
    env: dict[str, str], tmp_path: Path, rng: random.Random
) -> list[BridgeProcess]:
    """KILLS bridges, each killed with SIGKILL at a random moment of its work (not while it is
    still importing)."""
    procs: list[BridgeProcess] = []
    for _ in range(KILLS):
        proc = BridgeProcess(env, tmp_path)
        procs.append(proc)
        await proc.start()
        await wait_for(functools.partial(started, proc), within=60, what="the bridge up")
        await asyncio.sleep(rng.uniform(0.2, 3.0))
        proc.signal(signal.SIGKILL)
        await proc.wait()
    return procs


async def drive(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path, *, faults: bool, seed: int
) -> Counts:
    rng = random.Random(seed)
    traffic = Traffic(ozon, tg, rng, faults=faults)
    db = tmp_path / "bridge.sqlite3"
    env = bridge_env(
        ozon, tg, db,
        admin_ids=ADMIN, broadcast_per_second=20, reply_per_chat_per_minute=600,
        telegram_messages_per_minute=60, telegram_budget_window_seconds=0.3,
        ozon_rate_limit_per_second=50, ozon_timeout_seconds=1.5, log_level="INFO",
    )  # fmt: skip
    if faults:
        ozon.fault_rate(
            0.2, (429, 500, 502, 503), seed=seed, timeout_share=0.1, timeout_seconds=3.0
        )
    feeder = asyncio.create_task(traffic.feed())
    confirmer = asyncio.create_task(traffic.confirm_broadcast())
    procs = await kill_repeatedly(env, tmp_path, rng)

    chosen: list[str] = []

    def settled() -> bool:
        nonlocal chosen
        chosen = broadcast_chats(db)
        return traffic.settled(chosen)

    final = BridgeProcess(env, tmp_path)
    procs.append(final)
    await final.start()
    try:
        await asyncio.wait_for(asyncio.gather(feeder, confirmer), timeout=600)
        ozon.fault_rate(0)  # the last stretch runs clean, so that "eventually" is bounded
        tg._faults.clear()
        await wait_for(settled, within=600, interval=0.5, what="everything to arrive")
    except BaseException:
        report_failure(procs, tg, feeder)
        report_missing(db, ozon, tg, traffic.buyer_texts, traffic.reply_texts, chosen)
        raise
    finally:
        ozon.fault_rate(0)
        tg._faults.clear()
        await final.stop()
    return traffic.counts(chosen)


def unmarked_repeats(tg: FakeTelegram, text: str) -> int:
    """Posts of a buyer message after its first that do not say it may be shown already."""
    blocks = []
    for message in tg.sent:
        shown = message.text or message.caption or ""
        at = shown.find(text)
        if at >= 0:
            # The message's block starts at its author line ("👤 Покупатель · time").
            start = shown.rfind(AUTHOR_LABELS["CUSTOMER"], 0, at)
            blocks.append(shown[max(start, 0) : at])
    return sum(1 for block in blocks[1:] if MAYBE_SHOWN_ALREADY not in block)


def report_failure(
    procs: list[BridgeProcess], tg: FakeTelegram, feeder: asyncio.Task[None]
) -> None:
    """The bridges' own account of what went wrong, for the failure report."""
    notable = ("ERROR", "Traceback", "broadcast", "stopping", "running:")
    for n, proc in enumerate(procs):
        lines = [line for line in proc.lines if any(word in line for word in notable)]
        print(f"--- bridge run {n + 1}: {len(proc.lines)} log lines, notable:")
        print("\n".join(lines[-40:]))
    print("--- the last run's last lines:")
    print("\n".join(procs[-1].lines[-30:]))
    general = [(m.text or "")[:120] for m in tg.thread_messages(None)]
    print(f"topics {len(tg.topics)}, feeder done {feeder.done()}, General: {general[-8:]}")
    polls = [(c.status, c.params.get("offset")) for c in tg.calls("getUpdates")]
    waiting = [u["update_id"] for u in tg._updates]
    print(f"getUpdates: {len(polls)} calls, last {polls[-5:]}; updates waiting: {waiting[:10]}")


def report_missing(
    db: Path,
    ozon: FakeOzon,
    tg: FakeTelegram,
    buyer_texts: list[str],
    reply_texts: list[str],
    chosen: list[str],
) -> None:
    """What has not arrived, and the bridge's database rows for it."""
    text = tg.shown()
    sent = {t for _, t in ozon.sent_texts}
    missing_buyer = [t for t in buyer_texts if t not in text]
    missing_replies = [t for t in reply_texts if t not in sent]
    missing_broadcast = [c for c in chosen if f"Рассылка для {c}" not in sent]
    print(
        f"missing: {len(missing_buyer)} buyer messages {missing_buyer[:5]}, "
        f"{len(missing_replies)} replies {missing_replies[:5]}, "
        f"{len(missing_broadcast)} broadcast recipients {missing_broadcast[:5]}"
    )
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for body in missing_buyer[:5]:
            rows = conn.execute(
                "SELECT m.chat_id, m.message_id, m.state, m.attempts, m.last_error, c.topic_id,"
                " c.sync_cursor, c.sync_error FROM messages m JOIN chats c USING (chat_id)"
                " WHERE m.body LIKE ?",
                (f"%{body}%",),
            ).fetchall()
            print(f"  buyer {body!r}: {rows}")
        for body in missing_replies[:5]:
            rows = conn.execute(
                "SELECT id, chat_id, state, attempts, not_before, reason, detail, topic_id"
                " FROM outbox WHERE body = ?",
                (body,),
            ).fetchall()
            print(f"  reply {body!r}: {rows}")
            if not rows:
                updates = [
                    (m.thread_id, m.message_id) for m in tg.messages.values() if m.text == body
                ]
                print(f"    in Telegram as {updates}")
        for chat_id in missing_broadcast[:5]:
            rows = conn.execute(
                "SELECT r.state, o.state, o.attempts, o.reason, o.detail FROM broadcast_recipients"
                " r LEFT JOIN outbox o ON o.id = r.outbox_id WHERE r.chat_id = ?",
                (chat_id,),
            ).fetchall()
            print(f"  broadcast {chat_id}: {rows}")


@pytest.mark.parametrize("faults", [False, True], ids=["clean", "faulty-apis"])
async def test_sigkill_ten_times_loses_nothing(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path, faults: bool
) -> None:
    counts = await drive(ozon, tg, tmp_path, faults=faults, seed=SEED or (7 if faults else 3))
    print(
        f"\nfault suite ({'faulty APIs' if faults else 'clean APIs'}, {KILLS} SIGKILLs): {counts}"
        f" ({len(tg.topics)} topics)"
    )
    assert counts.buyer_lost == 0
    assert counts.buyer_twice_unmarked == 0
    assert counts.replies_lost == 0
    assert counts.replies_twice == 0
    assert counts.broadcast_missed == 0
    assert counts.broadcast_repeated == 0
    # Posting a buyer message twice needs a kill between Telegram's answer and the commit that
    # follows it (Telegram takes no idempotency key): rare, counted above, and the repeat says
    # that it may be shown already (asserted above).
    assert counts.buyer_twice <= KILLS
