"""The group and topic methods of the Bot API double: getChat, getChatMember,
getChatAdministrators and the forum topic methods (create, edit, close, reopen, delete)."""

from __future__ import annotations

from typing import Any

from tests.fakes.telegram_model import DEFAULT_ICON_COLOR, ApiError, topic_json
from tests.fakes.telegram_state import FakeTelegramState


class GroupMethods(FakeTelegramState):
    """Handlers of the chat and forum topic methods; each takes the checked parameters."""

    async def _get_chat(self, p: dict[str, Any]) -> dict[str, Any]:
        self._chat_of(p)
        return {
            **self._chat_short(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
                "gifts_from_channels": False,
            },
        }

    async def _get_chat_member(self, p: dict[str, Any]) -> dict[str, Any]:
        self._chat_of(p)
        user_id = p["user_id"]
        if user_id == self.bot_id:
            return self._bot_member()
        if user_id == self.owner_id:
            return self._owner_member()
        user = self.users.get(user_id, {"id": user_id, "is_bot": False, "first_name": "Staff"})
        return {"status": "left" if user_id in self.outsiders else "member", "user": user}

    async def _get_chat_administrators(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        self._chat_of(p)
        admins = [self._owner_member()]
        if self.bot_is_admin:
            admins.append(self._bot_member())
        return admins

    async def _create_forum_topic(self, p: dict[str, Any]) -> dict[str, Any]:
        self._chat_of(p)
        if not self.is_forum:
            raise ApiError(400, "Bad Request: the chat is not a forum")
        self._require_rights("create a topic")
        self._check_icon(p)
        thread_id = self._new_topic(
            p["name"], p.get("icon_color", DEFAULT_ICON_COLOR), p.get("icon_custom_emoji_id")
        )
        return topic_json(self.topics[thread_id])

    async def _edit_forum_topic(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        topic = self._live_topic(p["message_thread_id"])
        if not (self.bot_is_admin and (self.can_manage_topics or topic.created_by_bot)):
            raise ApiError(400, "Bad Request: not enough rights to edit a topic")
        self._check_icon(p)
        name = p.get("name", topic.name)
        emoji = p.get("icon_custom_emoji_id", topic.icon_custom_emoji_id) or None
        if (name, emoji) == (topic.name, topic.icon_custom_emoji_id):
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.name, topic.icon_custom_emoji_id = name, emoji
        edited: dict[str, Any] = {}
        if "name" in p:
            edited["name"] = name
        if "icon_custom_emoji_id" in p:
            edited["icon_custom_emoji_id"] = emoji or ""
        self._service(topic.thread_id, self.bot_user, {"forum_topic_edited": edited})
        return True

    def _check_icon(self, p: dict[str, Any]) -> None:
        """Only the icons getForumTopicIconStickers offers may be set (the double's wording)."""
        emoji = p.get("icon_custom_emoji_id")
        if emoji and emoji not in {emoji_id for emoji_id, _ in self.icon_stickers}:
            raise ApiError(400, "Bad Request: invalid custom emoji identifier specified")

    async def _close_forum_topic(self, p: dict[str, Any]) -> bool:
        return self._set_closed(p, closed=True)

    async def _reopen_forum_topic(self, p: dict[str, Any]) -> bool:
        return self._set_closed(p, closed=False)

    def _set_closed(self, p: dict[str, Any], *, closed: bool) -> bool:
        self._chat_of(p)
        topic = self._live_topic(p["message_thread_id"])
        if not (self.bot_is_admin and (self.can_manage_topics or topic.created_by_bot)):
            raise ApiError(400, "Bad Request: not enough rights to manage the topic")
        if topic.closed == closed:
            raise ApiError(400, "Bad Request: TOPIC_NOT_MODIFIED")
        topic.closed = closed
        event = "forum_topic_closed" if closed else "forum_topic_reopened"
        self._service(topic.thread_id, self.bot_user, {event: {}})
        return True

    async def _delete_forum_topic(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        self._live_topic(p["message_thread_id"])
        if not (self.bot_is_admin and self.can_delete_messages):
            raise ApiError(400, "Bad Request: not enough rights to delete a topic")
        self.delete_topic(p["message_thread_id"])
        return True

    def _require_rights(self, action: str) -> None:
        if not (self.bot_is_admin and self.can_manage_topics):
            raise ApiError(400, f"Bad Request: not enough rights to {action}")

    def _owner_member(self) -> dict[str, Any]:
        return {"status": "creator", "user": self._staff_user(), "is_anonymous": False}

    def _bot_member(self) -> dict[str, Any]:
        if self.bot_kicked:
            return {"status": "kicked", "user": self.bot_user, "until_date": 0}
        if not self.bot_is_admin:
            return {"status": "member", "user": self.bot_user}
        rights = dict.fromkeys(
            (
                "can_manage_chat",
                "can_manage_video_chats",
                "can_restrict_members",
                "can_change_info",
                "can_invite_users",
                "can_post_stories",
                "can_edit_stories",
                "can_delete_stories",
                "can_pin_messages",
            ),
            True,
        )
        # Bot API 10.2+ field that aiogram 3.31 requires (not in the 10.1 fixture).
        rights["can_send_welcome_messages"] = False
        return {
            "status": "administrator",
            "user": self.bot_user,
            "can_be_edited": False,
            "is_anonymous": False,
            "can_promote_members": False,
            "can_delete_messages": self.can_delete_messages,
            "can_manage_topics": self.can_manage_topics,
            **rights,
        }
