"""Shared fixtures: the loopback stand-ins for Ozon and Telegram, settings pointing at them, and the
bridge itself, wired by `bot.__main__.run_bridge` exactly as in production."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app.bridge import run_bridge
from bot.config import Settings
from tests.fakes.ozon import FakeOzon
from tests.fakes.telegram import FakeTelegram

BOT_TOKEN = "123456:TEST-token"
FORUM_CHAT_ID = -1001234567890
OZON_CLIENT_ID = "100500"
OZON_API_KEY = "test-ozon-key-secret"


@pytest.fixture
async def ozon() -> AsyncIterator[FakeOzon]:
    async with FakeOzon(client_id=OZON_CLIENT_ID, api_key=OZON_API_KEY) as fake:
        yield fake
        assert fake.spec_violations == [], "the bridge sent requests Ozon's spec does not allow"


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(token=BOT_TOKEN, forum_chat_id=FORUM_CHAT_ID) as fake:
        yield fake
        assert fake.spec_violations == [], "the bridge sent requests the Bot API does not allow"


def bridge_env(ozon: FakeOzon, tg: FakeTelegram, db_path: Path, **extra: Any) -> dict[str, str]:
    """Environment variables for a bridge talking to the stand-ins (for real processes)."""
    env = {
        "BOT_TOKEN": BOT_TOKEN,
        "FORUM_CHAT_ID": str(FORUM_CHAT_ID),
        "OZON_CLIENT_ID": OZON_CLIENT_ID,
        "OZON_API_KEY": OZON_API_KEY,
        "OZON_API_URL": ozon.url,
        "TELEGRAM_API_URL": tg.url,
        "DATABASE_PATH": str(db_path),
        "POLL_INTERVAL_SECONDS": "1",
        "PUSH_PORT": "0",
        "LOG_LEVEL": "INFO",
    }
    env.update({key.upper(): str(value) for key, value in extra.items()})
    return env


@pytest.fixture
def make_settings(ozon: FakeOzon, tg: FakeTelegram, tmp_path: Path) -> Callable[..., Settings]:
    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {
            "bot_token": SecretStr(BOT_TOKEN),
            "forum_chat_id": FORUM_CHAT_ID,
            "ozon_client_id": OZON_CLIENT_ID,
            "ozon_api_key": SecretStr(OZON_API_KEY),
            "ozon_api_url": ozon.url,
            "telegram_api_url": tg.url,
            "database_path": tmp_path / "bridge.sqlite3",
            "poll_interval_seconds": 1,
            "push_port": 0,
            # The group's budget, time-scaled: 20 posts per 3 s instead of per minute.
            "telegram_budget_window_seconds": 3.0,
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)

    return make


Runner = Callable[..., Any]


@pytest.fixture
def bridge(make_settings: Callable[..., Settings]) -> Callable[..., Any]:
    """`async with bridge(**settings) :` runs the whole bridge in this event loop."""

    @asynccontextmanager
    async def run(**overrides: Any) -> AsyncIterator[Settings]:
        settings = make_settings(**overrides)
        stop = asyncio.Event()
        task = asyncio.create_task(run_bridge(settings, stop))
        try:
            yield settings
        finally:
            stop.set()
            await asyncio.wait_for(task, timeout=15)

    return run


AsyncCheck = Callable[[], Awaitable[bool]]
