"""The topic side of the Telegram gateway: topics created (with the icon of their chat's state),
closed and reopened, their icons changed; every call that needs the right to manage topics goes
through `_manage_topics`, which tells that right's absence apart (`TopicsUnavailable`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar, overload

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiohttp import ClientError

from bot.core.faults import (
    GroupFault,
    IconsUnavailable,
    PostRejected,
    TelegramUnavailable,
    TopicsUnavailable,
)
from bot.core.relay.forum import NewTopic
from bot.core.states import DeskState
from bot.telegram.gateway.calls import GroupCalls, classify
from bot.telegram.gateway.icons import IconChoiceError, Sticker, choose_icons

T = TypeVar("T")
TOPIC_ICON_COLOR = 7322096  # blue, one of the six colours Telegram allows
TOPIC_NAME_MAX = 128


class TopicCalls:
    """Mixed into `bot.telegram.gateway.gateway.TelegramGateway`, which sets these."""

    _bot: Bot
    _chat_id: int
    _group: GroupCalls
    _icon_choice: dict[str, str]
    _icons: dict[DeskState, str] | None

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
