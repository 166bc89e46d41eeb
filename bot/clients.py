"""The two API clients, built from the settings (used by the bridge and by `check`)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot import __version__
from bot.config import Settings
from bot.ozon.client import OzonClient


def make_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(settings.bot_token.get_secret_value(), session=session)


def make_ozon(settings: Settings) -> OzonClient:
    return OzonClient(
        settings.ozon_api_url,
        settings.ozon_client_id,
        settings.ozon_api_key.get_secret_value(),
        rate_per_second=settings.ozon_rate_limit_per_second,
        timeout=settings.ozon_timeout_seconds,
        user_agent=f"ozon-telegram-bridge/{__version__}",
    )
