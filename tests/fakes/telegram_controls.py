"""What a test does to the Bot API double besides calling it: staff messages and button presses
queued as updates, topics made, closed and reopened by staff, and views of what the bot posted."""

from __future__ import annotations

import time
from typing import Any

from tests.fakes.telegram_model import (
    ANONYMOUS_ADMIN,
    DEFAULT_ICON_COLOR,
    FakeMessage,
    MessageKind,
    RecordedCall,
    file_ids,
    file_suffix,
)
from tests.fakes.telegram_state import FakeTelegramState


class Controls(FakeTelegramState):
    """Controls that act as group members and staff (no API checks), and views of the output."""

    def create_topic(
        self, name: str, icon_color: int = DEFAULT_ICON_COLOR, *, by_bot: bool = False
    ) -> int:
        """A topic made by a staff member, or (`by_bot`) one the bot made and then lost track of,
        as after a crash between Telegram's answer and the bridge's commit. No checks."""
        return self._new_topic(name, icon_color, None, by_bot=by_bot)

    def close_topic(self, thread_id: int) -> None:
        self.topics[thread_id].closed = True
        self._service(thread_id, self._staff_user(), {"forum_topic_closed": {}})

    def reopen_topic(self, thread_id: int) -> None:
        self.topics[thread_id].closed = False
        self._service(thread_id, self._staff_user(), {"forum_topic_reopened": {}})

    def shown(self) -> str:
        """Every text and caption the bot posted, one per line (edits not included)."""
        return "\n".join(m.text or m.caption or "" for m in self.sent)

    def thread_messages(
        self, thread_id: int | None, *, include_deleted: bool = False
    ) -> list[FakeMessage]:
        """Messages the bot posted into a topic (None: General)."""
        return [
            m for m in self.sent if m.thread_id == thread_id and (include_deleted or not m.deleted)
        ]

    def calls(self, method: str) -> list[RecordedCall]:
        return [c for c in self.requests if c.method == method]

    def user_message(
        self,
        text: str = "",
        *,
        thread_id: int | None,
        from_id: int = 111,
        first_name: str = "Staff",
        is_bot: bool = False,
        photo: bytes | None = None,
        document: tuple[bytes, str, str] | None = None,
        caption: str | None = None,
        reply_to: int | None = None,
        sticker: bool = False,
        anonymous: bool = False,
        entities: list[dict[str, Any]] | None = None,
        forward_origin: dict[str, Any] | None = None,
        media_group_id: str | None = None,
    ) -> int:
        """A message from a group member, queued as an update; returns the update_id.

        Text becomes the caption of a photo or document when `caption` is not given.
        `anonymous`: an administrator who remains anonymous writes on behalf of the group, as
        Telegram shows it (`from` is GroupAnonymousBot, `sender_chat` is the group).
        `entities` go with the text, or the caption as `caption_entities`.
        """
        if thread_id == 1:
            raise ValueError("General has no thread id: pass thread_id=None")
        if anonymous:
            user = dict(ANONYMOUS_ADMIN)
        else:
            user = {"id": from_id, "is_bot": is_bot, "first_name": first_name}
            self.users[from_id] = user
        reply = self.messages.get(reply_to) if reply_to is not None else None
        if reply_to is not None and reply is None:
            raise ValueError(f"no message {reply_to} to reply to")
        extra: dict[str, Any] = {}
        kind: MessageKind = "text"
        data: bytes | None = None
        file_name: str | None = None
        if sticker:
            kind = "sticker"
            stored = self._store_file(b"RIFF-fake-webp", "stickers", ".webp")
            extra["sticker"] = {
                **file_ids(stored),
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        elif photo is not None:
            kind, data = "photo", photo
            extra["photo"] = self._photo_sizes(self._store_file(photo, "photos", ".jpg"))
        elif document is not None:
            kind, data, file_name = "document", document[0], document[1]
            stored = self._store_file(data, "documents", file_suffix(file_name))
            extra["document"] = {
                **file_ids(stored),
                "file_name": file_name,
                "mime_type": document[2],
            }
        if anonymous:
            extra["sender_chat"] = self._chat_short()
        if forward_origin is not None:
            extra["forward_origin"] = forward_origin
        if media_group_id is not None:
            extra["media_group_id"] = media_group_id
        if entities:
            extra["entities" if kind == "text" else "caption_entities"] = entities
        shown_caption = (caption if caption is not None else text) or None
        message = self._new_message(
            kind=kind,
            thread_id=thread_id,
            user=user,
            text=text if kind == "text" else None,
            caption=shown_caption if kind in {"photo", "document"} else None,
            reply=reply,
            extra=extra,
        )
        message.file, message.file_name = data, file_name
        return self.push_update({"message": message.raw})

    def private_message(self, text: str, *, from_id: int = 111, first_name: str = "Staff") -> int:
        """A message to the bot in a private chat; returns the update_id. The bot's answers are
        in `private_sent`."""
        user = {"id": from_id, "is_bot": False, "first_name": first_name}
        self.users[from_id] = user
        self.private_chats.add(from_id)
        message_id = self._next_message_id
        self._next_message_id += 1
        chat = {"id": from_id, "type": "private", "first_name": first_name}
        raw: dict[str, Any] = {
            "message_id": message_id,
            "from": user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            raw["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return self.push_update({"message": raw})

    def callback(
        self, data: str, *, from_id: int, message_id: int, thread_id: int | None = None
    ) -> int:
        """A press on an inline button of `message_id`; query id is str(update_id)."""
        user = self.users.get(from_id, {"id": from_id, "is_bot": False, "first_name": "Staff"})
        message = self.messages.get(message_id)
        if message is not None:
            raw = message.raw
        else:
            raw = {"message_id": message_id, "date": int(time.time()), "chat": self._chat_short()}
            if thread_id is not None:
                raw |= {"message_thread_id": thread_id, "is_topic_message": True}
        query_id = str(self._next_update_id)
        self._callback_ids.add(query_id)
        query = {
            "id": query_id,
            "from": user,
            "message": raw,
            "chat_instance": "-7000000000000000001",
            "data": data,
        }
        return self.push_update({"update_id": int(query_id), "callback_query": query})
