"""The bridge, wired: the one place that builds every piece, hands each what it needs, and runs
them under one supervisor. Nothing here decides anything; it only connects.

Resources (the database, the API clients) are opened here and closed in reverse order when the
bridge stops (`AsyncExitStack`); what runs in the background is started and stopped by the
`Supervisor`, stage by stage, in the order below.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

from aiogram import Bot

from bot import __version__
from bot.background import Background
from bot.clients import make_bot, make_ozon
from bot.config import ConfigError, Settings
from bot.core.broadcast.jobs import Broadcasts, BroadcastWorker
from bot.core.cards.reader import CardReader
from bot.core.desk.state import Desk
from bot.core.faults import TelegramFault
from bot.core.meter import Meter
from bot.core.ops.status import BridgeStatus
from bot.core.relay.poller import Poller
from bot.core.relay.posting import TopicPoster
from bot.core.relay.push_inbox import PushInbox
from bot.core.relay.recorder import HistoryRecorder
from bot.core.relay.relay import Relay
from bot.core.relay.sync import Syncer
from bot.core.relay.topics import Topics
from bot.core.replies.intake import StaffReplies
from bot.core.replies.notices import Notices
from bot.core.replies.outbox import OutboxSender
from bot.core.replies.outcomes import Outcomes
from bot.core.replies.reconcile import Reconciler
from bot.jobs import Jobs
from bot.ozon.media import MediaDownloader
from bot.runtime import Stage, Supervisor
from bot.telegram.commands.admins import Admins
from bot.telegram.commands.broadcast import ProgressReporter
from bot.telegram.commands.polling import TelegramPolling
from bot.telegram.commands.routing import build_dispatcher
from bot.telegram.gateway.calls import GroupCalls
from bot.telegram.gateway.flood import FloodControl
from bot.telegram.gateway.gateway import TelegramGateway
from bot.telegram.gateway.icons import IconChoiceError
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.rendering.posts import Renderer
from bot.web import WebServer
from bot.wiring import (
    OperatedParts,
    help_desk,
    icon_painter,
    operations,
    quick_replies,
    wakes,
    web_server,
)
from storage.broadcasts import BroadcastRepository
from storage.cards import CardRepository
from storage.chats import ChatRepository
from storage.db import Database
from storage.desk import DeskRepository
from storage.forum import bind_forum
from storage.messages import MessageRepository
from storage.outbox import OutboxRepository
from storage.recipients import RecipientRepository

log = logging.getLogger("bot")

SHUTDOWN_GRACE = 5.0
"""Seconds the workers may take to finish what is in flight when asked to stop."""


class BridgeFailed(Exception):
    """Something that must run for as long as the bridge does ended on its own."""


@dataclass(slots=True)
class Bridge:
    """Every long-lived piece, built once by `assemble`."""

    settings: Settings
    bot: Bot
    status: BridgeStatus
    web: WebServer
    gateway: TelegramGateway
    stages: list[Stage]


async def assemble(settings: Settings, stack: AsyncExitStack, *, sandbox: bool = False) -> Bridge:
    """Open the database and the clients (closed by `stack`) and wire the pieces together.
    `sandbox`: Ozon is the built-in stand-in, and every topic and /status say so."""
    forum = settings.forum_chat_id
    db = await Database.open(settings.database_path)
    stack.push_async_callback(db.close)
    await bind_forum(db, forum)
    chats, messages, outbox = ChatRepository(db), MessageRepository(db), OutboxRepository(db)
    jobs_store, recipients = BroadcastRepository(db), RecipientRepository(db)

    meter = Meter()  # the counts `/metrics` shows
    ozon = make_ozon(settings, meter)
    stack.push_async_callback(ozon.aclose)
    media = MediaDownloader()
    stack.push_async_callback(media.aclose)
    bot = make_bot(settings, meter)
    stack.push_async_callback(bot.session.close)

    flood = FloodControl(
        settings.telegram_messages_per_minute, settings.telegram_budget_window_seconds
    )
    calls = GroupCalls(flood)
    gateway = TelegramGateway(
        bot,
        forum,
        calls,
        icon_choice=settings.topic_icons if settings.topic_icons_enabled else None,
    )
    speaker = Speaker(bot, forum, calls)
    renderer = Renderer(settings.tz, settings.ozon_chat_url_template, sandbox=sandbox)

    # The help desk: every chat's state, kept in the units of work that change it.
    periods = DeskRepository(db)
    desk = Desk(db, chats, periods, outbox)

    # Ozon -> Telegram.
    topics = Topics(chats, gateway, renderer)
    cards = CardRepository(db)
    reader = CardReader(
        cards,
        chats,
        ozon,
        gateway,
        renderer,
        pin=settings.pin_order_card,
        retry=timedelta(seconds=settings.card_retry_seconds),
        posts_done=lambda: relay.quiet,
    )
    poster = TopicPoster(db, chats, messages, topics, gateway, renderer, media, cards, reader.wake)
    relay = Relay(chats, messages, topics, poster, gateway, renderer, meter=meter)
    icons = icon_painter(settings, chats, gateway, relay)

    # A chat's state changed: its topic's icon follows, and a closed chat's topic is closed.
    desk.listen(wakes(icons, relay))
    syncer = Syncer(
        ozon,
        chats,
        HistoryRecorder(db, chats, messages, outbox, desk, cards),
        on_recorded=wakes(relay, reader),  # new messages to post, an order card to read
        on_closed=relay.wake,
        desk=desk,
        first_sight_window=timedelta(hours=settings.first_sight_hours),
        first_sight_max_messages=settings.first_sight_max_messages,
    )
    inbox = PushInbox(syncer, chats, desk, on_closed=relay.wake)
    poller = Poller(syncer)
    jobs = Jobs()
    jobs.poll(poller, settings.poll_interval_seconds)

    # Telegram -> Ozon.
    outcomes = Outcomes(outbox, gateway, ozon, mark_read=settings.ozon_mark_read)
    sender = OutboxSender(
        outbox,
        ozon,
        gateway,
        Reconciler(syncer, outbox),
        on_finished=outcomes.wake,
        delivery=desk,
        per_chat_per_minute=settings.reply_per_chat_per_minute,
        meter=meter,
    )
    notices = Notices(gateway)
    replies = StaffReplies(
        chats, outbox, notices, on_queued=sender.wake, max_parts=settings.reply_max_parts
    )
    templates = quick_replies(settings, db, chats, outbox, cards, sender)
    broadcast_worker = BroadcastWorker(
        db,
        jobs_store,
        recipients,
        outbox,
        on_queued=sender.wake,
        on_progress=ProgressReporter(speaker),
        per_second=settings.broadcast_per_second,
    )
    broadcasts = Broadcasts(
        db,
        jobs_store,
        recipients,
        chats,
        outbox,
        per_second=settings.broadcast_per_second,
        on_confirmed=broadcast_worker.wake,
    )

    helpdesk, desk_view, stats = help_desk(settings, db, periods, ozon, speaker, renderer, jobs)

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
        helpdesk=helpdesk,
        icons=icons,
        sandbox=sandbox,
    )
    parts = OperatedParts(db, syncer, relay, ozon, bot, speaker, flood)
    web = web_server(settings, inbox, status, operations(settings, jobs, meter, status, parts))
    background = Background()
    dispatcher = build_dispatcher(
        forum,
        settings.tz,
        replies=replies,
        gateway=gateway,
        speaker=speaker,
        admins=Admins(speaker, forum, settings.admin_ids),
        bridge_status=status,
        poller=poller,
        broadcasts=broadcasts,
        background=background,
        desk=desk,
        helpdesk=helpdesk,
        desk_view=desk_view,
        stats=stats,
        templates=templates,
        cards=reader,
    )

    # Stopped in this order: nothing new comes in (staff, pushes, polls), then what is in flight
    # is finished; a post waiting for the group's budget gives up at once.
    stages = [
        Stage("telegram", [TelegramPolling(dispatcher, bot)], grace=2.0),
        Stage("web", [web], grace=2.0),
        Stage("scheduler", [jobs], grace=2.0),
        Stage("background", [background], grace=3.0),
        Stage(
            "workers",
            [relay, sender, outcomes, notices, inbox, broadcast_worker, reader]
            + ([icons] if icons is not None else []),
            grace=SHUTDOWN_GRACE,
            then=flood.close,
        ),
    ]
    return Bridge(settings, bot, status, web, gateway, stages)


async def run_bridge(settings: Settings, stop: asyncio.Event, *, sandbox: bool = False) -> None:
    """Run until `stop` is set, then stop everything in order and close what was opened."""
    async with AsyncExitStack() as stack:
        bridge = await assemble(settings, stack, sandbox=sandbox)
        if settings.topic_icons_enabled:
            await _check_icons(bridge.gateway)
        await bridge.web.start()
        stack.push_async_callback(bridge.web.close)
        supervisor = Supervisor(bridge.stages, on_failure=stop.set)
        supervisor.start()
        log.info(
            "bridge %s running: forum %s, polling Ozon every %ss, push %s, health on :%s/healthz",
            __version__,
            settings.forum_chat_id,
            settings.poll_interval_seconds,
            f"on {settings.push_path}" if settings.push_enabled else "off",
            bridge.web.port,
        )
        try:
            await stop.wait()
        finally:
            log.info("stopping: finishing the work in flight")
            await supervisor.stop()
        if supervisor.failure is not None:
            raise BridgeFailed(f"stopped because {supervisor.failure}")


async def _check_icons(gateway: TelegramGateway) -> None:
    """The topic icons the settings chose must be among those Telegram offers: a wrong one stops
    the start, naming the setting. Telegram out of reach now: checked when icons are first set."""
    try:
        await gateway.load_icons()
    except IconChoiceError as exc:
        raise ConfigError(str(exc)) from exc
    except TelegramFault as exc:
        log.warning("topic icons not loaded yet (%s): tried again when first needed", exc)
