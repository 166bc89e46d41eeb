"""How the stand-in shows its state: Ozon's JSON with Ozon's quirks, and Ozon's push payloads.

With `quirks` on (the default), answers vary deterministically as Ozon's own examples do: ids as
strings above 2^53, enum case (`OPENED`/`Opened`), `Customer`/`customer`/a Cyrillic `Сustomer`,
and timestamps with no, millisecond or microsecond fractions.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from bot.sandbox.model import Json, StandInChat, StandInMessage
from bot.sandbox.state import StandInState

SELLER_ID = "7"
"""`seller_id` in pushes: documented as an integer, shown as "7" in Ozon's examples."""


class Rendering(StandInState):
    """Ozon's answers and pushes built from the state."""

    def file_url(self, message: StandInMessage) -> str:
        """Where the stand-in serves the file of an image/file message."""
        assert message.file_token is not None
        assert message.file_name is not None
        return self._file_url(message.file_token, message.file_name)

    def picture_urls(self, message: StandInMessage) -> list[str]:
        """Where the stand-in serves the pictures shown after a message's text."""
        return [self._file_url(token, name) for token, name in message.pictures]

    def _file_url(self, token: str, name: str) -> str:
        return f"{self.url}/files/{token}/{quote(name)}"

    def render_message(self, message: StandInMessage) -> Json:
        """A message as /v3/chat/history returns it."""
        data = list(message.data)
        if message.file_token is not None:
            url = self.file_url(message)
            data = [f"![]({url})" if message.link_as_image else f"[{message.file_name}]({url})"]
        data += [f"![]({url})" for url in self.picture_urls(message)]
        out: Json = {
            "message_id": self._id(message.message_id),
            "created_at": self._time(message.created_at, message.variant),
            "data": data,
            "is_image": message.is_image,
            "is_read": message.is_read,
            "user": {"id": message.user_id, "type": self._user_type(message)},
        }
        if message.is_image or message.moderate_image_status != "SUCCESS":
            out["moderate_image_status"] = message.moderate_image_status
        if message.order_number is not None or message.sku is not None:
            out["context"] = {"order_number": message.order_number or "", "sku": message.sku or ""}
        return out | (message.garbled or {})

    def _render_chat(self, chat: StandInChat) -> Json:
        """A chat as an entry of /v3/chat/list."""
        unread = chat.unread
        return {
            "chat": {
                "chat_id": chat.chat_id,
                "chat_status": self._enum(chat.status, chat.variant),
                "chat_type": self._enum(chat.chat_type, chat.variant),
                "created_at": self._time(chat.created_at, chat.variant),
            },
            "first_unread_message_id": self._id(unread[0].message_id if unread else 0),
            "last_message_id": self._id(chat.last_message_id),
            "unread_count": len(unread),
        } | (chat.garbled or {})

    # ---- pushes ----------------------------------------------------------------------------

    def new_message_push(self, chat_id: str, message_id: str) -> Json:
        """The TYPE_NEW_MESSAGE push Ozon sends for one of this stand-in's messages."""
        rendered = self.render_message(self.message(chat_id, message_id))
        return {
            "message_type": "TYPE_NEW_MESSAGE",
            "chat_id": chat_id,
            "chat_type": "Buyer_Seller",
            "message_id": message_id,
            "created_at": rendered["created_at"],
            "user": rendered["user"],
            "data": rendered["data"],
            "seller_id": SELLER_ID,
        }

    def update_message_push(self, chat_id: str, message_id: str) -> Json:
        """The TYPE_UPDATE_MESSAGE push Ozon sends when a message changes (see `edit_message`)."""
        message = self.message(chat_id, message_id)
        rendered = self.render_message(message)
        updated = message.updated_at or message.created_at
        return {
            "message_type": "TYPE_UPDATE_MESSAGE",
            "chat_id": chat_id,
            "chat_type": "Buyer_Seller",
            "message_id": message_id,
            "created_at": rendered["created_at"],
            "updated_at": self._time(updated, message.variant),
            "user": rendered["user"],
            "data": rendered["data"],
            "seller_id": SELLER_ID,
        }

    def chat_closed_push(self, chat_id: str) -> Json:
        """The TYPE_CHAT_CLOSED push: `user` is who closed the chat, here the chat's buyer (the
        author of its first buyer message; Ozon's example buyer when it has none)."""
        buyer = next((m for m in self.messages(chat_id) if m.is_customer), None)
        user = (
            self.render_message(buyer)["user"]
            if buyer is not None
            else {"id": "115568", "type": "Customer"}
        )
        return {
            "message_type": "TYPE_CHAT_CLOSED",
            "chat_id": chat_id,
            "chat_type": "Buyer_Seller",
            "user": user,
            "seller_id": SELLER_ID,
        }

    # ---- quirks ----------------------------------------------------------------------------

    def _id(self, value: int) -> str | int:
        return str(value) if self.quirks else value

    def _enum(self, value: str, variant: int) -> str:
        if self.quirks and variant % 2 == 1:
            return "_".join(part.capitalize() for part in value.split("_"))
        return value

    def _time(self, moment: datetime, variant: int) -> str:
        base = moment.strftime("%Y-%m-%dT%H:%M:%S")
        style = variant % 3 if self.quirks else 0
        if style == 1:
            return f"{base}Z"
        if style == 2:
            return f"{base}.{moment.microsecond // 1000:03d}Z"
        return f"{base}.{moment.microsecond:06d}Z"

    def _user_type(self, message: StandInMessage) -> str:
        if not self.quirks or message.user_type != "Customer":
            return message.user_type
        if message.variant % 2 == 1:
            return "Сustomer"  # Cyrillic С (U+0421), as in Ozon's own example
        return "customer" if message.variant % 4 == 2 else "Customer"
