"""`python -m bot` runs the bridge; `python -m bot check` verifies settings and both connections.

This is the one place that builds the pieces, wires them together and closes them in order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta

from aiogram import Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import __version__
from bot.check import run_check
from bot.clients import make_bot, make_ozon
from bot.config import ConfigError, Settings, load_settings
from bot.core.outbox import OutboxWorker
from bot.core.relay import Relay
from bot.core.replies import StaffReplies
from bot.core.sync import Syncer
from bot.core.topics import Topics
from bot.logs import setup_logging
from bot.ozon import OzonError
from bot.ozon.media import MediaDownloader
from bot.telegram.flood import FloodControl
from bot.telegram.gateway import TelegramGateway
from bot.telegram.handlers import build_router
from bot.telegram.render import Renderer
from storage.chats import ChatRepository
from storage.db import Database, StorageError
from storage.messages import MessageRepository
from storage.outbox import OutboxRepository

log = logging.getLogger("bot")

SHUTDOWN_GRACE = 6.0
"""Seconds the relay may take to finish the post in flight when asked to stop."""


async def run_bridge(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set, then close everything in order."""
    async with AsyncExitStack() as stack:
        db = await Database.open(settings.database_path)
        stack.push_async_callback(db.close)
        chats, messages, outbox = ChatRepository(db), MessageRepository(db), OutboxRepository(db)

        ozon = make_ozon(settings)
        stack.push_async_callback(ozon.aclose)
        media = MediaDownloader()
        stack.push_async_callback(media.aclose)
        bot = make_bot(settings)
        stack.push_async_callback(bot.session.close)

        flood = FloodControl(
            settings.telegram_messages_per_minute, settings.telegram_budget_window_seconds
        )
        telegram = TelegramGateway(bot, settings.forum_chat_id, flood)
        renderer = Renderer(settings.tz, settings.ozon_chat_url_template)
        topics = Topics(chats, telegram, renderer)
        relay = Relay(chats, messages, topics, telegram, renderer, media)
        syncer = Syncer(
            ozon,
            chats,
            messages,
            outbox,
            on_recorded=relay.wake,
            first_sight_window=timedelta(hours=settings.first_sight_hours),
            first_sight_max_messages=settings.first_sight_max_messages,
        )
        worker = OutboxWorker(
            outbox,
            ozon,
            telegram,
            syncer,
            per_chat_per_minute=settings.reply_per_chat_per_minute,
            mark_read=settings.ozon_mark_read,
        )
        replies = StaffReplies(
            chats, outbox, telegram, on_queued=worker.wake, max_parts=settings.reply_max_parts
        )
        stack.push_async_callback(replies.close)

        def stop_workers() -> None:
            relay.stop()
            worker.stop()
            flood.close()  # a post waiting for budget gives up at once; one in flight finishes

        tasks = [
            asyncio.create_task(relay.run(), name="relay"),
            asyncio.create_task(worker.run(), name="outbox"),
        ]
        stack.push_async_callback(_stop_tasks, tasks, stop_workers)

        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            _poll,
            "interval",
            args=[syncer],
            seconds=settings.poll_interval_seconds,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id="poll",
        )
        scheduler.start()
        stack.callback(scheduler.shutdown, wait=False)

        dispatcher = Dispatcher(replies=replies)
        dispatcher.include_router(build_router(settings.forum_chat_id))
        polling = asyncio.create_task(
            dispatcher.start_polling(
                bot,
                handle_signals=False,
                close_bot_session=False,
                # One update at a time: Telegram's offset moves past an update only after its
                # handler has recorded it.
                handle_as_tasks=False,
                allowed_updates=["message", "edited_message", "callback_query"],
            ),
            name="telegram-polling",
        )
        stack.push_async_callback(_stop_polling, dispatcher, polling)

        log.info(
            "bridge %s running: forum %s, polling Ozon every %ss, database %s",
            __version__,
            settings.forum_chat_id,
            settings.poll_interval_seconds,
            settings.database_path,
        )
        await stop.wait()
        log.info("stopping: finishing posts in flight")


async def _poll(syncer: Syncer) -> None:
    with contextlib.suppress(OzonError):  # logged by the syncer; the next run tries again
        await syncer.poll()


async def _stop_tasks(tasks: list[asyncio.Task[None]], request_stop: Callable[[], None]) -> None:
    """Ask the workers to stop, give them a moment to finish what is in flight, then cancel."""
    request_stop()
    done, pending = await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE)
    for task in pending:
        log.warning("worker %s did not stop in time: cancelled", task.get_name())
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if not task.cancelled() and task.exception() is not None:
            log.error("worker %s failed", task.get_name(), exc_info=task.exception())


async def _stop_polling(dispatcher: Dispatcher, polling: asyncio.Task[None]) -> None:
    with contextlib.suppress(RuntimeError):  # polling had not started yet
        await dispatcher.stop_polling()
    done, _ = await asyncio.wait([polling], timeout=3)
    if not done:
        polling.cancel()
    await asyncio.gather(polling, return_exceptions=True)


async def _serve(settings: Settings) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await run_bridge(settings, stop)
    except StorageError as exc:
        log.error("%s", exc)
        return 1
    log.info("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Bridge Ozon buyer chats into topics of a Telegram forum supergroup.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the bridge (the default)")
    sub.add_parser("check", help="verify the settings and both connections, then exit")
    args = parser.parse_args(argv)

    try:
        settings = load_settings()
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"Configuration error: {line}", file=sys.stderr)
        return 2
    secrets = [settings.bot_token.get_secret_value(), settings.ozon_api_key.get_secret_value()]
    setup_logging(settings.log_level, settings.log_format, secrets)

    if args.command == "check":
        return asyncio.run(run_check(settings))
    return asyncio.run(_serve(settings))


if __name__ == "__main__":
    sys.exit(main())
