"""Restarts of a real `python -m bot` process neither lose nor repeat a buyer message."""

from __future__ import annotations

import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import bridge_env
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import BridgeProcess
from tests.waiting import wait_for

pytestmark = pytest.mark.process

CHATS = 12
# A slow, time-scaled group budget (5 posts per 2 s) keeps work in flight when the signal lands.
SLOW_BUDGET = {"telegram_messages_per_minute": 5, "telegram_budget_window_seconds": 2}


def seed(ozon: FakeOzon) -> list[str]:
    texts = []
    for n in range(CHATS):
        chat = ozon.add_chat()
        text = f"Сообщение покупателя №{n:02d}"
        ozon.add_message(chat, text, order_number=f"1000{n:02d}-0001")
        texts.append(text)
    return texts


def posted_count(tg: FakeTelegram, texts: list[str]) -> int:
    everything = tg.shown()
    return sum(1 for text in texts if text in everything)


def db_posted(path: Path) -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT count(*) FROM messages WHERE state='posted'").fetchone()[0])


def assert_each_once(tg: FakeTelegram, texts: list[str]) -> None:
    everything = tg.shown()
    counts = {text: everything.count(text) for text in texts}
    assert counts == dict.fromkeys(texts, 1), counts
    names = [t.name for t in tg.topics.values() if not t.deleted]
    assert len(names) == len(set(names)) == CHATS


async def test_sigterm_with_posts_in_flight_then_restart(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path
) -> None:
    texts = seed(ozon)
    env = bridge_env(ozon, tg, tmp_path / "bridge.sqlite3", **SLOW_BUDGET)

    first = BridgeProcess(env, tmp_path)
    await first.start()
    await wait_for(lambda: posted_count(tg, texts) >= 3, within=30, what="first posts")
    assert posted_count(tg, texts) < CHATS, "the budget should still hold work back"
    first.signal(signal.SIGTERM)
    started = time.monotonic()
    assert await first.wait(10.0) == 0
    assert time.monotonic() - started < 10.0
    assert "stopped" in first.output

    second = BridgeProcess(env, tmp_path)
    await second.start()
    await wait_for(lambda: posted_count(tg, texts) == CHATS, within=60, what="all posts")
    assert await second.stop() == 0
    assert_each_once(tg, texts)


async def test_sigkill_then_restart(ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path) -> None:
    texts = seed(ozon)
    db_path = tmp_path / "bridge.sqlite3"
    env = bridge_env(ozon, tg, db_path, **SLOW_BUDGET)

    first = BridgeProcess(env, tmp_path)
    await first.start()
    await wait_for(lambda: posted_count(tg, texts) >= 3, within=30, what="first posts")
    # Telegram starts answering 429 for a long time: the bridge waits, nothing is in flight ...
    served = tg.faults_served
    tg.fail_next(None, 429, count=10**6, retry_after=600)
    await wait_for(lambda: tg.faults_served > served, what="a 429 to be served")
    # ... and everything it posted is recorded as posted. Now it dies without warning.
    await wait_for(lambda: db_posted(db_path) == posted_count(tg, texts), what="quiet database")
    first.signal(signal.SIGKILL)
    assert await first.wait(10.0) == -signal.SIGKILL

    tg._faults.clear()
    second = BridgeProcess(env, tmp_path)
    await second.start()
    await wait_for(lambda: posted_count(tg, texts) == CHATS, within=60, what="all posts")
    assert await second.stop() == 0
    assert_each_once(tg, texts)
    assert db_posted(db_path) == CHATS


def maybe_shown(db: Path, text: str) -> bool:
    """The bridge's own record: a post of this message went out and was never settled."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT state, post_started_at FROM messages WHERE body = ?", (text,)
        ).fetchone()
    return row is not None and row[0] == "pending" and row[1] is not None


async def test_a_post_cut_off_by_a_crash_is_posted_again_marked_as_maybe_shown(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Где мой заказ?", order_number="4242-1")
    db_path = tmp_path / "bridge.sqlite3"
    env = bridge_env(ozon, tg, db_path)

    # Telegram shows the post, but its answer never reaches the bridge: it dies first.
    tg.hold_answers("sendMessage")
    first = BridgeProcess(env, tmp_path)
    await first.start()
    await wait_for(lambda: "Где мой заказ?" in tg.shown(), within=30, what="the post shown")
    await wait_for(lambda: maybe_shown(db_path, "Где мой заказ?"), what="the unsettled post")
    first.signal(signal.SIGKILL)
    assert await first.wait(10.0) == -signal.SIGKILL
    tg.release_answers("sendMessage")

    second = BridgeProcess(env, tmp_path)
    await second.start()
    await wait_for(lambda: tg.shown().count("Где мой заказ?") == 2, within=30, what="re-post")
    ozon.add_message(chat, "Ответьте, пожалуйста")
    await wait_for(lambda: "Ответьте, пожалуйста" in tg.shown(), within=30, what="next post")
    assert await second.stop() == 0

    (topic,) = [t.thread_id for t in tg.topics.values()]
    posts = [m.text or "" for m in tg.thread_messages(topic)]
    original, again, later = posts
    assert "Где мой заказ?" in original
    assert "Возможно, это сообщение уже есть выше" not in original
    # Telegram takes no idempotency key, so the message is shown twice, and staff are told.
    assert "Где мой заказ?" in again
    assert "Возможно, это сообщение уже есть выше" in again
    assert "Ответьте, пожалуйста" in later
    assert "Возможно" not in later
