"""The Bot API double's remaining methods: getMe, getUpdates (long polling, 409 on a second
poller), getFile, answerCallbackQuery, the webhook and bot command methods and
getForumTopicIconStickers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from tests.fakes.telegram_model import MAX_DOWNLOAD, ApiError, file_ids
from tests.fakes.telegram_spec import BadRequest
from tests.fakes.telegram_state import FakeTelegramState

_DEFAULT_EXCLUDED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateMethods(FakeTelegramState):
    """Handlers of the update, file, callback, webhook, command and miscellaneous methods."""

    async def _true(self, p: dict[str, Any]) -> bool:
        return True

    async def _get_me(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _get_updates(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        offset: int | None = p.get("offset")
        limit = min(max(p.get("limit", 100), 1), 100)
        if "allowed_updates" in p:
            self.allowed_updates = p["allowed_updates"]
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset is not None:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll learns it was superseded
        deadline = time.monotonic() + max(p.get("timeout", 0), 0)
        while True:
            batch = [u for u in self._updates if self._allowed(u)][:limit]
            if batch or self._closed.is_set():
                return batch
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            waiter = self._wakeup
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(waiter.wait(), remaining)

    def _allowed(self, update: dict[str, Any]) -> bool:
        kind = next((k for k in update if k != "update_id"), "")
        if self.allowed_updates:
            return kind in self.allowed_updates
        return kind not in _DEFAULT_EXCLUDED_UPDATES

    async def _get_file(self, p: dict[str, Any]) -> dict[str, Any]:
        stored = self.files.get(p["file_id"])
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        return {**file_ids(stored), "file_path": stored.path}

    async def _answer_callback_query(self, p: dict[str, Any]) -> bool:
        query_id = p["callback_query_id"]
        if query_id not in self._callback_ids or query_id in self.callback_answers:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.callback_answers[query_id] = p
        return True

    async def _delete_webhook(self, p: dict[str, Any]) -> bool:
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "url": "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }

    async def _set_my_commands(self, p: dict[str, Any]) -> bool:
        for command in p["commands"]:
            name, description = command["command"], command["description"]
            if not (1 <= len(name) <= 32 and name.replace("_", "a").isalnum() and name.islower()):
                raise BadRequest("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise BadRequest("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(p)] = p["commands"]
        return True

    async def _delete_my_commands(self, p: dict[str, Any]) -> bool:
        self.commands.pop(self._commands_key(p), None)
        return True

    def _commands_key(self, p: dict[str, Any]) -> tuple[str, str]:
        scope = p.get("scope") or {"type": "default"}
        return str(scope["type"]), str(p.get("language_code", ""))

    async def _get_forum_topic_icon_stickers(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "file_id": f"sticker-{emoji_id}",
                "file_unique_id": f"u{emoji_id}",
                "type": "custom_emoji",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": emoji,
                "custom_emoji_id": emoji_id,
            }
            for emoji_id, emoji in self.icon_stickers
        ]
