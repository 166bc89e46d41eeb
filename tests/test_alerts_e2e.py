"""Alerts through the real bridge and both stand-ins: each trouble is posted in General once when
it begins and once when it ends, however many passes see it, a restart repeats nothing, and
/livez stays 200 (a restart would not help) while /readyz says the bridge cannot work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.process import free_port
from tests.waiting import wait_for

PASS = 0.2  # ALERT_CHECK_SECONDS: a pass every 0.2 s, the group looked at every second


def general(tg: FakeTelegram) -> list[str]:
    return [m.text or "" for m in tg.thread_messages(None)]


def posted(tg: FakeTelegram, words: str) -> int:
    return sum(words in text for text in general(tg))


async def passes(tg: FakeTelegram, count: int) -> None:
    """Wait until the alerts have made `count` more looks at the group (each a full pass)."""
    seen = len(tg.calls("getChat"))
    await wait_for(
        lambda: len(tg.calls("getChat")) >= seen + count, within=20, what=f"{count} passes"
    )


@asynccontextmanager
async def running(bridge: Callable[..., Any], **settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    port = free_port()
    async with (
        bridge(push_port=port, alert_check_seconds=PASS, **settings),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http,
    ):
        yield http


async def status(http: httpx.AsyncClient, path: str) -> int:
    return (await http.get(path)).status_code


async def test_ozon_refusing_the_key_is_told_once_and_its_end_once(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    ozon.auth_mode = "expired"
    async with running(bridge) as http:
        begun = "Ozon не принимает ключ API"
        await wait_for(lambda: posted(tg, begun) == 1, within=20, what="the alert")
        assert "OZON_API_KEY" in next(t for t in general(tg) if begun in t)
        assert await status(http, "/livez") == 200
        assert await status(http, "/readyz") == 503
        await passes(tg, 2)
        assert posted(tg, begun) == 1, "not repeated while it lasts"
        assert posted(tg, "не получает чаты Ozon") == 0, "the key's alert says it all"

        ozon.auth_mode = "ok"
        await wait_for(lambda: posted(tg, "снова принимает ключ") == 1, within=20, what="end")

        async def ready() -> bool:
            return await status(http, "/readyz") == 200

        await wait_for(ready, within=20, what="/readyz 200")
        await passes(tg, 2)
    assert posted(tg, begun) == 1
    assert posted(tg, "снова принимает ключ") == 1


async def test_ozon_out_of_reach_for_three_polls(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    async with running(bridge) as http:
        await wait_for(lambda: ozon.count("/v3/chat/list") >= 1, within=15)
        ozon.down = True
        begun = "Мост не получает чаты Ozon"
        await wait_for(lambda: posted(tg, begun) == 1, within=20, what="the alert")
        assert "POLL_INTERVAL_SECONDS" in next(t for t in general(tg) if begun in t)
        assert await status(http, "/livez") == 200
        assert await status(http, "/readyz") == 503
        await passes(tg, 2)
        ozon.down = False
        await wait_for(lambda: posted(tg, "снова получает чаты") == 1, within=20, what="end")

        async def ready() -> bool:
            return await status(http, "/readyz") == 200

        await wait_for(ready, within=20, what="/readyz 200")
        await passes(tg, 2)
    assert posted(tg, begun) == 1


async def test_the_bot_losing_its_right_to_manage_topics(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    async with running(bridge) as http:
        await passes(tg, 1)
        tg.can_manage_topics = False
        begun = "Бот не может работать в группе"
        await wait_for(lambda: posted(tg, begun) == 1, within=20, what="the alert")
        assert "«Управление темами»" in next(t for t in general(tg) if begun in t)
        assert await status(http, "/livez") == 200
        await passes(tg, 2)
        tg.can_manage_topics = True
        await wait_for(lambda: posted(tg, "снова может работать") == 1, within=20, what="end")
    assert posted(tg, begun) == 1


async def test_the_group_turning_topics_off(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    chat = ozon.add_chat()
    async with running(bridge) as http:
        await passes(tg, 1)
        tg.is_forum = False
        ozon.add_message(chat, "Сообщение, пока темы выключены")
        begun = "Бот не может работать в группе"
        await wait_for(lambda: posted(tg, begun) == 1, within=20, what="the alert")
        assert "«Темы»" in next(t for t in general(tg) if begun in t)

        async def unready() -> bool:
            return await status(http, "/readyz") == 503

        await wait_for(unready, within=20, what="/readyz 503 once a post ran into it")
        assert await status(http, "/livez") == 200
        tg.is_forum = True
        await wait_for(lambda: "Сообщение, пока темы" in tg.shown(), within=30, what="resume")
        await wait_for(lambda: posted(tg, "снова может работать") == 1, within=20, what="end")
    assert posted(tg, begun) == 1


async def test_a_key_about_to_expire_is_told_once_across_a_restart(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    ozon.key_expires_at = datetime.now(UTC).replace(microsecond=0) + timedelta(days=5)
    begun = "Ключ Ozon API истекает"
    async with running(bridge) as http:
        await wait_for(lambda: posted(tg, begun) == 1, within=20, what="the alert")
        text = next(t for t in general(tg) if begun in t)
        assert "OZON_API_KEY" in text
        assert "осталось 4 дн" in text
        assert await status(http, "/readyz") == 200, "a warning, not a fault"
    roles = ozon.count("/v1/roles")
    async with running(bridge):
        await wait_for(lambda: ozon.count("/v1/roles") > roles, within=20, what="key re-read")
        await passes(tg, 2)
    assert posted(tg, begun) == 1, "the restart repeated nothing"
