"""The core's door to Telegram, and the one way anything reaches Telegram: everything posted into
the forum group goes through the group's flood budget (`calls.GroupCalls`), and what the core
says in plain values (a notice, an outcome) is worded here.

Implements what the rooms ask of the forum group: `bot.core.relay.forum.Forum`, the icons,
the card display, staff answers and outcomes, staff files. Every call that needs the right to
manage topics (a topic made, closed or reopened, its icon changed) goes through
`_manage_topics`, which tells that right's absence apart (`TopicsUnavailable`): posting into the
existing topics goes on without it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar, overload

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramNetworkError,
    TelegramRetryAfter,
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

from bot.core.faults import (
    FileUnavailable,
    GroupFault,
    IconsUnavailable,
    PostRejected,
    ShuttingDown,
    TelegramFault,
    TelegramUnavailable,
    TopicsUnavailable,
)
from bot.core.relay.forum import NewTopic
from bot.core.replies.notices import Notice
from bot.core.replies.outcomes import Outcome
from bot.core.states import DeskState
from bot.secrets import remember, scrub
from bot.telegram.commands.callbacks import RetryReply
from bot.telegram.gateway.calls import GroupCalls, classify
from bot.telegram.gateway.icons import IconChoiceError, Sticker, choose_icons
from bot.telegram.rendering.phrasing import notice_html, outcome_html
from bot.telegram.texts.staff import REACTION_DELIVERED, REACTION_FAILED, RETRY_BUTTON

log = logging.getLogger(__name__)

T = TypeVar("T")
TOPIC_ICON_COLOR = 7322096  # blue, one of the six colours Telegram allows
TOPIC_NAME_MAX = 128


class TelegramGateway:
    """The forum group as the core's rooms see it: posts into topics, topics and their icons,
    answers on staff messages, and staff files (in this order below)."""

    def __init__(
        self,
        bot: Bot,
        chat_id: int,
        group: GroupCalls,
        *,
        icon_choice: Mapping[str, str] | None = None,
    ) -> None:
        self._bot = bot
        self._chat_id = chat_id
        self._group = group
        self._icon_choice = dict(icon_choice or {})
        self._icons: dict[DeskState, str] | None = None
        remember(bot.token)

    # ---- posts into topics -------------------------------------------------------------------

    async def post_text(self, topic_id: int, text: str, *, reply_to: int | None = None) -> int:
        message = await self._group(
            lambda: self._bot.send_message(
                self._chat_id,
                text,
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
        message = await self._group(
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
        messages = await self._group(
            lambda: self._bot.send_media_group(
                self._chat_id,
                media=media,
                message_thread_id=topic_id,
                reply_parameters=_answering(reply_to),
            ),
            weight=len(media),
        )
        return messages[0].message_id

    async def edit_post(self, message_id: int, html: str, *, caption: bool, spare: bool) -> None:
        def edit() -> Awaitable[object]:
            if caption:
                return self._bot.edit_message_caption(
                    chat_id=self._chat_id, message_id=message_id, caption=html, parse_mode="HTML"
                )
            return self._bot.edit_message_text(
                text=html, chat_id=self._chat_id, message_id=message_id, parse_mode="HTML"
            )

        try:
            await (self._group.spare(edit, moot=_never) if spare else self._group(edit))
        except PostRejected as exc:
            if "not modified" not in str(exc).lower():
                raise

    async def pin(self, message_id: int, *, spare: bool) -> None:
        def pin() -> Awaitable[bool]:
            return self._bot.pin_chat_message(self._chat_id, message_id, disable_notification=True)

        await (self._group.spare(pin, moot=_never) if spare else self._group(pin))

    # ---- topics and icons --------------------------------------------------------------------

    async def load_icons(self) -> dict[DeskState, str]:
        """The icon of each help-desk state, from the icons Telegram offers (asked once).
        Raises `IconChoiceError` when a setting chose one Telegram does not offer."""
        if self._icons is None:
            try:
                stickers = await self._bot.get_forum_topic_icon_stickers()
            except TelegramRetryAfter as exc:
                raise TelegramUnavailable(f"flood limit, retry after {exc.retry_after}s") from exc
            except TelegramAPIError as exc:
                raise classify(exc) from exc
            except ClientError as exc:
                raise TelegramUnavailable(type(exc).__name__) from exc
            offered = [
                Sticker(sticker.custom_emoji_id, sticker.emoji or "")
                for sticker in stickers
                if sticker.custom_emoji_id
            ]
            self._icons = choose_icons(offered, self._icon_choice)
        return self._icons

    async def create_topic(self, name: str, state: DeskState | None = None) -> NewTopic:
        name = name[:TOPIC_NAME_MAX]
        emoji = None if state is None or self._icons is None else self._icons.get(state)
        topic = await self._manage_topics(
            lambda: self._bot.create_forum_topic(
                self._chat_id,
                name=name,
                icon_color=TOPIC_ICON_COLOR,
                icon_custom_emoji_id=emoji,
            )
        )
        return NewTopic(topic.message_thread_id, name, state if emoji else None)

    async def show_state(
        self, topic_id: int, state: DeskState, *, moot: Callable[[], Awaitable[bool]]
    ) -> bool:
        try:
            icons = await self.load_icons()
        except IconChoiceError as exc:
            raise IconsUnavailable(str(exc), operator_hint=str(exc)) from exc
        emoji = icons.get(state)
        if emoji is None:
            return True  # Telegram offers no icons at all: nothing can show it
        try:
            return await self._manage_topics(
                lambda: self._bot.edit_forum_topic(
                    self._chat_id, topic_id, icon_custom_emoji_id=emoji
                ),
                moot=moot,
            )
        except PostRejected as exc:
            if "topic_not_modified" in str(exc).lower():
                return True  # it shows that icon already
            raise

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

    @overload
    async def _manage_topics(self, make: Callable[[], Awaitable[T]]) -> T: ...

    @overload
    async def _manage_topics(
        self, make: Callable[[], Awaitable[T]], *, moot: Callable[[], Awaitable[bool]]
    ) -> bool: ...

    async def _manage_topics(
        self,
        make: Callable[[], Awaitable[T]],
        *,
        moot: Callable[[], Awaitable[bool]] | None = None,
    ) -> T | bool:
        """A call that needs the right to manage topics: without it, what needs a topic made,
        opened or closed waits, and posting into existing topics goes on. With `moot`, the call
        can wait: it takes a spare slot of the budget, and is dropped if moot by then."""
        try:
            if moot is not None:
                return await self._group.spare(make, moot=moot)
            return await self._group(make)
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

    # ---- staff messages ----------------------------------------------------------------------

    async def tell(self, topic_id: int, staff_message: int, notice: Notice) -> None:
        await self._reply(topic_id, staff_message, notice_html(notice))

    async def show_outcome(
        self, topic_id: int | None, staff_message: int, outcome: Outcome
    ) -> None:
        """A reaction on the staff message, and for a failure a reply with the reason (and a
        «Повторить» button where trying again can help). What Telegram refuses for this message
        alone (a reaction the group does not allow, a deleted or closed topic) is logged and
        passed over: the reason is told even where the reaction is not allowed."""
        emoji = REACTION_DELIVERED if outcome.ok else REACTION_FAILED
        await _shown(staff_message, self._react(staff_message, emoji))
        if not outcome.ok and topic_id is not None:
            retry = staff_message if outcome.retriable else None
            reply = self._reply(topic_id, staff_message, outcome_html(outcome), retry_key=retry)
            await _shown(staff_message, reply)

    async def remove_buttons(self, message_id: int) -> None:
        """Take the buttons off a message the bot posted in the group (a «Повторить» pressed)."""
        await self._group(
            lambda: self._bot.edit_message_reply_markup(
                chat_id=self._chat_id, message_id=message_id, reply_markup=None
            )
        )

    async def _reply(
        self, topic_id: int, reply_to: int, html: str, *, retry_key: int | None = None
    ) -> int:
        markup = None
        if retry_key is not None:
            button = InlineKeyboardButton(
                text=RETRY_BUTTON, callback_data=RetryReply(message_id=retry_key).pack()
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
            message = await self._group(send(ReplyParameters(message_id=reply_to)))
        except PostRejected as exc:
            if "repl" not in str(exc).lower():
                raise
            message = await self._group(send(None))  # the staff message is gone: say it anyway
        return message.message_id

    async def _react(self, message_id: int, emoji: str) -> None:
        await self._group(
            lambda: self._bot.set_message_reaction(
                self._chat_id, message_id, reaction=[ReactionTypeEmoji(emoji=emoji)]
            )
        )

    # ---- files -------------------------------------------------------------------------------

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
            raise FileUnavailable(scrub(exc.message)) from exc
        except ClientError as exc:
            raise FileUnavailable(type(exc).__name__) from exc
        assert buffer is not None
        return buffer.read()


async def _never() -> bool:
    """Work that stays wanted however long it waits for its slot."""
    return False


def _answering(message_id: int | None) -> ReplyParameters | None:
    """An answer to an earlier post, which is sent all the same if that post is gone."""
    if message_id is None:
        return None
    return ReplyParameters(message_id=message_id, allow_sending_without_reply=True)


async def _shown(staff_message: int, showing: Awaitable[object]) -> None:
    """Show part of an outcome; what Telegram refuses for this message alone is logged."""
    try:
        await showing
    except (ShuttingDown, TelegramUnavailable):
        raise
    except TelegramFault as exc:
        log.info("staff message %s: outcome not fully shown (%s)", staff_message, exc)
