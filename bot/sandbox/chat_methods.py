"""The chat methods of the Seller API (`/v3/chat/list`, `/v3/chat/history`, sends, read, start),
applied to the stand-in's state, and the chat role that opens them. Bodies arrive already
checked by the pipeline."""

from __future__ import annotations

import base64
import binascii

from aiohttp import web

from bot.sandbox.model import (
    CHAT_METHODS,
    MSG_NO_PREMIUM,
    MSG_WINDOW_CLOSED,
    Json,
    StandInChat,
    ok,
    parse_uint64,
    rpc_error,
)
from bot.sandbox.rendering import Rendering
from bot.sandbox.state import Methods


class ChatMethods(Rendering):
    """Handlers of the chat methods; each takes the parsed body and returns Ozon's answer."""

    @staticmethod
    def _activity_key(chat: StandInChat) -> tuple[int, int]:
        return (-chat.last_message_id, -chat.variant)

    @staticmethod
    def _encode_cursor(key: tuple[int, int]) -> str:
        raw = f"{-key[0]}:{-key[1]}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @staticmethod
    def _decode_cursor(cursor: str) -> tuple[int, int]:
        padded = cursor + "=" * (-len(cursor) % 4)
        last, variant = base64.urlsafe_b64decode(padded.encode()).decode().split(":")
        return (-int(last), -int(variant))

    async def _chat_list(self, body: Json) -> web.Response:
        """Chats by most recent activity, paged with an opaque cursor."""
        flt: Json = body.get("filter", {})
        status = str(flt.get("chat_status", "ALL")).upper()
        unread_only = bool(flt.get("unread_only", False))
        limit = int(body["limit"])
        chats = sorted(self.chats.values(), key=self._activity_key)
        chats = [c for c in chats if status in ("ALL", c.status) and (not unread_only or c.unread)]
        cursor = str(body.get("cursor", ""))
        if cursor:
            try:
                after = self._decode_cursor(cursor)
            except (ValueError, UnicodeDecodeError):
                return self._violation("/v3/chat/list", f"invalid cursor {cursor!r}")
            chats = [c for c in chats if self._activity_key(c) > after]
        page = chats[:limit]
        has_next = len(chats) > limit
        next_cursor = self._encode_cursor(self._activity_key(page[-1])) if page else cursor
        return ok(
            {
                "chats": [self._render_chat(c) for c in page],
                "total_unread_count": sum(len(c.unread) for c in self.chats.values()),
                "cursor": next_cursor,
                "has_next": (str(has_next).lower() if self.quirks else has_next),
            }
        )

    async def _chat_history(self, body: Json) -> web.Response:
        chat = self.chats.get(body["chat_id"])
        if chat is None:
            return rpc_error(404, "chat not found")
        forward = str(body.get("direction", "Backward")).lower() == "forward"
        limit = int(body.get("limit", 50))
        messages = chat.messages
        wanted = body.get("filter", {}).get("message_ids")
        if wanted:
            ids = {parse_uint64(v) for v in wanted}
            messages = [m for m in messages if m.message_id in ids]
        start = parse_uint64(body["from_message_id"]) if "from_message_id" in body else None
        if forward:
            assert start is not None
            inclusive = self.history_forward_inclusive
            chosen = [
                m for m in messages if m.message_id > start or (inclusive and m.message_id == start)
            ]
        else:
            chosen = [m for m in reversed(messages) if start is None or m.message_id <= start]
        page = chosen[:limit]
        return ok(
            {"has_next": len(chosen) > limit, "messages": [self.render_message(m) for m in page]}
        )

    def _sendable(self, chat_id: str) -> StandInChat | web.Response:
        """The chat when Ozon would accept a send to it now, else Ozon's refusal."""
        if not self.premium:
            return rpc_error(403, MSG_NO_PREMIUM)
        chat = self.chats.get(chat_id)
        if chat is None:
            return rpc_error(404, "chat not found")
        if not chat.reply_open or chat.status == "CLOSED":
            return rpc_error(400, MSG_WINDOW_CLOSED)
        return chat

    async def _send_message(self, body: Json) -> web.Response:
        chat = self._sendable(body["chat_id"])
        if isinstance(chat, web.Response):
            return chat
        message = self._append(chat, [body["text"]], "Seller", self.client_id)
        self.sent_texts.append((chat.chat_id, body["text"]))
        self._seller_sent(chat.chat_id, message)
        return ok({"result": "success"})

    async def _send_file(self, body: Json) -> web.Response:
        try:
            content = base64.b64decode(body["base64_content"], validate=True)
        except (binascii.Error, ValueError):
            return self._violation("/v1/chat/send/file", "base64_content is not valid base64")
        if not content or not body["name"]:
            return self._violation("/v1/chat/send/file", "empty file content or name")
        chat = self._sendable(body["chat_id"])
        if isinstance(chat, web.Response):
            return chat
        message = self._append(chat, [], "Seller", self.client_id)
        self._attach_file(message, content, body["name"])
        self.sent_files.append((chat.chat_id, body["name"], content))
        self._seller_sent(chat.chat_id, message)
        return ok({"result": "success"})

    async def _chat_read(self, body: Json) -> web.Response:
        chat = self.chats.get(body["chat_id"])
        if chat is None:
            return rpc_error(404, "chat not found")
        upto = parse_uint64(body["from_message_id"]) if "from_message_id" in body else None
        for message in chat.messages:
            if upto is None or message.message_id <= upto:
                message.is_read = True
        self.read_marks.append((chat.chat_id, None if upto is None else str(upto)))
        return ok({"unread_count": len(chat.unread)})

    async def _chat_start(self, body: Json) -> web.Response:
        if not self.premium:
            return rpc_error(403, MSG_NO_PREMIUM)
        posting = body["posting_number"]
        for chat in self.chats.values():
            if chat.posting_number == posting:
                return ok({"result": {"chat_id": chat.chat_id}})
        chat_id = self.add_chat()
        self.chats[chat_id].posting_number = posting
        return ok({"result": {"chat_id": chat_id}})

    def _chat_methods(self) -> Methods:
        return Methods(
            handlers={
                "/v3/chat/list": self._chat_list,
                "/v3/chat/history": self._chat_history,
                "/v1/chat/send/message": self._send_message,
                "/v1/chat/send/file": self._send_file,
                "/v2/chat/read": self._chat_read,
                "/v1/chat/start": self._chat_start,
            },
            roles=self._chat_roles,
            refused=lambda path: self.auth_mode == "no_chat_role" and path in CHAT_METHODS,
        )

    def _chat_roles(self) -> list[Json]:
        if self.auth_mode == "no_chat_role":
            return []
        return [{"name": "Chat", "methods": list(CHAT_METHODS)}]
