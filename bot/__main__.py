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

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import __version__
from bot.check import run_check
from bot.clients import make_bot, make_ozon
from bot.config import ConfigError, Settings, load_settings
from bot.core.relay import Relay
from bot.core.sync import Syncer
from bot.core.topics import Topics
from bot.logs import setup_logging
from bot.ozon import OzonError
from bot.ozon.media import MediaDownloader
from bot.telegram.flood import FloodControl
from bot.telegram.gateway import TelegramGateway
from bot.telegram.render import Renderer
from storage.chats import ChatRepository
from storage.db import Database, StorageError
from storage.messages import MessageRepository

log = logging.getLogger("bot")

SHUTDOWN_GRACE = 6.0
"""Seconds the relay may take to finish the post in flight when asked to stop."""


async def run_bridge(settings: Settings, stop: asyncio.Event) -> None:
    """Run until `stop` is set, then close everything in order."""
    async with AsyncExitStack() as stack:
        db = await Database.open(settings.database_path)
        stack.push_async_callback(db.close)
        chats, messages = ChatRepository(db), MessageRepository(db)

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
            on_recorded=relay.wake,
            first_sight_window=timedelta(hours=settings.first_sight_hours),
            first_sight_max_messages=settings.first_sight_max_messages,
        )

        def stop_posting() -> None:
            relay.stop()
            flood.close()  # a post waiting for budget gives up at once; one in flight finishes

        relay_task = asyncio.create_task(relay.run(), name="relay")
        stack.push_async_callback(_stop_task, relay_task, stop_posting)

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


async def _stop_task(task: asyncio.Task[None], request_stop: Callable[[], None]) -> None:
    """Ask a worker to stop, give it a moment to finish what is in flight, then cancel it."""
    request_stop()
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=SHUTDOWN_GRACE)
    except TimeoutError:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    except Exception:
        log.exception("worker %s failed", task.get_name())


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
