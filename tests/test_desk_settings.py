"""The help desk's settings: reminder thresholds, working hours and topic icons, parsed strictly
and refused by name at the start."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.config import ConfigError, Settings, load_settings
from bot.core.hours import WorkingHours, parse_durations
from bot.core.states import DeskState
from bot.telegram.gateway.icons import IconChoiceError, Sticker, choose_icons

MSK = ZoneInfo("Europe/Moscow")
OFFERED = [
    Sticker("5434144690511290129", "📰"),
    Sticker("5379748062124056162", "❗️"),
    Sticker("5312241539987020022", "🔥"),
    Sticker("5237699328843200968", "✅"),
    Sticker("5408906741125490282", "🏁"),
    Sticker("5417915203100613993", "💬"),
]


def test_reminder_thresholds() -> None:
    assert parse_durations("1h,20h,44h") == (3600, 72000, 158400)
    assert parse_durations(" 90m, 30s ,1.5h") == (30, 5400)
    assert parse_durations("") == ()
    for bad in ("1d", "h", "-1h", "0s", "1 hour"):
        with pytest.raises(ValueError, match="duration"):
            parse_durations(bad)


@pytest.mark.parametrize(
    ("span", "inside", "outside"),
    [
        ("09:00-21:00", ["09:00", "12:30", "20:59"], ["08:59", "21:00", "03:00"]),
        ("22:00-06:00", ["22:00", "23:59", "00:00", "05:59"], ["06:00", "12:00", "21:59"]),
    ],
)
def test_working_hours(span: str, inside: list[str], outside: list[str]) -> None:
    hours = WorkingHours.parse(span)
    assert hours is not None
    assert str(hours) == span

    def local(clock: str) -> datetime:
        return datetime.combine(datetime(2026, 11, 30).date(), time.fromisoformat(clock), MSK)

    assert all(hours.contains(local(c)) for c in inside)
    assert not any(hours.contains(local(c)) for c in outside)


def test_working_hours_refused() -> None:
    assert WorkingHours.parse("") is None
    for bad in ("9-21", "09:00", "25:00-26:00", "09:00-09:00", "09:00-21:00-22:00"):
        with pytest.raises(ValueError, match="09:00"):
            WorkingHours.parse(bad)


def test_default_icons_read_at_a_glance() -> None:
    assert choose_icons(OFFERED, {}) == {
        DeskState.WAITING: "5379748062124056162",  # ❗
        DeskState.ANSWERED: "5237699328843200968",  # ✅
        DeskState.CLOSED: "5408906741125490282",  # 🏁
    }


def test_icons_chosen_by_id_or_by_emoji() -> None:
    icons = choose_icons(
        OFFERED, {"topic_icon_waiting": "🔥", "topic_icon_closed": "5434144690511290129"}
    )
    assert icons[DeskState.WAITING] == "5312241539987020022"
    assert icons[DeskState.CLOSED] == "5434144690511290129"
    assert icons[DeskState.ANSWERED] == "5237699328843200968"


def test_an_icon_telegram_does_not_offer_is_refused_by_name() -> None:
    with pytest.raises(IconChoiceError, match="TOPIC_ICON_ANSWERED='123'") as caught:
        choose_icons(OFFERED, {"topic_icon_answered": "123"})
    assert caught.value.setting == "topic_icon_answered"


def test_without_the_preferred_emoji_the_states_still_differ() -> None:
    offered = [Sticker("1", "📰"), Sticker("2", "💡"), Sticker("3", "⚡️")]
    assert sorted(choose_icons(offered, {}).values()) == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REPLY_REMINDERS", "1h,soon"),
        ("WORKING_HOURS", "9 to 5"),
        ("TOPIC_ICON_WAITING", "red"),
    ],
)
def test_a_bad_help_desk_setting_stops_the_start_naming_it(
    monkeypatch: pytest.MonkeyPatch, make_env: Callable[[], None], name: str, value: str
) -> None:
    make_env()
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=name):
        load_settings(env_file=None)


@pytest.fixture
def make_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[], None]:
    def make() -> None:
        monkeypatch.setenv("BOT_TOKEN", "123:abc")
        monkeypatch.setenv("FORUM_CHAT_ID", "-100123")
        monkeypatch.setenv("OZON_CLIENT_ID", "1")
        monkeypatch.setenv("OZON_API_KEY", "k")

    return make


def test_settings_expose_the_parsed_values() -> None:
    settings = Settings(
        _env_file=None,
        bot_token="123:abc",
        forum_chat_id=-100123,
        ozon_client_id="1",
        ozon_api_key="k",
        working_hours="10:00-19:00",
        topic_icon_answered="✅",
    )
    assert settings.reminder_thresholds == (3600, 72000, 158400)
    assert settings.hours == WorkingHours(time(10), time(19))
    assert settings.topic_icons == {"topic_icon_answered": "✅"}
