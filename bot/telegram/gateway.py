"""The core's door to Telegram: posts into the forum group through the flood budget and turns
aiogram's errors into the faults the core understands (`bot.core.ports`)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramEntityTooLarge,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    MediaUnion,
    Message,
    ReactionTypeEmoji,
    ReplyParameters,
)
from aiohttp import ClientError

from bot import texts
from bot.core.ports import (
    FileUnavailable,
    GroupFault,
    PostRejected,
    ShuttingDown,
    TelegramUnavailable,
    TopicClosed,
    TopicGone,
    TopicsUnavailable,
)
from bot.telegram.callbacks import RetryReply
from bot.telegram.flood import FloodControl, FloodControlClosed

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT_RETRIES = 2
"""A 5xx or a network error is tried again this many times (after 1 s, then 2 s)."""
TOPIC_ICON_COLOR = 7322096  # blue, one of the six colours Telegram allows

_GONE = ("message thread not found", "topic_deleted", "topic_id_invalid", "thread not found")
_CLOSED = ("topic_closed",)
_RIGHTS = (
    "not enough rights",
    "chat_admin_required",
    "have no rights",
    "need administrator",
    "chat_write_forbidden",
    "chat_restricted",
    "chat_send_plain_forbidden",
)
_NOT_FORUM = ("chat is not a forum", "not a forum", "channel_forum_missing", "forum_disabled")
_NO_CHAT = ("chat not found", "peer_id_invalid", "group chat was upgraded")


class TelegramGateway:
    """Implements `bot.core.ports.TelegramPort` for the forum supergroup."""

    def __init__(self, bot: Bot, chat_id: int, flood: FloodControl) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._flood = flood

    async def create_topic(self, name: str) -> int:
        topic = await self._manage_topics(
            lambda: self._bot.create_forum_topic(
                self._chat_id, name=name[:128], icon_color=TOPIC_ICON_COLOR
            )
        )
        return topic.message_thread_id

    async def reopen_topic(self, topic_id: int) -> None:
        try:
            await self._manage_topics(lambda: self._bot.reopen_forum_topic(self._chat_id, topic_id))
        except PostRejected as exc:
            if "topic_not_modified" not in str(exc).lower():
                raise  # TOPIC_NOT_MODIFIED: it is open already

    async def close_topic(self, topic_id: int) -> None:
        try:
            await self._manage_topics(lambda: self._bot.close_forum_topic(self._chat_id, topic_id))
        except PostRejected as exc:
            if "topic_not_modified" not in str(exc).lower():
                raise  # TOPIC_NOT_MODIFIED: it is closed already

    async def _manage_topics(self, make: Callable[[], Awaitable[T]]) -> T:
        """A call that needs the right to manage topics: without it, what needs a topic made,
        opened or closed waits, and posting into existing topics goes on."""
        try:
            return await self._call(make)
        except TelegramUnavailable as exc:
            if exc.fault is not GroupFault.RIGHTS:
                raise
            raise TopicsUnavailable(
                str(exc),
                fault=exc.fault,
                operator_hint=(
                    f"the bot may not manage topics in the forum group ({exc}): allow it "
                    "«Manage topics»; new buyer chats wait until then, the others go on"
                ),
            ) from exc

    async def say(
        self,
        chat_id: int,
        html: str,
        *,
        markup: InlineKeyboardMarkup | None = None,
    ) -> int:
        """A message outside buyer topics: in the forum's General topic or a private chat."""

        async def send() -> Message:
            return await self._bot.send_message(
                chat_id, html, parse_mode="HTML", reply_markup=markup
            )

        message = await (self._call(send) if chat_id == self._chat_id else send())
        return message.message_id

    async def edit(
        self, chat_id: int, message_id: int, html: str, *, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Change a message the bot posted outside buyer topics (a preview, a progress line)."""

        async def send() -> object:
            return await self._bot.edit_message_text(
                text=html,
                chat_id=chat_id,
                message_id=message_id,
                parse_mode="HTML",
                reply_markup=markup,
            )

        try:
            await (self._call(send) if chat_id == self._chat_id else send())
        except (PostRejected, TelegramBadRequest) as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def post_text(self, topic_id: int, html: str, *, reply_to: int | None = None) -> int:
        message = await self._call(
            lambda: self._bot.send_message(
                self._chat_id,
                html,
                message_thread_id=topic_id,
                parse_mode="HTML",
                reply_parameters=_answering(reply_to),
            )
        )
        return message.message_id

    async def post_photo(
        self,
        topic_id: int,
        photo: bytes,
        filename: str,
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int:
        message = await self._call(
            lambda: self._bot.send_photo(
                self._chat_id,
                BufferedInputFile(photo, filename=filename),
                message_thread_id=topic_id,
                caption=caption or None,
                parse_mode="HTML",
                reply_parameters=_answering(reply_to),
            )
        )
        return message.message_id

    async def post_album(
        self,
        topic_id: int,
        photos: Sequence[tuple[bytes, str]],
        caption: str,
        *,
        reply_to: int | None = None,
    ) -> int:
        """An album counts in the group's budget as the messages it shows."""
        media: list[MediaUnion] = [
            InputMediaPhoto(
                media=BufferedInputFile(data, filename=filename),
                caption=(caption or None) if index == 0 else None,
                parse_mode="HTML" if index == 0 and caption else None,
            )
            for index, (data, filename) in enumerate(photos)
        ]
        messages = await self._call(
            lambda: self._bot.send_media_group(
                self._chat_id,
                media=media,
                message_thread_id=topic_id,
                reply_parameters=_answering(reply_to),
            ),
            weight=len(media),
        )
        return messages[0].message_id

    async def reply(
        self, topic_id: int, reply_to: int, html: str, *, retry_key: int | None = None
    ) -> int:
        markup = None
        if retry_key is not None:
            button = InlineKeyboardButton(
                text=texts.RETRY_BUTTON, callback_data=RetryReply(message_id=retry_key).pack()
            )
            markup = InlineKeyboardMarkup(inline_keyboard=[[button]])

        def send(reply: ReplyParameters | None) -> Callable[[], Awaitable[Message]]:
            return lambda: self._bot.send_message(
                self._chat_id,
                html,
                message_thread_id=topic_id,
                parse_mode="HTML",
                reply_parameters=reply,
                reply_markup=markup,
            )

        try:
            message = await self._call(send(ReplyParameters(message_id=reply_to)))
        except PostRejected as exc:
            if "repl" not in str(exc).lower():
                raise
            message = await self._call(send(None))  # the staff message is gone: say it anyway
        return message.message_id

    async def react(self, message_id: int, emoji: str) -> None:
        await self._call(
            lambda: self._bot.set_message_reaction(
                self._chat_id, message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
            )
        )

    async def download(self, file_id: str, max_bytes: int) -> bytes:
        """Files are fetched outside the group's budget (they are not posts)."""
        try:
            file = await self._bot.get_file(file_id)
            if file.file_size is not None and file.file_size > max_bytes:
                raise FileUnavailable(f"{file.file_size} bytes, over {max_bytes}")
            assert file.file_path is not None
            buffer = await self._bot.download_file(file.file_path)
        except TelegramRetryAfter as exc:
            raise FileUnavailable(f"flood limit, retry after {exc.retry_after}s") from exc
        except (TelegramNetworkError, TelegramAPIError) as exc:
            raise FileUnavailable(exc.message.replace(self._bot.token, "***")) from exc
        except ClientError as exc:
            raise FileUnavailable(type(exc).__name__) from exc
        assert buffer is not None
        return buffer.read()

    async def _call(self, make: Callable[[], Awaitable[T]], *, weight: int = 1) -> T:
        """Run one group call inside the budget (`weight` messages of it), waiting out every 429
        and retrying a passing 5xx or network error a couple of times before reporting Telegram
        unavailable."""
        failures = 0
        while True:
            try:
                slots = [await self._flood.acquire() for _ in range(weight)]
            except FloodControlClosed:
                raise ShuttingDown("the bridge is stopping") from None
            try:
                try:
                    return await make()
                finally:
                    for slot in slots:
                        self._flood.settle(slot)  # the window counts the send from its arrival
            except TelegramRetryAfter as exc:
                log.warning("telegram flood limit: waiting %ss", exc.retry_after)
                self._flood.pause(exc.retry_after)
            except (TelegramBadRequest, TelegramEntityTooLarge) as exc:
                raise _classify_bad_request(exc) from exc
            except TelegramUnauthorizedError as exc:
                raise TelegramUnavailable(
                    "unauthorized",
                    fault=GroupFault.UNAUTHORIZED,
                    operator_hint="Telegram no longer accepts BOT_TOKEN: set the current token "
                    "from @BotFather and restart",
                ) from exc
            except TelegramMigrateToChat as exc:
                raise TelegramUnavailable(
                    "migrated",
                    fault=GroupFault.MIGRATED,
                    operator_hint=f"the forum group moved to id {exc.migrate_to_chat_id}: "
                    "set FORUM_CHAT_ID to it and restart",
                ) from exc
            except TelegramForbiddenError as exc:
                raise TelegramUnavailable(
                    exc.message,
                    fault=GroupFault.KICKED,
                    operator_hint=(
                        f"Telegram refuses the bot in FORUM_CHAT_ID ({exc.message}): add the bot "
                        "back to the forum group as an administrator with the right to manage "
                        "topics, then run `python -m bot check`"
                    ),
                ) from exc
            except (TelegramServerError, TelegramNetworkError) as exc:
                failures += 1
                detail = exc.message.replace(self._bot.token, "***")
                if failures > TRANSIENT_RETRIES:
                    raise TelegramUnavailable(f"{type(exc).__name__}: {detail}") from exc
                log.warning("telegram: %s, trying again (%d)", detail, failures)
                await asyncio.sleep(failures)
            except TelegramAPIError as exc:
                detail = exc.message.replace(self._bot.token, "***")
                raise TelegramUnavailable(f"{type(exc).__name__}: {detail}") from exc


def _answering(message_id: int | None) -> ReplyParameters | None:
    """An answer to an earlier post, which is sent all the same if that post is gone."""
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


def _classify_bad_request(exc: TelegramAPIError) -> Exception:
    """A 400 is about one topic (gone, closed), about one post (refused), or about the group's
    set-up, which no retry fixes: then everything stays queued until the operator acts."""
    text = exc.message.lower()
    if any(marker in text for marker in _NOT_FORUM):
        return TelegramUnavailable(
            exc.message,
            fault=GroupFault.NOT_FORUM,
            operator_hint=(
                f"the forum group has Topics turned off ({exc.message}): turn on Topics in the "
                "group's settings; buyer messages wait until then"
            ),
        )
    if any(marker in text for marker in _GONE):
        return TopicGone(exc.message)
    if any(marker in text for marker in _CLOSED):
        return TopicClosed(exc.message)
    if any(marker in text for marker in _RIGHTS):
        return TelegramUnavailable(
            exc.message,
            fault=GroupFault.RIGHTS,
            operator_hint=(
                f"the bot lacks rights in the forum group ({exc.message}): make it an "
                "administrator allowed to manage topics"
            ),
        )
    if any(marker in text for marker in _NO_CHAT):
        return TelegramUnavailable(
            exc.message,
            fault=GroupFault.NO_CHAT,
            operator_hint=(
                f"Telegram does not know FORUM_CHAT_ID ({exc.message}): check the id "
                "(it looks like -100...) and that the bot is a member"
            ),
        )
    return PostRejected(exc.message)
