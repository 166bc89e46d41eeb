"""Who may run admin commands: `ADMIN_IDS`, or when it is empty, the group's administrators."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

log = logging.getLogger(__name__)


class Admins:
    def __init__(
        self, bot: Bot, forum_chat_id: int, admin_ids: Sequence[int], *, ttl: float = 300.0
    ) -> None:
        self._bot = bot
        self._forum_chat_id = forum_chat_id
        self._fixed = frozenset(admin_ids)
        self._ttl = ttl
        self._cached: frozenset[int] = frozenset()
        self._cached_at = float("-inf")

    async def is_admin(self, user_id: int) -> bool:
        if self._fixed:
            return user_id in self._fixed
        if time.monotonic() - self._cached_at > self._ttl:
            try:
                members = await self._bot.get_chat_administrators(self._forum_chat_id)
            except TelegramAPIError as exc:
                log.warning("cannot read the group's administrators: %s", exc.message)
            else:
                self._cached = frozenset(m.user.id for m in members if not m.user.is_bot)
                self._cached_at = time.monotonic()
        return user_id in self._cached
