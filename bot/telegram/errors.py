"""The one place where a failure inside any handler is caught: logged with its traceback, and
the person who sent the command or pressed the button is told, instead of meeting silence."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent

from bot import texts
from bot.telegram.gateway import TelegramGateway

log = logging.getLogger(__name__)


def build_error_router() -> Router:
    router = Router(name="errors")

    @router.errors()
    async def failed(event: ErrorEvent, gateway: TelegramGateway) -> None:
        update = event.update
        log.error(
            "update %s: handling failed: %r",
            update.update_id,
            event.exception,
            exc_info=event.exception,
        )
        try:
            if update.callback_query is not None:
                await update.callback_query.answer(texts.HANDLER_FAILED, show_alert=True)
                return
            message = update.message or update.edited_message
            if message is None:
                return
            if message.is_topic_message and message.message_thread_id is not None:
                await gateway.reply(
                    message.message_thread_id, message.message_id, texts.HANDLER_FAILED
                )
            else:
                await gateway.say(message.chat.id, texts.HANDLER_FAILED)
        except Exception as exc:  # noqa: BLE001 - telling is best effort, and is logged
            log.warning("update %s: could not say that it failed: %r", update.update_id, exc)

    return router
