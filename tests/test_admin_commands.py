"""/help, /status and /sync in the forum's General topic."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.waiting import wait_for

Bridge = Callable[..., Any]
ADMIN = 500


def general_texts(tg: FakeTelegram) -> list[str]:
    return [m.text or "" for m in tg.thread_messages(None)]


def said(tg: FakeTelegram, fragment: str) -> bool:
    return any(fragment in text for text in general_texts(tg))


async def test_help_status_and_sync(ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge) -> None:
    ozon.add_message(ozon.add_chat(), "Вопрос покупателя")
    async with bridge(admin_ids=[ADMIN]):
        await wait_for(lambda: any("Вопрос покупателя" in (m.text or "") for m in tg.sent))
        tg.user_message("/help", thread_id=None, from_id=999)
        await wait_for(lambda: said(tg, "Команды администратора"))

        tg.user_message("/status", thread_id=None, from_id=999)
        await wait_for(lambda: said(tg, "только для администраторов"))
        tg.user_message("/status", thread_id=None, from_id=ADMIN)
        await wait_for(lambda: said(tg, "Состояние бриджа"))
        status = next(t for t in general_texts(tg) if "Состояние бриджа" in t)
        assert "База данных: в порядке" in status
        assert "Push-уведомления Ozon: выключены" in status
        assert "ещё не было" not in status
        assert "MSK" in status  # times are in TIMEZONE (Moscow by default)
        assert "UTC" not in status

        polls = ozon.count("/v3/chat/list")
        tg.user_message("/sync", thread_id=None, from_id=ADMIN)
        await wait_for(lambda: said(tg, "Опрос завершён"))
        assert ozon.count("/v3/chat/list") > polls
    # Commands in a buyer's topic are not replies to the buyer.
    assert ozon.sent_texts == []


async def test_anonymous_admins_run_commands_when_admins_are_the_groups(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with bridge():  # no ADMIN_IDS: the group's administrators are the bridge's admins
        tg.user_message("/status", thread_id=None, anonymous=True)
        await wait_for(lambda: said(tg, "Состояние бриджа"))
    assert not said(tg, "только для администраторов")


async def test_anonymous_admins_are_told_why_when_admin_ids_are_set(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with bridge(admin_ids=[ADMIN]):
        tg.user_message("/status", thread_id=None, anonymous=True)
        await wait_for(lambda: said(tg, "анонимно"))
    assert not said(tg, "Состояние бриджа")
    assert "ADMIN_IDS" in next(t for t in general_texts(tg) if "анонимно" in t)


async def test_a_command_that_fails_inside_gets_an_answer(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with bridge(admin_ids=[ADMIN]):
        await wait_for(lambda: ozon.count("/v3/chat/list") >= 1)
        # Telegram refuses the status message itself: the handler fails half-way.
        tg.fail_next("sendMessage", 400, description="Bad Request: MESSAGE_TOO_LONG")
        tg.user_message("/status", thread_id=None, from_id=ADMIN)
        await wait_for(lambda: said(tg, "внутренней ошибки"))
