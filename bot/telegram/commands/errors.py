"""The one place where a failure inside any handler is caught: logged, and whoever sent the
command or pressed the button is told, instead of meeting silence. The database refusing writes
(a full disk) is said as such; anything else is a bug, logged with its traceback. A failure may
come after the work was done (a reply queued, then its confirmation refused): the answer never
invites doing it again blindly, it says what to look at first."""

from __future__ import annotations

import logging

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.core.faults import StorageError
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.admin import HANDLER_FAILED, HANDLER_FAILED_ALERT, NOT_DONE_STORAGE
from bot.telegram.texts.staff import STORAGE_REFUSED

log = logging.getLogger(__name__)


def build_error_router(speaker: Speaker) -> Router:
    router = Router(name="errors")

    @router.errors()
    async def failed(event: ErrorEvent) -> None:
        update, exc = event.update, event.exception
        if isinstance(exc, StorageError):
            log.error(
                "update %s: not handled, the database refuses writes: %s", update.update_id, exc
            )
            said, alert = NOT_DONE_STORAGE, STORAGE_REFUSED
        else:
            log.error("update %s: handling failed: %r", update.update_id, exc, exc_info=exc)
            said, alert = HANDLER_FAILED, HANDLER_FAILED_ALERT
        try:
            if update.callback_query is not None:
                await speaker.answer_button(update.callback_query.id, alert, alert=True)
                return
            message = update.message or update.edited_message
            if message is None:
                return
            if message.is_topic_message and message.message_thread_id is not None:
                await speaker.reply_in_topic(message.message_thread_id, message.message_id, said)
            else:
                await speaker.say(message.chat.id, said)
        except Exception as tell_failed:  # noqa: BLE001 - telling is best effort, and is logged
            log.warning(
                "update %s: could not say that it failed: %r", update.update_id, tell_failed
            )

    return router
