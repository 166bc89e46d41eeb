"""Who may run admin commands: `ADMIN_IDS`, or when it is empty, the group's administrators; and
the one gate every admin command passes (`AdminOnly`).

An administrator who remains anonymous writes on behalf of the group itself: Telegram shows
`GroupAnonymousBot` as the sender and the group as `sender_chat`, and keeps the person hidden.
Only the group's administrators can do that, so such a message is an admin's when admins are the
group's administrators; with `ADMIN_IDS` set the person cannot be told apart, and is told so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message, TelegramObject

from bot.telegram.gateway.speaker import Speaker
from bot.telegram.texts.admin import NOT_ADMIN, NOT_ADMIN_ANONYMOUS

log = logging.getLogger(__name__)


class Admins:
    def __init__(
        self, speaker: Speaker, forum_chat_id: int, admin_ids: Sequence[int], *, ttl: float = 300.0
    ) -> None:
        self._speaker = speaker
        self._forum_chat_id = forum_chat_id
        self._fixed = frozenset(admin_ids)
        self._ttl = ttl
        self._cached: frozenset[int] = frozenset()
        self._cached_at = float("-inf")

    def speaks_for_group(self, message: Message) -> bool:
        """The message was written by an anonymous administrator of the forum group."""
        return message.sender_chat is not None and message.sender_chat.id == self._forum_chat_id

    def actor(self, message: Message) -> int:
        """Who acts: the person's user id, or the group's id for an anonymous administrator."""
        if self.speaks_for_group(message):
            return self._forum_chat_id
        assert message.from_user is not None
        return message.from_user.id

    async def refusal(self, message: Message) -> str | None:
        """None when the sender may run admin commands; otherwise what to tell them."""
        if self.speaks_for_group(message):
            return None if not self._fixed else NOT_ADMIN_ANONYMOUS
        if message.from_user is not None and await self.is_admin(message.from_user.id):
            return None
        return NOT_ADMIN

    async def may_act_for_group(self, user_id: int) -> bool:
        """A person may press the buttons of what an anonymous administrator started."""
        return not self._fixed and await self.is_admin(user_id)

    async def is_admin(self, user_id: int) -> bool:
        if self._fixed:
            return user_id in self._fixed
        if time.monotonic() - self._cached_at > self._ttl:
            try:
                self._cached = await self._speaker.administrators()
            except TelegramAPIError as exc:
                log.warning("cannot read the group's administrators: %s", exc.message)
            else:
                self._cached_at = time.monotonic()
        return user_id in self._cached


class AdminOnly(BaseMiddleware):
    """On a router of admin commands: a command from anyone else is answered with why it is
    refused, and its handler does not run."""

    def __init__(self, admins: Admins, speaker: Speaker) -> None:
        self._admins = admins
        self._speaker = speaker

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        assert isinstance(event, Message)
        refusal = await self._admins.refusal(event)
        if refusal is not None:
            await self._speaker.say(event.chat.id, refusal)
            return None
        return await handler(event, data)
