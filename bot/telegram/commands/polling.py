"""Receiving staff's messages and button presses from Telegram, for as long as the bridge runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiogram import Bot, Dispatcher

log = logging.getLogger(__name__)


class TelegramPolling:
    """A service (`bot.app.runtime.Service`) around aiogram's long polling. aiogram gives up polling
    for good when its opening getMe fails (a 5xx, a 429, a network error): it is started again,
    backing off, so that staff replies never stop silently."""

    name = "telegram-polling"

    def __init__(self, dispatcher: Dispatcher, bot: Bot) -> None:
        self._dispatcher = dispatcher
        self._bot = bot
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        backoff = 1.0
        while not self._stopping.is_set():
            try:
                await self._dispatcher.start_polling(
                    self._bot,
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
                    await asyncio.wait_for(self._stopping.wait(), timeout=backoff)
                backoff = min(backoff * 2, 60.0)
            else:
                return  # stopped on purpose

    def stop(self) -> None:
        self._stopping.set()
        asyncio.ensure_future(self._stop_polling())  # noqa: RUF006 - it ends with the polling

    async def _stop_polling(self) -> None:
        with contextlib.suppress(RuntimeError):  # polling had not started, or waits to retry
            await self._dispatcher.stop_polling()
