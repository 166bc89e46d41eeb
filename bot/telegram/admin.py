"""Admin commands in the forum's General topic or a private chat with the bot: /help, /status,
/sync. Answers go through the gateway, so they stay inside the group's Telegram budget."""

from __future__ import annotations

import asyncio
import html
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import Message

from bot import texts
from bot.core.status import BridgeStatus, Snapshot
from bot.core.sync import Syncer
from bot.ozon import OzonError
from bot.telegram.admins import Admins
from bot.telegram.gateway import TelegramGateway


def build_admin_router(forum_chat_id: int, tz: ZoneInfo) -> Router:
    router = Router(name="admin")
    general = (F.chat.id == forum_chat_id) & ~F.is_topic_message
    router.message.filter(general | (F.chat.type == "private"), F.from_user)

    @router.message(Command("help", "start"))
    async def help_(message: Message, gateway: TelegramGateway) -> None:
        await gateway.say(message.chat.id, texts.HELP)

    @router.message(Command("status"))
    async def status(
        message: Message, admins: Admins, gateway: TelegramGateway, bridge_status: BridgeStatus
    ) -> None:
        if not await allowed(message, admins, gateway):
            return
        await gateway.say(message.chat.id, render_status(await bridge_status.snapshot(), tz))

    @router.message(Command("sync"))
    async def sync(
        message: Message, admins: Admins, gateway: TelegramGateway, syncer: Syncer
    ) -> None:
        if not await allowed(message, admins, gateway):
            return
        if syncer.busy:
            await gateway.say(message.chat.id, texts.SYNC_BUSY)
            return
        await gateway.say(message.chat.id, texts.SYNC_STARTED)
        # The poll may take a while: answer when it is done, without holding up other updates.
        task = asyncio.create_task(_sync_and_report(message.chat.id, gateway, syncer))
        _background.add(task)
        task.add_done_callback(_background.discard)

    return router


_background: set[asyncio.Task[None]] = set()


async def _sync_and_report(chat_id: int, gateway: TelegramGateway, syncer: Syncer) -> None:
    try:
        report = await syncer.poll()
    except OzonError as exc:
        await gateway.say(chat_id, texts.SYNC_FAILED.format(error=html.escape(str(exc))))
        return
    await gateway.say(
        chat_id,
        texts.SYNC_DONE.format(
            chats=report.chats_seen,
            messages=report.messages_recorded,
            failed=len(report.failed_chats),
        ),
    )


async def allowed(message: Message, admins: Admins, gateway: TelegramGateway) -> bool:
    """True for an admin; anyone else is told why the command is refused."""
    refusal = await admins.refusal(message)
    if refusal is None:
        return True
    await gateway.say(message.chat.id, refusal)
    return False


def render_status(snap: Snapshot, tz: ZoneInfo, broadcast: str = "") -> str:
    if snap.last_sync is None:
        last_sync = texts.STATUS_NEVER
    else:
        ago = int((datetime.now(UTC) - snap.last_sync).total_seconds())
        last_sync = texts.STATUS_AGO.format(
            time=snap.last_sync.astimezone(tz).strftime(texts.STATUS_TIME_FORMAT), seconds=ago
        )
    return texts.STATUS.format(
        sandbox=texts.STATUS_SANDBOX if snap.sandbox else "",
        version=html.escape(snap.version),
        database=_database_line(snap),
        last_sync=last_sync,
        sync_error=_sync_lines(snap),
        pending_posts=snap.pending_posts,
        failed_posts=texts.STATUS_FAILED_POSTS.format(count=snap.failed_posts)
        if snap.failed_posts
        else "",
        outbox_open=snap.outbox_open,
        outbox_failed=snap.outbox_failed,
        push=texts.STATUS_PUSH_ON.format(queue=snap.push_queue)
        if snap.push_enabled
        else texts.STATUS_PUSH_OFF,
        telegram=_telegram_line(snap),
        broadcast=broadcast,
    )


def _database_line(snap: Snapshot) -> str:
    if not snap.database_ok:
        return texts.STATUS_DB_DOWN
    if snap.write_problem:
        return texts.STATUS_DB_READONLY.format(problem=html.escape(snap.write_problem))
    return texts.STATUS_DB_OK


def _telegram_line(snap: Snapshot) -> str:
    lines = []
    if snap.telegram_problem:
        lines.append(
            texts.STATUS_TELEGRAM_PROBLEM.format(problem=html.escape(snap.telegram_problem))
        )
    if snap.topics_problem:
        lines.append(texts.STATUS_TOPICS_PROBLEM.format(problem=html.escape(snap.topics_problem)))
    return "\n".join(lines) or texts.STATUS_TELEGRAM_OK


def _sync_lines(snap: Snapshot) -> str:
    lines = ""
    if snap.sync_error:
        lines += texts.STATUS_SYNC_ERROR.format(error=html.escape(snap.sync_error))
    if snap.failing_chats:
        shown = ", ".join(f"<code>{html.escape(c)}</code>" for c in snap.failing_chats[:5])
        lines += texts.STATUS_FAILING_CHATS.format(count=len(snap.failing_chats), chats=shown)
    return lines
