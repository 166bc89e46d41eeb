"""The dispatcher of Telegram updates: the routers in the order they must see an update, each
built with the services its handlers act through (typed, closed over: nothing is looked up by
name at run time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from aiogram import Dispatcher

from bot.background import Background
from bot.core.broadcast.jobs import Broadcasts
from bot.core.cards.reader import CardReader
from bot.core.cards.templates import Templates
from bot.core.desk.queue import HelpDesk
from bot.core.desk.state import Desk
from bot.core.drafts.actions import Drafts
from bot.core.feedback.answers import FeedbackAnswers
from bot.core.feedback.topics import FeedbackTopics
from bot.core.ops.status import BridgeStatus
from bot.core.relay.poller import Poller
from bot.core.replies.intake import StaffReplies
from bot.telegram.commands.admin import build_admin_router, build_help_router
from bot.telegram.commands.admins import Admins
from bot.telegram.commands.broadcast import build_broadcast_router
from bot.telegram.commands.desk import build_desk_router
from bot.telegram.commands.drafts import build_draft_router
from bot.telegram.commands.errors import build_error_router
from bot.telegram.commands.feedback import build_feedback_router
from bot.telegram.commands.replies import build_router
from bot.telegram.commands.templates import (
    build_template_admin_router,
    build_template_topic_router,
)
from bot.telegram.gateway.gateway import TelegramGateway
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.views.desk import DeskView
from bot.telegram.views.publisher import StatsPublisher


@dataclass(frozen=True, slots=True)
class Services:
    """What the handlers act through."""

    replies: StaffReplies
    templates: Templates
    drafts: Drafts
    broadcasts: Broadcasts
    gateway: TelegramGateway
    speaker: Speaker
    admins: Admins
    status: BridgeStatus
    poller: Poller
    cards: CardReader
    desk: Desk
    helpdesk: HelpDesk
    desk_view: DeskView
    stats: StatsPublisher
    background: Background
    feedback: FeedbackAnswers
    feedback_topics: FeedbackTopics
    more_queue: Callable[[], Awaitable[str]] | None = None
    """What /queue lists after the buyer chats (reviews and questions)."""


def build_dispatcher(forum_chat_id: int, tz: ZoneInfo, services: Services) -> Dispatcher:
    """The reviews' and questions' topics are their router's alone: it comes first. The help
    desk's, the templates' and the drafts' routers come before the staff replies': `/done`, `/t`
    and `/draft` in a topic are commands, while any other command typed there is answered as not
    sent."""
    s = services
    dispatcher = Dispatcher()
    for router in (
        build_error_router(s.speaker),
        build_help_router(forum_chat_id, s.speaker),
        build_feedback_router(forum_chat_id, s.feedback, s.feedback_topics, s.speaker),
        build_desk_router(
            forum_chat_id, s.speaker, s.desk, s.helpdesk, s.desk_view, s.cards, s.more_queue
        ),
        build_template_topic_router(forum_chat_id, s.templates, s.speaker),
        build_draft_router(forum_chat_id, s.drafts, s.speaker),
        build_template_admin_router(forum_chat_id, s.templates, s.speaker, s.admins),
        build_admin_router(
            forum_chat_id, tz, s.speaker, s.admins, s.status, s.stats, s.poller, s.background
        ),
        build_broadcast_router(forum_chat_id, tz, s.broadcasts, s.speaker, s.admins),
        build_router(forum_chat_id, s.replies, s.gateway),
    ):
        dispatcher.include_router(router)
    return dispatcher
