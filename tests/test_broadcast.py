"""/broadcast end to end: preview, confirm or cancel, filters and placeholders, exactly once."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.broadcast.command import BroadcastRefused, Filters, check_template, parse_command
from bot.telegram.rendering.phrasing import refusal_text
from tests.conftest import bridge_env
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeMessage, FakeTelegram
from tests.process import BridgeProcess
from tests.test_templates import link
from tests.waiting import wait_for

Bridge = Callable[..., Any]
ADMIN = 500
NOW = datetime.now(UTC)


def seed(ozon: FakeOzon) -> dict[str, str]:
    """Chats of several kinds; returns name -> chat id."""
    chats: dict[str, str] = {}
    for n in range(3):
        chats[f"live{n}"] = ozon.add_chat()
        ozon.add_message(
            chats[f"live{n}"],
            f"Вопрос {n}",
            order_number=f"5550{n}-1",
            user_id=f"buyer{n}",
            created_at=NOW - timedelta(hours=n * 20),  # 0 h, 20 h, 40 h ago
        )
    chats["closed"] = ozon.add_chat(status="CLOSED")
    ozon.add_message(chats["closed"], "Старый вопрос", order_number="55599-1")
    chats["quiet"] = ozon.add_chat()
    ozon.add_message(chats["quiet"], "Давний вопрос", created_at=NOW - timedelta(days=5))
    return chats


@asynccontextmanager
async def running(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge, **settings: Any
) -> AsyncIterator[dict[str, str]]:
    chats = seed(ozon)
    async with bridge(admin_ids=[ADMIN], **settings):
        await wait_for(lambda: all(f"Вопрос {n}" in tg.shown() for n in range(3)))
        await wait_for(lambda: "Старый вопрос" in tg.shown())
        yield chats


def general(tg: FakeTelegram) -> list[FakeMessage]:
    return tg.thread_messages(None)


def command(tg: FakeTelegram, text: str, from_id: int = ADMIN) -> None:
    tg.user_message(text, thread_id=None, from_id=from_id)


def last_text(message: FakeMessage) -> str:
    return message.edits[-1].text or "" if message.edits else message.text or ""


async def preview_for(tg: FakeTelegram, job_id: int) -> FakeMessage:
    await wait_for(lambda: any(f"Рассылка №{job_id}" in (m.text or "") for m in general(tg)))
    return next(m for m in general(tg) if f"Рассылка №{job_id}" in (m.text or ""))


def button(message: FakeMessage, index: int) -> str:
    assert message.reply_markup is not None
    return str(message.reply_markup["inline_keyboard"][0][index]["callback_data"])


def texts_by_chat(ozon: FakeOzon) -> dict[str, list[str]]:
    sent: dict[str, list[str]] = {}
    for chat_id, text in ozon.sent_texts:
        sent.setdefault(chat_id, []).append(text)
    return sent


async def test_preview_then_confirm_sends_once_to_each_chosen_chat(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with running(ozon, tg, bridge) as chats:
        command(tg, "/broadcast Здравствуйте! Заказ {order_number} передан в доставку.")
        preview = await preview_for(tg, 1)
        text = preview.text or ""
        assert "Получателей: 3" in text
        assert "Заказ 55500-1 передан в доставку" in text
        assert "чат закрыт: 1" in text
        assert "окно ответа закрыто (покупатель не писал 48 часов): 1" in text
        assert ozon.sent_texts == []

        tg.callback(button(preview, 0), from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: "завершена" in last_text(preview), within=30)
        # Two more polls: the bridge's own messages come back in the histories.
        polls = ozon.count("/v3/chat/list")
        await wait_for(lambda: ozon.count("/v3/chat/list") >= polls + 2)

    sent = texts_by_chat(ozon)
    assert sent == {
        chats[f"live{n}"]: [f"Здравствуйте! Заказ 5550{n}-1 передан в доставку."] for n in range(3)
    }
    assert "Доставлено: 3 из 3" in last_text(preview)
    assert "передан в доставку" not in "\n".join(
        m.text or "" for m in tg.sent if m.thread_id is not None
    )


async def test_a_broadcast_keeps_a_hidden_links_address(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    """A word that links somewhere keeps its address, as in a reply written by hand: written in
    the command, or in the message the command answers."""
    url = "https://shop.example/sale"
    text = "/broadcast Скидки до пятницы — на сайте."
    async with running(ozon, tg, bridge) as chats:
        tg.user_message(text, thread_id=None, from_id=ADMIN, entities=link(text, "сайте", url))
        preview = await preview_for(tg, 1)
        assert f"на сайте ({url})." in (preview.text or "")
        tg.callback(button(preview, 0), from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: "завершена" in last_text(preview), within=30)

        quoted = "Новинки — в каталоге"
        tg.user_message(quoted, thread_id=None, entities=link(quoted, "каталоге", url + "/new"))
        tg.user_message("/broadcast", thread_id=None, from_id=ADMIN, reply_to=max(tg.messages))
        preview = await preview_for(tg, 2)
        assert f"Новинки — в каталоге ({url}/new)" in (preview.text or "")
    assert texts_by_chat(ozon) == {
        chats[f"live{n}"]: [f"Скидки до пятницы — на сайте ({url})."] for n in range(3)
    }


async def test_cancel_sends_nothing_and_strangers_are_refused(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with running(ozon, tg, bridge):
        command(tg, "/broadcast Акция!", from_id=999)
        await wait_for(
            lambda: any("только для администраторов" in (m.text or "") for m in general(tg))
        )

        command(tg, "/broadcast Акция!")
        preview = await preview_for(tg, 1)
        confirm, cancel = button(preview, 0), button(preview, 1)
        # Only the admin who asked may press the buttons.
        tg.callback(confirm, from_id=999, message_id=preview.message_id)
        await wait_for(lambda: bool(tg.callback_answers))
        assert any("только для того" in str(a) for a in tg.callback_answers.values())

        tg.callback(cancel, from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: "отменена" in last_text(preview))
        # A confirm after the cancel changes nothing.
        tg.callback(confirm, from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: len(tg.callback_answers) >= 3)
    assert ozon.sent_texts == []


async def test_filters_and_placeholders(ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge) -> None:
    async with running(ozon, tg, bridge) as chats:
        command(tg, "/broadcast Привет, {name}!")
        await wait_for(
            lambda: any("неизвестная подстановка {name}" in (m.text or "") for m in general(tg))
        )

        command(tg, "/broadcast days=1 Заказ {order_number}")
        preview = await preview_for(tg, 1)
        assert "Получателей: 2" in (preview.text or "")
        assert "покупатель давно не писал: 2" in (preview.text or "")

        # The same buyer in two chats.
        extra = ozon.add_chat()
        ozon.add_message(extra, "Ещё вопрос", order_number="55577-1", user_id="buyer1")
        await wait_for(lambda: "Ещё вопрос" in tg.shown())
        command(tg, "/broadcast repeat status=all Только для постоянных: {order_number}")
        preview = await preview_for(tg, 2)
        assert "Получателей: 2" in (preview.text or "")
        tg.callback(button(preview, 0), from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: "завершена" in last_text(preview), within=30)

        command(tg, "/broadcasts")
        await wait_for(lambda: any("Последние рассылки" in (m.text or "") for m in general(tg)))
        listing = next(m.text or "" for m in general(tg) if "Последние рассылки" in (m.text or ""))
        # Times are in TIMEZONE (Moscow by default), not UTC.
        moscow = ZoneInfo("Europe/Moscow")
        minutes = [datetime.now(moscow) - timedelta(minutes=n) for n in range(3)]
        assert any(f" · {m.strftime('%d.%m %H:%M')} · " in listing for m in minutes), listing

    assert texts_by_chat(ozon) == {
        chats["live1"]: ["Только для постоянных: 55501-1"],
        extra: ["Только для постоянных: 55577-1"],
    }


def recipient_state(db: Path, chat_id: str) -> str | None:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        row = conn.execute(
            "SELECT state FROM broadcast_recipients WHERE chat_id = ?", (chat_id,)
        ).fetchone()
    return None if row is None else str(row[0])


async def test_cancel_while_running_stops_what_was_not_sent_and_reports_it(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chats = seed(ozon)
    settings = {"admin_ids": [ADMIN], "reply_per_chat_per_minute": 1, "broadcast_per_second": 5}
    async with bridge(**settings) as config:
        await wait_for(lambda: all(f"Вопрос {n}" in tg.shown() for n in range(3)))
        # A staff reply spends the first chat's budget: its broadcast message has to wait.
        (topic,) = [t.thread_id for t in tg.topics.values() if "55500-1" in t.name]
        tg.user_message("Ответ покупателю", thread_id=topic)
        await wait_for(lambda: len(ozon.sent_texts) == 1)
        command(tg, "/broadcast Акция для {order_number}")
        preview = await preview_for(tg, 1)
        tg.callback(button(preview, 0), from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: len(ozon.sent_texts) == 3, within=30)  # the two other chats
        await wait_for(lambda: recipient_state(config.database_path, chats["live0"]) == "queued")

        stop = button(preview, 0)  # the progress message's only button
        assert "stop" in stop
        tg.callback(stop, from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: "отменена" in last_text(preview), within=15)
        report = last_text(preview)
    assert "Доставлено: 2 из 3" in report
    assert "Пропущено: 1" in report
    assert texts_by_chat(ozon)[chats["live0"]] == ["Ответ покупателю"]
    # And it never will be: the waiting message left the outbox with the cancel.
    with sqlite3.connect(f"file:{config.database_path}?mode=ro", uri=True) as conn:
        waiting = conn.execute(
            "SELECT state, reason FROM outbox WHERE chat_id = ? AND broadcast_id IS NOT NULL",
            (chats["live0"],),
        ).fetchall()
    assert waiting == [("failed", "cancelled")]


async def test_ozon_429s_slow_a_broadcast_down_without_loss(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with running(ozon, tg, bridge, broadcast_per_second=5) as chats:
        ozon.fail_next("/v1/chat/send/message", 429, count=4, retry_after=1)
        command(tg, "/broadcast Спасибо за заказ {order_number}!")
        preview = await preview_for(tg, 1)
        tg.callback(button(preview, 0), from_id=ADMIN, message_id=preview.message_id)
        await wait_for(lambda: "завершена" in last_text(preview), within=60)
    assert sorted(texts_by_chat(ozon)) == sorted(chats[f"live{n}"] for n in range(3))
    assert all(len(texts) == 1 for texts in texts_by_chat(ozon).values())


@pytest.mark.process
async def test_restart_in_the_middle_finishes_without_a_duplicate(
    ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path
) -> None:
    chats = [ozon.add_chat() for _ in range(8)]
    for n, chat in enumerate(chats):
        ozon.add_message(chat, f"Вопрос {n}", order_number=f"7770{n}-1")
    env = bridge_env(
        ozon, tg, tmp_path / "bridge.sqlite3", admin_ids=ADMIN, broadcast_per_second=2,
        telegram_budget_window_seconds=3,
    )  # fmt: skip
    first = BridgeProcess(env, tmp_path)
    await first.start()
    await wait_for(lambda: all(f"Вопрос {n}" in tg.shown() for n in range(8)), within=60)
    command(tg, "/broadcast Ваш заказ {order_number} готов")
    preview = await preview_for(tg, 1)
    tg.callback(button(preview, 0), from_id=ADMIN, message_id=preview.message_id)
    await wait_for(lambda: len(ozon.sent_texts) >= 3, within=30)
    first.signal(signal.SIGKILL)
    await first.wait()

    second = BridgeProcess(env, tmp_path)
    await second.start()
    await wait_for(lambda: "завершена" in last_text(preview), within=60)
    assert await second.stop() == 0
    sent = texts_by_chat(ozon)
    assert sorted(sent) == sorted(chats)
    assert all(len(texts) == 1 for texts in sent.values()), sent


async def test_an_anonymous_admins_broadcast_is_confirmed_by_a_group_admin(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    chats = seed(ozon)
    async with bridge():  # the group's administrators are the bridge's admins
        await wait_for(lambda: all(f"Вопрос {n}" in tg.shown() for n in range(3)))
        tg.user_message("/broadcast Анонимная рассылка", thread_id=None, anonymous=True)
        preview = await preview_for(tg, 1)
        # A stranger may not press it; the group's owner (an administrator) may.
        tg.callback(button(preview, 0), from_id=999, message_id=preview.message_id)
        await wait_for(lambda: bool(tg.callback_answers))
        assert ozon.sent_texts == []
        tg.callback(button(preview, 0), from_id=tg.owner_id, message_id=preview.message_id)
        await wait_for(lambda: "завершена" in last_text(preview), within=30)
    assert sorted(texts_by_chat(ozon)) == sorted(chats[f"live{n}"] for n in range(3))


@pytest.mark.parametrize(
    ("args", "filters", "text"),
    [
        ("days=1\nЗаказ {order_number}", Filters(days=1), "Заказ {order_number}"),
        (
            "repeat\tstatus=all\n\nПервая строка\nвторая",
            Filters(status="all", repeat=True),
            "Первая строка\nвторая",
        ),
        ("Текст days=1 в середине", Filters(), "Текст days=1 в середине"),
        ("days=1", Filters(days=1), ""),
        ("unread=0  Два  пробела", Filters(unread_zero=True), "Два  пробела"),
    ],
)
def test_filters_are_read_across_any_whitespace(args: str, filters: Filters, text: str) -> None:
    assert parse_command(args) == (filters, text)


@pytest.mark.parametrize(
    ("template", "said"),
    [
        ("Заказ {order_number: }", "{order_number: }"),
        ("Заказ {order_number!r}", "{order_number!r}"),
        ("Заказ { sku}", "{ sku}"),
        ("Пустые {}", "{}"),
        ("Заказ {sku.x}", "{sku.x}"),
        ("Скобка { без пары", "непарная"),
        ("Скобка } без пары", "непарная"),
    ],
)
def test_malformed_placeholders_are_refused_by_name(template: str, said: str) -> None:
    with pytest.raises(BroadcastRefused) as refused:
        check_template(template)
    assert said in refusal_text(refused.value)


async def test_a_filter_on_its_own_line_and_a_placeholder_typo_get_answers(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Bridge
) -> None:
    async with running(ozon, tg, bridge):
        command(tg, "/broadcast days=1\nЗаказ {order_number}\nСпасибо за покупку!")
        preview = await preview_for(tg, 1)
        assert "Получателей: 2" in (preview.text or "")
        assert "Заказ 55500-1\nСпасибо за покупку!" in (preview.text or "")
        assert "days=1" not in (preview.text or "")

        command(tg, "/broadcast Заказ {order_number: } в пути")
        await wait_for(
            lambda: any("{order_number: }" in (m.text or "") for m in general(tg)),
            what="the typo named",
        )
    assert ozon.sent_texts == []
