"""The dispatcher of Telegram updates: the routers in the order they must see an update, and
what their handlers are handed by parameter name."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from aiogram import Dispatcher

from bot.telegram.commands.admin import build_admin_router, build_help_router
from bot.telegram.commands.broadcast import build_broadcast_router
from bot.telegram.commands.desk import build_desk_router
from bot.telegram.commands.errors import build_error_router
from bot.telegram.commands.replies import build_router
from bot.telegram.commands.templates import build_template_admin_router, build_template_topic_router


def build_dispatcher(forum_chat_id: int, tz: ZoneInfo, **services: Any) -> Dispatcher:
    """`services` reach the handlers that name them (`replies`, `speaker`, `desk`, ...). The
    help desk's and the templates' routers come before the staff replies': `/done` and `/t` in
    a topic are commands, while any other command typed there is answered as not sent."""
    dispatcher = Dispatcher(**services)
    for router in (
        build_error_router(),
        build_help_router(forum_chat_id),
        build_desk_router(forum_chat_id),
        build_template_topic_router(forum_chat_id),
        build_template_admin_router(forum_chat_id),
        build_admin_router(forum_chat_id, tz),
        build_broadcast_router(forum_chat_id, tz),
        build_router(forum_chat_id),
    ):
        dispatcher.include_router(router)
    return dispatcher
