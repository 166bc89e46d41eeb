"""What /healthz and /status say about the service as a whole, end to end."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import free_port
from tests.waiting import wait_for

Bridge = Callable[..., Any]
ADMIN = 500


async def healthz(port: int) -> tuple[int, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        answer = await http.get("/healthz")
        return answer.status_code, answer.json()


def failing_history(ozon: FakeOzon, broken: set[str]) -> None:
    """Ozon answers 404 for these chats' history, as for a chat it cannot find."""
    original = ozon._handlers["/v3/chat/history"]

    async def history(body: dict[str, Any]) -> Any:
        if body.get("chat_id") in broken:
            return await original({**body, "chat_id": "no-such-chat"})
        return await original(body)

    ozon._handlers["/v3/chat/history"] = history


async def test_one_chat_that_keeps_failing_is_reported_apart_from_a_healthy_service(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    broken, fine = ozon.add_chat(), ozon.add_chat()
    ozon.add_message(broken, "Из сломанного чата")
    ozon.add_message(fine, "Из здорового чата")
    failing_history(ozon, {broken})
    port = free_port()
    async with bridge(push_port=port, admin_ids=[ADMIN]):
        await wait_for(lambda: "Из здорового чата" in tg.shown())
        # Every poll: the healthy chat is idle, the broken one fails again.
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 4, within=15)
        status, body = await healthz(port)
        assert status == 200, body
        assert body["failing_chats"] == 1
        assert body["failing_chat_ids"] == [broken]
        tg.user_message("/status", thread_id=None, from_id=ADMIN)
        await wait_for(lambda: "Не удаётся прочитать историю чатов: 1" in tg.shown())
        assert broken in tg.shown()


async def test_history_failing_for_every_chat_makes_the_service_unhealthy(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chats = [ozon.add_chat() for _ in range(3)]
    for n, chat in enumerate(chats):
        ozon.add_message(chat, f"Вопрос {n}")
    port = free_port()
    async with bridge(push_port=port):
        await wait_for(lambda: all(f"Вопрос {n}" in tg.shown() for n in range(3)))
        failing_history(ozon, set(chats))
        for n, chat in enumerate(chats):
            ozon.add_message(chat, f"Ещё вопрос {n}")

        async def unhealthy() -> bool:
            status, body = await healthz(port)
            return status == 503 and "3 chat(s) failed to sync" in body["reason"]

        await wait_for(unhealthy, within=15, what="/healthz 503 with every chat failing")
