"""Commands in the forum's General topic or a private chat with the bot: /help for anyone, and
the admin commands /status, /sync and /stats behind the admin gate (`AdminOnly`)."""

from __future__ import annotations

import html
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message
from aiogram.utils.magic_filter import MagicFilter

from bot.background import Background
from bot.core.faults import StorageError
from bot.core.ops.status import BridgeStatus
from bot.core.relay.poller import Poller
from bot.ozon.errors import OzonError
from bot.telegram.commands.admins import AdminOnly, Admins
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.admin import HELP, SYNC_DONE, SYNC_FAILED, SYNC_STARTED
from bot.telegram.texts.staff import STORAGE_REFUSED
from bot.telegram.views.publisher import StatsPublisher
from bot.telegram.views.status import render_status


def outside_topics(forum_chat_id: int) -> MagicFilter:
    """The General topic of the forum group, or a private chat with the bot."""
    general = (F.chat.id == forum_chat_id) & ~F.is_topic_message
    return general | (F.chat.type == "private")


def build_help_router(forum_chat_id: int, speaker: Speaker) -> Router:
    router = Router(name="help")
    router.message.filter(outside_topics(forum_chat_id), F.from_user)

    @router.message(Command("help", "start"))
    async def help_(message: Message) -> None:
        await speaker.say(message.chat.id, HELP)

    return router


def build_admin_router(
    forum_chat_id: int,
    tz: ZoneInfo,
    speaker: Speaker,
    admins: Admins,
    bridge_status: BridgeStatus,
    stats: StatsPublisher,
    poller: Poller,
    background: Background,
) -> Router:
    router = Router(name="admin")
    router.message.filter(outside_topics(forum_chat_id), F.from_user)
    router.message.middleware(AdminOnly(admins, speaker))

    @router.message(Command("status"))
    async def status(message: Message) -> None:
        await speaker.say(message.chat.id, render_status(await bridge_status.snapshot(), tz))

    @router.message(Command("stats"))
    async def stats_(message: Message) -> None:
        # Two sends, the report and the chart; the chart is drawn without holding up updates.
        background.spawn(stats.publish(message.chat.id))

    @router.message(Command("sync"))
    async def sync(message: Message) -> None:
        await speaker.say(message.chat.id, SYNC_STARTED)
        # The poll may take a while: answer when it is done, without holding up other updates.
        background.spawn(_sync_and_report(message.chat.id, speaker, poller))

    return router


async def _sync_and_report(chat_id: int, speaker: Speaker, poller: Poller) -> None:
    try:
        report = await poller.now()
    except OzonError as exc:
        await speaker.say(chat_id, SYNC_FAILED.format(error=html.escape(str(exc))))
        return
    except StorageError:
        await speaker.say(chat_id, SYNC_FAILED.format(error=STORAGE_REFUSED))
        return
    await speaker.say(
        chat_id,
        SYNC_DONE.format(
            chats=report.chats_seen,
            messages=report.messages_recorded,
            failed=len(report.failed_chats),
        ),
    )
