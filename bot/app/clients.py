"""The API clients (Telegram, Ozon, the model that drafts replies), built from the settings (used
by the bridge and by `check`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot import __version__
from bot.config import Settings
from bot.core.meter import Meter, OzonMeter
from bot.ozon.client import OzonClient
from bot.telegram.gateway.metering import CallMeter

if TYPE_CHECKING:
    from bot.llm.client import ModelClient


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


def make_llm(settings: Settings) -> ModelClient | None:
    """The client of the model that drafts replies; None when drafts are off (no AI_API_URL)."""
    if not settings.drafts_enabled:
        return None
    # Imported here: the openai package takes a second and some 13 MiB to load, which a bridge
    # with drafts off should not pay.
    from bot.llm.client import ModelClient  # noqa: PLC0415

    key = settings.ai_api_key
    return ModelClient(
        settings.ai_api_url,
        settings.ai_model,
        api_key=None if key is None else key.get_secret_value(),
        timeout=settings.ai_timeout_seconds,
    )
