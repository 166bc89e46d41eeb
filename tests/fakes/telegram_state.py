"""The Bot API double's world: the bot, the forum supergroup with its topics and messages, the
update queue and stored files, and the helpers every method handler and test control builds on."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from tests.fakes.telegram_model import (
    ICON_STICKERS,
    THREAD_NOT_FOUND,
    ApiError,
    FakeMessage,
    FakeTopic,
    Fault,
    MessageKind,
    RecordedCall,
    StoredFile,
    file_ids,
)
from tests.fakes.telegram_spec import Spec


class FakeTelegramState:
    """Everything the double knows: settable world state, observations and counters."""

    def __init__(self, token: str, forum_chat_id: int, *, spec: Spec | None) -> None:
        digits = token.split(":", 1)[0]
        if not digits.isdigit():
            raise ValueError("token must look like '<digits>:<text>'")
        self.token = token
        self.forum_chat_id = forum_chat_id
        self.spec = spec or Spec()
        self.bot_id = int(digits)
        self.bot_user: dict[str, Any] = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Ozon Bridge",
            "username": "ozon_bridge_bot",
        }
        self.owner_id = 1000
        self.chat_title = "Ozon buyers"
        # Settable world state.
        self.bot_is_admin = True
        self.can_manage_topics = True
        self.can_pin_messages = True
        self.pinned: set[int] = set()
        """Messages pinned in the group (in their topics)."""
        self.icon_stickers: list[tuple[str, str]] = list(ICON_STICKERS)
        """What getForumTopicIconStickers offers: (custom emoji id, emoji)."""
        self.can_delete_messages = True
        self.is_forum = True
        self.chat_exists = True
        self.migrated_to: int | None = None
        """Set: the group was upgraded to the supergroup with this id, and its old id names
        nothing any more (Telegram answers with the new id)."""
        self.bot_kicked = False
        self.latency = 0.0
        self.emit_service_updates = True
        self.available_reactions: set[str] | None = None
        """Reactions the group allows (None: all of them)."""
        # Observations.
        self.requests: list[RecordedCall] = []
        self.spec_violations: list[str] = []
        self.errors: list[str] = []
        self.topics: dict[int, FakeTopic] = {}
        self.messages: dict[int, FakeMessage] = {}
        self.sent: list[FakeMessage] = []
        self.reactions: dict[tuple[int, int], list[dict[str, Any]]] = {}
        self.callback_answers: dict[str, dict[str, Any]] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.files: dict[str, StoredFile] = {}
        self.downloads: list[str] = []
        self.users: dict[int, dict[str, Any]] = {}
        self.outsiders: set[int] = set()
        """Users getChatMember reports as not in the group (`left`)."""
        self.private_chats: set[int] = set()
        """Users who wrote to the bot in a private chat."""
        self.private_sent: list[tuple[int, str]] = []
        """What the bot wrote in private chats: (user id, text)."""
        self.flood_429_count = 0
        self.faults_served = 0
        self.retry_after_unit = 1.0
        self.allowed_updates: list[str] = []
        self.url = ""

        self._next_message_id = 2
        self._next_update_id = 1000
        self._next_file = 1
        self._updates: list[dict[str, Any]] = []
        self._callback_ids: set[str] = set()
        self._faults: list[Fault] = []
        self._held: dict[str, asyncio.Event] = {}
        self._flood_limit: int | None = None
        self._flood_window = 60.0
        self._flood_sends: deque[float] = deque()
        self._wakeup = asyncio.Event()
        self._closed = asyncio.Event()
        self._poll_generation = 0
        self._reaction_emoji = self.spec.reaction_emoji()

    # --- test controls the handlers use too -----------------------------------------------

    def push_update(self, update: dict[str, Any]) -> int:
        """Queue a raw update (update_id assigned when missing); returns its update_id."""
        if "update_id" not in update:
            update = {"update_id": self._next_update_id, **update}
        self._next_update_id = max(self._next_update_id, int(update["update_id"])) + 1
        self._updates.append(update)
        self._wake()
        return int(update["update_id"])

    def delete_topic(self, thread_id: int) -> None:
        """Delete a topic with its messages; like Telegram, no update tells the bot."""
        self.topics[thread_id].deleted = True
        for message in self.messages.values():
            if message.thread_id == thread_id:
                message.deleted = True

    # --- model helpers --------------------------------------------------------------------

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _chat_short(self) -> dict[str, Any]:
        chat: dict[str, Any] = {
            "id": self.forum_chat_id,
            "title": self.chat_title,
            "type": "supergroup",
        }
        if self.is_forum:
            chat["is_forum"] = True
        return chat

    def _staff_user(self) -> dict[str, Any]:
        return {"id": self.owner_id, "is_bot": False, "first_name": "Owner"}

    def _chat_of(self, p: dict[str, Any]) -> None:
        if self.migrated_to is not None and p.get("chat_id") == self.forum_chat_id:
            raise ApiError(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self.migrated_to},
            )
        if not self.chat_exists or p.get("chat_id") != self.forum_chat_id:
            raise ApiError(400, "Bad Request: chat not found")
        if self.bot_kicked:
            raise ApiError(403, "Forbidden: bot was kicked from the supergroup chat")

    def _live_topic(self, thread_id: int) -> FakeTopic:
        topic = self.topics.get(thread_id)
        if not self.is_forum or topic is None or topic.deleted:
            raise ApiError(400, THREAD_NOT_FOUND)
        return topic

    def _new_topic(
        self, name: str, icon_color: int, emoji: str | None, *, by_bot: bool = True
    ) -> int:
        actor = self.bot_user if by_bot else self._staff_user()
        created: dict[str, Any] = {"name": name, "icon_color": icon_color}
        if emoji:
            created["icon_custom_emoji_id"] = emoji
        # A topic's thread id is the id of its forum_topic_created service message.
        thread_id = self._next_message_id
        self.topics[thread_id] = FakeTopic(
            thread_id, name, icon_color, emoji, created_by_bot=by_bot
        )
        self._service(thread_id, actor, {"forum_topic_created": created})
        return thread_id

    def _service(self, thread_id: int, actor: dict[str, Any], event: dict[str, Any]) -> None:
        message = self._new_message(
            kind="service", thread_id=thread_id, user=actor, reply=None, extra=event
        )
        if self.emit_service_updates:
            self.push_update({"message": message.raw})

    def _new_message(
        self,
        *,
        kind: MessageKind,
        thread_id: int | None,
        user: dict[str, Any],
        reply: FakeMessage | None,
        extra: dict[str, Any],
        text: str | None = None,
        caption: str | None = None,
    ) -> FakeMessage:
        message_id = self._next_message_id
        self._next_message_id += 1
        date = int(time.time())
        raw: dict[str, Any] = {"message_id": message_id, "from": user}
        if thread_id is not None:
            raw |= {"message_thread_id": thread_id, "is_topic_message": True}
        raw |= {"chat": self._chat_short(), "date": date}
        created = self.messages.get(thread_id) if thread_id is not None else None
        # In a topic, a message that replies to nothing replies to the topic's creation message.
        target = reply or (created if kind != "service" else None)
        if target is not None:
            raw["reply_to_message"] = {
                k: v for k, v in target.raw.items() if k != "reply_to_message"
            }
        if text is not None:
            raw["text"] = text
        if caption is not None:
            raw["caption"] = caption
        raw |= extra
        message = FakeMessage(
            message_id=message_id,
            chat_id=self.forum_chat_id,
            thread_id=thread_id,
            kind=kind,
            from_id=int(user["id"]),
            date=date,
            text=text,
            caption=caption,
            reply_to_message_id=reply.message_id if reply else None,
            raw=raw,
        )
        self.messages[message_id] = message
        return message

    def _store_file(self, data: bytes, folder: str, suffix: str) -> StoredFile:
        number = self._next_file
        self._next_file += 1
        file_id = f"AgAD{number:04d}{folder[:3]}"
        stored = StoredFile(file_id, f"uniq{number}", f"{folder}/file_{number}{suffix}", data)
        self.files[file_id] = stored
        return stored

    def _photo_sizes(self, stored: StoredFile) -> list[dict[str, Any]]:
        # Telegram returns several sizes; the double serves the same bytes for each.
        thumb = self._store_file(stored.data, "photos", ".jpg")
        return [
            {**file_ids(thumb), "width": 90, "height": 67},
            {**file_ids(stored), "width": 1280, "height": 960},
        ]
