"""The two API clients, built from the settings (used by the bridge and by `check`)."""

from __future__ import annotations

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot import __version__
from bot.config import Settings
from bot.core.meter import Meter, OzonMeter
from bot.ozon.client import OzonClient
from bot.telegram.gateway.metering import CallMeter


def make_bot(settings: Settings, meter: Meter | None = None) -> Bot:
    """The bot; with a `meter`, every Bot API call is counted (`/metrics`)."""
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    if meter is not None:
        session.middleware(CallMeter(meter))
    return Bot(settings.bot_token.get_secret_value(), session=session)


def make_ozon(settings: Settings, meter: Meter | None = None) -> OzonClient:
    """The Ozon client; with a `meter`, every attempt is counted (`/metrics`)."""
    return OzonClient(
        settings.ozon_api_url,
        settings.ozon_client_id,
        settings.ozon_api_key.get_secret_value(),
        rate_per_second=settings.ozon_rate_limit_per_second,
        timeout=settings.ozon_timeout_seconds,
        user_agent=f"ozon-telegram-bridge/{__version__}",
        observer=None if meter is None else OzonMeter(meter),
    )
