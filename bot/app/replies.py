"""Telegram -> Ozon, built: staff replies taken in, the exactly-once outbox and its outcomes,
quick-reply templates and broadcasts, all sending through the same outbox."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.app.stores import Stores
from bot.app.telegram import TelegramSide
from bot.config import Settings
from bot.core.broadcast.jobs import Broadcasts
from bot.core.broadcast.worker import BroadcastWorker
from bot.core.cards.templates import CardFacts, Templates
from bot.core.desk.state import Desk
from bot.core.meter import Meter
from bot.core.relay.sync import Syncer
from bot.core.replies.destinations import ChatDestination, Destination
from bot.core.replies.intake import StaffReplies
from bot.core.replies.notices import Notices
from bot.core.replies.outbox import Delivery, OutboxSender
from bot.core.replies.outcomes import Outcomes
from bot.core.replies.targets import DeliveryByTarget, DestinationByTarget
from bot.core.states import OutboxTarget
from bot.core.worker import Worker
from bot.ozon.client import OzonClient
from bot.telegram.commands.broadcast import ProgressReporter


@dataclass(frozen=True, slots=True)
class ReplyParts:
    intake: StaffReplies
    templates: Templates
    broadcasts: Broadcasts
    sender: OutboxSender
    outcomes: Outcomes
    notices: Notices
    broadcaster: BroadcastWorker

    @property
    def workers(self) -> list[Worker]:
        return [self.sender, self.outcomes, self.notices, self.broadcaster]


def build_replies(
    settings: Settings,
    stores: Stores,
    ozon: OzonClient,
    tg: TelegramSide,
    desk: Desk,
    syncer: Syncer,
    meter: Meter,
    *,
    destinations: Mapping[OutboxTarget, Destination] | None = None,
    deliveries: Mapping[OutboxTarget, Delivery] | None = None,
) -> ReplyParts:
    """`destinations` and `deliveries`: those of other sources of buyer text (reviews and
    questions), beside the buyer chats'."""
    outcomes = Outcomes(stores.outbox, tg.gateway, ozon, mark_read=settings.ozon_mark_read)
    chat = ChatDestination(ozon, syncer, stores.outbox)
    sender = OutboxSender(
        stores.outbox,
        DestinationByTarget({OutboxTarget.CHAT: chat, **(destinations or {})}),
        tg.gateway,
        # A delivered reply answers the chat; an answer, its review or question.
        DeliveryByTarget({OutboxTarget.CHAT: desk, **(deliveries or {})}),
        on_finished=outcomes.wake,
        per_chat_per_minute=settings.reply_per_chat_per_minute,
        meter=meter,
    )
    notices = Notices(tg.gateway)
    intake = StaffReplies(
        stores.chats,
        stores.outbox,
        notices,
        on_queued=sender.wake,
        max_parts=settings.reply_max_parts,
    )
    templates = Templates(
        stores.templates,
        stores.chats,
        stores.outbox,
        CardFacts(stores.cards),
        on_queued=sender.wake,
        max_parts=settings.reply_max_parts,
    )
    broadcaster = BroadcastWorker(
        stores.db,
        stores.broadcasts,
        stores.recipients,
        stores.outbox,
        on_queued=sender.wake,
        on_progress=ProgressReporter(tg.speaker),
        per_second=settings.broadcast_per_second,
    )
    broadcasts = Broadcasts(
        stores.db,
        stores.broadcasts,
        stores.recipients,
        stores.chats,
        stores.outbox,
        per_second=settings.broadcast_per_second,
        on_confirmed=broadcaster.wake,
    )
    return ReplyParts(intake, templates, broadcasts, sender, outcomes, notices, broadcaster)
