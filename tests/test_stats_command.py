"""/stats end to end through the stand-ins: Ozon's grades, the team's figures and the chart in two
sends; a key that may not read ratings; ratings Ozon does not have; non-admins refused; and the
weekly digest's schedule."""

from __future__ import annotations

import re
import struct
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.app.jobs import Jobs
from bot.core.hours import Weekly
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram
from tests.waiting import wait_for

MSK = ZoneInfo("Europe/Moscow")


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's header (and proof that it is one)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def report(tg: FakeTelegram) -> str:
    (text,) = [m.text or "" for m in tg.thread_messages(None) if "Как быстро" in (m.text or "")]
    return text


async def test_stats_shows_grades_figures_and_a_chart(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    chat = ozon.add_chat()
    ozon.add_message(chat, "Когда отправите?", order_number="7070-1")
    async with bridge():
        await wait_for(lambda: "Когда отправите?" in tg.shown(), within=15)
        (topic,) = list(tg.topics)
        tg.user_message("Сегодня вечером", thread_id=topic, first_name="Анна")
        await wait_for(lambda: len(ozon.sent_texts) == 1, within=15, what="reply delivered")
        sends = len(tg.sent)
        tg.user_message("/stats", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: bool(tg.calls("sendPhoto")), within=30, what="the chart")
        text = report(tg)
        assert len(tg.sent) - sends == 2  # the report and the chart
    plain = re.sub(r"<[^>]+>", "", text)
    assert "✅ Время реакции на первое сообщение: 21 мин — лучше (было 25 мин)" in plain
    assert "⚠️ Среднее время ответа: 42 мин — хуже (было 36 мин)" in plain
    assert "✅ Диалоги с ответом за 24 ч: 96,5%" in plain
    assert "Диалогов: 1, сообщений покупателей: 1" in text
    assert "Отвечено за 24 ч: 100%" in text
    assert "• Анна — ответов: 1, первый ответ: меньше минуты" in text
    (photo,) = [m for m in tg.sent if m.kind == "photo"]
    assert photo.file is not None
    width, height = png_size(photo.file)
    assert (width, height) == (1200, 675)
    assert 10_000 < len(photo.file) < 1_000_000
    assert ozon.spec_violations == []
    assert tg.spec_violations == []


async def test_stats_without_the_rating_role_says_so_and_shows_the_rest(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    ozon.refuse_ratings(True)
    async with bridge():
        tg.user_message("/stats", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: bool(tg.calls("sendPhoto")), within=30, what="the chart")
        text = report(tg)
    assert "у ключа API нет роли, которая читает рейтинги" in text
    assert "Диалогов: 0" in text
    assert "ещё ни один диалог этого периода не получил ответа" in text
    assert "пока не видно — нет диалогов старше суток" in text


async def test_ratings_ozon_does_not_have_are_named(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    ozon.set_ratings(omit_chat_group=True)
    async with bridge():
        tg.user_message("/stats", thread_id=None, from_id=tg.owner_id)
        await wait_for(lambda: bool(tg.calls("sendPhoto")), within=30, what="the chart")
        text = report(tg)
    assert "Ozon пока не даёт: время реакции на первое сообщение, среднее время ответа" in text


async def test_stats_is_for_admins(
    ozon: FakeOzon, tg: FakeTelegram, bridge: Callable[..., Any]
) -> None:
    async with bridge():
        tg.user_message("/stats", thread_id=None, from_id=111)
        await wait_for(lambda: "только для администраторов" in tg.shown(), within=15)
    assert tg.calls("sendPhoto") == []
    assert ozon.count("/v1/rating/summary") == 0


@pytest.mark.parametrize(
    ("setting", "now", "next_fire"),
    [
        # Sunday noon in Moscow: the next Monday at 10:00 Moscow time.
        ("mon 10:00", datetime(2026, 11, 29, 12, 0, tzinfo=MSK), datetime(2026, 11, 30, 10, 0)),
        ("mon,thu 09:30", datetime(2026, 11, 30, 10, 0, tzinfo=MSK), datetime(2026, 12, 3, 9, 30)),
        ("daily 18:00", datetime(2026, 11, 30, 18, 0, 1, tzinfo=MSK), datetime(2026, 12, 1, 18, 0)),
    ],
)
def test_the_digest_fires_on_its_days_at_its_local_time(
    setting: str, now: datetime, next_fire: datetime
) -> None:
    when = Weekly.parse(setting)
    assert when is not None
    assert str(when) == setting

    async def publish() -> None: ...

    trigger = Jobs().digest(when, MSK, publish)
    assert trigger.get_next_fire_time(None, now) == next_fire.replace(tzinfo=MSK)


def test_a_bad_digest_setting_is_refused() -> None:
    assert Weekly.parse("") is None
    for bad in ("monday 10:00", "mon", "mon 25:00", "mon,xyz 10:00"):
        with pytest.raises(ValueError, match=r"mon 10:00|09:00"):
            Weekly.parse(bad)
