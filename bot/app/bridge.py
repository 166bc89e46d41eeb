"""The bridge, wired and run. `assemble` opens the database and the clients (closed in reverse
order by the exit stack) and builds the bridge one direction at a time; `run_bridge` runs it under
one supervisor until asked to stop, then stops it stage by stage, in the order below.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import AsyncExitStack
from dataclasses import dataclass

from aiogram import Bot

from bot import __version__
from bot.app.clients import make_bot, make_llm, make_ozon
from bot.app.desk import build_desk, build_icons
from bot.app.drafts import build_drafts
from bot.app.feedback import FeedbackReports, build_feedback
from bot.app.jobs import Jobs
from bot.app.operations import build_operations
from bot.app.relay import build_relay
from bot.app.replies import build_replies
from bot.app.runtime import Stage, Supervisor
from bot.app.stores import Stores
from bot.app.telegram import TelegramSide
from bot.background import Background
from bot.config import Settings
from bot.core.meter import Meter
from bot.ozon.media import MediaDownloader
from bot.telegram.commands.admins import Admins
from bot.telegram.commands.polling import TelegramPolling
from bot.telegram.commands.routing import Services, build_dispatcher
from bot.web import WebServer
from storage.db import Database
from storage.forum import bind_forum

log = logging.getLogger("bot")

SHUTDOWN_GRACE = 5.0
"""Seconds the workers may take to finish what is in flight when asked to stop."""


class BridgeFailed(Exception):
    """Something that must run for as long as the bridge does ended on its own."""


@dataclass(frozen=True, slots=True)
class Bridge:
    """Every long-lived piece, built once by `assemble`."""

    bot: Bot
    tg: TelegramSide
    web: WebServer
    stages: list[Stage]


async def assemble(settings: Settings, stack: AsyncExitStack, *, sandbox: bool = False) -> Bridge:
    """Open the database and the clients (closed by `stack`) and wire the pieces together.
    `sandbox`: Ozon is the built-in stand-in, and every topic and /status say so."""
    db = await Database.open(settings.database_path)
    stack.push_async_callback(db.close)
    await bind_forum(db, settings.forum_chat_id)
    stores = Stores.of(db)
    meter = Meter()  # the counts `/metrics` shows
    ozon = make_ozon(settings, meter)
    stack.push_async_callback(ozon.aclose)
    media = MediaDownloader()
    stack.push_async_callback(media.aclose)
    bot = make_bot(settings, meter)
    stack.push_async_callback(bot.session.close)
    tg = TelegramSide.build(settings, bot, sandbox=sandbox)
    jobs = Jobs()

    reviews_and_questions = FeedbackReports.build(settings, stores, sandbox=sandbox)
    desk = build_desk(settings, stores, ozon, tg, jobs, more_stats=reviews_and_questions.stats_text)
    relay = build_relay(settings, stores, ozon, media, tg, desk, jobs, meter)
    # Reviews and questions post only once every buyer message is posted (the relay is quiet).
    feedback = build_feedback(
        settings,
        stores,
        ozon,
        media,
        tg,
        jobs,
        meter,
        reviews_and_questions,
        posts_done=lambda: relay.relay.quiet,
    )
    icons = build_icons(settings, stores, tg, posts_done=lambda: relay.relay.quiet)
    if icons is not None:
        desk.changed.connect(icons.wake)
    replies = build_replies(
        settings,
        stores,
        ozon,
        tg,
        desk.desk,
        relay.syncer,
        meter,
        destinations=feedback.destinations,
        deliveries=feedback.deliveries,
    )
    feedback.answer_queued.connect(replies.sender.wake)
    llm = make_llm(settings)
    if llm is not None:
        stack.push_async_callback(llm.aclose)
    drafts = build_drafts(
        settings,
        stores,
        tg,
        llm,
        more_sources=feedback.conversations,
        on_queued=replies.sender.wake,
        posts_done=lambda: relay.relay.quiet,  # automatic drafts after buyer posts
        meter=meter,
    )
    ops = build_operations(
        settings,
        stores,
        ozon,
        tg,
        relay,
        desk.helpdesk,
        icons,
        jobs,
        meter,
        sandbox=sandbox,
        feedback=feedback.poll,
    )

    background = Background()
    services = Services(
        replies=replies.intake,
        templates=replies.templates,
        drafts=drafts.drafts,
        broadcasts=replies.broadcasts,
        gateway=tg.gateway,
        speaker=tg.speaker,
        admins=Admins(tg.speaker, settings.forum_chat_id, settings.admin_ids),
        status=ops.status,
        poller=relay.poller,
        cards=relay.cards,
        desk=desk.desk,
        helpdesk=desk.helpdesk,
        desk_view=desk.view,
        stats=desk.stats,
        background=background,
        feedback=feedback.answers,
        feedback_topics=feedback.topics,
        more_queue=reviews_and_questions.queue_text,
    )
    dispatcher = build_dispatcher(settings.forum_chat_id, settings.tz, services)

    # Stopped in this order: nothing new comes in (staff, pushes, polls), then what is in flight
    # is finished; a post waiting for the group's budget gives up at once.
    workers = relay.workers + replies.workers + feedback.workers + drafts.workers
    workers += [icons] if icons is not None else []
    stages = [
        Stage("telegram", [TelegramPolling(dispatcher, bot)], grace=2.0),
        Stage("web", [ops.web], grace=2.0),
        Stage("scheduler", [jobs], grace=2.0),
        Stage("background", [background], grace=3.0),
        Stage("workers", workers, grace=SHUTDOWN_GRACE, then=tg.flood.close),
    ]
    return Bridge(bot, tg, ops.web, stages)


async def run_bridge(settings: Settings, stop: asyncio.Event, *, sandbox: bool = False) -> None:
    """Run until `stop` is set, then stop everything in order and close what was opened."""
    async with AsyncExitStack() as stack:
        bridge = await assemble(settings, stack, sandbox=sandbox)
        if settings.topic_icons_enabled:
            problem = await bridge.tg.check_icons()
            if problem is not None:
                log.warning(
                    "topic icons not loaded yet (%s): tried again when first needed", problem
                )
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
