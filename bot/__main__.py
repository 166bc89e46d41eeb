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
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from aiogram import Bot, Dispatcher
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot import __version__
from bot.check import run_check
from bot.clients import make_bot, make_ozon
from bot.config import ConfigError, Settings, example_values_left, load_settings
from bot.core.broadcast import Broadcasts, BroadcastWorker
from bot.core.outbox import OutboxWorker
from bot.core.push_inbox import PushInbox
from bot.core.relay import Relay
from bot.core.replies import StaffReplies
from bot.core.status import BridgeStatus
from bot.core.sync import Syncer
from bot.core.topics import Topics
from bot.health import run_health
from bot.logs import setup_logging
from bot.ozon import OzonError
from bot.ozon.media import MediaDownloader
from bot.push import PushServer
from bot.push_admin import run_push_command
from bot.sandbox.run import SandboxError, run_sandbox, sandbox_settings
from bot.telegram.admin import build_admin_router
from bot.telegram.admins import Admins
from bot.telegram.broadcast import ProgressReporter, build_broadcast_router
from bot.telegram.errors import build_error_router
from bot.telegram.flood import FloodControl
from bot.telegram.gateway import TelegramGateway
from bot.telegram.handlers import build_router
from bot.telegram.render import Renderer
from storage.broadcasts import BroadcastRepository
from storage.chats import ChatRepository
from storage.db import Database, StorageError
from storage.forum import bind_forum
from storage.messages import MessageRepository
from storage.outbox import OutboxRepository

log = logging.getLogger("bot")

SHUTDOWN_GRACE = 5.0
"""Seconds the relay may take to finish the post in flight when asked to stop."""


@dataclass(slots=True)
class Bridge:
    """Every long-lived piece, built once by `assemble`."""

    settings: Settings
    db: Database
    bot: Bot
    flood: FloodControl
    gateway: TelegramGateway
    syncer: Syncer
    relay: Relay
    outbox: OutboxWorker
    replies: StaffReplies
    inbox: PushInbox
    broadcasts: Broadcasts
    broadcast_worker: BroadcastWorker
    broadcast_repo: BroadcastRepository
    status: BridgeStatus


async def assemble(settings: Settings, stack: AsyncExitStack, *, sandbox: bool = False) -> Bridge:
    """Open the database and the clients (closed by `stack`) and wire the pieces together.
    `sandbox`: Ozon is the built-in stand-in, and every topic and /status say so."""
    db = await Database.open(settings.database_path)
    stack.push_async_callback(db.close)
    await bind_forum(db, settings.forum_chat_id)
    chats, messages, outbox = ChatRepository(db), MessageRepository(db), OutboxRepository(db)
    broadcast_repo = BroadcastRepository(db)

    ozon = make_ozon(settings)
    stack.push_async_callback(ozon.aclose)
    media = MediaDownloader()
    stack.push_async_callback(media.aclose)
    bot = make_bot(settings)
    stack.push_async_callback(bot.session.close)

    flood = FloodControl(
        settings.telegram_messages_per_minute, settings.telegram_budget_window_seconds
    )
    gateway = TelegramGateway(bot, settings.forum_chat_id, flood)
    renderer = Renderer(settings.tz, settings.ozon_chat_url_template, sandbox=sandbox)
    relay = Relay(chats, messages, Topics(chats, gateway, renderer), gateway, renderer, media)
    syncer = Syncer(
        ozon,
        chats,
        messages,
        outbox,
        on_recorded=relay.wake,
        on_closed=relay.wake,
        first_sight_window=timedelta(hours=settings.first_sight_hours),
        first_sight_max_messages=settings.first_sight_max_messages,
    )
    worker = OutboxWorker(
        outbox,
        ozon,
        gateway,
        syncer,
        per_chat_per_minute=settings.reply_per_chat_per_minute,
        mark_read=settings.ozon_mark_read,
    )
    replies = StaffReplies(
        chats, outbox, gateway, on_queued=worker.wake, max_parts=settings.reply_max_parts
    )
    stack.push_async_callback(replies.close)
    broadcast_worker = BroadcastWorker(
        broadcast_repo,
        on_queued=worker.wake,
        on_progress=ProgressReporter(gateway),
        per_second=settings.broadcast_per_second,
    )
    broadcasts = Broadcasts(
        broadcast_repo,
        per_second=settings.broadcast_per_second,
        on_confirmed=broadcast_worker.wake,
    )
    inbox = PushInbox(syncer, chats, on_closed=relay.wake)
    status = BridgeStatus(
        version=__version__,
        db=db,
        messages=messages,
        outbox=outbox,
        syncer=syncer,
        relay=relay,
        poll_interval=settings.poll_interval_seconds,
        push_enabled=settings.push_enabled,
        push_queue=lambda: inbox.depth,
        sandbox=sandbox,
    )
    return Bridge(
        settings, db, bot, flood, gateway, syncer, relay, worker, replies, inbox, broadcasts,
        broadcast_worker, broadcast_repo, status,
    )  # fmt: skip


async def run_bridge(settings: Settings, stop: asyncio.Event, *, sandbox: bool = False) -> None:
    """Run until `stop` is set, then close everything in order (the reverse of opening)."""
    async with AsyncExitStack() as stack:
        bridge = await assemble(settings, stack, sandbox=sandbox)
        _start_workers(bridge, stack, stop)

        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            _poll,
            "interval",
            args=[bridge.syncer],
            seconds=settings.poll_interval_seconds,
            next_run_time=datetime.now(UTC),
            max_instances=1,
            coalesce=True,
            misfire_grace_time=None,
            id="poll",
        )
        scheduler.start()
        stack.callback(scheduler.shutdown, wait=False)

        server = PushServer(
            sink=bridge.inbox,
            health=bridge.status.health,
            path=settings.push_path,
            port=settings.push_port,
            host=settings.push_host,
            allowed=settings.push_allowed_ips,
            trusted_proxies=settings.push_trusted_proxies,
            hmac_secret=settings.push_hmac_secret.get_secret_value()
            if settings.push_hmac_secret
            else None,
            push_enabled=settings.push_enabled,
            version=__version__,
        )
        await server.start()
        stack.push_async_callback(server.close)

        _start_polling(bridge, stack)
        log.info(
            "bridge %s running: forum %s, polling Ozon every %ss, push %s, health on :%s/healthz",
            __version__,
            settings.forum_chat_id,
            settings.poll_interval_seconds,
            f"on {settings.push_path}" if settings.push_enabled else "off",
            server.port,
        )
        await stop.wait()
        log.info("stopping: finishing the work in flight")


class Worker(Protocol):
    async def run(self) -> None: ...

    def stop(self) -> None: ...


def _start_workers(bridge: Bridge, stack: AsyncExitStack, stop: asyncio.Event) -> None:
    workers: tuple[Worker, ...] = (
        bridge.relay,
        bridge.outbox,
        bridge.inbox,
        bridge.broadcast_worker,
    )

    def stop_workers() -> None:
        for worker in workers:
            worker.stop()
        bridge.flood.close()  # a post waiting for budget gives up at once; one in flight finishes

    names = ("relay", "outbox", "push-inbox", "broadcast")
    tasks = [asyncio.create_task(w.run(), name=n) for w, n in zip(workers, names, strict=True)]
    for task in tasks:
        task.add_done_callback(lambda t: _worker_ended(t, stop))
    stack.push_async_callback(_stop_tasks, tasks, stop_workers)


def _start_polling(bridge: Bridge, stack: AsyncExitStack) -> None:
    settings = bridge.settings
    dispatcher = Dispatcher(
        replies=bridge.replies,
        gateway=bridge.gateway,
        admins=Admins(bridge.bot, settings.forum_chat_id, settings.admin_ids),
        bridge_status=bridge.status,
        syncer=bridge.syncer,
        broadcasts=bridge.broadcasts,
        repo=bridge.broadcast_repo,
    )
    dispatcher.include_router(build_error_router())
    dispatcher.include_router(build_admin_router(settings.forum_chat_id, settings.tz))
    dispatcher.include_router(build_broadcast_router(settings.forum_chat_id, settings.tz))
    dispatcher.include_router(build_router(settings.forum_chat_id))
    stopping = asyncio.Event()
    polling = asyncio.create_task(
        _receive_updates(dispatcher, bridge.bot, stopping), name="telegram-polling"
    )
    stack.push_async_callback(_stop_polling, dispatcher, polling, stopping)


async def _receive_updates(dispatcher: Dispatcher, bot: Bot, stopping: asyncio.Event) -> None:
    """Staff's messages and buttons for as long as the bridge runs. aiogram gives up polling
    for good when its opening getMe fails (a 5xx, a 429, a network error): start it again."""
    backoff = 1.0
    while not stopping.is_set():
        try:
            await dispatcher.start_polling(
                bot,
                handle_signals=False,
                close_bot_session=False,
                # One update at a time: Telegram's offset moves past an update only after its
                # handler has recorded it.
                handle_as_tasks=False,
                allowed_updates=["message", "edited_message", "callback_query"],
            )
        except Exception as exc:  # noqa: BLE001 - any reason is worth a retry, and is logged
            log.error(
                "telegram: receiving staff messages failed (%s: %s), trying again in %.0fs",
                type(exc).__name__,
                exc,
                backoff,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=backoff)
            backoff = min(backoff * 2, 60.0)
        else:
            return  # stopped on purpose


async def _poll(syncer: Syncer) -> None:
    with contextlib.suppress(OzonError, StorageError):  # logged by the syncer; next run retries
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


def _worker_ended(task: asyncio.Task[None], stop: asyncio.Event) -> None:
    """A worker must only end when asked to: otherwise stop the bridge, so that the container's
    restart policy brings it back rather than it running on half-dead."""
    if stop.is_set():
        return
    reason = "cancelled" if task.cancelled() else repr(task.exception() or "returned")
    log.critical("worker %s ended unexpectedly (%s): stopping the bridge", task.get_name(), reason)
    stop.set()


async def _stop_polling(
    dispatcher: Dispatcher, polling: asyncio.Task[None], stopping: asyncio.Event
) -> None:
    stopping.set()
    with contextlib.suppress(RuntimeError):  # polling had not started, or is waiting to retry
        await dispatcher.stop_polling()
    done, _ = await asyncio.wait([polling], timeout=2)
    if not done:
        polling.cancel()
    await asyncio.gather(polling, return_exceptions=True)


async def _serve(settings: Settings, *, sandbox: bool = False) -> int:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        if sandbox:
            await run_sandbox(settings, stop, run_bridge=run_bridge)
        else:
            await run_bridge(settings, stop)
    except (StorageError, SandboxError) as exc:
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
    sub.add_parser("health", help="ask the running bridge's /healthz (exit 0 when healthy)")
    sub.add_parser(
        "sandbox",
        help="try the bridge without Ozon: a built-in Ozon stand-in with simulated buyers "
        "(needs only BOT_TOKEN and FORUM_CHAT_ID)",
    )
    push = sub.add_parser("push", help="manage Ozon's push subscription for this bridge")
    push_actions = push.add_subparsers(dest="action", required=True)
    register = push_actions.add_parser("register", help="subscribe an https URL to chat events")
    register.add_argument("url")
    push_actions.add_parser("status", help="show registered URLs and their availability grade")
    unregister = push_actions.add_parser("unregister", help="remove a URL (all when none given)")
    unregister.add_argument("url", nargs="?")
    args = parser.parse_args(argv)

    try:
        settings = sandbox_settings() if args.command == "sandbox" else load_settings()
    except ConfigError as exc:
        for line in str(exc).splitlines():
            print(f"Configuration error: {line}", file=sys.stderr)
        return 2
    secrets = [settings.bot_token.get_secret_value(), settings.ozon_api_key.get_secret_value()]
    setup_logging(settings.log_level, settings.log_format, secrets)

    if args.command == "check":
        return asyncio.run(run_check(settings))
    if args.command == "health":
        return run_health(settings)
    if args.command == "push":
        return asyncio.run(run_push_command(settings, args.action, getattr(args, "url", None)))
    sandbox = args.command == "sandbox"
    # The sandbox uses no Ozon credentials: only Telegram's must be real.
    examples = example_values_left(settings, ("bot_token", "forum_chat_id") if sandbox else None)
    if examples:
        for line in examples:
            print(f"Configuration error: {line}", file=sys.stderr)
        return 2
    return asyncio.run(_serve(settings, sandbox=sandbox))


if __name__ == "__main__":
    sys.exit(main())
