"""The message methods of the Bot API double: sendMessage, sendPhoto, sendDocument,
sendMediaGroup, editMessageText, editMessageReplyMarkup, deleteMessage and setMessageReaction."""

from __future__ import annotations

import mimetypes
import time
from typing import Any, Literal

from tests.fakes.telegram_html import MAX_CAPTION, MAX_TEXT, formatted
from tests.fakes.telegram_model import (
    MAX_PHOTO,
    UPLOADS,
    ApiError,
    FakeEdit,
    FakeMessage,
    file_ids,
    file_suffix,
)
from tests.fakes.telegram_spec import BadRequest, Upload
from tests.fakes.telegram_state import FakeTelegramState

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a content and reply markup of the current message"
)


class MessageMethods(FakeTelegramState):
    """Handlers of the message methods; each takes the checked parameters."""

    async def _send_message(self, p: dict[str, Any]) -> dict[str, Any]:
        text, entities = formatted(p["text"], p.get("parse_mode"), limit=MAX_TEXT, what="text")
        if p.get("chat_id") in self.private_chats:  # someone who wrote to the bot privately
            return self._private_reply(p["chat_id"], text)
        thread_id, reply = self._send_target(p)
        extra = {"entities": entities} if entities else {}
        message = self._bot_message("text", p, thread_id, reply, text=text, extra=extra)
        message.source_text = p["text"]
        return message.raw

    def _private_reply(self, user_id: int, text: str) -> dict[str, Any]:
        self.private_sent.append((user_id, text))
        message_id = self._next_message_id
        self._next_message_id += 1
        user = self.users[user_id]
        chat = {"id": user_id, "type": "private", "first_name": user["first_name"]}
        return {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat,
            "date": int(time.time()),
            "text": text,
        }

    async def _send_photo(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("photo", p, p["photo"]).raw

    async def _send_document(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._send_file("document", p, p["document"]).raw

    async def _send_media_group(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        media: list[dict[str, Any]] = p["media"]
        if not 2 <= len(media) <= 10:
            raise BadRequest("wrong number of media items: 2-10 are allowed")
        kinds = {item["type"] for item in media}
        if not kinds <= {"photo", "document"} or len(kinds) > 1:
            raise BadRequest("FakeTelegram groups photos or documents only", violation=False)
        group_id = str(10**12 + self._next_message_id)
        sent = []
        for item in media:
            merged = {**p, **{k: v for k, v in item.items() if k not in {"type", "media"}}}
            source = item["media"]
            if source.startswith("attach://"):
                source = p[UPLOADS][source.removeprefix("attach://")]
            message = self._send_file(item["type"], merged, source, group_id=group_id)
            sent.append(message.raw)
        return sent

    def _send_file(
        self,
        kind: Literal["photo", "document"],
        p: dict[str, Any],
        source: Upload | str,
        *,
        group_id: str | None = None,
    ) -> FakeMessage:
        caption, entities = formatted(
            p.get("caption", ""), p.get("parse_mode"), limit=MAX_CAPTION, what="caption"
        )
        thread_id, reply = self._send_target(p)
        if isinstance(source, Upload):
            data, file_name, mime = source.data, source.filename, source.content_type
            if not data:
                raise BadRequest("file must be non-empty")
            if kind == "photo" and len(data) > MAX_PHOTO:
                raise BadRequest("PHOTO_INVALID_DIMENSIONS")
            folder, suffix = ("photos", ".jpg") if kind == "photo" else ("documents", "")
            stored = self._store_file(data, folder, suffix or file_suffix(file_name))
        else:
            if source.startswith(("http://", "https://")):
                raise ApiError(400, "Bad Request: failed to get HTTP URL content")
            known = self.files.get(source)
            if known is None:
                raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
            stored, data, file_name, mime = known, known.data, known.path.rsplit("/")[-1], ""
        extra: dict[str, Any] = {}
        if kind == "photo":
            extra["photo"] = self._photo_sizes(stored)
        else:
            if not mime or mime == "application/octet-stream":
                mime = mimetypes.guess_type(file_name)[0] or "application/octet-stream"
            extra["document"] = {**file_ids(stored), "file_name": file_name, "mime_type": mime}
        if entities:
            extra["caption_entities"] = entities
        if group_id is not None:
            extra["media_group_id"] = group_id
        message = self._bot_message(kind, p, thread_id, reply, caption=caption or None, extra=extra)
        message.file, message.file_id = data, stored.file_id
        message.file_name = file_name if kind == "document" else None
        message.source_text = p.get("caption")
        message.media_group_id = group_id
        return message

    async def _edit_message_text(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._own_message(p, "message to edit not found")
        if "text" not in p:
            raise BadRequest("message text is empty")
        if message.kind != "text":
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        text, entities = formatted(p["text"], p.get("parse_mode"), limit=MAX_TEXT, what="text")
        markup = p.get("reply_markup")
        same_entities = entities == message.raw.get("entities", [])
        if text == message.text and same_entities and markup == message.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        message.text, message.source_text, message.parse_mode = text, p["text"], p.get("parse_mode")
        message.raw["text"] = text
        message.raw.pop("entities", None)
        if entities:
            message.raw["entities"] = entities
        self._set_markup(message, markup)
        self._edited(message, "editMessageText", p)
        return message.raw

    async def _edit_message_caption(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._own_message(p, "message to edit not found")
        if message.kind not in ("photo", "document"):
            raise ApiError(400, "Bad Request: there is no caption in the message to edit")
        caption, entities = formatted(
            p.get("caption", ""), p.get("parse_mode"), limit=MAX_CAPTION, what="caption"
        )
        if caption == (message.caption or "") and p.get("reply_markup") == message.reply_markup:
            raise ApiError(400, _NOT_MODIFIED)
        message.caption = caption or None
        message.raw.pop("caption_entities", None)
        if caption:
            message.raw["caption"] = caption
        if entities:
            message.raw["caption_entities"] = entities
        self._set_markup(message, p.get("reply_markup"))
        self._edited(message, "editMessageCaption", p)
        return message.raw

    async def _pin_chat_message(self, p: dict[str, Any]) -> bool:
        """Pins a message of the group (in its topic); Telegram tells the group with a service
        message, quietly with `disable_notification`."""
        self._chat_of(p)
        if not (self.bot_is_admin and self.can_pin_messages):
            raise ApiError(
                400, "Bad Request: not enough rights to manage pinned messages in the chat"
            )
        message = self.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to pin not found")
        self.pinned.add(message.message_id)
        return True

    async def _edit_message_reply_markup(self, p: dict[str, Any]) -> dict[str, Any]:
        message = self._own_message(p, "message to edit not found")
        markup = p.get("reply_markup")
        if markup == message.reply_markup or (not markup and not message.reply_markup):
            raise ApiError(400, _NOT_MODIFIED)
        self._set_markup(message, markup)
        self._edited(message, "editMessageReplyMarkup", p)
        return message.raw

    async def _delete_message(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        message = self.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to delete not found")
        if message.from_id != self.bot_id and not (self.bot_is_admin and self.can_delete_messages):
            raise ApiError(400, "Bad Request: message can't be deleted")
        message.deleted = True
        return True

    async def _set_message_reaction(self, p: dict[str, Any]) -> bool:
        self._chat_of(p)
        message = self.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, "Bad Request: message to react not found")
        reaction: list[dict[str, Any]] = p.get("reaction", [])
        if len(reaction) > 1:
            raise BadRequest("REACTIONS_TOO_MANY")
        for item in reaction:
            if item["type"] == "paid" or (
                item["type"] == "emoji" and item["emoji"] not in self._reaction_emoji
            ):
                raise BadRequest("REACTION_INVALID")
            if self.available_reactions is not None and item["emoji"] not in (
                self.available_reactions
            ):
                raise ApiError(400, "Bad Request: REACTION_INVALID")
        self.reactions[(self.forum_chat_id, message.message_id)] = reaction
        return True

    def _send_target(self, p: dict[str, Any]) -> tuple[int | None, FakeMessage | None]:
        """Chat, thread and reply checks shared by the send methods."""
        self._chat_of(p)
        thread_id: int | None = p.get("message_thread_id")
        if thread_id is not None and self._live_topic(thread_id).closed:
            raise ApiError(400, "Bad Request: TOPIC_CLOSED")
        reply_params = p.get("reply_parameters")
        if reply_params is None:
            return thread_id, None
        reply = self.messages.get(reply_params["message_id"])
        if reply is None or reply.deleted or thread_id not in {None, reply.thread_id}:
            if reply_params.get("allow_sending_without_reply"):
                return thread_id, None
            raise ApiError(400, "Bad Request: message to be replied not found")
        if thread_id is None and reply.thread_id is not None:
            self._live_topic(reply.thread_id)
            thread_id = reply.thread_id
        return thread_id, reply

    def _own_message(self, p: dict[str, Any], missing: str) -> FakeMessage:
        if "inline_message_id" in p:
            raise BadRequest("inline messages are not supported by FakeTelegram", violation=False)
        if "message_id" not in p:
            raise BadRequest("message identifier is not specified")
        self._chat_of(p)
        message = self.messages.get(p["message_id"])
        if message is None or message.deleted:
            raise ApiError(400, f"Bad Request: {missing}")
        if message.from_id != self.bot_id:
            raise ApiError(400, "Bad Request: message can't be edited")
        return message

    def _bot_message(
        self,
        kind: Literal["text", "photo", "document"],
        p: dict[str, Any],
        thread_id: int | None,
        reply: FakeMessage | None,
        *,
        extra: dict[str, Any],
        text: str | None = None,
        caption: str | None = None,
    ) -> FakeMessage:
        message = self._new_message(
            kind=kind,
            thread_id=thread_id,
            user=self.bot_user,
            reply=reply,
            extra=extra,
            text=text,
            caption=caption,
        )
        message.parse_mode = p.get("parse_mode")
        self._set_markup(message, p.get("reply_markup"))
        self.sent.append(message)
        return message

    def _set_markup(self, message: FakeMessage, markup: dict[str, Any] | None) -> None:
        inline = markup if markup and "inline_keyboard" in markup else None
        message.reply_markup = inline
        message.raw.pop("reply_markup", None)
        if inline and inline["inline_keyboard"]:
            message.raw["reply_markup"] = inline

    def _edited(self, message: FakeMessage, method: str, p: dict[str, Any]) -> None:
        message.raw["edit_date"] = int(time.time())
        message.edits.append(
            FakeEdit(
                method, p.get("text"), p.get("parse_mode"), p.get("reply_markup"), time.monotonic()
            )
        )
