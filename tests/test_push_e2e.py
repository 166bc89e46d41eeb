"""Push notifications through the whole bridge, and /healthz following Ozon's availability."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import bridge_env
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import BridgeProcess, free_port
from tests.test_help_desk import CLOSED_ICON, WAITING_ICON
from tests.waiting import wait_for

Bridge = Callable[..., Any]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


async def test_pushed_messages_arrive_without_waiting_for_a_poll(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    port = free_port()
    known = ozon.add_chat()
    ozon.add_message(known, "Первое сообщение")
    settings = {
        "push_enabled": True,
        "push_port": port,
        "push_allowed_ips": ["127.0.0.0/8"],
        "poll_interval_seconds": 600,
    }
    async with bridge(**settings), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        await wait_for(lambda: "Первое сообщение" in tg.shown())
        polls = ozon.count("/v3/chat/list")

        ping = await http.post("/ozon/push", json={"message_type": "TYPE_PING", "time": "x"})
        assert set(ping.json()) == {"version", "name", "time"}

        # A new message, pushed three times (Ozon retries), arrives once.
        second = ozon.add_message(known, "Второе, через push")
        for _ in range(3):
            answer = await http.post("/ozon/push", json=ozon.new_message_push(known, second))
            assert answer.json() == {"result": True}
        await wait_for(lambda: "Второе, через push" in tg.shown())

        # A chat the bridge has never seen comes in through push too.
        fresh = ozon.add_chat()
        first = ozon.add_message(fresh, "Новый чат, через push", order_number="9000-1")
        await http.post("/ozon/push", json=ozon.new_message_push(fresh, first))
        await wait_for(lambda: "Новый чат, через push" in tg.shown())

        # Closed in Ozon: the topic closes, its icon says so; the buyer writes again: it
        # reopens, waiting for a reply.
        topic = next(t for t in tg.topics.values() if t.name == "Заказ 9000-1")
        closed = {"message_type": "TYPE_CHAT_CLOSED", "chat_id": fresh, "chat_type": "Buyer_Seller"}
        await http.post("/ozon/push", json=closed)
        await wait_for(lambda: tg.topics[topic.thread_id].closed)
        await wait_for(lambda: topic.icon_custom_emoji_id == CLOSED_ICON, what="closed icon")
        again = ozon.add_message(fresh, "Я снова тут")
        await http.post("/ozon/push", json=ozon.new_message_push(fresh, again))
        await wait_for(lambda: "Я снова тут" in tg.shown())
        assert not tg.topics[topic.thread_id].closed
        await wait_for(lambda: topic.icon_custom_emoji_id == WAITING_ICON, what="waiting icon")

        assert ozon.count("/v3/chat/list") == polls, "everything came through push"
        health = await http.get("/healthz")
        assert health.status_code == 200
        assert health.json()["status"] == "ok"

    text = tg.shown()
    assert text.count("Второе, через push") == 1
    assert text.count("Новый чат, через push") == 1


async def test_healthz_follows_ozon(ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge) -> None:
    port = free_port()
    ozon.add_message(ozon.add_chat(), "Привет")
    async with (
        bridge(push_port=port),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
    ):

        async def status() -> int:
            try:
                return (await http.get("/healthz")).status_code
            except httpx.ConnectError:
                return 0  # the server is still starting

        async def is_(code: int) -> bool:
            return await status() == code

        await wait_for(lambda: is_(200), what="healthy after the first sync")
        ozon.down = True
        await wait_for(lambda: is_(503), within=20, what="unhealthy while Ozon is down")
        reason = (await http.get("/healthz")).json()["reason"]
        assert "no successful Ozon sync" in reason
        ozon.down = False
        await wait_for(lambda: is_(200), within=20, what="healthy again")
        assert (
            await http.post("/ozon/push", json={"message_type": "TYPE_PING"})
        ).status_code == 404


# Requests no push receiver may accept: random bytes, JSON that is not an object, objects without
# a type, and chat events without a usable chat id.
_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_bad_chat_ids: st.SearchStrategy[Any] = st.sampled_from([None, "", "   ", [], {}, True, 1.5])
GARBAGE = (
    st.binary(max_size=600)
    | st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4), max_leaves=10).map(
        lambda value: json.dumps(value).encode()
    )
    | st.dictionaries(st.text(max_size=12).filter(lambda k: k != "message_type"), _scalars).map(
        lambda value: json.dumps(value).encode()
    )
    | st.builds(
        lambda kind, chat: json.dumps({"message_type": kind, "chat_id": chat}).encode(),
        st.sampled_from(["TYPE_NEW_MESSAGE", "TYPE_UPDATE_MESSAGE", "TYPE_CHAT_CLOSED"]),
        _bad_chat_ids,
    )
)


@pytest.mark.process
async def test_a_running_bridge_refuses_garbage_and_stays_up(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path
) -> None:
    bodies: list[bytes] = []

    @settings(max_examples=300, deadline=None, database=None)
    @given(body=GARBAGE)
    def collect(body: bytes) -> None:
        bodies.append(body)

    collect()
    bodies += [b"{" * (2 * 1024 * 1024), json.dumps({"pad": "x" * (1024 * 1024 + 1)}).encode()]

    chat = ozon.add_chat()
    ozon.add_message(chat, "Сообщение до проверки")
    port = free_port()
    env = bridge_env(
        ozon, tg, tmp_path / "bridge.sqlite3", push_enabled=True, push_port=port,
        push_allowed_ips="127.0.0.1/32", poll_interval_seconds=600,
    )  # fmt: skip
    bridge = BridgeProcess(env, tmp_path)
    await bridge.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            await wait_for(lambda: "Сообщение до проверки" in tg.shown(), within=30)
            posts, history = len(tg.sent), ozon.count("/v3/chat/history")
            statuses = []
            for body in bodies:
                answer = await http.post(
                    "/ozon/push", content=body, headers={"Content-Type": "application/json"}
                )
                assert answer.headers["content-type"].startswith("application/json")
                statuses.append(answer.status_code)
            health = await http.get("/healthz")
        assert all(400 <= code < 500 for code in statuses), sorted(set(statuses))
        assert 413 in statuses
        assert bridge.running
        assert health.status_code == 200
        assert health.json()["push_queue"] == 0
        # Nothing reached the queues: no chat was synced, nothing was posted.
        assert ozon.count("/v3/chat/history") == history
        assert len(tg.sent) == posts
    finally:
        assert await bridge.stop() == 0


async def test_a_buyers_edit_is_shown_as_an_answer_to_the_old_text(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    port = free_port()
    chat = ozon.add_chat()
    first = ozon.add_message(chat, "Размер M подойдёт?")
    ozon.add_message(chat, "Жду ответа")
    picture = ozon.add_message(chat, "Вот фото", images=[PNG], moderation="MODERATION")
    settings = {"push_enabled": True, "push_port": port, "push_allowed_ips": ["127.0.0.0/8"]}
    async with bridge(**settings), httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        await wait_for(lambda: "Вот фото" in tg.shown())
        (old_post,) = [m for m in tg.sent if "Размер M" in (m.text or "")]
        assert any("на модерации" in (m.caption or "") for m in tg.sent)

        # The buyer corrects an earlier message: not the newest, so only the push tells.
        ozon.edit_message(chat, first, text="Размер L подойдёт?")
        await http.post("/ozon/push", json=ozon.update_message_push(chat, first))
        await wait_for(lambda: "Размер L" in tg.shown())
        (edit,) = [m for m in tg.sent if "Размер L" in (m.text or "")]
        assert "Сообщение изменено" in (edit.text or "")
        assert edit.reply_to_message_id == old_post.message_id

        # Ozon's moderation rejects the picture.
        ozon.edit_message(chat, picture, moderation="FAILED")
        await http.post("/ozon/push", json=ozon.update_message_push(chat, picture))
        await wait_for(lambda: "отклонено модерацией" in tg.shown())
    assert tg.shown().count("Жду ответа") == 1
