"""The core's door to Telegram: posts into the forum group through the flood budget and turns
aiogram's errors into the faults the core understands (`bot.core.ports`)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
)
from aiogram.types import BufferedInputFile

from bot.core.ports import (
    PostRejected,
    ShuttingDown,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
)
from bot.telegram.flood import FloodControl, FloodControlClosed

log = logging.getLogger(__name__)

T = TypeVar("T")

TOPIC_ICON_COLOR = 7322096  # blue, one of the six colours Telegram allows

_GONE = ("message thread not found", "topic_deleted", "topic_id_invalid", "thread not found")
_CLOSED = ("topic_closed",)
_RIGHTS = ("not enough rights", "chat_admin_required", "have no rights", "need administrator")
_NO_CHAT = ("chat not found", "peer_id_invalid", "group chat was upgraded")


class TelegramGateway:
    """Implements `bot.core.ports.TelegramPort` for the forum supergroup."""

    def __init__(self, bot: Bot, chat_id: int, flood: FloodControl) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._flood = flood

    async def create_topic(self, name: str) -> int:
        topic = await self._call(
            lambda: self._bot.create_forum_topic(
                self._chat_id, name=name[:128], icon_color=TOPIC_ICON_COLOR
            )
        )
        return topic.message_thread_id

    async def reopen_topic(self, topic_id: int) -> None:
        try:
            await self._call(lambda: self._bot.reopen_forum_topic(self._chat_id, topic_id))
        except PostRejected as exc:
            if "topic_not_modified" not in str(exc).lower():
                raise  # TOPIC_NOT_MODIFIED: it is open already

    async def post_text(self, topic_id: int, html: str) -> int:
        message = await self._call(
            lambda: self._bot.send_message(
                self._chat_id,
                html,
                message_thread_id=topic_id,
                parse_mode="HTML",
            )
        )
        return message.message_id

    async def post_photo(self, topic_id: int, photo: bytes, filename: str, caption: str) -> int:
        message = await self._call(
            lambda: self._bot.send_photo(
                self._chat_id,
                BufferedInputFile(photo, filename=filename),
                message_thread_id=topic_id,
                caption=caption or None,
                parse_mode="HTML",
            )
        )
        return message.message_id

    async def _call(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run one group call inside the budget, waiting out every 429."""
        while True:
            try:
                await self._flood.acquire()
            except FloodControlClosed:
                raise ShuttingDown("the bridge is stopping") from None
            try:
                return await make()
            except TelegramRetryAfter as exc:
                log.warning("telegram flood limit: waiting %ss", exc.retry_after)
                self._flood.pause(exc.retry_after)
            except TelegramBadRequest as exc:
                raise _classify_bad_request(exc) from exc
            except TelegramForbiddenError as exc:
                raise TelegramUnavailable(
                    exc.message,
                    operator_hint=(
                        f"Telegram refuses the bot in FORUM_CHAT_ID ({exc.message}): add the bot "
                        "back to the forum group as an administrator with the right to manage "
                        "topics, then run `python -m bot check`"
                    ),
                ) from exc
            except (TelegramNetworkError, TelegramAPIError) as exc:
                raise TelegramUnavailable(f"{type(exc).__name__}: {exc.message}") from exc


def _classify_bad_request(exc: TelegramBadRequest) -> Exception:
    text = exc.message.lower()
    if any(marker in text for marker in _GONE):
        return TopicGone(exc.message)
    if any(marker in text for marker in _CLOSED):
        return TopicClosed(exc.message)
    if any(marker in text for marker in _RIGHTS):
        return TelegramUnavailable(
            exc.message,
            operator_hint=(
                f"the bot lacks rights in the forum group ({exc.message}): make it an "
                "administrator allowed to manage topics"
            ),
        )
    if any(marker in text for marker in _NO_CHAT):
        return TelegramUnavailable(
            exc.message,
            operator_hint=(
                f"Telegram does not know FORUM_CHAT_ID ({exc.message}): check the id "
                "(it looks like -100...) and that the bot is a member"
            ),
        )
    return PostRejected(exc.message)
