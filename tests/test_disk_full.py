"""The database refusing writes while a real bridge runs (a full disk, simulated with the process's
file size limit): the operator gets a clear error in the log and from /healthz, staff are told their
reply was not accepted, nothing is marked done that was not, and everything resumes once the disk
has room again, with no message lost or posted twice."""

from __future__ import annotations

import resource
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.config import Settings
from bot.core.faults import StorageWriteError
from storage.messages import MessageRepository
from tests.conftest import bridge_env
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import BridgeProcess, free_port
from tests.waiting import wait_for

pytestmark = pytest.mark.process


def db_states(path: Path, chat_id: str) -> list[str]:
    """The states of the chat's messages from Ozon, oldest first ([] before the bridge has made
    its tables). The copies of staff replies (`echo`) are left out: a poll reads them back
    whenever it comes after the send."""
    if not path.exists():
        return []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        try:
            rows = conn.execute(
                "SELECT state FROM messages WHERE chat_id = ? AND direction = 'inbound' "
                "ORDER BY message_id",
                (chat_id,),
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "no such table" not in str(exc):
                raise
            return []
    return [row[0] for row in rows]


def alert_count(tg: FakeTelegram, words: str) -> int:
    return sum(words in (m.text or "") for m in tg.thread_messages(None))


def limit_file_size(pid: int, limit: int) -> None:
    """The bridge may not grow any file past `limit` bytes: its writes fail like on a full disk.
    (Python ignores SIGXFSZ, so the write gets EFBIG instead of the process dying.)"""
    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))


async def test_disk_full_loses_nothing_and_says_so(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Первое сообщение покупателя", order_number="555-1")
    db = tmp_path / "bridge.sqlite3"
    port = free_port()
    env = bridge_env(ozon, tg, db, push_port=port, admin_ids=111, alert_check_seconds=0.5)
    bridge = BridgeProcess(env, tmp_path)
    await bridge.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            await wait_for(lambda: db_states(db, chat) == ["posted"], within=30, what="1st post")
            (topic,) = [t.thread_id for t in tg.topics.values() if not t.deleted]

            # The disk fills up: no file may grow past one page, so every write fails.
            limit_file_size(bridge.pid, 4096)
            ozon.add_message(chat, "Второе сообщение, пока диск полон")
            tg.user_message("Ответ, пока диск полон", thread_id=topic)
            staff_message = max(tg.messages)

            def staff_told() -> bool:
                return any(
                    m.reply_to_message_id == staff_message and "не принято" in (m.text or "")
                    for m in tg.sent
                )

            await wait_for(staff_told, within=30, what="staff told the reply was not accepted")
            await wait_for(
                lambda: "cannot write the database" in bridge.output, within=30, what="log"
            )
            assert "nothing is marked done until writes succeed again" in bridge.output

            async def unhealthy() -> bool:
                answer = await http.get("/healthz")
                return answer.status_code == 503 and "cannot write" in answer.json()["reason"]

            await wait_for(unhealthy, within=30, what="/healthz 503 naming the database")
            assert (await http.get("/readyz")).status_code == 503
            assert (await http.get("/livez")).status_code == 200, "a restart would not help"
            # The group hears of it once, naming the setting.
            alert = "База данных моста не принимает записи"
            await wait_for(lambda: alert_count(tg, alert) == 1, within=30, what="the alert")
            # An admin's /sync hears why the poll failed instead of waiting for ever.
            tg.user_message("/sync", thread_id=None)
            await wait_for(
                lambda: any(
                    "Опрос не удался" in (m.text or "") and "не принимает записи" in (m.text or "")
                    for m in tg.sent
                ),
                within=30,
                what="/sync answered with the database's refusal",
            )
            polls = ozon.count("/v3/chat/list")
            await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2, within=30)
            # Ozon was read, but the new message could not be recorded: nothing is posted or
            # marked, and the reply that was refused never went to the buyer.
            assert "Второе сообщение" not in tg.shown()
            assert db_states(db, chat) == ["posted"]
            assert ozon.sent_texts == []
            assert bridge.running

            # Room again: the waiting message arrives once, and staff can send their reply.
            limit_file_size(bridge.pid, resource.RLIM_INFINITY)
            await wait_for(lambda: "Второе сообщение" in tg.shown(), within=30, what="resume")
            tg.user_message("Ответ, когда место есть", thread_id=topic)
            await wait_for(lambda: len(ozon.sent_texts) == 1, within=30, what="reply delivered")

            async def healthy() -> bool:
                return (await http.get("/healthz")).status_code == 200

            await wait_for(healthy, within=30, what="/healthz 200 again")
            assert "writes succeed again" in bridge.output
            ended = "База данных моста снова принимает записи"
            await wait_for(lambda: alert_count(tg, ended) == 1, within=30, what="its end")
    finally:
        code = await bridge.stop()
    assert code == 0
    assert alert_count(tg, alert) == 1
    assert alert_count(tg, ended) == 1
    assert "DATABASE_PATH" in tg.shown()
    assert tg.shown().count("Второе сообщение") == 1
    assert tg.shown().count("Первое сообщение") == 1
    assert db_states(db, chat) == ["posted", "posted"]
    assert [text for _, text in ozon.sent_texts] == ["Ответ, когда место есть"]


async def test_a_post_the_database_could_not_record_is_not_posted_again(
    ozon: FakeOzon,
    tg: FakeTelegram,
    bridge: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The narrowest moment: Telegram has accepted the post, and the write that records it fails."""
    refusals = 2
    record_posted = MessageRepository.mark_posted

    async def refusing(self: MessageRepository, *args: Any, **kwargs: Any) -> None:
        nonlocal refusals
        if refusals:
            refusals -= 1
            raise StorageWriteError("cannot write the database (test): the disk is full")
        await record_posted(self, *args, **kwargs)

    monkeypatch.setattr(MessageRepository, "mark_posted", refusing)
    chat = ozon.add_chat()
    ozon.add_message(chat, "Сообщение при полном диске", order_number="555-2")
    settings: Settings
    async with bridge() as settings:
        await wait_for(
            lambda: db_states(settings.database_path, chat) == ["posted"],
            within=30,
            what="the post recorded once the database takes writes",
        )
        assert refusals == 0
        ozon.add_message(chat, "Следующее сообщение")
        await wait_for(lambda: "Следующее сообщение" in tg.shown(), within=30)
    assert tg.shown().count("Сообщение при полном диске") == 1
    assert db_states(settings.database_path, chat) == ["posted", "posted"]
