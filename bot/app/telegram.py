"""The Telegram side as the bridge is built from it: the bot, the forum group's flood budget,
the gateway every post goes through, the speaker for what is said outside buyer topics, and the
renderer of posts."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot

from bot.config import ConfigError, Settings
from bot.core.faults import TelegramFault
from bot.telegram.gateway.calls import GroupCalls
from bot.telegram.gateway.flood import FloodControl
from bot.telegram.gateway.gateway import TelegramGateway
from bot.telegram.gateway.icons import IconChoiceError
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.rendering.posts import Renderer


@dataclass(frozen=True, slots=True)
class TelegramSide:
    bot: Bot
    flood: FloodControl
    gateway: TelegramGateway
    speaker: Speaker
    renderer: Renderer

    @classmethod
    def build(cls, settings: Settings, bot: Bot, *, sandbox: bool) -> TelegramSide:
        forum = settings.forum_chat_id
        flood = FloodControl(
            settings.telegram_messages_per_minute, settings.telegram_budget_window_seconds
        )
        calls = GroupCalls(flood)
        icons = settings.topic_icons if settings.topic_icons_enabled else None
        return cls(
            bot=bot,
            flood=flood,
            gateway=TelegramGateway(bot, forum, calls, icon_choice=icons),
            speaker=Speaker(bot, forum, calls),
            renderer=Renderer(settings.tz, settings.ozon_chat_url_template, sandbox=sandbox),
        )

    async def check_icons(self) -> str | None:
        """The topic icons the settings chose must be among those Telegram offers: a wrong one
        stops the start, naming the setting. Telegram out of reach now: why (they are checked
        when first needed)."""
        try:
            await self.gateway.load_icons()
        except IconChoiceError as exc:
            raise ConfigError(str(exc)) from exc
        except TelegramFault as exc:
            return str(exc)
        return None
